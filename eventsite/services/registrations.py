"""Built-in registration: sign-up, capacity and waitlist, confirmation, cancellation, reminders.

Seats are taken with one conditional UPDATE on the event (`confirmed_count < capacity`), in
the same transaction as the registration row and its outbox message: the seat check and the
insert are one atomic step, so no number of simultaneous sign-ups can overbook an event.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from flask import current_app, render_template
from sqlalchemy import String, case, cast, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from eventsite.display import (
    event_date,
    event_time_line,
    occurrence_date,
    occurrence_time_line,
    your_time,
)
from eventsite.domain import registration as flow
from eventsite.domain.ical import build_calendar
from eventsite.domain.registration import first_message_for
from eventsite.domain.text import line_problem, text_problem
from eventsite.domain.timezones import UnknownZoneError, check_region_zone, get_zone, utcnow
from eventsite.extensions import db
from eventsite.models import (
    Attendee,
    Event,
    EventStatus,
    LocationVisibility,
    Occurrence,
    OccurrenceSeats,
    OccurrenceStatus,
    OutboxMessage,
    Registration,
    RegistrationMode,
    RegistrationStatus,
)
from eventsite.models.registration import new_token
from eventsite.services import attendees, changes, mail, series
from eventsite.services.accounts import normalise_email
from eventsite.services.errors import ValidationError
from eventsite.services.feeds import (
    calendar_info,
    changed_dates,
    record_of,
    series_entries,
    site_span,
)
from eventsite.urls import site_url

ACTIVE = tuple(flow.ACTIVE)


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


def state_of(event: Event, now: datetime | None = None, day: date | None = None
             ) -> State | None:
    """What the event page (or, for a series registered date by date, the page of the date
    `day`) says about registering here; None when it doesn't take any there."""
    if event.registration_mode is not RegistrationMode.BUILTIN:
        return None
    if per_occurrence(event) != (day is not None):
        return None
    now = now or utcnow()
    if day is None:
        # Once for a whole series: people may join until its last date is over.
        closes = event.registration_closes_at or event.series_ends_utc or event.starts_utc
        seats_left, cancelled = event.seats_left, False
    else:
        dated = series.occurrence_on(event, day)
        if dated is None:
            return None
        closes = min(event.registration_closes_at or dated.starts_utc, dated.starts_utc)
        seats_left = _seats_left(event, day)
        cancelled = dated.status is not OccurrenceStatus.SCHEDULED
    if event.status is not EventStatus.PUBLISHED or cancelled or now >= closes:
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
    timezone: str = ""  # the zone they read times in; '' for the event's


@dataclass(frozen=True)
class Outcome:
    registration: Registration
    created: bool  # False: that address had registered already; the confirmation went again


def register(event: Event, sign_up: SignUp, day: date | None = None) -> Outcome:
    """Sign someone up: a seat if one is free, else the waitlist (or a confirmation first);
    for one date `day` of a series registered date by date."""
    errors = {}
    name = " ".join(sign_up.name.split())
    if not name:
        errors["name"] = "Name is required."
    elif len(name) > 200:
        errors["name"] = "Name is too long (at most 200 characters)."
    else:
        _check_line(errors, "name", "Name", name)
    try:
        email = normalise_email(sign_up.email)
    except ValidationError as error:
        errors.update(error.errors)
    organisation = " ".join(sign_up.organisation.split())
    if len(organisation) > 200:
        errors["organisation"] = "Organisation is too long (at most 200 characters)."
    else:
        _check_line(errors, "organisation", "Organisation", organisation)
    zone = sign_up.timezone.strip()
    if zone:
        try:
            check_region_zone(zone)
        except UnknownZoneError as error:
            errors["timezone"] = f"Your time zone: {error}"
    if not sign_up.consent:
        errors["consent"] = "Please agree, so that we may keep your details for this event."
    if errors:
        raise ValidationError(errors)

    for _attempt in range(3):
        try:
            return _register(event, name, email, organisation,
                             day if per_occurrence(event) else None, zone)
        except IntegrityError:
            # The same address, at the same instant, in another request: that one won.
            db.session.rollback()
    raise RegistrationError("Please try again in a moment.")


def _check_line(errors: dict, key: str, label: str, value: str) -> None:
    problem = line_problem(value)
    if problem:
        errors[key] = f"{label} {problem}."


