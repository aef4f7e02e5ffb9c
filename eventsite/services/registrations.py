"""Built-in registration: sign-up, capacity and waitlist, confirmation, cancellation, reminders.

Seats are taken with one conditional UPDATE on the event (`confirmed_count < capacity`), in
the same transaction as the registration row and its outbox message: the seat check and the
insert are one atomic step, so no number of simultaneous sign-ups can overbook an event.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from flask import current_app, render_template
from sqlalchemy import func, or_, update
from sqlalchemy.exc import IntegrityError

from eventsite.display import event_date, event_time_line
from eventsite.domain.ical import build_calendar
from eventsite.domain.timezones import get_zone, utcnow
from eventsite.extensions import db
from eventsite.models import (
    Event,
    EventStatus,
    LocationVisibility,
    OutboxMessage,
    Registration,
    RegistrationMode,
    RegistrationStatus,
)
from eventsite.models.registration import new_token
from eventsite.services import mail
from eventsite.services.accounts import normalise_email
from eventsite.services.errors import ValidationError
from eventsite.services.feeds import calendar_entry, calendar_info, record_of
from eventsite.urls import site_url

ACTIVE = (RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED,
          RegistrationStatus.WAITLISTED)


class RegistrationError(Exception):
    """Registration is not possible now (closed, full); the message says why."""


class Availability(StrEnum):
    NOT_OPEN = "not_open"
    OPEN = "open"
    WAITLIST = "waitlist"  # full, but the waitlist takes names
    FULL = "full"
    CLOSED = "closed"


@dataclass(frozen=True)
class State:
    availability: Availability
    seats_left: int | None  # None: no limit
    message: str


def state_of(event: Event, now: datetime | None = None) -> State | None:
    """What the event page says about registering here; None when it doesn't take any."""
    if event.registration_mode is not RegistrationMode.BUILTIN:
        return None
    now = now or utcnow()
    closes = event.registration_closes_at or event.starts_utc
    seats_left = event.seats_left
    if event.status is not EventStatus.PUBLISHED or now >= closes:
        return State(Availability.CLOSED, seats_left, "Registration closed")
    if event.registration_opens_at and now < event.registration_opens_at:
        return State(Availability.NOT_OPEN, seats_left, "Registration has not opened yet")
    if seats_left == 0:
        if event.waitlist:
            return State(Availability.WAITLIST, 0, "Full — join the waitlist")
        return State(Availability.FULL, 0, "Full")
    if seats_left is None:
        return State(Availability.OPEN, None, "Registration open")
    return State(Availability.OPEN, seats_left,
                 f"{seats_left} seat{'s' if seats_left != 1 else ''} left")


@dataclass
class SignUp:
    name: str
    email: str
    organisation: str = ""
    consent: bool = False


@dataclass(frozen=True)
class Outcome:
    registration: Registration
    created: bool  # False: that address had registered already; the confirmation went again


def register(event: Event, sign_up: SignUp) -> Outcome:
    """Sign someone up: a seat if one is free, else the waitlist (or a confirmation first)."""
    errors = {}
    name = " ".join(sign_up.name.split())
    if not name:
        errors["name"] = "is required"
    elif len(name) > 200:
        errors["name"] = "is too long (at most 200 characters)"
    try:
        email = normalise_email(sign_up.email)
    except ValidationError as error:
        errors.update(error.errors)
    if len(sign_up.organisation.strip()) > 200:
        errors["organisation"] = "is too long (at most 200 characters)"
    if not sign_up.consent:
        errors["consent"] = "Please agree, so that we may keep your details for this event."
    if errors:
        raise ValidationError(errors)

    existing = _find(event, email)
    if existing and existing.status in ACTIVE:
        messages = [_queue_status_mail(existing)]
        db.session.commit()
        mail.deliver_now(messages)
        return Outcome(existing, created=False)

    state = state_of(event)
    if state.availability in (Availability.CLOSED, Availability.NOT_OPEN, Availability.FULL):
        raise RegistrationError(state.message)

    registration = existing or Registration(event=event, email=email, token=new_token())
    registration.name, registration.organisation = name, sign_up.organisation.strip()
    registration.created_at, registration.cancelled_at = utcnow(), None
    try:
        if event.confirmation_required:
            registration.status = RegistrationStatus.PENDING
        else:
            _seat_or_waitlist(event, registration)
        db.session.add(registration)
        messages = [_queue_status_mail(registration)]
        db.session.commit()
    except IntegrityError:
        # The same address, at the same instant, in another request: that one won.
        db.session.rollback()
        return register(event, sign_up)
    mail.deliver_now(messages)
    return Outcome(registration, created=True)


