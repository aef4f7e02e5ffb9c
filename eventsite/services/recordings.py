"""After an event: its recording (public, or for its registrants only) and slides, and the
one e-mail that tells each registrant they are online."""

from __future__ import annotations

from sqlalchemy import update

from eventsite.domain.text import is_web_url, line_problem
from eventsite.domain.timezones import utcnow
from eventsite.extensions import db
from eventsite.models import Attendee, Event, Registration, RegistrationStatus
from eventsite.services import attendees, mail, registrations
from eventsite.services.errors import ValidationError
from eventsite.services.events import LIMITS, WEB_URL_MESSAGE


def set_recording(event: Event, recording_url: str, public: bool, slides_url: str) -> int:
    """Save the recording and slides links; once the event is over and it has a recording,
    tell its registrants (each once). Returns how many were told now."""
    recording_url, slides_url = recording_url.strip(), slides_url.strip()
    errors = {}
    for key, url in (("recording_url", recording_url), ("slides_url", slides_url)):
        if len(url) > LIMITS["url"]:
            errors[key] = f"is too long (at most {LIMITS['url']} characters)"
        elif url and (line_problem(url) or not is_web_url(url)):
            errors[key] = WEB_URL_MESSAGE
    if errors:
        raise ValidationError(errors)
    event.recording_url, event.recording_public, event.slides_url = \
        recording_url, public, slides_url
    db.session.commit()
    if recording_url and event.ends_utc <= utcnow():
        return notify_recording(event)
    return 0


def notify_recording(event: Event) -> int:
    """'The recording is online' to everyone who held a seat, once each: the mark and the
    message are one conditional UPDATE's winner's, however many requests do this at once.
    Addresses that asked for no recording notices get none."""
    opted_out = db.select(Attendee.email).where(Attendee.recording_notices.is_(False))
    candidates = db.session.scalars(db.select(Registration).where(
        Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED,
        Registration.recording_notified_at.is_(None),
        Registration.email.not_in(opted_out))).all()
    messages = []
    for registration in candidates:
        marked = db.session.execute(
            update(Registration).where(Registration.id == registration.id,
                                       Registration.recording_notified_at.is_(None))
            .values(recording_notified_at=utcnow())
            .execution_options(synchronize_session=False)).rowcount
        if not marked:
            continue
        # Registrants-only recordings are reached through the personal link (or page).
        watch = event.recording_url if event.recording_public else (
            attendees.join_url(registration) if attendees.personal_links_on()
            else registrations.manage_url(registration))
        messages.append(registrations.queue_mail(

            registration, "recording", f"Recording online: {event.title}", watch_url=watch,
            unsubscribe_url=attendees.unsubscribe_url(registration.email, "recordings"),
            unsubscribe_text="No more recording notices"))
    db.session.commit()
    mail.deliver_now(messages)
    return len(messages)
