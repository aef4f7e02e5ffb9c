"""Expands every series in iCalendar files with libical (Evolution's library), printing JSON.

Run by the system Python, like libical_read.py. Input on stdin: JSON [paths]. Output:
{path: [[uid, start epoch, end epoch, status], ...]}, one row per occurrence: libical's
RecurIterator over RRULE from DTSTART (in its zone), less EXDATEs, each date replaced by the
VEVENT whose RECURRENCE-ID names it, as a client applies them.
"""

import json
import sys

import gi

gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib  # noqa: E402

LIMIT = 2000  # occurrences per series: a bound on every loop


def epoch(time) -> int:
    zone = time.get_timezone()
    return int(time.as_timet_with_zone(zone) if zone else time.as_timet())


def status(event) -> str:
    prop = event.get_first_property(ICalGLib.PropertyKind.STATUS_PROPERTY)
    return ICalGLib.Property.status_to_string(prop.get_status()) if prop else ""


def values(event, kind, read):
    found = []
    prop = event.get_first_property(kind)
    while prop is not None:
        found.append(read(prop))
        prop = event.get_next_property(kind)
    return found


def expand(path: str) -> list:
    with open(path, encoding="utf-8", newline="") as file:
        root = ICalGLib.Component.new_from_string(file.read())
    masters, overrides = [], {}
    event = root.get_first_component(ICalGLib.ComponentKind.VEVENT_COMPONENT)
    while event is not None:
        recurrence_id = event.get_recurrenceid()
        if recurrence_id is not None and not recurrence_id.is_null_time():
            # By wall time, as the rule writes it: libical attaches no zone to RECURRENCE-ID.
            overrides[(event.get_uid(), recurrence_id.as_ical_string())] = event
        else:
            masters.append(event)
        event = root.get_next_component(ICalGLib.ComponentKind.VEVENT_COMPONENT)
    rows = []
    for master in masters:
        uid, start, end = master.get_uid(), master.get_dtstart(), master.get_dtend()
        length = epoch(end) - epoch(start)
        rules = values(master, ICalGLib.PropertyKind.RRULE_PROPERTY, lambda p: p.get_rrule())
        if not rules:
            rows.append([uid, epoch(start), epoch(end), status(master)])
            continue
        excluded = {epoch(t) for t in values(master, ICalGLib.PropertyKind.EXDATE_PROPERTY,
                                             lambda p: p.get_exdate())}
        iterator = ICalGLib.RecurIterator.new(rules[0], start)
        occurrence = iterator.next()
        for _ in range(LIMIT):
            if occurrence is None or occurrence.is_null_time():
                break
            instant = epoch(occurrence)
            if instant not in excluded:
                override = overrides.get((uid, occurrence.as_ical_string()))
                if override is not None:
                    rows.append([uid, epoch(override.get_dtstart()),
                                 epoch(override.get_dtend()), status(override)])
                else:
                    rows.append([uid, instant, instant + length, status(master)])
            occurrence = iterator.next()
    return rows


print(json.dumps({path: expand(path) for path in json.load(sys.stdin)}))