def per_occurrence(event: Event) -> bool:
    """Whether people register for each date of this series on its own."""
    return event.is_series and event.registration_per_occurrence


def _seats_left(event: Event, day: date) -> int | None:
    if event.capacity is None:
        return None
    taken = db.session.scalar(db.select(OccurrenceSeats.confirmed_count).where(
        OccurrenceSeats.event_id == event.id, OccurrenceSeats.day == day)) or 0
    return max(0, event.capacity - taken)


def _register(event: Event, name: str, email: str, organisation: str,
              day: date | None = None, zone: str = "") -> Outcome:
    _lock(event)
    key = day.isoformat() if day else ""
    existing = _find(event, email, key)
    if existing and existing.status in ACTIVE:
        # Signing up again tells the address's owner (only them) where they stand.
        messages = [_queue_mail(existing, first_message_for(existing.status))]
        db.session.commit()
        mail.deliver_now(messages)
        return Outcome(existing, created=False)

    state = state_of(event, day=day)
    if state is None:
        db.session.rollback()
        raise RegistrationError("Choose one of the series' dates to register for."
                                if per_occurrence(event) else "Registration closed")
    if state.availability in (Availability.CLOSED, Availability.NOT_OPEN, Availability.FULL):
        db.session.rollback()
        raise RegistrationError(state.message)

    now = utcnow()
    if event.confirmation_required:
        target, confirm_token = RegistrationStatus.PENDING, new_token()
    elif _take_seat(event, day):
        target, confirm_token = RegistrationStatus.CONFIRMED, None
    elif event.waitlist:
        target, confirm_token = RegistrationStatus.WAITLISTED, None
    else:
        db.session.rollback()
        raise RegistrationError("Full")
    details = {"name": name, "organisation": organisation, "created_at": now, "timezone": zone,
               "cancelled_at": None, "confirm_token": confirm_token,
               "confirmed_at": now if target is RegistrationStatus.CONFIRMED else None}
    if existing is None:
        registration = Registration(event=event, email=email, token=new_token(),
                                    occurrence_key=key, status=target, **details)
        db.session.add(registration)
        db.session.flush()
    else:
        registration = existing
        transition = {RegistrationStatus.PENDING: flow.REREGISTER_PENDING,
                      RegistrationStatus.CONFIRMED: flow.REREGISTER,
                      RegistrationStatus.WAITLISTED: flow.REREGISTER_TO_WAITLIST}[target]
        if _apply(registration, transition, **details) is None:
            db.session.rollback()  # registered again by a simultaneous request: that one won
            return Outcome(registration, created=False)
    messages = [_queue_mail(registration, first_message_for(target))]
    db.session.commit()
    mail.deliver_now(messages)
    return Outcome(registration, created=True)


def _find(event: Event, email: str, key: str = "") -> Registration | None:
    return db.session.scalar(db.select(Registration).where(
        Registration.event_id == event.id, Registration.occurrence_key == key,
        Registration.email == email))


def _lock(event: Event) -> None:
    """Serialise every registration change of one event (PostgreSQL: the event's row lock,
    always taken first, so two changes never wait for each other's rows; SQLite allows one
    writer at a time anyway). The event's seats are read again under the lock: a capacity
    an organiser changed since this request loaded the event is the one that counts."""
    db.session.execute(db.select(Event.id).where(Event.id == event.id).with_for_update())
    if not db.session.is_modified(event):
        db.session.refresh(event, ["capacity", "waitlist"])


def _apply(registration: Registration, transition: flow.Transition,
           **values) -> RegistrationStatus | None:
    """Make `transition` if the row is in one of its source states right now, as one
    conditional UPDATE. Returns the state it left, or None when there was nothing to do
    (another request made this change, or another one, first)."""
    for _attempt in range(len(transition.source) + 1):
        current = db.session.scalar(
            db.select(Registration.status).where(Registration.id == registration.id))
        if current not in transition.source:
            return None
        changed = db.session.execute(
            update(Registration)
            .where(Registration.id == registration.id, Registration.status == current)
            .values(status=transition.target, **values)
            .execution_options(synchronize_session=False)).rowcount
        if changed == 1:
            db.session.refresh(registration)
            return current
    return None


