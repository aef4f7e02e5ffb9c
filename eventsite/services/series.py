"""Recurring series: checking a series' rule and changes, keeping its occurrence rows, and the
queries that read them.

The truth is the event's first date (wall time + zone), its rule and exceptions, and the
organiser's changes to single dates (`OccurrenceChange`). `Occurrence` rows are derived from
them here, in the same transaction as every write to any of them, and again by
`recompute-utc` after a tzdata update: listings and feeds then read instants off an index.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import delete, exists, select, union_all
from sqlalchemy.orm import aliased

from eventsite.domain import recurrence
from eventsite.domain.recurrence import RecurrenceError
from eventsite.domain.timezones import WallTimeError, get_zone, to_utc, utcnow, wall_clock
from eventsite.extensions import db
from eventsite.models import (
    Event,
    Occurrence,
    OccurrenceChange,
    OccurrenceSeats,
    OccurrenceStatus,
)


@dataclass
class RecurrenceInput:
    """How a series repeats, as given: RRULE text and dates left out (local to the event)."""

    rule: str
    exceptions: list[date] = field(default_factory=list)


@dataclass
class OccurrenceChangeInput:
    """An organiser's change to one date of a series (None: as the series has it)."""

    day: date
    starts_local: datetime | None = None
    ends_local: datetime | None = None
    status: OccurrenceStatus = OccurrenceStatus.SCHEDULED
    note: str = ""
    venue_name: str | None = None
    venue_address: str | None = None
    locations: list[dict] | None = None
    speakers: list[dict] | None = None


@dataclass(frozen=True)
class Plan:
    """A checked series: its rule (normalised text) and every date with its instants."""

    rule: recurrence.Rule
    rule_text: str
    exceptions: tuple[date, ...]
    dates: tuple[recurrence.Occurrence, ...]


def plan_series(data: RecurrenceInput, starts_local: datetime, ends_local: datetime,
                zone: str) -> Plan:
    """Check a series and expand it; ValidationError-shaped errors as {field: message}."""
    try:
        rule = recurrence.parse_rule(data.rule)
        dates = recurrence.expand(rule, starts_local, ends_local, zone, data.exceptions)
    except RecurrenceError as error:
        key = {"rule": "recurrence.rule", "except": "recurrence.except", "start": "start",
               "end": "end"}.get(error.field, "recurrence.rule")
        raise SeriesError({key: str(error)}) from None
    return Plan(rule, recurrence.format_rule(rule), tuple(sorted(set(data.exceptions))),
                tuple(dates))


class SeriesError(ValueError):
    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


def check_change(change: OccurrenceChangeInput, plan: Plan, zone: str,
                 path: str) -> dict[str, str]:
    """What is wrong with a change to one date of `plan` (empty when nothing)."""
    errors: dict[str, str] = {}
    if change.day not in {d.day for d in plan.dates}:
        errors[f"{path}.date"] = f"{change.day.isoformat()} is not one of the series' dates"
        return errors
    for key, wall in (("start", change.starts_local), ("end", change.ends_local)):
        if wall is not None:
            try:
                to_utc(wall, zone)
            except WallTimeError as error:
                errors[f"{path}.{key}"] = str(error)
    if change.ends_local and not change.starts_local:
        errors[f"{path}.start"] = "is required when an end is given"
    elif (change.starts_local and change.ends_local and not errors
          and to_utc(change.ends_local, zone) <= to_utc(change.starts_local, zone)):
        errors[f"{path}.end"] = "must be after the start"
    if len(change.note) > 500:
        errors[f"{path}.note"] = "is too long (at most 500 characters)"
    return errors


def save_changes(event: Event, changes: Iterable[OccurrenceChangeInput]) -> None:
    """Replace the event's changes for the dates in `changes` (the event has an id)."""
    for change in changes:
        row = db.session.scalar(select(OccurrenceChange).where(
            OccurrenceChange.event_id == event.id, OccurrenceChange.day == change.day))
        if row is None:
            row = OccurrenceChange(event_id=event.id, day=change.day, revision=0)
            db.session.add(row)
        else:
            row.revision += 1
        row.starts_local, row.ends_local = change.starts_local, change.ends_local
        row.status, row.note = change.status, change.note.strip()
        row.venue_name, row.venue_address = change.venue_name, change.venue_address
        row.locations, row.speakers = change.locations, change.speakers


