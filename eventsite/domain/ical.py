"""Plain event values -> iCalendar bytes (RFC 5545), for feeds, downloads and invitations.

Pure code: the stdlib and the time domain. A feed is a fixed set of properties with known
value types, so the content lines are written here (escaping, CRLF, folding at 75 octets
without splitting a UTF-8 character). icalendar's general component model cost about half a
millisecond per event (parameter objects, value-type lookup, folding one character at a
time), most of a cold 1,000-event build; icalendar stays the tests' reference reader, with
Mozilla's ical.js.

A zone's VTIMEZONE is one text for a span of years (the site passes the span of all its
events, so every file it writes carries the same block for a TZID), built once and cached; see
the VTIMEZONE section for its shape. Times the clocks show twice, and UTC events, are written
as instants (`date_time`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

from eventsite.domain.timezones import (
    Period,
    changes,
    get_zone,
    is_fixed_utc,
    period_at,
    unrepeated_wall,
    utcnow,
    wall_clock,
)


class CalendarEntry(NamedTuple):
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
    # A series: its RRULE value (UNTIL in UTC), and the rule's wall times left out (EXDATE).
    rrule: str = ""
    exdates: Sequence[datetime] = ()  # naive wall times in `timezone`, as the rule gives them
    # One changed date of a series: the rule's wall time it replaces (naive, in `timezone`).
    recurrence_id: datetime | None = None
    series_ends_utc: datetime | None = None  # a series' last end: its VTIMEZONE must reach it


@dataclass(frozen=True)
class CalendarInfo:
    """What the whole file says about itself."""

    name: str
    description: str = ""
    prodid: str = "-//eventsite//eventsite//EN"
    organizer_name: str = ""
    organizer_email: str = ""
    method: str = "PUBLISH"
    timezone: str = "UTC"  # the site's own zone: the one VTIMEZONE of a calendar with no events
    refresh: timedelta = field(default=timedelta(hours=1))


def build_calendar(info: CalendarInfo, entries: Iterable[CalendarEntry],
                   span: tuple[int, int] | None = None) -> bytes:
    """A VCALENDAR holding `entries`, with a VTIMEZONE for each zone they use.

    `span` (first year, last year) is what the VTIMEZONEs cover; the site passes the span of
    all its events so that a zone's block is the same text in every file it writes. Without
    it, the years of `entries`. A calendar with no events holds the VTIMEZONE of
    `info.timezone`: RFC 5545 wants at least one component, and strict readers (ical4j's
    validate()) refuse a calendar without."""
    entries = list(entries)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", fold(f"PRODID:{text(info.prodid)}"),
             "CALSCALE:GREGORIAN", fold(f"METHOD:{text(info.method)}"),
             fold(f"X-WR-CALNAME:{text(info.name)}")]
    if info.description:
        lines.append(fold(f"X-WR-CALDESC:{text(info.description)}"))
    lines += [f"REFRESH-INTERVAL;VALUE=DURATION:{duration(info.refresh)}",
              f"X-PUBLISHED-TTL:{duration(info.refresh)}"]

    if span is None:
        span = entries_span(entries) or (utcnow().year,) * 2
    zones = sorted({entry.timezone for entry in entries
                    if not is_fixed_utc(get_zone(entry.timezone))})
    if not entries:
        zones = [info.timezone]
    for zone_name in zones:
        lines += vtimezone(zone_name, *span)

    organizer = ""
    if info.organizer_email:
        parameters = f";CN={parameter(info.organizer_name)}" if info.organizer_name else ""
        organizer = fold(f"ORGANIZER{parameters}:mailto:{uri(info.organizer_email)}")
    for entry in entries:
        _vevent(lines, entry, organizer)
    lines += ["END:VCALENDAR", ""]
    return "\r\n".join(lines).encode()


def entries_span(entries: Iterable[CalendarEntry]) -> tuple[int, int] | None:
    """(first year, last year) of the entries' times, or None when there are none."""
    years = [year for entry in entries for year in (
        entry.starts_utc.year, (entry.series_ends_utc or entry.ends_utc).year)]
    return (min(years), max(years)) if years else None