def _take_seat(event: Event, day: date | None = None) -> bool:
    """Take one seat if one is free: the check and the change in one statement (on the
    date's own counter for a series registered date by date)."""
    if day is not None:
        capacity = db.select(Event.capacity).where(Event.id == event.id).scalar_subquery()
        free = [or_(capacity.is_(None), OccurrenceSeats.confirmed_count < capacity)]
        return db.session.execute(
            update(OccurrenceSeats)
            .where(OccurrenceSeats.event_id == event.id, OccurrenceSeats.day == day, *free)
            .values(confirmed_count=OccurrenceSeats.confirmed_count + 1)
            .execution_options(synchronize_session=False)).rowcount == 1
    result = db.session.execute(
        update(Event)
        .where(Event.id == event.id,
               or_(Event.capacity.is_(None), Event.confirmed_count < Event.capacity))
        .values(confirmed_count=Event.confirmed_count + 1, updated_at=Event.updated_at)
        .execution_options(synchronize_session=False))
    db.session.expire(event, ["confirmed_count"])
    return result.rowcount == 1


def _release_seat(event: Event, day: date | None = None) -> None:
    if day is not None:
        db.session.execute(
            update(OccurrenceSeats)
            .where(OccurrenceSeats.event_id == event.id, OccurrenceSeats.day == day,
                   OccurrenceSeats.confirmed_count > 0)
            .values(confirmed_count=OccurrenceSeats.confirmed_count - 1)
            .execution_options(synchronize_session=False))
        return
    db.session.execute(
        update(Event).where(Event.id == event.id, Event.confirmed_count > 0)
        .values(confirmed_count=Event.confirmed_count - 1, updated_at=Event.updated_at)
        .execution_options(synchronize_session=False))
    db.session.expire(event, ["confirmed_count"])


def by_id(registration_id: int) -> Registration | None:
    return db.session.get(Registration, registration_id)


def by_token(token: str) -> Registration | None:
    return db.session.scalar(db.select(Registration).where(Registration.token == token))


def by_confirm_token(secret: str) -> Registration | None:
    return db.session.scalar(db.select(Registration).where(
        Registration.confirm_token == secret))


def confirm(registration: Registration) -> Registration:
    """The confirmation click: a pending registration takes a seat, or joins the waitlist.
    A second click (or ten at once) changes nothing and sends nothing."""
    event = registration.event
    _lock(event)
    if state_of(event).availability in (Availability.CLOSED, Availability.NOT_OPEN):
        db.session.rollback()
        raise RegistrationError("Registration for this event is closed, so it can no longer "
                                "be confirmed.")
    if _apply(registration, flow.CONFIRM, confirmed_at=utcnow()) is None:
        db.session.rollback()
        return registration
    if not _take_seat(event, registration.occurrence_day):
        if not event.waitlist:
            db.session.rollback()
            raise RegistrationError("The event filled up before you confirmed.")
        # We hold the row: move it on from the state we just gave it.
        db.session.execute(
            update(Registration)
            .where(Registration.id == registration.id,
                   Registration.status == RegistrationStatus.CONFIRMED)
            .values(status=flow.CONFIRM_TO_WAITLIST.target, confirmed_at=None)
            .execution_options(synchronize_session=False))
        db.session.refresh(registration)
    messages = [_queue_mail(registration, first_message_for(registration.status))]
    db.session.commit()
    mail.deliver_now(messages)
    return registration


def cancel(registration: Registration) -> Registration:
    """Cancel a registration (the attendee or an organiser); a freed seat goes to the first
    person on the waitlist. Only the request that made the change writes to anyone."""
    event = registration.event
    _lock(event)
    left = _apply(registration, flow.CANCEL, cancelled_at=utcnow())
    if left is None:
        db.session.rollback()
        return registration
    messages = [_queue_mail(registration, "cancelled",
                            method="CANCEL" if left in flow.SEAT_HOLDING else None)]
    if flow.CANCEL.releases_seat(left):
        _release_seat(event, registration.occurrence_day)
        messages += _fill_free_seats(event, registration.occurrence_day)
    db.session.commit()
    mail.deliver_now(messages)
    return registration


