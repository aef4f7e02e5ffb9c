"""Recurring series: the rule organisers need, its dates, their instants, and its rhythm in words.

Pure code (stdlib, pytz through domain/timezones, and python-dateutil's rrule). A series is
kept like an event: the first occurrence's wall time and zone plus a rule are the truth. The
rule is expanded on naive wall times ("every Tuesday at 7pm"), and only then is each
occurrence localised, so 7pm London stays 7pm London all year. Never add hours to an instant.

An occurrence whose wall time the clocks skip or repeat is resolved as RFC 5545 (3.3.5) says
calendar programs resolve it: a skipped time is read with the offset in force before the gap
(2:30am in a 2am→3am gap becomes 3:30am), a repeated time means its first occurrence. That is
what every calendar reading our RRULE does, so pages, API and feeds agree; `clock_changes`
lists the occurrences so resolved, for the organiser to see before saving.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

import pytz
from dateutil import rrule as du

from eventsite.domain.timezones import (
    AmbiguousWallTimeError,
    Fold,
    NonexistentWallTimeError,
    format_clock,
    format_long_date,
    get_zone,
    localize,
)

__all__ = [
    "MAX_OCCURRENCES",
    "ClockChange",
    "Frequency",
    "Occurrence",
    "RecurrenceError",
    "Rule",
    "calendar_rule",
    "clock_changes",
    "expand",
    "format_rule",
    "occurrence_dates",
    "parse_rule",
    "resolve",
    "rhythm",
]

# A series is materialised as rows (services/series.py): its size is bounded so that a
# careless "every day for 50 years" cannot fill the database. Two years of a daily class.
MAX_OCCURRENCES = 750
MAX_YEARS = 10


class RecurrenceError(ValueError):
    """A rule or exception an organiser must correct; `field` names the part at fault."""

    def __init__(self, message: str, field: str = "rule"):
        self.field = field
        super().__init__(message)


class Frequency(enum.StrEnum):
    DAILY = "DAILY"
    WEEKLY = "WEEKLY"
    MONTHLY = "MONTHLY"
    YEARLY = "YEARLY"


_DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December")
_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}


@dataclass(frozen=True)
class Rule:
    """The RFC 5545 RRULE subset organisers need.

    weekly: on `weekdays` (0 = Monday); monthly: on `month_day`, or on the `nth` `weekdays[0]`
    ("second Tuesday": nth=2, weekdays=(1,); -1 is the last); daily and yearly repeat the first
    occurrence's day. Every `interval` periods, until a local date or `count` times.
    """

    freq: Frequency
    interval: int = 1
    weekdays: tuple[int, ...] = ()
    nth: int | None = None
    month_day: int | None = None
    until: date | None = None
    count: int | None = None


_PART = re.compile(r"^[A-Z]+=[A-Z0-9,+\-]+$")
_NTH_DAY = re.compile(r"^([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)$")


def parse_rule(text: str) -> Rule:
    """'FREQ=WEEKLY;BYDAY=TU;COUNT=12' -> Rule, or RecurrenceError saying what is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise RecurrenceError("is required, e.g. FREQ=WEEKLY;BYDAY=TU;COUNT=12")
    body = text.strip().upper()
    body = body.removeprefix("RRULE:")
    parts: dict[str, str] = {}
    for part in body.split(";"):
        if not _PART.match(part):
            raise RecurrenceError(f"“{part}” is not a rule part such as FREQ=WEEKLY")
        key, value = part.split("=", 1)
        if key in parts:
            raise RecurrenceError(f"{key} is given twice")
        parts[key] = value
    unsupported = set(parts) - {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "UNTIL", "COUNT",
                                "WKST"}
    if unsupported:
        raise RecurrenceError(f"{', '.join(sorted(unsupported))} is not supported here: a series "
                              f"repeats daily, weekly on chosen days, monthly by date or by "
                              f"weekday (“second Tuesday”), or yearly")
    if parts.get("WKST", "MO") != "MO":
        raise RecurrenceError("WKST must be MO (weeks start on Monday)")
    try:
        freq = Frequency(parts.get("FREQ", ""))
    except ValueError:
        raise RecurrenceError("FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY") from None
    interval = _number(parts.get("INTERVAL", "1"), "INTERVAL", 1, 99)
    count = _number(parts["COUNT"], "COUNT", 1, MAX_OCCURRENCES) if "COUNT" in parts else None
    until = _until(parts["UNTIL"]) if "UNTIL" in parts else None
    if count is not None and until is not None:
        raise RecurrenceError("give UNTIL or COUNT, not both")
    if count is None and until is None:
        raise RecurrenceError("a series must end: add UNTIL=<date> or COUNT=<number>")

    weekdays: tuple[int, ...] = ()
    nth = month_day = None
    days = [d for d in parts.get("BYDAY", "").split(",") if d] if "BYDAY" in parts else []
    if "BYMONTHDAY" in parts:
        if freq is not Frequency.MONTHLY:
            raise RecurrenceError("BYMONTHDAY is only for FREQ=MONTHLY")
        if days:
            raise RecurrenceError("give BYMONTHDAY or BYDAY, not both")
        month_day = _number(parts["BYMONTHDAY"], "BYMONTHDAY", 1, 31)
    if days:
        matches = [_NTH_DAY.match(d) for d in days]
        if not all(matches):
            raise RecurrenceError("BYDAY takes days such as TU or, monthly, 2TU (second "
                                  "Tuesday) or -1FR (last Friday)")
        ordinals = [int(m.group(1)) if m.group(1) else None for m in matches]
        codes = [_DAY_CODES.index(m.group(2)) for m in matches]
        if freq is Frequency.WEEKLY:
            if any(o is not None for o in ordinals):
                raise RecurrenceError("weekly BYDAY takes plain days such as TU,TH")
            if len(set(codes)) != len(codes):
                raise RecurrenceError("BYDAY names a day twice")
            weekdays = tuple(sorted(codes))
        elif freq is Frequency.MONTHLY:
            if len(days) != 1 or ordinals[0] is None or ordinals[0] not in _ORDINALS:
                raise RecurrenceError("monthly BYDAY takes one day with its place in the "
                                      "month: 1TU to 5TU, or -1TU for the last")
            nth, weekdays = ordinals[0], (codes[0],)
        else:
            raise RecurrenceError(f"BYDAY is not supported with FREQ={freq.value}")
    return Rule(freq, interval, weekdays, nth, month_day, until, count)