def _vevent(lines: list[str], entry: CalendarEntry, organizer: str) -> None:
    """Appends the event's content lines, folded. Lines of a fixed shape are short enough
    as they are: the longest zone name (32 characters) makes a DTSTART line of 61 octets."""
    zone_name, zone = entry.timezone, get_zone(entry.timezone)
    stamp = utc(entry.last_modified or entry.created or entry.starts_utc)
    lines += ["BEGIN:VEVENT", fold(f"UID:{text(entry.uid)}"), f"DTSTAMP:{stamp}"]
    if entry.created:
        lines.append(f"CREATED:{utc(entry.created)}")
    if entry.last_modified:
        lines.append(f"LAST-MODIFIED:{stamp}")
    lines += [f"SEQUENCE:{int(entry.sequence)}",
              # A series' rule repeats its start's wall time: always written with its zone.
              (f"DTSTART;TZID={zone_name}:{local(entry.starts_utc, zone)}" if entry.rrule
               else "DTSTART" + date_time(entry.starts_utc, zone_name, zone)),
              "DTEND" + date_time(entry.ends_utc, zone_name, zone),
              fold(f"SUMMARY:{text(entry.summary)}")]
    if entry.recurrence_id is not None:
        lines.append(f"RECURRENCE-ID;TZID={zone_name}:{_basic(entry.recurrence_id)}")
    if entry.rrule:
        lines.append(fold(f"RRULE:{entry.rrule}"))
    for excluded in entry.exdates:
        lines.append(f"EXDATE;TZID={zone_name}:{_basic(excluded)}")
    if entry.description:
        lines.append(fold(f"DESCRIPTION:{text(entry.description)}"))
    if entry.location:
        lines.append(fold(f"LOCATION:{text(entry.location)}"))
    if entry.url:
        lines.append(fold(f"URL:{uri(entry.url)}"))
    if entry.categories:
        lines.append(fold("CATEGORIES:" + ",".join(map(text, entry.categories))))
    lines.append(fold(f"STATUS:{text(entry.status)}"))
    if organizer:
        lines.append(organizer)
    for name, email in entry.attendees:
        # Registered, so already accepted: calendar programs need not ask (RSVP=FALSE).
        lines.append(fold(f"ATTENDEE;CN={parameter(name)};CUTYPE=INDIVIDUAL;"
                          f"ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=FALSE:"
                          f"mailto:{uri(email)}"))
    lines.append("END:VEVENT")


# --- values and content lines (RFC 5545 section 3.1 and 3.3) -----------------------------------

# Control characters other than tab have no place in a content line; CR and LF in TEXT are
# written as the escape \n, never raw, so that no value can end its line.
_CONTROLS = re.compile("[\x00-\x08\x0a-\x1f\x7f]")


def _without_controls(value: str) -> str:
    if value.isprintable():  # the usual case, and a quicker test than the expression
        return value
    return _CONTROLS.sub("", value)