def promote(registration: Registration) -> Registration:
    """An organiser gives a waitlisted person a seat, if one is free."""
    event = registration.event
    _lock(event)
    if registration.status is not RegistrationStatus.WAITLISTED:
        db.session.rollback()
        raise ValidationError({"status": "Only someone on the waitlist can be promoted."})
    if not _take_seat(event, registration.occurrence_day):
        db.session.rollback()
        raise ValidationError({"status": "No seat is free: raise the capacity or cancel a "
                                         "registration first."})
    if _apply(registration, flow.PROMOTE, confirmed_at=utcnow()) is None:
        db.session.rollback()  # promoted or cancelled by someone else a moment ago
        return registration
    messages = [_queue_mail(registration, "promoted")]
    db.session.commit()
    mail.deliver_now(messages)
    return registration


def set_capacity(event: Event, capacity: int | None, per_date: bool = False) -> None:
    """The first step of an edit that may change the number of seats or how people register
    (`per_date`: each date of a series on its own): the UPDATE takes the event's seats until
    the edit commits, and the checks then see every sign-up that came before it. Refused:
    a capacity below the seats already taken (on any date; nobody loses a seat by an edit),
    and a change between registering date by date and for the whole series while anyone is
    registered (their seats would be counted against the wrong dates)."""
    db.session.execute(update(Event).where(Event.id == event.id).values(capacity=capacity)
                       .execution_options(synchronize_session=False))
    errors = {}
    if per_date != per_occurrence(event):
        active = db.session.scalar(db.select(func.count(Registration.id)).where(
            Registration.event_id == event.id, Registration.status.in_(ACTIVE)))
        if active:
            now, then = ("for the whole series", "date by date") if per_date else \
                ("date by date", "for the whole series")
            errors["registration.per_occurrence"] = (
                f"Registration for each date: {active} "
                f"{'person is' if active == 1 else 'people are'} registered {now}. Keep it "
                f"as it is, or cancel their registrations before people register {then}.")
    if capacity is not None:
        taken, day = (db.session.execute(
            db.select(OccurrenceSeats.confirmed_count, OccurrenceSeats.day)
            .where(OccurrenceSeats.event_id == event.id,
                   OccurrenceSeats.day >= utcnow().date() - timedelta(days=1))
            .order_by(OccurrenceSeats.confirmed_count.desc()).limit(1)).first()
            or (0, None)) if per_date else (
            db.session.scalar(db.select(Event.confirmed_count).where(Event.id == event.id)),
            None)
        if taken > capacity:
            on = f" on {day.strftime('%A')} {day.day} {day:%B %Y}" if day else ""
            errors["registration.capacity"] = (
                f"Number of seats: {taken} people already hold seats{on}. Choose at least "
                f"{taken}, or cancel registrations first.")
    if errors:
        db.session.rollback()
        raise ValidationError(errors)


def fill_waitlist(event: Event) -> list[OutboxMessage]:
    """After a change of capacity, in the same transaction: free seats go to the waitlist,
    in order (each date's own, for a series registered date by date). The caller commits
    and delivers."""
    _lock(event)
    if not per_occurrence(event):
        return _fill_free_seats(event)
    keys = db.session.scalars(db.select(Registration.occurrence_key).distinct().where(
        Registration.event_id == event.id, Registration.occurrence_key != "",
        Registration.status == RegistrationStatus.WAITLISTED)).all()
    return [message for key in sorted(keys)
            for message in _fill_free_seats(event, date.fromisoformat(key))]


def _fill_free_seats(event: Event, day: date | None = None) -> list[OutboxMessage]:
    messages = []
    waiting = db.session.scalars(
        db.select(Registration).where(Registration.event_id == event.id,
                                      Registration.occurrence_key == (
                                          day.isoformat() if day else ""),
                                      Registration.status == RegistrationStatus.WAITLISTED)
        .order_by(Registration.created_at, Registration.id)).all()
    for person in waiting:
        if not _take_seat(event, day):
            break
        if _apply(person, flow.PROMOTE, confirmed_at=utcnow()) is None:
            _release_seat(event, day)  # no longer waiting (cancelled a moment ago)
            continue
        messages.append(_queue_mail(person, "promoted"))
    return messages


# --- when the event changes -------------------------------------------------------------------