def _find(event: Event, email: str) -> Registration | None:
    return db.session.scalar(db.select(Registration).where(
        Registration.event_id == event.id, Registration.email == email))


def _take_seat(event: Event) -> bool:
    """Take one seat if one is free: the check and the change in one statement."""
    result = db.session.execute(
        update(Event)
        .where(Event.id == event.id,
               or_(Event.capacity.is_(None), Event.confirmed_count < Event.capacity))
        .values(confirmed_count=Event.confirmed_count + 1, updated_at=Event.updated_at)
        .execution_options(synchronize_session=False))
    db.session.expire(event, ["confirmed_count"])
    return result.rowcount == 1


def _release_seat(event: Event) -> None:
    db.session.execute(
        update(Event).where(Event.id == event.id, Event.confirmed_count > 0)
        .values(confirmed_count=Event.confirmed_count - 1, updated_at=Event.updated_at)
        .execution_options(synchronize_session=False))
    db.session.expire(event, ["confirmed_count"])


def _seat_or_waitlist(event: Event, registration: Registration) -> None:
    if _take_seat(event):
        registration.status, registration.confirmed_at = RegistrationStatus.CONFIRMED, utcnow()
    elif event.waitlist:
        registration.status = RegistrationStatus.WAITLISTED
    else:
        raise RegistrationError("Full")


def by_id(registration_id: int) -> Registration | None:
    return db.session.get(Registration, registration_id)


def by_token(token: str) -> Registration | None:
    return db.session.scalar(db.select(Registration).where(Registration.token == token))


def confirm(registration: Registration) -> Registration:
    """The confirmation click: a pending registration takes a seat, or joins the waitlist."""
    if registration.status is not RegistrationStatus.PENDING:
        return registration
    event = registration.event
    try:
        _seat_or_waitlist(event, registration)
    except RegistrationError:
        db.session.rollback()
        raise RegistrationError("The event filled up before you confirmed.") from None
    messages = [_queue_status_mail(registration)]
    db.session.commit()
    mail.deliver_now(messages)
    return registration


def cancel(registration: Registration) -> Registration:
    """Cancel a registration; a freed seat goes to the first person on the waitlist."""
    if registration.status is RegistrationStatus.CANCELLED:
        return registration
    held_seat = registration.holds_seat
    registration.status, registration.cancelled_at = RegistrationStatus.CANCELLED, utcnow()
    messages = [_queue_mail(registration, "cancelled",
                            f"Cancelled: {registration.event.title}", method="CANCEL")]
    if held_seat:
        _release_seat(registration.event)
    db.session.flush()
    messages += _fill_free_seats(registration.event)
    db.session.commit()
    mail.deliver_now(messages)
    return registration


def promote(registration: Registration) -> Registration:
    """An organiser gives a waitlisted person a seat, if one is free."""
    if registration.status is not RegistrationStatus.WAITLISTED:
        raise ValidationError({"status": "Only someone on the waitlist can be promoted."})
    if not _take_seat(registration.event):
        raise ValidationError({"status": "No seat is free: raise the capacity or cancel a "
                                         "registration first."})
    registration.status, registration.confirmed_at = RegistrationStatus.CONFIRMED, utcnow()
    messages = [_queue_mail(registration, "promoted",
                            f"You have a seat: {registration.event.title}", method="REQUEST")]
    db.session.commit()
    mail.deliver_now(messages)
    return registration