def _number(value: str, name: str, low: int, high: int) -> int:
    if not value.isdigit() or not low <= int(value) <= high:
        raise RecurrenceError(f"{name} must be a whole number from {low} to {high}")
    return int(value)


def _until(value: str) -> date:
    """UNTIL as the last local date of the series: 20270630, or 20270630T235959[Z]."""
    match = re.fullmatch(r"(\d{8})(T\d{6}Z?)?", value)
    try:
        if match:
            return datetime.strptime(match.group(1), "%Y%m%d").date()
    except ValueError:
        pass
    raise RecurrenceError("UNTIL must be a date such as 20270630")


def format_rule(rule: Rule) -> str:
    """The rule as RRULE text, with UNTIL as a date (the form kept and shown to organisers)."""
    parts = [f"FREQ={rule.freq.value}"]
    if rule.interval != 1:
        parts.append(f"INTERVAL={rule.interval}")
    if rule.nth is not None:
        parts.append(f"BYDAY={rule.nth}{_DAY_CODES[rule.weekdays[0]]}")
    elif rule.weekdays:
        parts.append("BYDAY=" + ",".join(_DAY_CODES[d] for d in rule.weekdays))
    if rule.month_day is not None:
        parts.append(f"BYMONTHDAY={rule.month_day}")
    if rule.until is not None:
        parts.append(f"UNTIL={rule.until:%Y%m%d}")
    if rule.count is not None:
        parts.append(f"COUNT={rule.count}")
    return ";".join(parts)


