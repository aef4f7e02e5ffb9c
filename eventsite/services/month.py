"""The month calendar: listed events placed on the days they fall on in a chosen zone."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from eventsite.domain.timezones import format_clock, format_long_date, get_zone, utcnow
from eventsite.extensions import db
from eventsite.models import Event, EventStatus
from eventsite.models.occurrence import Occurrence
from eventsite.services.listings import LISTED

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
FIRST_YEAR, LAST_YEAR = 1900, 2999  # months a visitor can page to


@dataclass
class Entry:
    event: Event
    starts: datetime  # aware, in the chosen zone
    clock: str  # '11:30pm'
    zone_abbreviation: str
    status: str  # 'published', 'cancelled', 'postponed' (a date of a series: its own)
    endpoint: str = "public.event"  # where it links: the event, or one date of a series
    values: dict = field(default_factory=dict)


@dataclass
class Day:
    day: date
    in_month: bool
    is_today: bool
    entries: list[Entry] = field(default_factory=list)

    @property
    def label(self) -> str:
        """'Thursday 11 March 2027'."""
        return format_long_date(datetime.combine(self.day, datetime.min.time()))


@dataclass
class Month:
    year: int
    month: int
    zone: str
    weeks: list[list[Day]]

    @property
    def title(self) -> str:
        return f"{MONTHS[self.month - 1]} {self.year}"

    @property
    def previous(self) -> tuple[int, int] | None:
        year, month = (self.year, self.month - 1) if self.month > 1 else (self.year - 1, 12)
        return (year, month) if year >= FIRST_YEAR else None

    @property
    def next(self) -> tuple[int, int] | None:
        year, month = (self.year, self.month + 1) if self.month < 12 else (self.year + 1, 1)
        return (year, month) if year <= LAST_YEAR else None

    @property
    def days_with_events(self) -> list[Day]:
        """The agenda (a phone's view): days of this month that have events."""
        return [day for week in self.weeks for day in week if day.in_month and day.entries]


def is_valid_month(year: int, month: int) -> bool:
    return FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12


def this_month(zone_name: str, now: datetime | None = None) -> tuple[int, int]:
    today = (now or utcnow()).replace(tzinfo=UTC).astimezone(get_zone(zone_name))
    return today.year, today.month


def _midnight_utc(day: date, zone) -> datetime:
    """The instant a day starts in a zone (where midnight is skipped, the first moment after)."""
    local = zone.normalize(zone.localize(datetime.combine(day, datetime.min.time())))
    return local.astimezone(UTC).replace(tzinfo=None)


def month_view(year: int, month: int, zone_name: str, now: datetime | None = None) -> Month:
    """Weeks Monday to Sunday covering the month, each day with the listed events that start
    on it in `zone_name`; one query (plus the events' related rows)."""
    zone = get_zone(zone_name)
    grid = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    start = _midnight_utc(grid[0][0], zone)
    end = _midnight_utc(grid[-1][-1] + timedelta(days=1), zone)
    today = (now or utcnow()).replace(tzinfo=UTC).astimezone(zone).date()
    days = {d: Day(d, d.month == month, d == today) for week in grid for d in week}
    found: list[tuple] = []

    def place(event: Event, instant: datetime, status: str, endpoint: str, values: dict):
        local = instant.replace(tzinfo=UTC).astimezone(zone)
        if (day := days.get(local.date())) is not None:
            found.append((instant, event.id, day, Entry(
                event, local, format_clock(local), local.tzname(), status, endpoint, values)))

    for event in db.session.scalars(
            db.select(Event).where(Event.status.in_(LISTED), Event.recurrence_rule.is_(None),
                                   Event.starts_utc >= start, Event.starts_utc < end)):
        place(event, event.starts_utc, event.status.value, "public.event", {"slug": event.slug})
    # A series appears on each of its dates, each linking to that date's page.
    for occurrence, event in db.session.execute(
            db.select(Occurrence, Event).join(Event, Event.id == Occurrence.event_id)
            .where(Event.status.in_(LISTED), Occurrence.starts_utc >= start,
                   Occurrence.starts_utc < end)):
        status = (event.status.value if event.status is not EventStatus.PUBLISHED
                  else {"scheduled": "published"}.get(occurrence.status.value,
                                                      occurrence.status.value))
        place(event, occurrence.starts_utc, status, "public.occurrence",
              {"slug": event.slug, "day": occurrence.day.isoformat()})
    for _instant, _id, day, entry in sorted(found, key=lambda item: item[:2]):
        day.entries.append(entry)
    return Month(year, month, zone_name, [[days[d] for d in week] for week in grid])