def fill_free_seats(event: Event) -> None:
    """After the capacity was raised: give the new seats to the waitlist, in order."""
    messages = _fill_free_seats(event)
    db.session.commit()
    mail.deliver_now(messages)


def _fill_free_seats(event: Event) -> list[OutboxMessage]:
    messages = []
    while True:
        waiting = db.session.scalar(
            db.select(Registration).where(Registration.event_id == event.id,
                                          Registration.status == RegistrationStatus.WAITLISTED)
            .order_by(Registration.created_at, Registration.id).limit(1))
        if waiting is None or not _take_seat(event):
            return messages
        # Claim this person: another cancellation at the same moment may be promoting them.
        claimed = db.session.execute(
            update(Registration)
            .where(Registration.id == waiting.id,
                   Registration.status == RegistrationStatus.WAITLISTED)
            .values(status=RegistrationStatus.CONFIRMED, confirmed_at=utcnow())
            .execution_options(synchronize_session=False)).rowcount
        if not claimed:
            _release_seat(event)
            continue
        db.session.refresh(waiting)
        messages.append(_queue_mail(waiting, "promoted", f"You have a seat: {event.title}",
                                    method="REQUEST"))


# --- when the event changes -------------------------------------------------------------------

def notify_change(event: Event) -> list[OutboxMessage]:
    """Time, place or status changed: everyone with a seat gets the updated invitation
    (SEQUENCE raised; METHOD:CANCEL when the event is cancelled), and the waitlist is told
    without one (they have no seat to put in a calendar). Addresses not yet confirmed get
    nothing. Committed by the caller."""
    cancelled = event.status is EventStatus.CANCELLED
    subject = f"{'Cancelled' if cancelled else 'Changed'}: {event.title}"
    kind = "event_cancelled" if cancelled else "event_changed"
    return [_queue_mail(registration, kind, subject,
                        method=("CANCEL" if cancelled else "REQUEST")
                        if registration.holds_seat else None)
            for registration in db.session.scalars(
                db.select(Registration).where(Registration.event_id == event.id,
                                              Registration.status.in_(
                                                  (RegistrationStatus.CONFIRMED,
                                                   RegistrationStatus.WAITLISTED))))]


def send_reminders(now: datetime | None = None) -> int:
    """A reminder a day and an hour before each event, once each, however often this runs.

    The windows do not overlap: someone who registers in the last hour gets only the hour's
    reminder, not a "tomorrow" one as well.
    """
    now = now or utcnow()
    sent = 0
    for column, earliest, latest in (
            (Registration.hour_reminder_sent_at, now, now + timedelta(hours=1)),
            (Registration.day_reminder_sent_at, now + timedelta(hours=1),
             now + timedelta(days=1))):
        due = db.session.scalars(
            db.select(Registration).join(Event)
            .where(Registration.status == RegistrationStatus.CONFIRMED, column.is_(None),
                   Event.status == EventStatus.PUBLISHED, Event.starts_utc > earliest,
                   Event.starts_utc <= latest)).all()
        for registration in due:
            # Mark first, conditionally: two runs at once remind each person only once.
            marked = db.session.execute(
                update(Registration).where(Registration.id == registration.id, column.is_(None))
                .values({column.key: now}).execution_options(synchronize_session=False))
            if marked.rowcount:
                when = _when(registration.event, now)
                _queue_mail(registration, "reminder",
                            f"Reminder: {registration.event.title} {when}", method="REQUEST",
                            when=when)
                sent += 1
        db.session.commit()
    mail.deliver_pending()
    return sent


def _when(event: Event, now: datetime) -> str:
    """'in an hour', 'today' or 'tomorrow', as the event's own zone counts days."""
    if event.starts_utc - now <= timedelta(hours=1):
        return "in an hour"
    zone = get_zone(event.timezone)
    today = now.replace(tzinfo=UTC).astimezone(zone).date()
    return "today" if event.starts_local.date() == today else "tomorrow"