def notify_change(event: Event, what: list | None = None, day: date | None = None
                  ) -> list[OutboxMessage]:
    """Time, place or status changed: everyone with a seat gets the updated invitation
    (SEQUENCE raised; METHOD:CANCEL when the event is cancelled), and the waitlist is told
    without one (they have no seat to put in a calendar). Addresses not yet confirmed get
    nothing. The subject and body say what changed, old → new (`what`, from
    services/changes.py). Committed by the caller."""
    _lock(event)  # nobody's seat changes while the notices are written
    what = what or []
    cancelled = event.status is EventStatus.CANCELLED
    subject = changes.subject(event.title, event.status, what)
    kind = "event_cancelled" if cancelled else "event_changed"
    return [_queue_mail(registration, kind, subject,
                        method=("CANCEL" if cancelled else "REQUEST")
                        if registration.holds_seat else None, changes=what)
            for registration in db.session.scalars(
                db.select(Registration).where(Registration.event_id == event.id,
                                              *_of_day(day),
                                              Registration.status.in_(
                                                  (RegistrationStatus.CONFIRMED,
                                                   RegistrationStatus.WAITLISTED))))]


def _of_day(day: date | None) -> list:
    """A change to one date of a series concerns whole-series registrations and that
    date's own: not those for other dates."""
    if day is None:
        return []
    return [Registration.occurrence_key.in_(("", day.isoformat()))]


def send_reminders(now: datetime | None = None) -> int:
    """A reminder a day and an hour before each event (and each date of a series that
    someone holds a seat for, as a whole or date by date), once each, however often this
    runs; not to addresses that unsubscribed from reminders.

    The windows do not overlap: someone who registers in the last hour gets only the hour's
    reminder, not a "tomorrow" one as well. Each column holds when it was last sent: a
    stamp older than the window of the date now due was for an earlier date of the series.
    """
    now = now or utcnow()
    sent = 0
    # Registered for one date of a series: reminded before that date; for the whole series,
    # before each date; an event once, before its start.
    dated = aliased(Occurrence)
    starts = case((Event.recurrence_rule.is_(None), Event.starts_utc), else_=dated.starts_utc)
    opted_out = db.select(Attendee.email).where(Attendee.reminders.is_(False))
    for column, ahead, earliest, latest in (
            (Registration.hour_reminder_sent_at, timedelta(hours=1), now,
             now + timedelta(hours=1)),
            (Registration.day_reminder_sent_at, timedelta(days=1), now + timedelta(hours=1),
             now + timedelta(days=1))):
        due = db.session.execute(
            db.select(Registration, starts).join(Event)
            .outerjoin(dated, (dated.event_id == Registration.event_id)
                       & or_(Registration.occurrence_key == "",
                             cast(dated.day, String) == Registration.occurrence_key))
            .where(Registration.status == RegistrationStatus.CONFIRMED,
                   Event.status == EventStatus.PUBLISHED,
                   Registration.email.not_in(opted_out),
                   or_(Event.recurrence_rule.is_(None),
                       dated.status == OccurrenceStatus.SCHEDULED),
                   starts > earliest, starts <= latest)).all()
        for registration, starts_utc in due:
            # Mark first, conditionally: two runs at once remind each person only once.
            # ...and only while they still hold their seat (the join link goes with it).
            marked = db.session.execute(
                update(Registration).where(
                    Registration.id == registration.id,
                    or_(column.is_(None), column < starts_utc - ahead),
                    Registration.status == RegistrationStatus.CONFIRMED)
                .values({column.key: now}).execution_options(synchronize_session=False))
            if marked.rowcount:
                when = _when(registration, starts_utc, now)
                _queue_mail(registration, "reminder",
                            f"Reminder: {registration.event.title} {when}", method="REQUEST",
                            when=when, starts_utc=starts_utc,
                            unsubscribe_url=attendees.unsubscribe_url(registration.email,
                                                                      "reminders"),
                            unsubscribe_text="Stop these reminders")
                sent += 1
        db.session.commit()
    return sent


def _when(registration: Registration, starts_utc: datetime, now: datetime) -> str:
    """'in one hour', 'today' or 'tomorrow', as the attendee's zone (else the event's)
    counts days."""
    if starts_utc - now <= timedelta(hours=1):
        return "in one hour"
    zone = get_zone(registration.timezone or registration.event.timezone)
    today = now.replace(tzinfo=UTC).astimezone(zone).date()
    day = starts_utc.replace(tzinfo=UTC).astimezone(zone).date()
    return "today" if day == today else "tomorrow"


