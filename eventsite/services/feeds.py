"""Calendar and Atom feeds: which events each holds, its version, and its bytes.

Calendar apps poll feeds all day, so the cheap path matters most. While the site's change
counter (one row) and the day stay the same, a feed is answered from bytes built once; after a
change anywhere it is rebuilt once, and its ETag (the hash of its bytes) changes only if
something in that feed did, so subscribers of untouched feeds keep getting 304s. A build
reads the events as plain records (`load_records`) and writes the file with domain/ical.py:
about a tenth of a second for 1,000 events, cold.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from flask import current_app, render_template
from sqlalchemy import Select, func, or_

from eventsite.display import by_role, event_date, event_time_line, iso_utc
from eventsite.domain.ical import CalendarEntry, CalendarInfo, build_calendar
from eventsite.domain.recurrence import calendar_rule, parse_rule
from eventsite.domain.text import join_names
from eventsite.domain.timezones import utcnow
from eventsite.extensions import db
from eventsite.models import (
    Event,
    EventSpeaker,
    EventStatus,
    Location,
    LocationVisibility,
    Occurrence,
    OccurrenceStatus,
    SiteState,
    Speaker,
    SpeakerRole,
    Tag,
)
from eventsite.models.event import event_tags
from eventsite.services import listings, mail
from eventsite.urls import site_urls

# Raise when the bytes a feed holds change shape, so clients' stored ETags stop matching.
FORMAT_VERSION = "4"  # 4: a series as RRULE, EXDATE and RECURRENCE-ID
FEED_WINDOW = timedelta(days=90)  # how far back the calendar feeds reach
ATOM_LIMIT = 50


@dataclass(frozen=True)
class Feed:
    """A feed: its cache key, what it says of itself, and how to query its events.

    `as_of` is the moment its time window is measured from, truncated (to the day for
    calendars, the hour for Atom) so that a feed's content is a function of the site's change
    counter and `as_of` alone, and its version can be known without querying its events.
    """

    key: str
    name: str
    description: str
    query: Callable[[datetime], Select]
    as_of: datetime
    kind: str = "ics"  # or "atom"


@dataclass(frozen=True)
class FeedState:
    etag: str
    last_modified: datetime  # naive UTC
    body: bytes


# --- which events ------------------------------------------------------------------------------

def _today() -> datetime:
    return utcnow().replace(hour=0, minute=0, second=0, microsecond=0)


def _calendar(key: str, name: str, description: str,
              narrow: Callable[[Select], Select] = lambda query: query) -> Feed:
    """A calendar of everything listed from 90 days ago onwards, cancelled and postponed
    included, narrowed by `narrow`."""
    return Feed(key, name, description, as_of=_today(), query=lambda as_of: (
        listings.ending_after(narrow(listings.listed_events()), as_of - FEED_WINDOW)))


def site_feed() -> Feed:
    name = current_app.config["SITE_NAME"]
    return _calendar("site", name, f"Events from {name}")


def tag_feed(tag_name: str) -> Feed | None:
    tag = listings.tag_by_name(tag_name)
    if tag is None:
        return None
    site = current_app.config["SITE_NAME"]
    return _calendar(f"tag:{tag.name}", f"{site}: {tag.name}", f"Events tagged {tag.name}",
                     lambda query: listings.with_tag(query, tag.name))


def speaker_feed(slug: str) -> Feed | None:
    speaker = listings.speaker_by_slug(slug)
    if speaker is None:
        return None
    site = current_app.config["SITE_NAME"]
    return _calendar(f"speaker:{speaker.id}", f"{site}: {speaker.name}",
                     f"Events with {speaker.name}",
                     lambda query: listings.with_speaker(query, speaker))


def organisation_feed(slug: str) -> Feed | None:
    organisation = listings.organisation_by_slug(slug)
    if organisation is None:
        return None
    site = current_app.config["SITE_NAME"]
    return _calendar(f"organisation:{organisation.id}", f"{site}: {organisation.name}",
                     f"Events of {organisation.name}",
                     lambda query: listings.with_organisation(query, organisation))


def event_feed(slug: str) -> Feed | None:
    """One event's .ics (any age, as long as visitors may see it)."""
    event_id = listings.listed_event_id(slug)
    if event_id is None:
        return None
    return Feed(f"event:{event_id}", current_app.config["SITE_NAME"], "", as_of=_today(),
                query=lambda as_of: listings.listed_events().where(Event.id == event_id))


def atom_feed() -> Feed:
    name = current_app.config["SITE_NAME"]
    this_hour = utcnow().replace(minute=0, second=0, microsecond=0)
    return Feed("atom", name, f"Upcoming events from {name}", as_of=this_hour, kind="atom",
                query=lambda as_of: listings.upcoming(now=as_of).limit(ATOM_LIMIT))


