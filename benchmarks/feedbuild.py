"""One cold build of a 1,000-event calendar from the database, timed, in this process.

`ours` is what /calendar.ics does; `icalendar` builds the same events with the library's
defaults: aware DTSTART/DTEND and add_missing_timezones() (VTIMEZONEs over 1970-2038).
"""

from __future__ import annotations

import time
from datetime import UTC

from icalendar import Calendar, Event

from benchmarks.data import bench_app
from eventsite.domain.ical import build_calendar
from eventsite.domain.timezones import get_zone
from eventsite.extensions import db
from eventsite.services import feeds, listings


def build(database_url: str, instance_path: str, kind: str) -> float:
    app = bench_app(database_url, instance_path)
    with app.app_context():
        started = time.perf_counter()
        events = db.session.scalars(listings.upcoming().limit(1000)).all()
        entries = [feeds.calendar_entry(event) for event in events]
        info = feeds.calendar_info("Benchmark")
        if kind == "ours":
            body = build_calendar(info, entries)
        else:
            body = _with_icalendar_defaults(info, entries)
        elapsed = time.perf_counter() - started
        assert body.count(b"BEGIN:VEVENT") == 1000
        return elapsed


def _with_icalendar_defaults(info, entries) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", info.prodid)
    calendar.add("version", "2.0")
    calendar.add("method", info.method)
    for entry in entries:
        zone = get_zone(entry.timezone)
        event = Event()
        event.add("uid", entry.uid)
        event.add("dtstamp", entry.last_modified.replace(tzinfo=UTC))
        event.add("sequence", entry.sequence)
        event.add("dtstart", entry.starts_utc.replace(tzinfo=UTC).astimezone(zone))
        event.add("dtend", entry.ends_utc.replace(tzinfo=UTC).astimezone(zone))
        event.add("summary", entry.summary)
        event.add("description", entry.description)
        event.add("location", entry.location)
        event.add("url", entry.url)
        event.add("status", entry.status)
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
