"""One cold build of a 1,000-event calendar from the database, timed, in this process.

`ours` is what /calendar.ics does (feeds.calendar_bytes). `icalendar` is how the same file is
built with the library's defaults: the events loaded as ORM objects, every property added to
icalendar components (the same values: calendar_entry gives both sides their text), aware
DTSTART/DTEND and add_missing_timezones() (VTIMEZONEs over 1970-2038), then to_ical().
"""

from __future__ import annotations

import time
from datetime import UTC

from icalendar import Calendar, Event, vCalAddress, vDuration

from benchmarks.data import bench_app
from eventsite.domain.ical import CalendarEntry, CalendarInfo, build_calendar
from eventsite.domain.timezones import get_zone
from eventsite.extensions import db
from eventsite.services import feeds, listings
from eventsite.urls import site_url, site_urls


def build(database_url: str, instance_path: str, kind: str) -> float:
    """Seconds for one build, from the query to the bytes.

    `ours` and `icalendar` are the two sides of the measure; `ours-file` and `icalendar-file`
    time only the writing of the file from the same entries, loaded beforehand (for the
    README's account of where the time goes, not a target)."""
    app = bench_app(database_url, instance_path)
    with app.app_context():
        query = listings.upcoming().limit(1000)
        info = feeds.calendar_info("Benchmark", "Events from the benchmark")
        if kind.endswith("-file"):
            page = site_urls("public.event")
            entries = [feeds.calendar_entry(record, page(slug=record.slug))
                       for record in feeds.load_records(query)]
        started = time.perf_counter()
        if kind == "ours":
            body = feeds.calendar_bytes(info, query)
        elif kind == "icalendar":
            events = db.session.scalars(query).all()
            body = _with_icalendar_defaults(info, [
                feeds.calendar_entry(feeds.record_of(event),
                                     site_url("public.event", slug=event.slug))
                for event in events])
        elif kind == "ours-file":
            body = build_calendar(info, entries)
        else:
            body = _with_icalendar_defaults(info, entries)
        elapsed = time.perf_counter() - started
        assert body.count(b"BEGIN:VEVENT") == 1000
        return elapsed


def _with_icalendar_defaults(info: CalendarInfo, entries: list[CalendarEntry]) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", info.prodid)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", info.method)
    calendar.add("x-wr-calname", info.name)
    calendar.add("x-wr-caldesc", info.description)
    calendar.add("refresh-interval", info.refresh, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(info.refresh))
    for entry in entries:
        zone = get_zone(entry.timezone)
        event = Event()
        event.add("uid", entry.uid)
        event.add("dtstamp", entry.last_modified.replace(tzinfo=UTC))
        event.add("created", entry.created.replace(tzinfo=UTC))
        event.add("last-modified", entry.last_modified.replace(tzinfo=UTC))
        event.add("sequence", entry.sequence)
        event.add("dtstart", entry.starts_utc.replace(tzinfo=UTC).astimezone(zone))
        event.add("dtend", entry.ends_utc.replace(tzinfo=UTC).astimezone(zone))
        event.add("summary", entry.summary)
        event.add("description", entry.description)
        event.add("location", entry.location)
        event.add("url", entry.url)
        event.add("categories", list(entry.categories))
        event.add("status", entry.status)
        organizer = vCalAddress(f"mailto:{info.organizer_email}")
        organizer.params["CN"] = info.organizer_name
        event.add("organizer", organizer)
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
