"""Speaker records: editing, and merging two records of the same person."""

from __future__ import annotations

from sqlalchemy import func

from eventsite.domain.text import SLUG_PATTERN, line_problem, text_problem
from eventsite.domain.timezones import utcnow
from eventsite.extensions import db
from eventsite.models import EventSpeaker, Speaker, SpeakerRole
from eventsite.services.errors import ValidationError


def speakers_with_counts() -> list[tuple[Speaker, int]]:
    """Every speaker with how many events they are linked to, by name."""
    count = func.count(EventSpeaker.id)
    rows = db.session.execute(
        db.select(Speaker, count).outerjoin(EventSpeaker).group_by(Speaker.id)
        .order_by(Speaker.name))
    return [(speaker, n) for speaker, n in rows]


def speaker_by_id(speaker_id: int) -> Speaker | None:
    return db.session.get(Speaker, speaker_id)


def update_speaker(speaker: Speaker, name: str, affiliation: str, bio: str, slug: str) -> Speaker:
    errors = {}
    name, slug = " ".join(name.split()), slug.strip()
    if not name:
        errors["name"] = "is required"
    elif len(name) > 200:
        errors["name"] = "is too long (at most 200 characters)"
    elif line_problem(name):
        errors["name"] = line_problem(name)
    if len(affiliation) > 500:
        errors["affiliation"] = "is too long (at most 500 characters)"
    elif line_problem(affiliation):
        errors["affiliation"] = line_problem(affiliation)
    if text_problem(bio):
        errors["bio"] = text_problem(bio)
    if not SLUG_PATTERN.match(slug or "-"):
        errors["slug"] = "may hold only lower-case letters, digits and single hyphens"
    elif db.session.scalar(db.select(Speaker.id).where(Speaker.slug == slug,
                                                       Speaker.id != speaker.id)):
        errors["slug"] = f"“{slug}” is already used by another speaker"
    if errors:
        raise ValidationError(errors)
    speaker.name, speaker.affiliation, speaker.bio, speaker.slug = \
        name, affiliation.strip(), bio.strip(), slug
    db.session.commit()
    return speaker


_RANK = {SpeakerRole.CHAIR: 0, SpeakerRole.MODERATOR: 1, SpeakerRole.HOST: 2,
         SpeakerRole.SPEAKER: 3}


def merge_speakers(keep: Speaker, merge: Speaker) -> Speaker:
    """Move every event of `merge` to `keep` and delete `merge`. Where both were on one event,
    the more prominent role (chair over speaker) stays. `keep` gains what it lacked."""
    if keep.id == merge.id:
        raise ValidationError({"merge": "Choose two different speakers."})
    kept_links = {link.event_id: link for link in keep.event_links}
    for link in list(merge.event_links):
        existing = kept_links.get(link.event_id)
        if existing is None:
            link.speaker = keep
        else:
            if _RANK[link.role] < _RANK[existing.role]:
                existing.role = link.role
            existing.position = min(existing.position, link.position)
            db.session.delete(link)
        link.event.updated_at = utcnow()
    keep.affiliation = keep.affiliation or merge.affiliation
    keep.bio = keep.bio or merge.bio
    db.session.flush()
    db.session.delete(merge)
    db.session.commit()
    return keep