def calendar_rule(rule: Rule, zone: str) -> str:
    """The RRULE value for a calendar file whose DTSTART has a TZID: UNTIL then must be a UTC
    instant (RFC 5545 3.3.10); the end of the last local day, which no date passes."""
    if rule.until is None:
        return format_rule(rule)
    instant = resolve(datetime.combine(rule.until, time(23, 59, 59)), zone).instant
    until = instant.astimezone(pytz.utc)
    return format_rule(rule).replace(f"UNTIL={rule.until:%Y%m%d}",
                                     f"UNTIL={until:%Y%m%dT%H%M%SZ}")


def _rrule(rule: Rule, first: datetime) -> du.rrule:
    byweekday = None
    if rule.nth is not None:
        byweekday = [du.weekday(rule.weekdays[0], rule.nth)]
    elif rule.weekdays:
        byweekday = list(rule.weekdays)
    until = datetime.combine(rule.until, time.max) if rule.until else None
    return du.rrule(
        {Frequency.DAILY: du.DAILY, Frequency.WEEKLY: du.WEEKLY, Frequency.MONTHLY: du.MONTHLY,
         Frequency.YEARLY: du.YEARLY}[rule.freq],
        dtstart=first, interval=rule.interval, wkst=du.MO, count=rule.count, until=until,
        byweekday=byweekday, bymonthday=rule.month_day)


def occurrence_dates(rule: Rule, first: datetime, exceptions: Iterable[date] = (),
                     limit: int = MAX_OCCURRENCES) -> list[datetime]:
    """The naive wall starts of a series, first included, exceptions left out.

    RecurrenceError when the first start is not one of the rule's own dates (calendar
    programs disagree about such a DTSTART), when an exception names no date of the series,
    or when the series has more than `limit` dates or runs longer than MAX_YEARS.
    """
    if first.tzinfo is not None:
        raise ValueError("occurrence_dates() takes a naive wall time")
    if rule.until is not None and rule.until < first.date():
        raise RecurrenceError("the series ends before its first date", "until")
    walls = []
    horizon = first.replace(year=first.year + MAX_YEARS) if not (
        first.month == 2 and first.day == 29) else first + timedelta(days=365 * MAX_YEARS)
    for wall in _rrule(rule, first):
        if len(walls) == limit or wall >= horizon:
            raise RecurrenceError(
                f"a series holds at most {limit} dates over {MAX_YEARS} years: end it sooner",
                "until" if rule.until else "count")
        walls.append(wall)
    if not walls or walls[0] != first:
        raise RecurrenceError(
            f"the first date, {format_long_date(first)}, is not one of the rule's own dates: "
            f"start the series on a day it repeats on", "start")
    excluded = set(exceptions)
    dates = {wall.date() for wall in walls}
    for day in sorted(excluded - dates):
        raise RecurrenceError(f"{day.isoformat()} is not one of the series' dates", "except")
    return [wall for wall in walls if wall.date() not in excluded]


class Resolution(enum.StrEnum):
    EXACT = "exact"
    GAP = "gap"  # the clocks skip the wall time: held later by the size of the jump
    FOLD = "fold"  # the clocks show it twice: held at the first


class Resolved(NamedTuple):
    instant: datetime  # aware, in the zone
    how: Resolution


def resolve(wall: datetime, zone: str) -> Resolved:
    """The instant RFC 5545 gives a wall time in `zone`: in a gap, read with the offset before
    the gap; in a fold, the first of the two."""
    try:
        return Resolved(localize(wall, zone), Resolution.EXACT)
    except NonexistentWallTimeError as error:
        utc = wall - error.transition.offset_before
        return Resolved(pytz.utc.localize(utc).astimezone(get_zone(zone)), Resolution.GAP)
    except AmbiguousWallTimeError as error:
        return Resolved(error.choices[Fold.EARLIER], Resolution.FOLD)


@dataclass(frozen=True)
class Occurrence:
    """One date of a series: `day` (its local date under the rule) names it for good."""

    day: date
    wall_start: datetime  # the rule's wall time (naive)
    start_utc: datetime  # naive UTC
    end_utc: datetime
    how: Resolution = Resolution.EXACT
    local_start: datetime = field(default=None, compare=False)  # aware, as the clocks show


