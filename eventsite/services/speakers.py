"""Speaker and organisation records: editing (photo and logo included), and merging two
records of the same person."""

from __future__ import annotations

from sqlalchemy import func

from eventsite.domain.text import SLUG_PATTERN, is_web_url, line_problem, text_problem
from eventsite.domain.timezones import utcnow
from eventsite.extensions import db
from eventsite.models import EventOrganisation, EventSpeaker, Organisation, Speaker, SpeakerRole
from eventsite.services import images
from eventsite.services.errors import ValidationError
from eventsite.services.events import WEB_URL_MESSAGE
from eventsite.services.images import ImageChoice


def speakers_with_counts() -> list[tuple[Speaker, int]]:
    """Every speaker with how many events they are linked to, by name."""
    count = func.count(EventSpeaker.id)
    rows = db.session.execute(
        db.select(Speaker, count).outerjoin(EventSpeaker).group_by(Speaker.id)
        .order_by(Speaker.name))
    return [(speaker, n) for speaker, n in rows]


def speaker_by_id(speaker_id: int) -> Speaker | None:
    return db.session.get(Speaker, speaker_id)


def _name_and_slug(model, record, name: str, slug: str) -> tuple[str, str, dict]:
    """The name and address as kept, and what is wrong with them."""
    errors = {}
    name, slug = " ".join(name.split()), slug.strip()
    if not name:
        errors["name"] = "is required"
    elif len(name) > 200:
        errors["name"] = "is too long (at most 200 characters)"
    elif line_problem(name):
        errors["name"] = line_problem(name)
    elif model is Organisation and db.session.scalar(db.select(model.id).where(
            func.lower(model.name) == name.lower(), model.id != record.id)):
        errors["name"] = "is already used by another organisation"
    if not SLUG_PATTERN.match(slug or "-"):
        errors["slug"] = "may hold only lower-case letters, digits and single hyphens"
    elif db.session.scalar(db.select(model.id).where(model.slug == slug, model.id != record.id)):
        errors["slug"] = f"“{slug}” is already used by another {model.__name__.lower()}"
    return name, slug, errors


def update_speaker(speaker: Speaker, name: str, affiliation: str, bio: str, slug: str,
                   photo: ImageChoice = images.UNCHANGED) -> Speaker:
    """Save a speaker's record; a replaced or removed photo's files go once it is saved."""
    name, slug, errors = _name_and_slug(Speaker, speaker, name, slug)
    if len(affiliation) > 500:
        errors["affiliation"] = "is too long (at most 500 characters)"
    elif line_problem(affiliation):
        errors["affiliation"] = line_problem(affiliation)
    if text_problem(bio):
        errors["bio"] = text_problem(bio)
    if errors:
        raise ValidationError(errors)
    speaker.name, speaker.affiliation, speaker.bio, speaker.slug = \
        name, affiliation.strip(), bio.strip(), slug
    speaker.photo_id, old_photo = photo.apply(speaker.photo_id)
    db.session.commit()
    images.delete_event_image(old_photo)
    return speaker


def organisations_with_counts() -> list[tuple[Organisation, int]]:
    """Every organisation with how many events it hosts or co-sponsors, by name."""
    count = func.count(EventOrganisation.id)
    rows = db.session.execute(
        db.select(Organisation, count).outerjoin(EventOrganisation).group_by(Organisation.id)
        .order_by(Organisation.name))
    return [(organisation, n) for organisation, n in rows]


def organisation_by_id(organisation_id: int) -> Organisation | None:
    return db.session.get(Organisation, organisation_id)


def update_organisation(organisation: Organisation, name: str, website: str, slug: str,
                        logo: ImageChoice = images.UNCHANGED) -> Organisation:
    """Save an organisation's record; a replaced or removed logo's files go once it is
    saved."""
    name, slug, errors = _name_and_slug(Organisation, organisation, name, slug)
    website = website.strip()
    if len(website) > 500:
        errors["website"] = "is too long (at most 500 characters)"
    elif website and not is_web_url(website):
        errors["website"] = WEB_URL_MESSAGE
    if errors:
        raise ValidationError(errors)
    organisation.name, organisation.website, organisation.slug = name, website, slug
    organisation.logo_id, old_logo = logo.apply(organisation.logo_id)
    db.session.commit()
    images.delete_event_image(old_logo)
    return organisation


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
    unused_photo = merge.photo_id if keep.photo_id else None
    keep.photo_id = keep.photo_id or merge.photo_id
    db.session.flush()
    db.session.delete(merge)
    db.session.commit()
    images.delete_event_image(unused_photo)
    return keep