# --- versions and bytes ------------------------------------------------------------------------

def _settings_fingerprint() -> str:
    config = current_app.config
    return repr((config["SITE_NAME"], config["SITE_URL"], config["DISPLAY_TIMEZONES"],
                 sorted(config["ZONE_LABELS"].items()), organizer(), FORMAT_VERSION))


def feed_state(feed: Feed) -> FeedState:
    """The feed as it stands: its bytes, an ETag that is the hash of those bytes, and the
    latest change among its events.

    The site's change counter (one row) says whether anything anywhere changed; only then is
    the feed rebuilt (once per process), and its ETag changes only if its own bytes did. So an
    edit elsewhere on the site leaves every subscriber's stored ETag matching: a 304, not the
    whole file again. The bytes are a function of the data, so instances agree on the ETag.
    """
    version = db.session.scalar(db.select(SiteState.version).where(SiteState.id == 1))
    key = f"{feed.key}|{feed.as_of.isoformat()}|{version}|{_settings_fingerprint()}"
    return _cache().get_or_build(key, lambda: _build(feed))


class FeedCache:
    """Built feeds by version key, least recently used dropped first, bounded in bytes (one
    site feed can be a megabyte). One per app, shared by its threads."""

    def __init__(self, max_bytes: int = 16 * 1024 * 1024):
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, FeedState] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get_or_build(self, key: str, build: Callable[[], FeedState]) -> FeedState:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        state = build()
        with self._lock:
            if key not in self._items:
                self._items[key] = state
                self._size += len(state.body)
            while self._size > self.max_bytes and len(self._items) > 1:
                _, dropped = self._items.popitem(last=False)
                self._size -= len(dropped.body)
        return state


def _cache() -> FeedCache:
    return current_app.extensions.setdefault(
        "eventsite.feed_cache", FeedCache(current_app.config["FEED_CACHE_BYTES"]))


def feed_bytes(feed: Feed, state: FeedState) -> bytes:
    """The feed's bytes for this version (built with its state)."""
    return state.body


def _build(feed: Feed) -> FeedState:
    if feed.kind == "atom":
        events = db.session.scalars(feed.query(feed.as_of)).all()
        last_modified = _latest((event.updated_at for event in events), feed.as_of)
        body = xml_safe(render_template("feeds/events.atom.xml", feed=feed, events=events,
                                        updated=iso_utc(last_modified))).encode("utf-8")
    else:
        records = load_records(feed.query(feed.as_of))
        last_modified = _latest((record.updated_at for record in records), feed.as_of)
        body = records_calendar_bytes(calendar_info(feed.name, feed.description), records)
    etag = hashlib.blake2b(body + _settings_fingerprint().encode(), digest_size=16).hexdigest()
    return FeedState(etag=etag, last_modified=last_modified, body=body)


def xml_safe(text: str) -> str:
    """Drop what XML 1.0 cannot hold at all (control characters, lone surrogates): a title
    stored before such characters were refused must not make the whole feed unreadable."""
    return _NOT_XML.sub("", text)


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _latest(moments, as_of: datetime) -> datetime:
    """When the feed last changed: its latest edited event, or the start of its window (which
    moves events out of it) if that is later."""
    return max((*moments, as_of)).replace(microsecond=0)


# --- events as calendar entries ---------------------------------------------------------------

def organizer() -> tuple[str, str]:
    """(name, e-mail) of the ORGANIZER of every event: the site, at ORGANIZER_EMAIL, else
    at the address its mail comes from (a mailbox that exists, where calendar programs send
    an attendee's answer to an invitation)."""
    return current_app.config["SITE_NAME"], mail.organizer_address()


def calendar_info(name: str, description: str = "", method: str = "PUBLISH") -> CalendarInfo:
    organizer_name, organizer_email = organizer()
    zones = current_app.config["DISPLAY_TIMEZONES"]
    return CalendarInfo(name=name, description=description, method=method,
                        organizer_name=organizer_name, organizer_email=organizer_email,
                        prodid=f"-//{organizer_name}//eventsite//EN",
                        timezone=zones[0] if zones else "UTC")


def site_span() -> tuple[int, int]:
    """(first year, last year) of every event on the site, whatever its state: what each
    VTIMEZONE covers, so that a zone's block is one text in every file the site writes
    until an event outside the span is added. One query on two indexed columns."""
    first, last, series_last = db.session.execute(
        db.select(func.min(Event.starts_utc), func.max(Event.ends_utc),
                  func.max(Event.series_ends_utc))).one()
    if first is None:
        this_year = utcnow().year
        return this_year, this_year
    return first.year, max(last, series_last or last).year