def text(value: str) -> str:
    """A TEXT value: backslash, semicolon, comma and line breaks escaped."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    if "\r" in value or "\n" in value:
        value = value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")
    return _without_controls(value)


def uri(value: str) -> str:
    """A URI or CAL-ADDRESS value: written as is, less anything that could end the line."""
    return _without_controls(value)


_PLAIN_PARAMETER = re.compile(r"[\w.'-]+( [\w.'-]+)*")


def parameter(value: str) -> str:
    """A parameter value (the name in CN=). RFC 6868 writes what a parameter cannot hold
    (a double quote, a line break, and so the caret itself) as ^' ^n ^^; anything but
    letters, digits and plain punctuation is double-quoted. A backslash is left out: RFC 5545
    gives it no meaning there, but icalendar reads '\\,' in a parameter as ',' and ical.js as
    written, and a name is only shown."""
    value = value.replace("\\", "").replace("^", "^^").replace('"', "^'")
    value = _without_controls(value.replace("\r\n", "^n").replace("\r", "^n").replace("\n", "^n"))
    return value if _PLAIN_PARAMETER.fullmatch(value) else f'"{value}"'


def utc(naive_utc: datetime) -> str:
    """A DATE-TIME in UTC form: '20211121T160000Z'."""
    return _basic(naive_utc) + "Z"


def date_time(naive_utc: datetime, zone_name: str, zone) -> str:
    """A DTSTART or DTEND after its name: ';TZID=Europe/Paris:20211121T110000', the wall time
    the organiser typed, or ':20211121T160000Z' for an event in UTC and for a time the clocks
    of its zone show twice. RFC 5545 (3.3.5) reads a repeated local time as its first
    occurrence, libical and ical.js as the second; only the instant is read alike by all."""
    wall = None if is_fixed_utc(zone) else unrepeated_wall(naive_utc, zone)
    if wall is None:
        return ":" + utc(naive_utc)
    return f";TZID={zone_name}:{_basic(wall)}"


def local(naive_utc: datetime, zone) -> str:
    """The wall-clock DATE-TIME in `zone` (used with TZID=): '20211121T110000'."""
    return _basic(wall_clock(naive_utc, zone)[0])


def _basic(naive: datetime) -> str:
    # ISO 8601 basic format; twice as fast as strftime, and a feed writes five per event.
    return naive.isoformat(timespec="seconds").replace("-", "").replace(":", "")


def duration(value: timedelta) -> str:
    """A DURATION: 'PT1H', 'P1D', 'P1DT12H', 'PT0S'."""
    days, seconds = value.days, value.seconds
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    time = "".join(f"{amount}{unit}" for amount, unit in
                   ((hours, "H"), (minutes, "M"), (seconds, "S")) if amount)
    if not days and not time:
        return "PT0S"
    return "P" + (f"{days}D" if days else "") + (f"T{time}" if time else "")


def fold(line: str) -> str:
    """A content line folded so that no physical line exceeds 75 octets (CRLF excluded),
    continuation lines starting with a space, and no UTF-8 sequence split across a fold."""
    if line.isascii():
        if len(line) <= 75:
            return line
        return "\r\n ".join([line[:75], *(line[i:i + 74] for i in range(75, len(line), 74))])
    data = line.encode()
    if len(data) <= 75:
        return line
    pieces, start, limit = [], 0, 75
    while len(data) - start > limit:
        end = start + limit
        while data[end] & 0xC0 == 0x80:  # a continuation byte: fold before its character
            end -= 1
        pieces.append(data[start:end].decode())
        start, limit = end, 74
    pieces.append(data[start:].decode())
    return "\r\n ".join(pieces)


# --- VTIMEZONE ---------------------------------------------------------------------------------
# One text per zone and span, the same in every file the site writes while its span of events
# stays the same: readers that keep the first block they meet for a TZID (vobject, and so
# Radicale and khal) then read every file right. It opens with the last real change of offset
# before the span (ical4j drops an opening observance whose offsets are equal, and applies
# today's offset before the first real one), and writes each run of yearly changes as one
# observance with an RRULE (as RFC 5545's examples and Outlook do), a change that follows no
# yearly rule (Casablanca's Ramadan dates, Pyongyang's moves) as an observance of its own.

_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _format_offset(offset: timedelta) -> str:
    seconds = int(offset.total_seconds())
    sign = "+" if seconds >= 0 else "-"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{seconds:02d}" if seconds else "")


def _kind(before: Period, after: Period) -> str:
    """DAYLIGHT for the summer (higher) offset of a zone's pair. tzdata marks Dublin's winter
    and Casablanca's Ramadan time as its DST (negative DST); calendar programs read DAYLIGHT
    as the time the clocks go forward to, so a change that flips the DST flag is named by
    the way the clocks go."""
    if after.dst != before.dst:
        return "DAYLIGHT" if after.offset > before.offset else "STANDARD"
    return "DAYLIGHT" if after.dst and after.offset > before.offset else "STANDARD"


def _rules(onset: datetime) -> list[str]:
    """Every yearly rule (RRULE parts after BYMONTH) that `onset`'s date satisfies, simplest
    first: the nth or last weekday of its month, a fixed day, a weekday on or after a day."""
    weekday = _WEEKDAYS[onset.weekday()]
    days_in_month = ((onset.replace(day=28) + timedelta(days=4)).replace(day=1)
                     - timedelta(days=1)).day
    rules = [f"BYDAY={(onset.day - 1) // 7 + 1}{weekday}"]
    if onset.day + 7 > days_in_month:
        rules.append(f"BYDAY=-1{weekday}")
    rules.append(f"BYMONTHDAY={onset.day}")
    for first in range(max(1, onset.day - 6), onset.day + 1):
        if first + 6 <= days_in_month:
            days = ",".join(str(day) for day in range(first, first + 7))
            rules.append(f"BYMONTHDAY={days};BYDAY={weekday}")
    return rules


class _Run(NamedTuple):
    """Changes of one kind in consecutive years that one yearly rule describes."""

    onsets: list[tuple[datetime, datetime]]  # (instant, wall time before the change)
    before: Period
    after: Period
    rules: list[str]  # the rules every onset so far satisfies


def _runs(transitions: list[tuple[datetime, Period, Period]]) -> list[_Run]:
    open_runs: dict[tuple, _Run] = {}
    done: list[_Run] = []
    for instant, before, after in transitions:
        wall = instant + before.offset
        key = (before, after, wall.month, wall.time())
        run = open_runs.get(key)
        rules = _rules(wall)
        if run is not None:
            shared = [rule for rule in run.rules if rule in rules]
            if run.onsets[-1][1].year == wall.year - 1 and shared:
                run.onsets.append((instant, wall))
                open_runs[key] = run._replace(rules=shared)
                continue
            done.append(open_runs.pop(key))
        open_runs[key] = _Run([(instant, wall)], before, after, rules)
    return sorted([*done, *open_runs.values()], key=lambda run: run.onsets[0][0])


def _observance(run: _Run, last_year: int) -> list[str]:
    kind = _kind(run.before, run.after)
    onset = run.onsets[0][1]
    lines = [f"BEGIN:{kind}", f"DTSTART:{_basic(onset)}"]
    if len(run.onsets) > 1:
        rule = f"RRULE:FREQ=YEARLY;BYMONTH={onset.month};{run.rules[0]}"
        if run.onsets[-1][1].year < last_year:  # a rule still in force at the span's end runs on
            # COUNT, not UNTIL: dateutil (and so vobject) reads the UTC UNTIL that RFC 5545
            # wants here as a wall time, and put Apia's last change of 2021 an hour out.
            rule += f";COUNT={len(run.onsets)}"
        lines.append(rule)
    return lines + [f"TZNAME:{text(run.after.name)}",
                    f"TZOFFSETFROM:{_format_offset(run.before.offset)}",
                    f"TZOFFSETTO:{_format_offset(run.after.offset)}", f"END:{kind}"]


_DAWN = datetime(1800, 1, 1)


@lru_cache(maxsize=1024)
def vtimezone(zone_name: str, first_year: int, last_year: int) -> tuple[str, ...]:
    """The content lines of a VTIMEZONE for `zone_name` that is right from 1 January
    `first_year` to the end of `last_year`: the last real change of offset before that,
    then every change up to the end, yearly ones as RRULEs. Built once per zone and span."""
    zone = get_zone(zone_name)
    start, end = datetime(first_year, 1, 1), datetime(last_year + 1, 1, 1)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{text(zone_name)}"]
    earlier = [change for change in changes(zone, _DAWN, start)
               if change[1].offset != change[2].offset]
    # The opening change, named as the clocks are at the span's start (a later change of name
    # alone, as Pyongyang's JST to KST in 1945, is no change of offset).
    transitions = [(instant, before, period_at(zone, start))
                   for instant, before, _after in earlier[-1:]] + changes(zone, start, end)
    if not transitions:  # a fixed offset: one observance, from the proleptic dawn of time
        period = period_at(zone, start)
        transitions = [(datetime(1601, 1, 1) - period.offset, period, period)]
    for run in _runs(transitions):
        lines += _observance(run, last_year)
    lines.append("END:VTIMEZONE")
    return tuple(lines)
