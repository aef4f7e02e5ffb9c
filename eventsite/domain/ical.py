"""Plain event values -> iCalendar bytes (RFC 5545), for feeds, downloads and invitations.

Pure code: icalendar, pytz and the stdlib. icalendar serialises (escaping, CRLF, folding at 75
octets without splitting a UTF-8 character); the VTIMEZONE blocks are built here, because
icalendar's generated ones cover 1970-2038 and list onsets in multi-valued RDATEs that
Thunderbird's ical.js misreads. Ours cover only the whole years the events fall in, with one
observance per onset, and are cached per zone and span.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import pytz
from icalendar import (
    Calendar,
    Event,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    vCalAddress,
    vDuration,
)

from eventsite.domain.timezones import get_zone

_DAY = timedelta(days=1)
_MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class CalendarEntry:
    """One event as a calendar shows it. Datetimes are naive UTC unless named otherwise."""

    uid: str
    summary: str
    starts_utc: datetime
    ends_utc: datetime
    timezone: str
    description: str = ""
    url: str = ""
    location: str = ""
    status: str = "CONFIRMED"  # CONFIRMED, TENTATIVE or CANCELLED
    sequence: int = 0
    created: datetime | None = None
    last_modified: datetime | None = None
    categories: Sequence[str] = ()
    attendees: Sequence[tuple[str, str]] = ()  # (name, e-mail), for invitations


@dataclass(frozen=True)
class CalendarInfo:
    """What the whole file says about itself."""

    name: str
    description: str = ""
    prodid: str = "-//eventsite//eventsite//EN"
    organizer_name: str = ""
    organizer_email: str = ""
    method: str = "PUBLISH"
    refresh: timedelta = field(default=timedelta(hours=1))


def build_calendar(info: CalendarInfo, entries: Iterable[CalendarEntry]) -> bytes:
    """A VCALENDAR holding `entries`, with one compact VTIMEZONE for each zone they use."""
    entries = list(entries)
    calendar = Calendar()
    calendar.add("prodid", info.prodid)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", info.method)
    calendar.add("x-wr-calname", info.name)
    if info.description:
        calendar.add("x-wr-caldesc", info.description)
    calendar.add("refresh-interval", info.refresh, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(info.refresh))

    spans: dict[str, tuple[int, int]] = {}
    for entry in entries:
        first, last = spans.get(entry.timezone, (entry.starts_utc.year, entry.ends_utc.year))
        spans[entry.timezone] = (min(first, entry.starts_utc.year),
                                 max(last, entry.ends_utc.year))
    for zone_name in sorted(spans):
        calendar.add_component(vtimezone(zone_name, *spans[zone_name]))
    for entry in entries:
        calendar.add_component(_vevent(entry, info))
    return calendar.to_ical()


def _vevent(entry: CalendarEntry, info: CalendarInfo) -> Event:
    zone = get_zone(entry.timezone)
    event = Event()
    event.add("uid", entry.uid)
    event.add("dtstamp", _utc(entry.last_modified or entry.created or entry.starts_utc))
    if entry.created:
        event.add("created", _utc(entry.created))
    if entry.last_modified:
        event.add("last-modified", _utc(entry.last_modified))
    event.add("sequence", entry.sequence)
    event.add("dtstart", _utc(entry.starts_utc).astimezone(zone))
    event.add("dtend", _utc(entry.ends_utc).astimezone(zone))
    event.add("summary", entry.summary)
    if entry.description:
        event.add("description", entry.description)
    if entry.location:
        event.add("location", entry.location)
    if entry.url:
        event.add("url", entry.url)
    if entry.categories:
        event.add("categories", list(entry.categories))
    event.add("status", entry.status)
    if info.organizer_email:
        organizer = vCalAddress(f"mailto:{info.organizer_email}")
        if info.organizer_name:
            organizer.params["CN"] = info.organizer_name
        event.add("organizer", organizer)
    for name, email in entry.attendees:
        attendee = vCalAddress(f"mailto:{email}")
        attendee.params.update({"CN": name, "ROLE": "REQ-PARTICIPANT", "RSVP": "FALSE"})
        event.add("attendee", attendee)
    return event


def _utc(naive_utc: datetime) -> datetime:
    return naive_utc.replace(tzinfo=UTC)


# --- VTIMEZONE --------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Period:
    """What a zone's clocks say from one onset on."""

    offset: timedelta
    dst: bool
    name: str


def _period_at(zone, utc_naive: datetime) -> _Period:
    local = pytz.utc.localize(utc_naive).astimezone(zone)
    return _Period(local.utcoffset(), bool(local.dst()), local.tzname())


def _onsets(zone, start: datetime, end: datetime) -> list[tuple[datetime, _Period, _Period]]:
    """(UTC instant, period before, period after) for each change in [start, end).

    Found with pytz's public conversions only: sampled daily (no zone changes twice in a
    day), then bisected to the minute.
    """
    changes = []
    moment, period = start, _period_at(zone, start)
    while moment < end:
        following = min(moment + _DAY, end)
        next_period = _period_at(zone, following)
        if next_period != period:
            lo, hi = moment, following  # period(lo) == period, period(hi) != period
            while hi - lo > _MINUTE:
                mid = lo + (hi - lo) / 2
                mid = mid.replace(second=0, microsecond=0)
                if mid <= lo:
                    break
                if _period_at(zone, mid) == period:
                    lo = mid
                else:
                    hi = mid
            after = _period_at(zone, hi)
            changes.append((hi, period, after))
            period = after
            # Continue from the onset, in case the day holds another change.
            moment = hi
            continue
        moment = following
    return changes


def _format_offset(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"


def _observance(kind, onset_local: datetime, before: _Period, after: _Period):
    component = kind()
    component.add("dtstart", onset_local)
    component.add("tzoffsetfrom", before.offset)
    component.add("tzoffsetto", after.offset)
    component.add("tzname", after.name)
    return component


@lru_cache(maxsize=256)
def vtimezone(zone_name: str, first_year: int, last_year: int) -> Timezone:
    """A VTIMEZONE for `zone_name` that is correct from 1 January `first_year` to the end of
    `last_year`: the period in force at the start, then one observance per onset."""
    zone = get_zone(zone_name)
    start, end = datetime(first_year, 1, 1), datetime(last_year + 1, 1, 1)
    component = Timezone()
    component.add("tzid", zone_name)
    initial = _period_at(zone, start)
    kinds = {True: TimezoneDaylight, False: TimezoneStandard}
    component.add_component(_observance(
        kinds[initial.dst], (start + initial.offset).replace(second=0), initial, initial))
    for instant, before, after in _onsets(zone, start, end):
        # DTSTART is the wall time of the onset as read on the clocks before it.
        component.add_component(_observance(kinds[after.dst], instant + before.offset,
                                            before, after))
    return component