class Person(NamedTuple):
    role: SpeakerRole
    name: str
    affiliation: str


class Place(NamedTuple):
    name: str
    url: str
    visibility: LocationVisibility


class EventRecord(NamedTuple):
    """What a calendar shows of an event: its columns as plain values (named as on Event),
    with its people, places and tags.

    A feed loads these for all its events with four column queries (`load_records`): ORM
    objects cost some 25 microseconds a row, which made up most of a cold feed build. An
    Event already loaded becomes one with `record_of`.
    """

    uid: str
    slug: str
    title: str
    summary: str
    status: EventStatus
    status_note: str
    starts_utc: datetime
    ends_utc: datetime
    starts_local: datetime
    timezone: str
    display_timezones: list[str] | None
    venue_name: str
    venue_address: str
    registration_url: str
    registration_label: str
    revision: int
    created_at: datetime
    updated_at: datetime
    recurrence_rule: str | None
    recurrence_exceptions: list[str] | None
    series_ends_utc: datetime | None
    people: tuple[Person, ...] = ()
    places: tuple[Place, ...] = ()
    tags: tuple[str, ...] = ()


_COLUMNS = EventRecord._fields[:-3]


def load_records(query: Select) -> list[EventRecord]:
    """The events `query` selects, in its order, as records: four queries however many."""
    rows = db.session.execute(query.with_only_columns(
        Event.id, *(getattr(Event, name) for name in _COLUMNS))).all()
    # The related rows of the same events: the query again, as a subquery of their ids.
    ids = query.with_only_columns(Event.id).correlate(None).scalar_subquery()
    people = _by_event(Person, db.select(
        EventSpeaker.event_id, EventSpeaker.role, Speaker.name, Speaker.affiliation)
        .join(Speaker).where(EventSpeaker.event_id.in_(ids))
        .order_by(EventSpeaker.event_id, EventSpeaker.position))
    places = _by_event(Place, db.select(
        Location.event_id, Location.name, Location.url, Location.visibility)
        .where(Location.event_id.in_(ids)).order_by(Location.event_id, Location.position))
    tags = _by_event(str, db.select(event_tags.c.event_id, Tag.name).join(Tag)
                     .where(event_tags.c.event_id.in_(ids))
                     .order_by(event_tags.c.event_id, Tag.name))
    return [EventRecord(*row[1:], people.get(row[0], ()), places.get(row[0], ()),
                        tags.get(row[0], ())) for row in rows]


def _by_event(make: Callable, query: Select) -> dict[int, tuple]:
    """Rows of (event id, *columns), each made into `make(*columns)`, grouped by event."""
    groups: dict[int, list] = {}
    for row in db.session.execute(query):
        groups.setdefault(row[0], []).append(make(*row[1:]))
    return {owner: tuple(items) for owner, items in groups.items()}


def record_of(event: Event) -> EventRecord:
    return EventRecord(
        *(getattr(event, name) for name in _COLUMNS),
        people=tuple(Person(link.role, link.speaker.name, link.speaker.affiliation)
                     for link in event.speaker_links),
        places=tuple(Place(loc.name, loc.url, loc.visibility) for loc in event.locations),
        tags=tuple(tag.name for tag in event.tags))


class ChangedDate(NamedTuple):
    """A date of a series that differs from its rule: moved, cancelled, postponed or noted."""

    day: date
    starts_utc: datetime
    ends_utc: datetime
    status: OccurrenceStatus
    note: str


def changed_dates(uids: list[str]) -> dict[str, tuple[ChangedDate, ...]]:
    """The changed dates of the series with these uids, by uid; and
    the dates whose wall time the clocks skip or repeat. RFC 5545 places those (the offset
    before a gap; the first of a repeated time), but libical and ical.js read a repeated
    time as the second: a VEVENT of their own with the instant makes every reader agree."""
    return _by_event(ChangedDate, db.select(
        Event.uid, Occurrence.day, Occurrence.starts_utc, Occurrence.ends_utc,
        Occurrence.status, Occurrence.note).join(Event, Event.id == Occurrence.event_id)
        .where(Event.uid.in_(uids),
               or_(Occurrence.changed.is_(True), Occurrence.resolution != "exact"))
        .order_by(Occurrence.event_id, Occurrence.starts_utc))


def calendar_bytes(info: CalendarInfo, query: Select) -> bytes:
    """The iCalendar file of the events `query` selects."""
    return records_calendar_bytes(info, load_records(query))


