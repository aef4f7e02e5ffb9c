"""Every independent calendar reader we can run here, over a corpus of awkward times.

The corpus (`corpus()`) holds events on every change of offset 2021-2035 in zones chosen for
their trouble: half-hour and 45-minute offsets, southern and negative DST, zones that dropped
or changed their rules (Pyongyang 2015 and 2018, Apia, Casablanca, Havana), fixed offsets.
Around each change: events that start or end at the edges of a spring-forward gap, and in
either occurrence of a repeated hour. Its truth comes from zoneinfo on the IANA release pytz
carries (the `tzdata` package), found without pytz or our code.

The readers (`read_all()`): libical (Evolution; Debian's python3-gi + gir1.2-ical-3.0, run by
the system Python), Mozilla's ical.js (Thunderbird), icalendar, recurring-ical-events, and
vobject (Radicale, khal) reading every file in one process in both orders. Each runs once over
all the files it is given (one subprocess per reader, not per file).

    .venv/bin/python -m tests.readers      # prints the table of events each reads right
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zoneinfo
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

HERE = Path(__file__).parent
SYSTEM_PYTHON = "/usr/bin/python3"
NODE_SCRIPT = HERE.parent / "js" / "read_many.mjs"
NODE_MODULES = HERE.parent / "js" / "node_modules" / "ical.js"

# Zones chosen for their trouble (comments say which); the years their changes are taken from.
ZONES = {
    "America/New_York": "northern DST, the common case",
    "Europe/London": "northern DST at 01:00 UTC",
    "Europe/Dublin": "negative DST: winter time is the 'daylight' one in tzdata",
    "Africa/Casablanca": "negative DST around Ramadan, dates not a yearly rule",
    "America/Havana": "changes at midnight, so the gap and fold cross the date",
    "Etc/GMT+5": "fixed offset, sign reversed in the name",
    "UTC": "UTC itself",
    "Australia/Lord_Howe": "30-minute DST at a half-hour offset",
    "Australia/Adelaide": "half-hour offset, southern DST",
    "Pacific/Chatham": "45-minute offset, southern DST",
    "Asia/Kathmandu": "45-minute offset, no DST",
    "Asia/Kolkata": "half-hour offset, no DST",
    "America/St_Johns": "negative half-hour offset with DST",
    "America/Santiago": "southern DST, negative offset, moving dates",
    "Pacific/Apia": "dropped DST in 2021",
    "Asia/Pyongyang": "moved to +08:30 in 2015 and back to +09 in 2018",
    "Asia/Tehran": "half-hour offset, dropped DST in 2022",
    "Africa/Cairo": "brought DST back in 2023",
    "America/Mexico_City": "dropped DST in 2022",
    "Asia/Gaza": "DST dates set year by year",
}
YEARS = (2021, 2035)
FIRST_YEAR = {"Asia/Pyongyang": 2015}


class CorpusEvent(NamedTuple):
    """An event as its organiser typed it (wall times, which occurrence of a repeated one)
    and the instants it means, by zoneinfo."""

    uid: str
    zone: str
    start_utc: datetime  # naive UTC
    end_utc: datetime
    start_wall: datetime
    start_fold: str | None  # "earlier" / "later" for a wall time that happens twice
    end_wall: datetime
    end_fold: str | None
    why: str


def _zone(name: str) -> zoneinfo.ZoneInfo:
    if zoneinfo.TZPATH:  # the system's copy may be another release than pytz's
        zoneinfo.reset_tzpath(to=[])
    return zoneinfo.ZoneInfo(name)


def _offset(zone, instant: datetime) -> timedelta:
    return instant.replace(tzinfo=UTC).astimezone(zone).utcoffset()


def offset_changes(zone_name: str, start: datetime, end: datetime) -> list[tuple]:
    """(instant, offset before, offset after) for each change in [start, end), naive UTC,
    found by reading zoneinfo day by day and halving the day down to the minute."""
    zone, found = _zone(zone_name), []
    day, before = start, _offset(_zone(zone_name), start)
    while day < end:
        after = _offset(zone, day + timedelta(days=1))
        if after != before:
            low, high = day, day + timedelta(days=1)  # offset(low) == before != offset(high)
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                middle -= timedelta(seconds=middle.second, microseconds=middle.microsecond)
                if middle <= low:
                    break
                if _offset(zone, middle) == before:
                    low = middle
                else:
                    high = middle
            found.append((high, before, _offset(zone, high)))
            before = _offset(zone, high)
        day += timedelta(days=1)
    return found


def _wall(zone_name: str, instant: datetime) -> tuple[datetime, str | None]:
    """The wall time an organiser would type for `instant`, and which occurrence it is when
    the clocks show it twice."""
    zone = _zone(zone_name)
    local = instant.replace(tzinfo=UTC).astimezone(zone)
    other = local.replace(fold=1 - local.fold)
    if other.utcoffset() == local.utcoffset():
        return local.replace(tzinfo=None, fold=0), None
    return local.replace(tzinfo=None, fold=0), ("later" if local.fold else "earlier")


def _event(zone: str, start: datetime, end: datetime, why: str) -> CorpusEvent:
    start_wall, start_fold = _wall(zone, start)
    end_wall, end_fold = _wall(zone, end)
    uid = f"{zone.replace('/', '-')}-{start:%Y%m%dT%H%M}-{end:%Y%m%dT%H%M}@corpus"
    return CorpusEvent(uid, zone, start, end, start_wall, start_fold, end_wall, end_fold, why)


def _around(zone: str, instant: datetime, before: timedelta, after: timedelta):
    """The events placed around one change of offset at `instant`."""
    shift = abs(after - before)
    half, hour = shift / 2, timedelta(hours=1)
    if after > before:  # clocks go forward: the wall times [instant+before, +after) are skipped
        yield _event(zone, instant - hour, instant, "ends where a gap ends")
        yield _event(zone, instant, instant + hour, "starts where a gap ends")
        yield _event(zone, instant - half, instant + half, "spans a gap")
    else:  # clocks go back: [instant+after, +before) is shown twice
        yield _event(zone, instant - half, instant + half,
                     "starts in the first and ends in the second occurrence of one wall time")
        yield _event(zone, instant - shift - hour / 2, instant - half,
                     "ends in the first occurrence")
        yield _event(zone, instant + half, instant + shift + hour / 2,
                     "starts in the second occurrence")
        yield _event(zone, instant, instant + shift, "starts as the repeat begins")


def corpus(zones: Iterable[str] = ZONES) -> list[CorpusEvent]:
    """Events around every change of offset in `zones`, plus one plain event a year in each
    (January in even years, July in odd ones) to catch a block read wrong far from its start."""
    events: dict[str, CorpusEvent] = {}
    for zone in zones:
        first, last = FIRST_YEAR.get(zone, YEARS[0]), YEARS[1]
        for instant, before, after in offset_changes(
                zone, datetime(first, 1, 1), datetime(last + 1, 1, 1)):
            for event in _around(zone, instant, before, after):
                events.setdefault(event.uid, event)
        for year in range(first, last + 1):
            wall = datetime(year, 1 if year % 2 == 0 else 7, 15, 10)
            start = wall.replace(tzinfo=_zone(zone)).astimezone(UTC).replace(tzinfo=None)
            event = _event(zone, start, start + timedelta(hours=2), "an ordinary day")
            events.setdefault(event.uid, event)
    return list(events.values())


# --- the readers -------------------------------------------------------------------------------

Reading = dict[str, list[tuple[str, float, float]]]  # path -> [(uid, start, end epoch)]


class _Subprocess:
    """A reader running in its own process over all the files, started at once so that
    the readers run side by side; `result()` waits for its JSON."""

    def __init__(self, command: Sequence[str], payload, timeout: float = 600):
        self.command, self.timeout = command, timeout
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE)
        self.payload = json.dumps(payload).encode()

    def result(self):
        try:
            out, err = self.process.communicate(self.payload, timeout=self.timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate()
            raise
        if self.process.returncode != 0:
            raise RuntimeError(f"{self.command[0]} failed: {err.decode()[-2000:]}")
        return json.loads(out)


def _run(command: Sequence[str], payload, timeout: float = 600) -> object:
    return _Subprocess(command, payload, timeout).result()


def libical_available() -> bool:
    if not os.path.exists(SYSTEM_PYTHON):
        return False
    probe = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import gi; gi.require_version('ICalGLib', '3.0');"
         "from gi.repository import ICalGLib"], capture_output=True, check=False)
    return probe.returncode == 0


MISSING_LIBICAL = ("libical is not installed for /usr/bin/python3: "
                   "apt-get install python3-gi gir1.2-ical-3.0 (or `make install`)")
MISSING_ICALJS = "ical.js is not installed: run `make install` (needs node and npm)"


def libical(paths: Sequence[str], check: bool = False) -> dict:
    """{path: {"events": [...], "problems": [...]}} as libical reads each file."""
    if not libical_available():
        raise RuntimeError(MISSING_LIBICAL)
    return _run([SYSTEM_PYTHON, str(HERE / "libical_read.py")],
                {"files": list(paths), "check": check})


def icaljs(paths: Sequence[str]) -> Reading:
    if not shutil.which("node") or not NODE_MODULES.exists():
        raise RuntimeError(MISSING_ICALJS)
    return _run(["node", str(NODE_SCRIPT)], list(paths))


def vobject_both_orders(paths: Sequence[str]) -> dict[str, Reading]:
    """{"forward": ..., "reverse": ...}: vobject over all files in one process, both ways."""
    return _run([sys.executable, str(HERE / "vobject_read.py")], list(paths))


def _epoch(value) -> float:
    if not isinstance(value, datetime):
        raise ValueError(f"not a date-time: {value!r}")
    if value.tzinfo is None:  # floating: no instant at all
        raise ValueError("floating time")
    return value.timestamp()


def icalendar_reader(paths: Sequence[str]) -> Reading:
    import icalendar

    reading = {}
    for path in paths:
        calendar = icalendar.Calendar.from_ical(Path(path).read_bytes())
        reading[path] = [(str(event["UID"]), _epoch(event["DTSTART"].dt),
                          _epoch(event["DTEND"].dt)) for event in calendar.walk("VEVENT")]
    return reading


def recurring_reader(paths: Sequence[str]) -> Reading:
    """recurring-ical-events: the occurrences it lists between 2000 and 2040."""
    import icalendar
    import recurring_ical_events

    reading = {}
    for path in paths:
        calendar = icalendar.Calendar.from_ical(Path(path).read_bytes())
        reading[path] = [
            (str(event["UID"]), _epoch(event["DTSTART"].dt), _epoch(event["DTEND"].dt))
            for event in recurring_ical_events.of(calendar).between(
                datetime(2000, 1, 1), datetime(2040, 1, 1))]
    return reading


def read_all(paths: Sequence[str]) -> dict[str, Reading]:
    """Every reader's reading of every file: {reader name: {path: [(uid, start, end)]}}.
    The three that run in processes of their own start first and run beside the others."""
    if not libical_available():
        raise RuntimeError(MISSING_LIBICAL)
    if not shutil.which("node") or not NODE_MODULES.exists():
        raise RuntimeError(MISSING_ICALJS)
    running = {
        "libical": _Subprocess([SYSTEM_PYTHON, str(HERE / "libical_read.py")],
                               {"files": list(paths), "check": False}),
        "ical.js": _Subprocess(["node", str(NODE_SCRIPT)], list(paths)),
        "vobject": _Subprocess([sys.executable, str(HERE / "vobject_read.py")], list(paths)),
    }
    readings = {"icalendar": icalendar_reader(paths),
                "recurring-ical-events": recurring_reader(paths)}
    readings["libical"] = {path: result["events"]
                           for path, result in running["libical"].result().items()}
    readings["ical.js"] = running["ical.js"].result()
    both = running["vobject"].result()
    readings["vobject, files in order"] = both["forward"]
    readings["vobject, reverse order"] = both["reverse"]
    return readings


def misread(reading: Reading, expected: dict[str, tuple[float, float]]) -> dict[str, str]:
    """{uid: what went wrong} for every expected event a reader did not read right, across
    all the files in `reading` (each file holding the events it holds)."""
    wrong: dict[str, str] = {}
    for path, events in reading.items():
        seen = set()
        for uid, start, end in events:
            seen.add(uid)
            if uid in expected and (start, end) != expected[uid]:
                wrong[uid] = (f"{Path(path).name}: read {_show(start)}–{_show(end)}, "
                              f"meant {_show(expected[uid][0])}–{_show(expected[uid][1])}")
    return wrong


def _show(epoch: float | None) -> str:
    if epoch is None:
        return "nothing"
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%MZ")


def expected_instants(events: Iterable[CorpusEvent]) -> dict[str, tuple[float, float]]:
    return {event.uid: (event.start_utc.replace(tzinfo=UTC).timestamp(),
                        event.end_utc.replace(tzinfo=UTC).timestamp()) for event in events}


# --- the table ---------------------------------------------------------------------------------

def write_corpus(directory: Path, events: Sequence[CorpusEvent],
                 write: Callable[[Sequence[CorpusEvent]], bytes]) -> tuple[list[str], str]:
    """One file per event and one feed of them all, written by `write`: (event paths, feed)."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, event in enumerate(events):
        path = directory / f"event-{number:05d}.ics"
        path.write_bytes(write([event]))
        paths.append(str(path))
    feed = directory / "feed.ics"
    feed.write_bytes(write(events))
    return paths, str(feed)


