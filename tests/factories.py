"""Plain factory functions that go through the real services."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from eventsite.demo import SEED_WEBINAR
from eventsite.services.events import create_event, parse_event

_counter = 0


def wall(day: date, hour: int, minute: int = 0) -> str:
    return datetime.combine(day, time(hour, minute)).isoformat(timespec="minutes")


def days_from_today(days: int) -> date:
    return date.today() + timedelta(days=days)


def event_record(**fields) -> dict:
    """An import-format record with sensible defaults: a two-hour online event in a week."""
    global _counter
    _counter += 1
    day = days_from_today(7)
    record = {
        "title": f"Event {_counter}",
        "start": wall(day, 11),
        "end": wall(day, 13),
        "timezone": "America/New_York",
    }
    record.update(fields)
    return record


def make_event(**fields):
    """Create and commit an event through the service layer."""
    return create_event(parse_event(event_record(**fields)))


def make_seed_webinar():
    return create_event(parse_event(dict(SEED_WEBINAR)))


PASSWORD = "correct horse battery"


def make_organiser(email="ada@example.org", name="Ada Organiser", is_admin=False):
    from eventsite.services.accounts import create_organiser

    return create_organiser(email, name, PASSWORD, is_admin=is_admin)
