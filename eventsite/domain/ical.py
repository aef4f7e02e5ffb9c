"""Plain event values -> iCalendar bytes (RFC 5545), for feeds, downloads and invitations.

Pure code: the stdlib and the time domain. A feed is a fixed set of properties with known
value types, so the content lines are written here (escaping, CRLF, folding at 75 octets
without splitting a UTF-8 character). icalendar's general component model cost about half a
millisecond per event (parameter objects, value-type lookup, folding one character at a
time), most of a cold 1,000-event build; icalendar stays the tests' reference reader, with
Mozilla's ical.js.

The VTIMEZONE blocks cover only the whole years the events fall in, with one observance per
onset (icalendar's generated ones cover 1970-2038 and list onsets in multi-valued RDATEs that
Thunderbird's ical.js misreads), and are cached per zone and span.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

from eventsite.domain.timezones import Period, changes, get_zone, period_at, wall_clock


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
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", fold(f"PRODID:{text(info.prodid)}"),
             "CALSCALE:GREGORIAN", fold(f"METHOD:{text(info.method)}"),
             fold(f"X-WR-CALNAME:{text(info.name)}")]
    if info.description:
        lines.append(fold(f"X-WR-CALDESC:{text(info.description)}"))
    lines += [f"REFRESH-INTERVAL;VALUE=DURATION:{duration(info.refresh)}",
              f"X-PUBLISHED-TTL:{duration(info.refresh)}"]

    spans: dict[str, tuple[int, int]] = {}
    for entry in entries:
        first, last = spans.get(entry.timezone, (entry.starts_utc.year, entry.ends_utc.year))
        spans[entry.timezone] = (min(first, entry.starts_utc.year),
                                 max(last, entry.ends_utc.year))
    for zone_name in sorted(spans):
        lines += vtimezone(zone_name, *spans[zone_name])

    organizer = ""
    if info.organizer_email:
        parameters = f";CN={parameter(info.organizer_name)}" if info.organizer_name else ""
        organizer = fold(f"ORGANIZER{parameters}:mailto:{uri(info.organizer_email)}")
    for entry in entries:
        _vevent(lines, entry, organizer)
    lines += ["END:VCALENDAR", ""]
    return "\r\n".join(lines).encode()


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
              f"DTSTART;TZID={zone_name}:{local(entry.starts_utc, zone)}",
              f"DTEND;TZID={zone_name}:{local(entry.ends_utc, zone)}",
              fold(f"SUMMARY:{text(entry.summary)}")]
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
        lines.append(fold(f"ATTENDEE;CN={parameter(name)};ROLE=REQ-PARTICIPANT;RSVP=FALSE:"
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

def _format_offset(offset: timedelta) -> str:
    seconds = int(offset.total_seconds())
    sign = "+" if seconds >= 0 else "-"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{seconds:02d}" if seconds else "")


def _observance(onset_local: datetime, before: Period, after: Period) -> list[str]:
    kind = "DAYLIGHT" if after.dst else "STANDARD"
    return [f"BEGIN:{kind}", f"DTSTART:{onset_local:%Y%m%dT%H%M%S}",
            f"TZNAME:{text(after.name)}", f"TZOFFSETFROM:{_format_offset(before.offset)}",
            f"TZOFFSETTO:{_format_offset(after.offset)}", f"END:{kind}"]


@lru_cache(maxsize=256)
def vtimezone(zone_name: str, first_year: int, last_year: int) -> tuple[str, ...]:
    """The content lines of a VTIMEZONE for `zone_name` that is correct from 1 January
    `first_year` to the end of `last_year`: the period in force at the start, then one
    observance per onset."""
    zone = get_zone(zone_name)
    start, end = datetime(first_year, 1, 1), datetime(last_year + 1, 1, 1)
    initial = period_at(zone, start)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{text(zone_name)}"]
    lines += _observance((start + initial.offset).replace(second=0), initial, initial)
    for instant, before, after in changes(zone, start, end):
        # DTSTART is the wall time of the onset as read on the clocks before it.
        lines += _observance(instant + before.offset, before, after)
    lines.append("END:VTIMEZONE")
    return tuple(lines)