def message_registrants(event: Event, subject: str, body: str) -> int:
    """An organiser's message to everyone registered (confirmed, waitlisted or pending)."""
    errors = {}
    if not subject.strip():
        errors["subject"] = "is required"
    elif len(subject) > 200:
        errors["subject"] = "is too long (at most 200 characters)"
    if not body.strip():
        errors["body"] = "is required"
    if errors:
        raise ValidationError(errors)
    count = 0
    for registration in db.session.scalars(db.select(Registration).where(
            Registration.event_id == event.id, Registration.status.in_(ACTIVE))):
        _queue_mail(registration, "message", subject.strip(), body=body.strip())
        count += 1
    db.session.commit()
    mail.deliver_pending()
    return count


# --- what organisers see ----------------------------------------------------------------------

def counts(event: Event) -> dict[str, int]:
    rows = db.session.execute(
        db.select(Registration.status, func.count(Registration.id))
        .where(Registration.event_id == event.id).group_by(Registration.status))
    found = {status.value: n for status, n in rows}
    return {status.value: found.get(status.value, 0) for status in RegistrationStatus}


def registrants(event: Event, search: str = "") -> list[Registration]:
    query = db.select(Registration).where(Registration.event_id == event.id)
    if search.strip():
        pattern = f"%{search.strip().lower()}%"
        query = query.where(or_(func.lower(Registration.name).like(pattern),
                                Registration.email.like(pattern),
                                func.lower(Registration.organisation).like(pattern)))
    return list(db.session.scalars(query.order_by(Registration.created_at, Registration.id)))


def registrants_csv(event: Event) -> bytes:
    """UTF-8 with a byte-order mark and CRLF lines: Excel and LibreOffice both open it right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["Name", "E-mail", "Organisation", "Status", "Registered (UTC)",
                     "Confirmed (UTC)", "Cancelled (UTC)"])
    for r in registrants(event):
        writer.writerow([_cell(r.name), r.email, _cell(r.organisation), r.status.value,
                         _stamp(r.created_at), _stamp(r.confirmed_at), _stamp(r.cancelled_at)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _cell(text: str) -> str:
    # A name like "=HYPERLINK(...)" must stay text in a spreadsheet, not become a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _stamp(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


# --- the messages -----------------------------------------------------------------------------

def invitation(registration: Registration, method: str = "REQUEST") -> bytes:
    """The attendee's own calendar entry: the public event's UID, with the join links."""
    event = registration.event
    entry = calendar_entry(record_of(event), site_url("public.event", slug=event.slug),
                           private_links=True)
    entry = entry._replace(attendees=((registration.name, registration.email),),
                    status="CANCELLED" if method == "CANCEL" else entry.status)
    return build_calendar(calendar_info(event.title, method=method), [entry])


def private_links(event: Event) -> list:
    return [loc for loc in event.locations
            if loc.visibility is LocationVisibility.REGISTRANTS and loc.url]


def _queue_status_mail(registration: Registration) -> OutboxMessage:
    title = registration.event.title
    if registration.status is RegistrationStatus.PENDING:
        return _queue_mail(registration, "confirm", f"Please confirm: {title}")
    if registration.status is RegistrationStatus.WAITLISTED:
        return _queue_mail(registration, "waitlisted", f"On the waitlist: {title}")
    return _queue_mail(registration, "confirmed", f"You are registered: {title}",
                       method="REQUEST")


def _queue_mail(registration: Registration, kind: str, subject: str, method: str | None = None,
                **extra) -> OutboxMessage:
    event = registration.event
    context = {
        "kind": kind, "registration": registration, "event": event,
        "date": event_date(event), "time_line": event_time_line(event),
        "join_links": private_links(event), "site_name": current_app.config["SITE_NAME"],
        "manage_url": site_url("registration.manage", token=registration.token),
        "confirm_url": site_url("registration.confirm", token=registration.token),
        "event_url": site_url("public.event", slug=event.slug), **extra,
    }
    attachments = ()
    if method:
        attachments = (mail.Attachment("invite.ics", invitation(registration, method), "text",
                                       "calendar", (("method", method), ("charset", "utf-8"))),)
    return mail.queue_message(
        registration.email, subject, render_template("email/registration.txt", **context),
        render_template("email/registration.html", **context), attachments)
