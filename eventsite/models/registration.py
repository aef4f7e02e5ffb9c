"""Attendees who registered here, and the e-mail outbox."""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventsite.domain.registration import SEAT_HOLDING, Status
from eventsite.domain.timezones import utcnow
from eventsite.extensions import db
from eventsite.models.types import enum_column

if TYPE_CHECKING:
    from eventsite.models.event import Event


# The states and the changes allowed between them live in the pure domain module.
RegistrationStatus = Status


def new_token() -> str:
    return secrets.token_urlsafe(32)


class Registration(db.Model):
    __tablename__ = "registrations"
    # One registration per address and event (per date, for a series registered date by
    # date): signing up again finds the same row.
    __table_args__ = (UniqueConstraint("event_id", "occurrence_key", "email"),
                      Index("ix_registrations_event_id_status", "event_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    # A series registered date by date: the date ('2027-03-02'); '' for the whole event.
    # Text, not a nullable date, so that the uniqueness above holds for '' too.
    occurrence_key: Mapped[str] = mapped_column(String(10), default="")
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))  # lower-case
    organisation: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[RegistrationStatus] = mapped_column(enum_column(RegistrationStatus))
    # The key to the attendee's own page: unguessable, and the only way in.
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    # The confirmation link's own secret: it exists only in the e-mail sent to the address,
    # so nobody who merely typed the address (and saw the sign-up answer) can confirm it.
    confirm_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)  # waitlist order
    confirmed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    day_reminder_sent_at: Mapped[datetime | None]
    hour_reminder_sent_at: Mapped[datetime | None]
    # The personal join link's secret (/j/<secret>): it leads to the room only in the
    # join window and only while this registration holds a seat.
    join_secret: Mapped[str | None] = mapped_column(String(64), unique=True, default=new_token)
    joined_at: Mapped[datetime | None]  # the first open of the join link in its window
    # The zone the attendee reads times in (their browser's, or chosen at sign-up);
    # '' for registrations made before it was asked: the event's own.
    timezone: Mapped[str] = mapped_column(String(64), default="", server_default="")
    recording_notified_at: Mapped[datetime | None]  # "the recording is online", sent once

    event: Mapped[Event] = relationship()

    @property
    def holds_seat(self) -> bool:
        return self.status in SEAT_HOLDING

    @property
    def occurrence_day(self) -> date | None:
        return date.fromisoformat(self.occurrence_key) if self.occurrence_key else None


class Attendee(db.Model):
    """One e-mail address that registered here: the secret of its personal calendar feed
    and what it does not want to hear about. Registrations find it by their address."""

    __tablename__ = "attendees"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # lower-case
    # /feeds/me/<feed_secret>.ics; replaced (the old address then answers 404) on request.
    feed_secret: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    reminders: Mapped[bool] = mapped_column(default=True)
    recording_notices: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after repeated failures


class OutboxMessage(db.Model):
    """A message written in the same transaction as what caused it, delivered afterwards."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    # The whole RFC 5322 message; None until the mail worker composes it from what follows.
    message: Mapped[bytes | None] = mapped_column(LargeBinary)
    # What to compose (a registration message: 'confirmed', 'reminder' ...), to whom, and
    # what it must say as it stood when written (the seat state announced, the subject's
    # change list ...): the request only writes this, the worker renders it once.
    kind: Mapped[str] = mapped_column(String(40), default="", server_default="")
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="SET NULL"))
    params: Mapped[dict | None] = mapped_column(JSON)
    status: Mapped[OutboxStatus] = mapped_column(enum_column(OutboxStatus),
                                                 default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None]  # a sender is working on it until then
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    # The organiser's message to all registrants this is part of, for its progress.
    broadcast_id: Mapped[int | None] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="SET NULL"), index=True)
    broadcast: Mapped[Broadcast | None] = relationship()
    registration: Mapped[Registration | None] = relationship()


class Broadcast(db.Model):
    """An organiser's message to every registrant of an event: queued in the request that
    wrote it, delivered by the mail worker, its progress shown beside the registrants."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"),
                                          index=True)
    subject: Mapped[str] = mapped_column(String(300))
    recipients: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