def message_registrants(event: Event, subject: str, body: str, sender=None) -> int:
    """An organiser's message to everyone registered (confirmed, waitlisted or pending);
    replies go to the organiser who wrote it (`sender`, a User)."""
    errors = {}
    if not subject.strip():
        errors["subject"] = "is required"
    elif len(subject) > 200:
        errors["subject"] = "is too long (at most 200 characters)"
    elif line_problem(subject.strip()):
        errors["subject"] = line_problem(subject.strip())
    if not body.strip():
        errors["body"] = "is required"
    elif text_problem(body):
        errors["body"] = text_problem(body)
    if errors:
        raise ValidationError(errors)
    # Only queued here: the mail worker delivers, and the registrants page shows how far.
    broadcast = mail.start_broadcast(event.id, subject.strip())
    for registration in db.session.scalars(db.select(Registration).where(
            Registration.event_id == event.id, Registration.status.in_(ACTIVE))):
        _queue_mail(registration, "message", subject.strip(), body=body.strip(),
                    reply_to=sender.email if sender else "",
                    sender_name=sender.name if sender else "").broadcast = broadcast
        broadcast.recipients += 1
    db.session.commit()
    return broadcast.recipients


def send_registrations_link(email: str) -> None:
    """E-mail the address a link to the page of all its registrations: only its inbox sees
    that list."""
    url = site_url("registration.mine", token=attendees.mine_token(email))
    message = mail.queue_message(
        email, f"Your registrations on {current_app.config['SITE_NAME']}",
        render_template("email/registrations_link.txt", url=url,
                        site_name=current_app.config["SITE_NAME"]))
    db.session.commit()
    mail.deliver_now([message])


def waitlist_position(registration: Registration) -> int | None:
    """1 for the first person on the waitlist; None for anyone not on it."""
    if registration.status is not RegistrationStatus.WAITLISTED:
        return None
    ahead = db.session.scalar(db.select(func.count(Registration.id)).where(
        Registration.event_id == registration.event_id,
        Registration.status == RegistrationStatus.WAITLISTED,
        or_(Registration.created_at < registration.created_at,
            (Registration.created_at == registration.created_at)
            & (Registration.id < registration.id))))
    return ahead + 1


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
    return list(db.session.scalars(query.order_by(
        Registration.occurrence_key, Registration.created_at, Registration.id)))