def expand(rule: Rule, first_start: datetime, first_end: datetime, zone: str,
           exceptions: Iterable[date] = (), limit: int = MAX_OCCURRENCES) -> list[Occurrence]:
    """Every occurrence of a series with its instants.

    Each lasts the first occurrence's exact duration (RFC 5545 3.8.5.3: the elapsed time
    between DTSTART and DTEND applies to every instance), so an hour stays an hour.
    """
    first = resolve(first_start, zone).instant
    end = resolve(first_end, zone).instant
    duration = end - first
    if duration <= timedelta(0):
        raise RecurrenceError("must be after the start", "end")
    found = []
    for wall in occurrence_dates(rule, first_start, exceptions, limit):
        instant, how = resolve(wall, zone)
        start_utc = instant.replace(tzinfo=None) - instant.utcoffset()
        found.append(Occurrence(wall.date(), wall, start_utc, start_utc + duration, how,
                                instant))
    return found


# --- what the organiser reads ------------------------------------------------------------------

class ClockChange(NamedTuple):
    day: date
    message: str


def clock_changes(occurrences: Sequence[Occurrence], zone_label: str) -> list[ClockChange]:
    """The occurrences whose wall time the clocks skip or repeat, and what happens to each:
    'Sunday 29 March 2026: the clocks skip 1:30am in London; it starts at 2:30am BST.'"""
    notes = []
    for occ in occurrences:
        if occ.how is Resolution.EXACT:
            continue
        when = format_long_date(occ.wall_start)
        clock = format_clock(occ.wall_start)
        held = f"{format_clock(occ.local_start)} {occ.local_start.tzname()}"
        if occ.how is Resolution.GAP:
            text = f"{when}: the clocks skip {clock} in {zone_label}; it starts at {held}."
        else:
            text = (f"{when}: the clocks show {clock} twice in {zone_label}; it starts at the "
                    f"first, {held}.")
        notes.append(ClockChange(occ.day, text))
    return notes


def _join(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _day_of_month(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(
        number % 10, "th")
    return f"{number}{suffix}"


def _every(interval: int, unit: str) -> str:
    if interval == 1:
        return f"every {unit}"
    if interval == 2:
        return f"every other {unit}"
    return f"every {interval} {unit}s"


def rhythm(rule: Rule, first_start: datetime, zone_label: str) -> str:
    """'Every Tuesday at 7pm London time, until 30 June': the rule as a person says it."""
    if rule.freq is Frequency.DAILY:
        text = _every(rule.interval, "day")
    elif rule.freq is Frequency.WEEKLY:
        days = rule.weekdays or (first_start.weekday(),)
        if days == (0, 1, 2, 3, 4) and rule.interval == 1:
            text = "every weekday"
        else:
            text = _every(rule.interval, "week") + " on " + _join([_DAY_NAMES[d] for d in days])
            if rule.interval == 1:
                text = "every " + _join([_DAY_NAMES[d] for d in days])
            elif rule.interval == 2 and len(days) == 1:
                text = f"every other {_DAY_NAMES[days[0]]}"
    elif rule.freq is Frequency.MONTHLY:
        if rule.nth is not None:
            what = f"the {_ORDINALS[rule.nth]} {_DAY_NAMES[rule.weekdays[0]]}"
            text = (f"{what} of every month" if rule.interval == 1
                    else f"{what} of {_every(rule.interval, 'month')}")
            text = text[0].upper() + text[1:]
        else:
            day = rule.month_day or first_start.day
            text = f"{_every(rule.interval, 'month')} on the {_day_of_month(day)}"
    else:
        text = (f"{_every(rule.interval, 'year')} on {first_start.day} "
                f"{_MONTH_NAMES[first_start.month - 1]}")
    text = text[0].upper() + text[1:]
    text += f" at {format_clock(first_start)} {zone_label} time"
    if rule.until is not None:
        until = f"{rule.until.day} {_MONTH_NAMES[rule.until.month - 1]}"
        if rule.until.year != first_start.year:
            until += f" {rule.until.year}"
        text += f", until {until}"
    elif rule.count is not None:
        text += ", once" if rule.count == 1 else f", {rule.count} times"
    return text
