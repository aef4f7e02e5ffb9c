"""Reads iCalendar files with vobject in one process, as Radicale and khal do, printing JSON.

vobject keeps the first VTIMEZONE it meets for a TZID for the life of the process, so a file
can be read with another file's block: the files are read in the order given, then again in
the reverse order after vobject forgets its blocks. Input on stdin: JSON list of paths.
Output: {"forward": {path: [[uid, start, end], ...]}, "reverse": {...}}.
"""

import json
import sys

import vobject
import vobject.icalendar


def read(path: str) -> list:
    with open(path, encoding="utf-8", newline="") as file:
        calendar = vobject.readOne(file.read())
    return [[str(event.uid.value), event.dtstart.value.timestamp(),
             event.dtend.value.timestamp()]
            for event in getattr(calendar, "vevent_list", [])]


def forget_timezones() -> None:
    """vobject's registry of VTIMEZONEs by TZID, emptied as a fresh process would have it."""
    registry = vobject.icalendar.__dict__["__tzidMap"]
    registry.clear()
    vobject.icalendar.registerTzid("UTC", vobject.icalendar.utc)


def main() -> None:
    paths = json.load(sys.stdin)
    result = {}
    for order, files in (("forward", paths), ("reverse", paths[::-1])):
        forget_timezones()
        result[order] = {path: read(path) for path in files}
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
