"""What an attendee has of their own: the personal join link (and the attendance it records),
the personal calendar feed, the page of all their registrations, and their mail choices.

Every secret here is unguessable and leads to one person's things only; none of these pages
or feeds is ever kept in a cache shared between people (they are not in the page cache's
blueprints, and say `Cache-Control: private`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from hashlib import sha256

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from eventsite.domain.joining import Phase, Window, join_window
from eventsite.domain.timezones import utcnow
from eventsite.extensions import db
from eventsite.models import (
    Attendee,
    Event,
    EventStatus,
    LocationVisibility,
    OccurrenceStatus,
    Registration,
    RegistrationStatus,
)
from eventsite.models.registration import new_token
from eventsite.services import series
from eventsite.urls import site_url

# --- the personal join link -------------------------------------------------------------------


def personal_links_on() -> bool:
    return current_app.config["PERSONAL_JOIN_LINKS"]


def join_url(registration: Registration) -> str:
    return site_url("registration.join", secret=registration.join_secret)


def by_join_secret(secret: str) -> Registration | None:
    return db.session.scalar(db.select(Registration).where(
        Registration.join_secret == secret))


def dates_of(registration: Registration) -> list[tuple[datetime, datetime]]:
    """The (start, end) instants this registration admits to: the event's; one date of a
    series; or each scheduled date of a series registered as a whole."""
    event = registration.event
    if registration.occurrence_key:
        dated = series.occurrence_on(event, registration.occurrence_day)
        return [(dated.starts_utc, dated.ends_utc)] if dated and \
            dated.status is OccurrenceStatus.SCHEDULED else []
    if event.is_series:
        return [(o.starts_utc, o.ends_utc) for o in series.occurrences_of(event)
                if o.status is OccurrenceStatus.SCHEDULED]
    return [(event.starts_utc, event.ends_utc)]


def window_of(registration: Registration, now: datetime | None = None) -> Window:
    opens_before = timedelta(minutes=current_app.config["JOIN_OPENS_MINUTES"])
    return join_window(dates_of(registration), now or utcnow(), opens_before)


def room_url(event: Event, starts_utc: datetime | None = None) -> str:
    """The registrants-only link in force now: a date's own (if it was given another) or
    the event's. Read when the link is opened, so a changed link needs no new e-mail."""
    if starts_utc is not None and event.is_series:
        for dated in series.occurrences_of(event, starts_utc, starts_utc + timedelta(seconds=1),
                                           limit=1):
            change = series.change_on(event, dated.day)
            if change is not None and change.locations is not None:
                return next((loc.get("url", "") for loc in change.locations
                             if loc.get("visibility") == "registrants" and loc.get("url")), "")
    return next((loc.url for loc in event.locations
                 if loc.visibility is LocationVisibility.REGISTRANTS and loc.url), "")


@dataclass(frozen=True)
class JoinAnswer:
    """What /j/<secret> does: `redirect` to `url`, or show a page saying why not (yet)."""

    kind: str  # redirect | early | over | no_room | not_seated | cancelled
    registration: Registration
    window: Window | None = None
    url: str = ""


def open_join_link(registration: Registration, now: datetime | None = None) -> JoinAnswer:
    """Follow a personal join link. Inside the window the first open records attendance,
    as one conditional UPDATE: any number of clicks, at once or not, stamp it once."""
    now = now or utcnow()
    event = registration.event
    if registration.status is not RegistrationStatus.CONFIRMED:
        return JoinAnswer("not_seated", registration)
    if event.status is EventStatus.CANCELLED:
        return JoinAnswer("cancelled", registration)
    window = window_of(registration, now)
    if window.phase is Phase.EARLY:
        return JoinAnswer("early", registration, window)
    if window.phase is Phase.OVER:
        url = event.recording_url
        return JoinAnswer("redirect" if url else "over", registration, window, url)
    url = room_url(event, window.starts_utc)
    if not url:
        return JoinAnswer("no_room", registration, window)
    db.session.execute(
        update(Registration)
        .where(Registration.id == registration.id, Registration.joined_at.is_(None),
               Registration.status == RegistrationStatus.CONFIRMED)
        .values(joined_at=now).execution_options(synchronize_session=False))
    db.session.commit()
    return JoinAnswer("redirect", registration, window, url)


# --- the attendee: one e-mail address ---------------------------------------------------------

def attendee_for(email: str) -> Attendee:
    """The address's attendee row, made on first need (two requests at once make one)."""
    for _attempt in range(3):
        found = db.session.scalar(db.select(Attendee).where(Attendee.email == email))
        if found is not None:
            return found
        try:
            found = Attendee(email=email, feed_secret=new_token())
            db.session.add(found)
            db.session.commit()
            return found
        except IntegrityError:
            db.session.rollback()
    raise RuntimeError("could not record the attendee")


def by_feed_secret(secret: str) -> Attendee | None:
    return db.session.scalar(db.select(Attendee).where(Attendee.feed_secret == secret))


def reset_feed_secret(attendee: Attendee) -> Attendee:
    """A new feed address; the old one answers 404 from now on."""
    db.session.execute(update(Attendee).where(Attendee.id == attendee.id)
                       .values(feed_secret=new_token())
                       .execution_options(synchronize_session=False))
    db.session.commit()
    db.session.refresh(attendee)
    return attendee


def feed_url(attendee: Attendee) -> str:
    return site_url("registration.personal_feed", secret=attendee.feed_secret)


def registrations_of(email: str) -> list[Registration]:
    """Everything this address registered for here, the latest event first."""
    return list(db.session.scalars(
        db.select(Registration).join(Event).where(Registration.email == email,
                                                  Event.status != EventStatus.DRAFT)
        .order_by(Event.starts_utc.desc(), Registration.occurrence_key, Registration.id)))


# --- signed links: "all my registrations" and one-click unsubscribing ------------------------

MINE_MAX_AGE = 7 * 24 * 3600  # the e-mailed link to all one's registrations lasts a week
CHOICES = {"reminders": "reminders", "recordings": "recording_notices"}


def _signer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"attendee-{purpose}")


def mine_token(email: str) -> str:
    return _signer("mine").dumps(email)


def email_of_mine_token(token: str) -> str | None:
    try:
        return _signer("mine").loads(token, max_age=MINE_MAX_AGE)
    except (BadSignature, SignatureExpired):
        return None


def unsubscribe_token(email: str, what: str) -> str:
    return _signer("unsubscribe").dumps([email, what])


def unsubscribe_url(email: str, what: str) -> str:
    return site_url("registration.unsubscribe", token=unsubscribe_token(email, what))


def read_unsubscribe_token(token: str) -> tuple[str, str] | None:
    try:
        email, what = _signer("unsubscribe").loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    return (email, what) if what in CHOICES else None


def set_choice(email: str, what: str, wanted: bool) -> None:
    """Reminders or recording notices on or off for this address (one UPDATE)."""
    attendee = attendee_for(email)
    db.session.execute(update(Attendee).where(Attendee.id == attendee.id)
                       .values({CHOICES[what]: wanted})
                       .execution_options(synchronize_session=False))
    db.session.commit()


def wants(email: str, what: str) -> bool:
    value = db.session.scalar(db.select(getattr(Attendee, CHOICES[what])).where(
        Attendee.email == email))
    return value is not False


def etag_of(parts: list) -> str:
    return sha256(repr(parts).encode()).hexdigest()[:32]
