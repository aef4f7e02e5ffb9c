"""What crawlers are told exists: every listed event, and the speakers, organisations and
tags that have one, in sitemap files of bounded size (sitemaps.org allows 50,000 addresses)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func

from eventsite.extensions import db
from eventsite.models import (
    Event,
    EventOrganisation,
    EventSpeaker,
    Organisation,
    Speaker,
    Tag,
)
from eventsite.models.event import event_tags
from eventsite.services.listings import LISTED

EVENTS_PER_FILE = 10_000  # by id range, so each file is one index range read
NAMES_PER_FILE = 50_000


@dataclass(frozen=True)
class Place:
    endpoint: str
    values: dict
    modified: datetime | None = None


def event_files() -> int:
    """How many event files there are (ids 1-10,000 in the first, and so on)."""
    highest = db.session.scalar(db.select(func.max(Event.id))) or 0
    return max(1, -(-highest // EVENTS_PER_FILE))


def events_in_file(number: int) -> Iterator[Place]:
    """The listed events whose ids fall in file `number` (from 1)."""
    low, high = (number - 1) * EVENTS_PER_FILE, number * EVENTS_PER_FILE
    rows = db.session.execute(
        db.select(Event.slug, Event.updated_at)
        .where(Event.id > low, Event.id <= high, Event.status.in_(LISTED)).order_by(Event.id))
    for slug, updated in rows:
        yield Place("public.event", {"slug": slug}, updated)


def named_pages() -> Iterator[Place]:
    """The listings, indexes, and every speaker, organisation and tag with a listed event."""
    for endpoint in ("public.index", "public.past", "public.calendar_now", "public.speakers",
                     "public.organisations", "public.tags"):
        yield Place(endpoint, {})
    listed = db.select(Event.id).where(Event.status.in_(LISTED))
    for endpoint, key, model, column, link in (
            ("public.speaker", "slug", Speaker, Speaker.slug, EventSpeaker.speaker_id),
            ("public.organisation", "slug", Organisation, Organisation.slug,
             EventOrganisation.organisation_id),
            ("public.tag", "tag", Tag, Tag.name, event_tags.c.tag_id)):
        event_column = link.table.c.event_id
        query = (db.select(column).where(model.id.in_(
            db.select(link).where(event_column.in_(listed)))).order_by(column)
            .limit(NAMES_PER_FILE))
        for value in db.session.scalars(query):
            yield Place(endpoint, {key: value})
