"""The queries behind pages, the API and feeds. Every listing loads its related rows in a
fixed number of queries (selectin loading), however many events it shows."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Select

from eventsite.domain.timezones import utcnow
from eventsite.extensions import db
from eventsite.models import (
    Event,
    EventOrganisation,
    EventSpeaker,
    EventStatus,
    Organisation,
    Speaker,
    Tag,
)
from eventsite.models.event import event_tags

LISTED = (EventStatus.PUBLISHED, EventStatus.CANCELLED, EventStatus.POSTPONED)


def listed_events() -> Select:
    """Events visitors may see: everything but drafts."""
    return db.select(Event).where(Event.status.in_(LISTED))


def ending_after(query: Select, moment: datetime) -> Select:
    """Events still running at `moment` or later, soonest first.

    The bound on starts_utc is implied by Event.MAX_DURATION; stating it lets the database
    walk the starts_utc index from just before `moment` instead of from the first event ever,
    so the cost does not grow with the archive.
    """
    return query.where(Event.ends_utc >= moment,
                       Event.starts_utc >= moment - Event.MAX_DURATION).order_by(
        Event.starts_utc, Event.id)


def upcoming(query: Select | None = None, now: datetime | None = None) -> Select:
    """Events not yet over (ongoing ones included), soonest first."""
    return ending_after(listed_events() if query is None else query, now or utcnow())


def past(query: Select | None = None, now: datetime | None = None) -> Select:
    """Events that have ended, newest first."""
    query = listed_events() if query is None else query
    return query.where(Event.ends_utc < (now or utcnow())).order_by(
        Event.starts_utc.desc(), Event.id.desc())


def chronological(query: Select) -> Select:
    return query.order_by(Event.starts_utc, Event.id)


def in_date_range(query: Select, start: date | None, end: date | None) -> Select:
    """Events starting on or after `start` and on or before `end` (UTC dates)."""
    if start:
        query = query.where(Event.starts_utc >= datetime.combine(start, time.min))
    if end:
        query = query.where(Event.starts_utc <= datetime.combine(end, time.max))
    return query


def with_tag(query: Select, tag_name: str) -> Select:
    return query.join(event_tags).join(Tag).where(Tag.name == tag_name)


def with_speaker(query: Select, speaker: Speaker) -> Select:
    return query.where(Event.speaker_links.any(EventSpeaker.speaker_id == speaker.id))


def with_organisation(query: Select, organisation: Organisation) -> Select:
    return query.where(Event.organisation_links.any(
        EventOrganisation.organisation_id == organisation.id))


def page_of(query: Select, page: int, per_page: int):
    """One page of a listing (Flask-SQLAlchemy's Pagination; past the end gives no items)."""
    return db.paginate(query, page=page, per_page=per_page, error_out=False, max_per_page=100)


def listed_event(slug: str) -> Event | None:
    """The event visitors may see at /events/<slug>; None for a draft or no such event."""
    return db.session.scalar(listed_events().where(Event.slug == slug))


def listed_event_id(slug: str) -> int | None:
    """The id of the event at /events/<slug>, without loading it (feeds' cheap path)."""
    return db.session.scalar(listed_events().with_only_columns(Event.id)
                             .where(Event.slug == slug))


def speaker_by_slug(slug: str) -> Speaker | None:
    return db.session.scalar(db.select(Speaker).where(Speaker.slug == slug))


def organisation_by_slug(slug: str) -> Organisation | None:
    return db.session.scalar(db.select(Organisation).where(Organisation.slug == slug))


def tag_by_name(name: str) -> Tag | None:
    return db.session.scalar(db.select(Tag).where(Tag.name == name))


def count_events() -> int:
    return db.session.scalar(db.select(db.func.count(Event.id)))


def drafts() -> list[Event]:
    """Drafts, most recently edited first (the organiser's desk)."""
    return list(db.session.scalars(db.select(Event).where(Event.status == EventStatus.DRAFT)
                                   .order_by(Event.updated_at.desc())))


def speaker_names() -> list[str]:
    return list(db.session.scalars(db.select(Speaker.name).order_by(Speaker.name)))


def organisation_names() -> list[str]:
    return list(db.session.scalars(db.select(Organisation.name).order_by(Organisation.name)))
