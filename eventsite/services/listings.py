"""The queries behind pages, the API and feeds. Every listing loads its related rows in a
fixed number of queries (selectin loading), however many events it shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import Select, tuple_

from eventsite.domain.paging import Cursor, Position, encode_cursor
from eventsite.domain.text import tag_name
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


def with_tag(query: Select, name: str) -> Select:
    """Events tagged `name`, as typed or as in an address ('East Asia', 'east-asia')."""
    return query.join(event_tags).join(Tag).where(Tag.name == tag_name(name))


def with_speaker(query: Select, speaker: Speaker) -> Select:
    return query.where(Event.speaker_links.any(EventSpeaker.speaker_id == speaker.id))


def with_organisation(query: Select, organisation: Organisation) -> Select:
    return query.where(Event.organisation_links.any(
        EventOrganisation.organisation_id == organisation.id))


@dataclass
class Page:
    """One page of a listing. There is no total: counting every match is what made the
    archive's cost grow with its size. Cursors name the events at the page's two ends."""

    items: list[Event]
    per_page: int
    page: int | None  # the page number when asked by number; None when reached by cursor
    has_prev: bool
    has_next: bool
    prev_cursor: str | None  # None with has_prev: the previous page is the first one
    next_cursor: str | None


def first(query: Select, count: int) -> list[Event]:
    """The first `count` events of a listing."""
    return list(db.session.scalars(query.limit(count)))


def page_of(query: Select, position: Position, per_page: int, newest_first: bool) -> Page:
    """One page of a listing ordered by (starts_utc, id), `newest_first` or oldest first.

    A cursor seeks in the starts_utc index, so any page costs what the second one does; a page
    number (bounded by MAX_PAGE) skips the rows before it. Past the end gives no items.
    """
    key = (Event.starts_utc, Event.id)
    forward = [column.desc() for column in key] if newest_first else list(key)
    backward = list(key) if newest_first else [column.desc() for column in key]
    query = query.order_by(None)

    def beyond(cursor: Cursor, forwards: bool):
        row, value = tuple_(*key), tuple_(*cursor)
        return row < value if newest_first == forwards else row > value

    if position.before:
        rows = list(db.session.scalars(query.where(beyond(position.before, False))
                                       .order_by(*backward).limit(per_page + 1)))
        if len(rows) <= per_page:  # back at the start: show the first page as it stands
            return page_of(query, Position(), per_page, newest_first)
        items, has_prev, has_next, number = rows[:per_page][::-1], True, True, None
    elif position.after:
        rows = list(db.session.scalars(query.where(beyond(position.after, True))
                                       .order_by(*forward).limit(per_page + 1)))
        items, has_prev, has_next, number = rows[:per_page], True, len(rows) > per_page, None
    else:
        rows = list(db.session.scalars(query.order_by(*forward).limit(per_page + 1)
                                       .offset((position.page - 1) * per_page)))
        items, number = rows[:per_page], position.page
        has_prev, has_next = position.page > 1, len(rows) > per_page
    return Page(items=items, per_page=per_page, page=number, has_prev=has_prev, has_next=has_next,
                prev_cursor=_cursor(items[0]) if has_prev and items and number != 2 else None,
                next_cursor=_cursor(items[-1]) if has_next else None)


def _cursor(event: Event) -> str:
    return encode_cursor(event.starts_utc, event.id)


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
    """The tag `name` stands for, as typed or as in an address (decoded: '中文')."""
    return db.session.scalar(db.select(Tag).where(Tag.name == tag_name(name)))


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