def store_occurrences(event: Event, plan: Plan | None) -> None:
    """Re-derive the event's occurrence rows from `plan` and its saved changes."""
    db.session.flush()  # the event has an id; its changes are in the database
    db.session.execute(delete(Occurrence).where(Occurrence.event_id == event.id))
    if plan is None:
        event.series_ends_utc = None
        return
    changes = {row.day: row for row in db.session.scalars(
        select(OccurrenceChange).where(OccurrenceChange.event_id == event.id))}
    duration = plan.dates[0].end_utc - plan.dates[0].start_utc
    rows = []
    for planned in plan.dates:
        change = changes.get(planned.day)
        starts_utc, ends_utc = planned.start_utc, planned.end_utc
        moved = False
        if change is not None and change.starts_local is not None:
            starts_utc = to_utc(change.starts_local, event.timezone)
            ends_utc = (to_utc(change.ends_local, event.timezone) if change.ends_local
                        else starts_utc + duration)
            moved = (starts_utc, ends_utc) != (planned.start_utc, planned.end_utc)
        rows.append(Occurrence(
            event_id=event.id, day=planned.day,
            starts_local=_wall(starts_utc, event.timezone),
            ends_local=_wall(ends_utc, event.timezone),
            starts_utc=starts_utc, ends_utc=ends_utc,
            status=change.status if change else OccurrenceStatus.SCHEDULED,
            note=change.note if change else "", changed=change is not None, moved=moved,
            resolution=planned.how.value))
    db.session.add_all(rows)
    event.series_ends_utc = max(row.ends_utc for row in rows)
    # Each date's seat counter (registration date by date), kept across recomputations.
    counted = set(db.session.scalars(select(OccurrenceSeats.day).where(
        OccurrenceSeats.event_id == event.id)))
    db.session.add_all(OccurrenceSeats(event_id=event.id, day=row.day, confirmed_count=0)
                       for row in rows if row.day not in counted)


def _wall(instant: datetime, zone: str) -> datetime:
    return wall_clock(instant, get_zone(zone))[0]


def plan_of(event: Event) -> Plan | None:
    """The event's series as saved, re-expanded under the tz rules in force now."""
    if event.recurrence_rule is None:
        return None
    return plan_series(RecurrenceInput(event.recurrence_rule, exceptions_of(event)),
                       event.starts_local, event.ends_local, event.timezone)


def exceptions_of(event: Event) -> list[date]:
    return [date.fromisoformat(day) for day in event.recurrence_exceptions or []]


# --- queries -----------------------------------------------------------------------------------

def occurrences_of(event: Event, start: datetime | None = None, end: datetime | None = None,
                   limit: int = 1000) -> list[Occurrence]:
    """The event's occurrences ending at or after `start` and starting before `end` (naive
    UTC), in time order."""
    query = select(Occurrence).where(Occurrence.event_id == event.id)
    if start is not None:
        query = query.where(Occurrence.ends_utc >= start)
    if end is not None:
        query = query.where(Occurrence.starts_utc < end)
    return list(db.session.scalars(query.order_by(Occurrence.starts_utc).limit(limit)))


def occurrence_on(event: Event, day: date) -> Occurrence | None:
    return db.session.scalar(select(Occurrence).where(Occurrence.event_id == event.id,
                                                      Occurrence.day == day))


def change_on(event: Event, day: date) -> OccurrenceChange | None:
    return db.session.scalar(select(OccurrenceChange).where(
        OccurrenceChange.event_id == event.id, OccurrenceChange.day == day))


def next_occurrences(events: Iterable[Event], now: datetime | None = None
                     ) -> dict[int, Occurrence]:
    """Each series' next occurrence not yet over, by event id: one query for a whole page."""
    ids = [event.id for event in events if event.is_series]
    if not ids:
        return {}
    now = now or utcnow()
    later = aliased(Occurrence)
    rows = db.session.scalars(select(Occurrence).where(
        Occurrence.event_id.in_(ids), Occurrence.ends_utc >= now,
        ~exists().where(later.event_id == Occurrence.event_id, later.ends_utc >= now,
                        later.starts_utc < Occurrence.starts_utc)))
    return {row.event_id: row for row in rows}


def listing_starts(moment: datetime, max_duration):
    """(event_id, starts_utc) of what a listing from `moment` shows: every event once at the
    instant it is listed by — a single event at its start, a series at its next occurrence
    still running at `moment`. Both halves walk a starts_utc index from just before
    `moment` (nothing lasts longer than `max_duration`)."""
    singles = select(Event.id.label("event_id"), Event.starts_utc.label("starts_utc")).where(
        Event.recurrence_rule.is_(None), Event.ends_utc >= moment,
        Event.starts_utc >= moment - max_duration)
    later = aliased(Occurrence)
    series = select(Occurrence.event_id, Occurrence.starts_utc).where(
        Occurrence.ends_utc >= moment, Occurrence.starts_utc >= moment - max_duration,
        ~exists().where(later.event_id == Occurrence.event_id, later.ends_utc >= moment,
                        later.starts_utc < Occurrence.starts_utc))
    return union_all(singles, series).subquery("listed")