def registrants_csv(event: Event) -> bytes:
    """UTF-8 with a byte-order mark and CRLF lines: Excel and LibreOffice both open it right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["Name", "E-mail", "Organisation", "Status", "Registered (UTC)",
                     "Confirmed (UTC)", "Cancelled (UTC)", "Joined (UTC)"]
                    + (["Date"] if event.registration_per_occurrence else []))
    for r in registrants(event):
        # Every column, the address too: "=1+2@example.org" is a valid e-mail address.
        writer.writerow([_cell(value) for value in (
            r.name, r.email, r.organisation, r.status.value, _stamp(r.created_at),
            _stamp(r.confirmed_at), _stamp(r.cancelled_at), _stamp(r.joined_at))]
            + ([r.occurrence_key] if event.registration_per_occurrence else []))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _cell(text: str) -> str:
    # A name like "=HYPERLINK(...)" must stay text in a spreadsheet, not become a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _stamp(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


# --- the messages -----------------------------------------------------------------------------

def invitation(registration: Registration, method: str = "REQUEST") -> bytes:
    """The attendee's own calendar entry: the public event's UID, with the join links only
    while they hold a seat. As RFC 5546 has it, a REQUEST or CANCEL names the attendee (beside
    the ORGANIZER every file has); a PUBLISH (the personal download) names none."""
    return build_calendar(calendar_info(registration.event.title, method=method),
                          registration_entries(registration, method), span=site_span())


# How the personal feed marks a place held without a seat, and one given up.
FEED_STATUS = {RegistrationStatus.WAITLISTED: "TENTATIVE",
               RegistrationStatus.CANCELLED: "CANCELLED"}


def personal_calendar(email: str) -> bytes:
    """The attendee's own feed: everything this address registered for (once its owner
    confirmed it), seats with the personal join link, the waitlist tentative, cancelled
    registrations cancelled. Written by the same writer as every other feed."""
    entries = []
    for registration in attendees.registrations_of(email):
        if registration.status is RegistrationStatus.PENDING:
            continue
        status = FEED_STATUS.get(registration.status)
        entries += [entry._replace(status=status or entry.status)
                    for entry in registration_entries(registration, "PUBLISH")]
    name = f"My events · {current_app.config['SITE_NAME']}"
    return build_calendar(calendar_info(name), entries, span=site_span())


def registration_entries(registration: Registration, method: str = "PUBLISH") -> list:
    """The VEVENTs of one registration (see `invitation`)."""
    event = registration.event
    private = method != "CANCEL" and flow.may_see_private_links(registration.status)
    record = record_of(event)
    # A series: its rule, and its changed dates (same UID, RECURRENCE-ID), as in the feeds;
    # registered for one date, that date only (its RECURRENCE-ID).
    changed = changed_dates([record.uid]).get(record.uid, ()) \
        if event.is_series else ()
    personal = attendees.personal_links_on()
    entries = series_entries(record, site_url("public.event", slug=event.slug), changed,
                             private_links=private and not personal)
    if registration.occurrence_key:
        entries = [one_date_entry(entries, event, registration.occurrence_day)]
    people = () if method == "PUBLISH" else ((registration.name, registration.email),)
    entries = [entry._replace(attendees=people,
                              status="CANCELLED" if method == "CANCEL" else entry.status)
               for entry in entries]
    if private and personal and private_links(event):
        entries = [with_join_link(entry, attendees.join_url(registration)) for entry in entries]
    return entries


def with_join_link(entry, url: str):
    """The calendar entry with the attendee's own join link, first in its description."""
    return entry._replace(description=f"Join (your personal link): {url}\n\n"
                                      + entry.description)


def one_date_entry(entries: list, event: Event, day: date):
    """The VEVENT of one date of a series: its changed one, or the rule's for that date."""
    wall = datetime.combine(day, event.starts_local.time())
    for entry in entries[1:]:
        if entry.recurrence_id == wall:
            return entry
    dated = series.occurrence_on(event, day)
    return entries[0]._replace(rrule="", exdates=(), series_ends_utc=None, recurrence_id=wall,
                               starts_utc=dated.starts_utc, ends_utc=dated.ends_utc)


def private_links(event: Event) -> list:
    return [loc for loc in event.locations
            if loc.visibility is LocationVisibility.REGISTRANTS and loc.url]


@dataclass(frozen=True)
class JoinLink:
    name: str
    url: str


def join_links(registration: Registration) -> list:
    """How a seat holder joins, as mails and their page give it: their personal link (when
    personal links are on, and the event has a room to join), else the registrants-only
    links themselves."""
    links = private_links(registration.event)
    if links and attendees.personal_links_on():
        return [JoinLink("Join (your personal link)", attendees.join_url(registration))]
    return links


def your_time_line(registration: Registration, starts_utc: datetime | None = None) -> str:
    """'8:30pm IST': the start in the zone the attendee gave at sign-up; '' if they gave
    none or it is the event's own."""
    zone = registration.timezone
    if not zone or zone == registration.event.timezone:
        return ""
    return your_time(registration.event, starts_utc or registration.event.starts_utc, zone)


SUBJECTS = {
    "confirm": "Please confirm: {title}",
    "waitlisted": "On the waitlist: {title}",
    "confirmed": "You are registered: {title}",
    "promoted": "You have a seat: {title}",
    "cancelled": "Cancelled: {title}",
}
# Messages that put the event in the attendee's calendar (with the join links).
INVITING = {"confirmed", "promoted"}