def records_calendar_bytes(info: CalendarInfo, records: list[EventRecord]) -> bytes:
    """The iCalendar file of these events; a series as one VEVENT with its RRULE and
    EXDATEs, and one with RECURRENCE-ID per changed date, all with its UID."""
    page = site_urls("public.event")
    series_uids = [record.uid for record in records if record.recurrence_rule]
    changed = changed_dates(series_uids) if series_uids else {}
    entries = []
    for record in records:
        entries += series_entries(record, page(slug=record.slug), changed.get(record.uid, ()))
    return build_calendar(info, entries, span=site_span())


def series_entries(event: EventRecord, page: str, changed: Iterable[ChangedDate] = (),
                   private_links: bool = False) -> list[CalendarEntry]:
    """An event's VEVENTs: one for a single event; for a series, the rule's and one per
    changed date (RECURRENCE-ID: the rule's wall time for that date)."""
    master = calendar_entry(event, page, private_links)
    if not event.recurrence_rule:
        return [master]
    wall = event.starts_local.time()
    master = master._replace(
        rrule=calendar_rule(parse_rule(event.recurrence_rule), event.timezone),
        exdates=[datetime.combine(date.fromisoformat(day), wall)
                 for day in event.recurrence_exceptions or ()],
        series_ends_utc=event.series_ends_utc)
    entries = [master]
    for dated in changed:
        summary, status = event.title, _STATUS.get(event.status, "CONFIRMED")
        if dated.status is OccurrenceStatus.CANCELLED:
            summary, status = f"Cancelled: {event.title}", "CANCELLED"
        elif dated.status is OccurrenceStatus.POSTPONED:
            summary, status = f"Postponed: {event.title}", "TENTATIVE"
        note = f"{dated.note}\n\n" if dated.note else ""
        entries.append(master._replace(
            summary=master.summary if status == master.status else summary,
            starts_utc=dated.starts_utc, ends_utc=dated.ends_utc, status=status,
            description=note + master.description, rrule="", exdates=(),
            recurrence_id=datetime.combine(dated.day, wall), series_ends_utc=None))
    return entries


def event_uid(event: Event | EventRecord) -> str:
    """The same for the life of the event, in every feed and download."""
    return f"{event.uid}@eventsite"


_STATUS = {EventStatus.CANCELLED: "CANCELLED", EventStatus.POSTPONED: "TENTATIVE"}


def calendar_entry(event: EventRecord, page: str, private_links: bool = False) -> CalendarEntry:
    """An event as calendars show it, `page` being the address of its page. Registrant-only
    links only when `private_links`."""
    summary = event.title
    if event.status is EventStatus.CANCELLED:
        summary = f"Cancelled: {summary}"
    elif event.status is EventStatus.POSTPONED:
        summary = f"Postponed: {summary}"
    return CalendarEntry(
        uid=event_uid(event), summary=summary, starts_utc=event.starts_utc,
        ends_utc=event.ends_utc, timezone=event.timezone,
        description=event_description(event, page, private_links),
        url=page, location=location_text(event),
        status=_STATUS.get(event.status, "CONFIRMED"), sequence=event.revision,
        created=event.created_at, last_modified=event.updated_at, categories=event.tags,
    )


def location_text(event: EventRecord) -> str:
    """'Zoom and YouTube', or the venue (with its address) for events held in a place."""
    names = [place.name for place in event.places]
    if event.venue_name:
        venue = ", ".join(filter(None, (event.venue_name, event.venue_address)))
        return f"{venue} (and {join_names(names)})" if names else venue
    return join_names(names)


def event_description(event: EventRecord, page: str, private_links: bool = False) -> str:
    """The plain-text body: the announcement, in the same words as the page."""
    lines = []
    if event.status in (EventStatus.CANCELLED, EventStatus.POSTPONED):
        lines.append(f"This event has been {event.status.value}."
                     + (f" {event.status_note}" if event.status_note else ""))
        lines.append("")
    lines.append(f"Date: {event_date(event)}")
    lines.append(f"Time: {event_time_line(event)}")
    for heading, people in by_role(event.people):
        lines.append(f"{heading}: " + "; ".join(
            person.name + (f" ({person.affiliation})" if person.affiliation else "")
            for person in people))
    for place in event.places:
        if place.visibility is LocationVisibility.PUBLIC or private_links:
            lines.append(f"{place.name}: {place.url}" if place.url else place.name)
    if event.venue_name:
        lines.append("Venue: " + ", ".join(filter(None, (event.venue_name, event.venue_address))))
    if event.registration_url:
        lines.append(f"Registration ({event.registration_label or 'register'}): "
                     f"{event.registration_url}")
    if event.summary:
        lines += ["", event.summary]
    lines += ["", f"Details: {page}"]
    return "\n".join(lines)