def parse_changes(items: object, zone_check=None) -> tuple[list[OccurrenceChangeInput],
                                                              dict[str, str]]:
    """Import records' `"occurrences": [{date, start, end, status, note, venue, locations,
    speakers}]` -> inputs, and errors keyed `occurrences[i].field`."""
    errors: dict[str, str] = {}
    changes: list[OccurrenceChangeInput] = []
    if items in (None, ""):
        return changes, errors
    if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
        return changes, {"occurrences": "must be a list of objects"}
    seen: set[date] = set()
    for index, item in enumerate(items):
        path = f"occurrences[{index}]"
        day = _date(item.get("date"))
        if day is None:
            errors[f"{path}.date"] = "is required: the date the rule gives, such as 2027-03-30"
            continue
        if day in seen:
            errors[f"{path}.date"] = f"{day.isoformat()} is changed twice"
            continue
        seen.add(day)
        starts = _wall_time(item.get("start"), f"{path}.start", errors)
        ends = _wall_time(item.get("end"), f"{path}.end", errors)
        status_text = str(item.get("status") or "scheduled").strip().lower()
        try:
            status = OccurrenceStatus(status_text)
        except ValueError:
            errors[f"{path}.status"] = (f"“{status_text}” is not one of: "
                                        + ", ".join(s.value for s in OccurrenceStatus))
            status = OccurrenceStatus.SCHEDULED
        note = item.get("note") or ""
        if not isinstance(note, str):
            errors[f"{path}.note"] = "must be text"
            note = ""
        venue = item.get("venue")
        if venue is not None and not isinstance(venue, Mapping):
            errors[f"{path}.venue"] = "must be an object with `name` and `address`"
            venue = None
        changes.append(OccurrenceChangeInput(
            day=day, starts_local=starts, ends_local=ends, status=status, note=note,
            venue_name=_text(venue, "name", 200) if venue is not None else None,
            venue_address=_text(venue, "address", 500) if venue is not None else None,
            locations=_records(item.get("locations"), ("name", "url"), f"{path}.locations",
                               errors),
            speakers=_records(item.get("speakers"), ("name", "affiliation", "role"),
                              f"{path}.speakers", errors)))
    return changes, errors


def _date(value) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value).strip()) if value else None
    except ValueError:
        return None


def _wall_time(value, path: str, errors: dict[str, str]) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        parsed = datetime.fromisoformat(str(value).strip())
    except ValueError:
        errors[path] = f"“{value}” is not a date and time such as 2027-03-30T19:00"
        return None
    if parsed.tzinfo is not None:
        errors[path] = "must be a local wall time without an offset"
        return None
    return parsed


def _text(record: Mapping, key: str, limit: int) -> str:
    value = record.get(key) or ""
    return str(value).strip()[:limit]


def _records(value, keys: tuple[str, ...], path: str, errors: dict[str, str]):
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        errors[path] = "must be a list of objects"
        return None
    records = []
    for index, item in enumerate(value):
        record = {key: str(item.get(key) or "").strip()[:500] for key in keys}
        if not record["name"]:
            errors[f"{path}[{index}].name"] = "is required"
        records.append(record)
    return records


def parse_recurrence(value) -> tuple[RecurrenceInput | None, dict[str, str]]:
    """An import record's `"recurrence": {"rule": ..., "except": [...]}`."""
    if value in (None, ""):
        return None, {}
    if not isinstance(value, Mapping):
        return None, {"recurrence": "must be an object with `rule` and `except`"}
    rule = value.get("rule")
    if not isinstance(rule, str) or not rule.strip():
        return None, {"recurrence.rule": "is required, e.g. FREQ=WEEKLY;BYDAY=TU;COUNT=12"}
    excepted = value.get("except") or []
    if not isinstance(excepted, list):
        return None, {"recurrence.except": "must be a list of dates such as 2027-04-06"}
    days = []
    for item in excepted:
        day = _date(item)
        if day is None:
            return None, {"recurrence.except": f"“{item}” is not a date such as 2027-04-06"}
        days.append(day)
    return RecurrenceInput(rule.strip(), days), {}


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min)
