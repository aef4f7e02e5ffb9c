"""The A–Z indexes of speakers, organisations and tags, each with how many events visitors can
see for it (drafts do not count, and names with none are left out)."""

from __future__ import annotations

import string
from dataclasses import dataclass

from sqlalchemy import func

from eventsite.domain.paging import NumberedPages
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

LETTERS = tuple(string.ascii_uppercase)
OTHER = "other"  # names that do not start with A–Z (digits, Ø, 王 ...)


@dataclass(frozen=True)
class Kind:
    model: type
    link_event: object  # the column of the link table holding the event id
    link_key: object  # ... and the one pointing at the model
    link_table: object


KINDS = {
    "speakers": Kind(Speaker, EventSpeaker.event_id, EventSpeaker.speaker_id,
                     EventSpeaker.__table__),
    "organisations": Kind(Organisation, EventOrganisation.event_id,
                          EventOrganisation.organisation_id, EventOrganisation.__table__),
    "tags": Kind(Tag, event_tags.c.event_id, event_tags.c.tag_id, event_tags),
}


@dataclass
class Entry:
    item: object  # a Speaker, Organisation or Tag
    count: int


@dataclass
class DirectoryPage(NumberedPages):
    """A page of one index, shaped like a pagination for the pager macro."""

    entries: list[Entry]
    letters: list[str]  # initials that have entries (A–Z, then OTHER)
    letter: str | None
    total: int
    page: int
    per_page: int



def _initial(column):
    return func.upper(func.substr(column, 1, 1))


def directory(kind_name: str, letter: str | None, page: int, per_page: int) -> DirectoryPage:
    """One page of the index, by name, optionally of names starting with `letter`; three
    queries whatever its size (initials, the count, the page)."""
    kind = KINDS[kind_name]
    model = kind.model
    count = func.count(kind.link_event).label("events")
    counted = (db.select(kind.link_key.label("key"), count)
               .join(Event, Event.id == kind.link_event)
               .where(Event.status.in_(LISTED)).group_by(kind.link_key).subquery())
    initial = _initial(model.name)
    initials = set(db.session.scalars(
        db.select(initial).join(counted, counted.c.key == model.id).distinct()))
    letters = [c for c in LETTERS if c in initials]
    if initials - set(LETTERS):
        letters.append(OTHER)
    query = db.select(model, counted.c.events).join(counted, counted.c.key == model.id)
    if letter in LETTERS:
        query = query.where(initial == letter)
    elif letter == OTHER:
        query = query.where(initial.not_in(LETTERS))
    else:
        letter = None
    total = db.session.scalar(db.select(func.count()).select_from(query.subquery()))
    rows = db.session.execute(query.order_by(func.lower(model.name), model.id)
                              .limit(per_page).offset((page - 1) * per_page))
    return DirectoryPage([Entry(item, n) for item, n in rows], letters, letter, total, page,
                         per_page)
