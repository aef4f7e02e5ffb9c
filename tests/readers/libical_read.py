"""Reads iCalendar files with libical (the C library behind Evolution), printing JSON.

Run by the system Python (/usr/bin/python3), where Debian's python3-gi and gir1.2-ical-3.0
live; the tests' virtualenv cannot import them. Input on stdin: JSON {"files": [paths],
"check": bool}. Output: {path: {"events": [[uid, start epoch, end epoch], ...],
"problems": [...]}}, the problems being what check_restrictions() adds (RFC 5546) when asked.
"""

import json
import sys

import gi

gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib  # noqa: E402


def instant(time) -> int | None:
    if time is None or time.is_null_time():
        return None
    zone = time.get_timezone()
    return int(time.as_timet_with_zone(zone) if zone else time.as_timet())


def problems(component) -> list[str]:
    """The X-LIC-ERROR properties libical has put anywhere in the tree."""
    found = []
    prop = component.get_first_property(ICalGLib.PropertyKind.XLICERROR_PROPERTY)
    while prop is not None:
        found.append(prop.get_xlicerror())
        prop = component.get_next_property(ICalGLib.PropertyKind.XLICERROR_PROPERTY)
    child = component.get_first_component(ICalGLib.ComponentKind.ANY_COMPONENT)
    while child is not None:
        found += problems(child)
        child = component.get_next_component(ICalGLib.ComponentKind.ANY_COMPONENT)
    return found


def read(path: str, check: bool) -> dict:
    with open(path, encoding="utf-8", newline="") as file:
        root = ICalGLib.Component.new_from_string(file.read())
    if root is None:
        return {"events": [], "problems": ["libical could not parse the file"]}
    events = []
    event = root.get_first_component(ICalGLib.ComponentKind.VEVENT_COMPONENT)
    while event is not None:
        events.append([event.get_uid(), instant(event.get_dtstart()),
                       instant(event.get_dtend())])
        event = root.get_next_component(ICalGLib.ComponentKind.VEVENT_COMPONENT)
    if check:
        root.check_restrictions()
    return {"events": events, "problems": problems(root)}


def main() -> None:
    request = json.load(sys.stdin)
    json.dump({path: read(path, request.get("check", False)) for path in request["files"]},
              sys.stdout)


if __name__ == "__main__":
    main()
