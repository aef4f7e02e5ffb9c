"""The queries behind pages, the API and feeds. Every listing loads its related rows in a
fixed number of queries (selectin loading), however many events it shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import Integer, Select, cast, null, or_, select, tuple_, union_all
from sqlalchemy.orm import lazyload

from eventsite.domain.paging import Cursor, Position, encode_cursor
from eventsite.domain.text import tag_name
from eventsite.domain.timezones import utcnow
from eventsite.extensions import db
from eventsite.models import (
    Event,
    EventOrganisation,
    EventSpeaker,
    EventStatus,
    Occurrence,
    Organisation,
    Speaker,
    Tag,
)
from eventsite.services import series

LISTED = (EventStatus.PUBLISHED, EventStatus.CANCELLED, EventStatus.POSTPONED)


def listed_events() -> Select:
    """Events visitors may see: everything but drafts."""
    return db.select(Event).where(Event.status.in_(LISTED))


def with_recording(query: Select) -> Select:
    """Only events with a recording (the archive's "with a recording" filter)."""
    return query.where(Event.recording_url != "")


# A listing whose events are placed by another instant than their own start (a series by
# its next date, a date of a series in the archive) selects that instant under this name;
# page_of() orders and pages by it.
LISTED_AT = "listed_at"


def ending_after(query: Select, moment: datetime) -> Select:
    """Events still running at `moment` or later, soonest first; a series once, at its next
    occurrence not yet over (series.next_occurrences gives that occurrence for a page).

    The bound on starts_utc is implied by Event.MAX_DURATION; stating it lets the database
    walk the starts_utc indexes (events', occurrences') from just before `moment` instead of
    from the first event ever, so the cost does not grow with the archive.
    """
    listed = series.listing_starts(moment, Event.MAX_DURATION)
    return query.join_from(Event, listed, listed.c.event_id == Event.id).add_columns(
        listed.c.starts_utc.label(LISTED_AT)).order_by(listed.c.starts_utc, Event.id)


def upcoming(query: Select | None = None, now: datetime | None = None) -> Select:
    """Events not yet over (ongoing ones included), soonest first."""
    return ending_after(listed_events() if query is None else query, now or utcnow())


def past(query: Select | None = None, now: datetime | None = None) -> Select:
    """Events that have ended, newest first; a series once it is wholly over (the archive
    lists each of its dates with `dated_entries`)."""
    query = listed_events() if query is None else query
    now = now or utcnow()
    return query.where(Event.ends_utc < now, or_(Event.series_ends_utc.is_(None),
                                                 Event.series_ends_utc < now)).order_by(
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
    # EXISTS rather than a join: listings join their own subquery of instants to Event.
    return query.where(Event.tags.any(Tag.name == tag_name(name)))


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
    """One page of a listing ordered by (starts_utc, id), `newest_first` or oldest first, or
    by (its LISTED_AT instant, id) where it selects one. Items are events, or (event,
    occurrence or None) pairs for a listing of `dated_entries`.

    A cursor seeks in the starts_utc index, so any page costs what the second one does; a page
    number (bounded by MAX_PAGE) skips the rows before it. Past the end gives no items.
    """
    listed_at = query.selected_columns.get(LISTED_AT)
    key = (Event.starts_utc if listed_at is None else listed_at, Event.id)
    forward = [column.desc() for column in key] if newest_first else list(key)
    backward = list(key) if newest_first else [column.desc() for column in key]
    query = query.order_by(None)

    def beyond(cursor: Cursor, forwards: bool):
        row, value = tuple_(*key), tuple_(*cursor)
        return row < value if newest_first == forwards else row > value

    if position.before:
        rows = db.session.execute(query.where(beyond(position.before, False))
                                  .order_by(*backward).limit(per_page + 1)).all()
        if len(rows) <= per_page:  # back at the start: show the first page as it stands
            return page_of(query, Position(), per_page, newest_first)
        rows, has_prev, has_next, number = rows[:per_page][::-1], True, True, None
    elif position.after:
        rows = db.session.execute(query.where(beyond(position.after, True))
                                  .order_by(*forward).limit(per_page + 1)).all()
        rows, has_prev, has_next, number = rows[:per_page], True, len(rows) > per_page, None
    else:
        rows = db.session.execute(query.order_by(*forward).limit(per_page + 1)
                                  .offset((position.page - 1) * per_page)).all()
        has_prev, has_next = position.page > 1, len(rows) > per_page
        rows, number = rows[:per_page], position.page

    def cursor(row) -> str:
        return encode_cursor(row[0].starts_utc if listed_at is None else row._mapping[LISTED_AT],
                             row[0].id)

    items = [row[0] for row in rows]
    if OCCURRENCE_ID in query.selected_columns:
        ids = [row._mapping[OCCURRENCE_ID] for row in rows]
        found = {o.id: o for o in db.session.scalars(
            select(Occurrence).where(Occurrence.id.in_([i for i in ids if i is not None])))} \
            if any(i is not None for i in ids) else {}
        items = [(event, found.get(i)) for event, i in zip(items, ids, strict=True)]
    return Page(items=items, per_page=per_page, page=number, has_prev=has_prev, has_next=has_next,
                prev_cursor=cursor(rows[0]) if has_prev and rows and number != 2 else None,
                next_cursor=cursor(rows[-1]) if has_next else None)


OCCURRENCE_ID = "occurrence_id"


def dated_entries(query: Select, *, running_at: datetime | None = None,
                  starts_from: datetime | None = None, starts_before: datetime | None = None,
                  ended_before: datetime | None = None) -> Select:
    """Every dated entry of the events `query` selects: a single event once, a series once
    per occurrence (the API's list, the archive), for page_of() to order by LISTED_AT.
    `running_at`: not over by then; `ended_before`: over by then; `starts_from` /
    `starts_before`: starting in that range. Each half walks a starts_utc index."""
    instants = []
    for starts, ends, event_id, occurrence_id, extra in (
            (Event.starts_utc, Event.ends_utc, Event.id, cast(null(), Integer),
             Event.recurrence_rule.is_(None)),
            (Occurrence.starts_utc, Occurrence.ends_utc, Occurrence.event_id, Occurrence.id,
             None)):
        part = select(event_id.label("event_id"), starts.label("starts_utc"),
                      occurrence_id.label("occurrence_id"))
        if extra is not None:
            part = part.where(extra)
        if running_at is not None:
            part = part.where(ends >= running_at, starts >= running_at - Event.MAX_DURATION)
        if starts_from is not None:
            part = part.where(starts >= starts_from)
        if starts_before is not None:
            part = part.where(starts < starts_before)
        if ended_before is not None:
            part = part.where(ends < ended_before)
        instants.append(part)
    dated = union_all(*instants).subquery("dated")
    return query.join_from(Event, dated, dated.c.event_id == Event.id).add_columns(
        dated.c.starts_utc.label(LISTED_AT), dated.c.occurrence_id.label(OCCURRENCE_ID))


def listed_event(slug: str, bare: bool = False) -> Event | None:
    """The event visitors may see at /events/<slug>; None for a draft or no such event.
    `bare`: its speakers, tags, organisations and places are loaded only if touched (a
    sign-up needs none of them: four queries fewer on the busiest write)."""
    query = listed_events().where(Event.slug == slug)
    if bare:
        query = query.options(lazyload("*"))
    return db.session.scalar(query)


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