def table(directory: Path, write: Callable[[Sequence[CorpusEvent]], bytes]) -> str:
    """The Markdown table of events each reader reads right, per-event files and feed."""
    events = corpus()
    expected = expected_instants(events)
    paths, feed = write_corpus(directory, events, write)
    readings = read_all([*paths, feed])
    rows = ["| reader | per-event files | the whole feed |", "|---|---|---|"]
    for reader, reading in readings.items():
        singles = misread({p: reading[p] for p in paths}, expected)
        whole = misread({feed: reading[feed]}, expected)
        rows.append(f"| {reader} | {len(events) - len(singles)} / {len(events)} "
                    f"| {len(events) - len(whole)} / {len(events)} |")
    return "\n".join(rows)


def site_writer(events: Sequence[CorpusEvent]) -> bytes:
    """The events as the site writes them (eventsite.domain.ical), the instants computed by
    the site from what the organiser typed."""
    import inspect

    from eventsite.domain.ical import CalendarEntry, CalendarInfo, build_calendar
    from eventsite.domain.timezones import to_utc

    info = CalendarInfo(name="Corpus", organizer_name="Site",
                        organizer_email="events@example.org")
    entries = [CalendarEntry(uid=event.uid, summary=event.why,
                             starts_utc=to_utc(event.start_wall, event.zone, event.start_fold),
                             ends_utc=to_utc(event.end_wall, event.zone, event.end_fold),
                             timezone=event.zone) for event in events]
    if "span" in inspect.signature(build_calendar).parameters:
        return build_calendar(info, entries, span=CORPUS_SPAN)
    return build_calendar(info, entries)


CORPUS_SPAN = (min(FIRST_YEAR.values(), default=YEARS[0]), YEARS[1])