def _queue_mail(registration: Registration, kind: str, subject: str | None = None,
                method: str | None = None, reply_to: str = "", sender_name: str = "",
                **extra) -> OutboxMessage:
    """Write one message to the outbox: what to send, with what it must say as things stand
    now (the person's state, name and confirmation secret; the change list or the 'when' of
    a reminder), composed by the mail worker (`compose`) outside this transaction and its
    event's row lock. Registrants-only links go in only when the person holds a seat as the
    message is written, and never in a cancellation."""
    if method is None and kind in INVITING:
        method = "REQUEST"
    if isinstance(extra.get("starts_utc"), datetime):
        extra["starts_utc"] = extra["starts_utc"].isoformat()  # kept as JSON
    params = {"kind": kind, "method": method, "status": registration.status.value,
              "name": registration.name, "confirm_token": registration.confirm_token,
              "reply_to": reply_to, "sender_name": sender_name, "extra": extra}
    return mail.queue_later(registration.email,
                            subject or SUBJECTS[kind].format(title=registration.event.title),
                            MAIL_KIND, params, registration=registration)


class _AsWritten:
    """A registration as it stood when a message about it was written (its state, name and
    confirmation secret then), for composing that message later; the rest as it is now."""

    def __init__(self, registration: Registration, params: dict):
        self._registration = registration
        self.status = RegistrationStatus(params["status"])
        self.name = params["name"]
        self.confirm_token = params["confirm_token"]

    def __getattr__(self, name: str):
        return getattr(self._registration, name)

    @property
    def holds_seat(self) -> bool:
        return self.status in flow.SEAT_HOLDING


def compose(row: OutboxMessage) -> mail.Content:
    """The words of a registration message written by `_queue_mail` (the mail worker calls
    this when it first takes the message)."""
    if row.registration is None:
        raise LookupError("the registration this message is about no longer exists")
    params = row.params
    registration = _AsWritten(row.registration, params)
    kind, method = params["kind"], params["method"]
    extra = dict(params["extra"])
    if "changes" in extra:
        extra["changes"] = [changes.Change(*change) for change in extra["changes"]]
    event = registration.event
    seated = flow.may_see_private_links(registration.status) and kind not in (
        "cancelled", "event_cancelled")
    dated = series.occurrence_on(event, registration.occurrence_day) \
        if registration.occurrence_key else None
    starts_utc = extra.pop("starts_utc", None)  # a reminder of one date of a whole series
    if starts_utc is not None:
        starts_utc = datetime.fromisoformat(starts_utc)
    if dated is None and starts_utc is not None and event.is_series:
        dated = next(iter(series.occurrences_of(event, starts_utc, starts_utc
                                                + timedelta(seconds=1), limit=1)), None)
    context = {
        "kind": kind, "registration": registration, "event": event,
        "date": occurrence_date(dated) if dated else event_date(event),
        "time_line": occurrence_time_line(event, dated) if dated else event_time_line(event),
        "join_links": join_links(registration) if seated else [],
        "your_time": your_time_line(registration, dated.starts_utc if dated else None),
        "site_name": current_app.config["SITE_NAME"],
        "manage_url": manage_url(registration),
        "confirm_url": (site_url("registration.confirm", secret=registration.confirm_token)
                        if kind == "confirm" and registration.confirm_token else ""),
        "event_url": site_url("public.event", slug=event.slug), "unsubscribe_url": "",
        **extra,
    }
    attachments = ()
    if method:
        attachments = (mail.Attachment("invite.ics", invitation(registration, method), "text",
                                       "calendar", (("method", method), ("charset", "utf-8"))),)
    return mail.Content(render_template("email/registration.txt", **context),
                        render_template("email/registration.html", **context), attachments,
                        answer_to=params["reply_to"], sender_name=params["sender_name"])


MAIL_KIND = "registration"
mail.COMPOSERS[MAIL_KIND] = compose


def compose_waiting(event: Event | None = None) -> None:
    """Before an event changes (or, without `event`, before every event may): the messages
    about it that still wait for the mail worker are composed now, in this transaction, so
    they say what they would have said when written rather than describe the changed event.
    The event's lock comes first: no sign-up writes another one meanwhile."""
    query = db.select(OutboxMessage.id).join(
        Registration, OutboxMessage.registration_id == Registration.id).where(
        OutboxMessage.message.is_(None), OutboxMessage.kind == MAIL_KIND)
    if event is not None:
        _lock(event)
        query = query.where(Registration.event_id == event.id)
    mail.compose_now(list(db.session.scalars(query)))


# Other services' messages to one registrant (the recording notice) go through the same door.
queue_mail = _queue_mail


def manage_url(registration: Registration) -> str:
    return site_url("registration.manage", token=registration.token)
