"""Speakers, and their part in each event."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventsite.domain.timezones import utcnow
from eventsite.extensions import db
from eventsite.models.types import enum_column

if TYPE_CHECKING:
    from eventsite.models.event import Event


class SpeakerRole(enum.StrEnum):
    SPEAKER = "speaker"
    CHAIR = "chair"
    MODERATOR = "moderator"
    HOST = "host"


class Speaker(db.Model):
    __tablename__ = "speakers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)  # as the person writes it
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    affiliation: Mapped[str] = mapped_column(String(500), default="")  # may hold , and ;
    bio: Mapped[str] = mapped_column(Text, default="")
    photo_id: Mapped[str | None] = mapped_column(String(32))  # see services/images.py
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    event_links: Mapped[list[EventSpeaker]] = relationship(back_populates="speaker")

    def __repr__(self) -> str:
        return f"<Speaker {self.name!r}>"


class EventSpeaker(db.Model):
    __tablename__ = "event_speakers"
    __table_args__ = (UniqueConstraint("event_id", "speaker_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    speaker_id: Mapped[int] = mapped_column(
        ForeignKey("speakers.id", ondelete="CASCADE"), index=True)
    role: Mapped[SpeakerRole] = mapped_column(enum_column(SpeakerRole), default=SpeakerRole.SPEAKER)
    position: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship(back_populates="speaker_links")
    speaker: Mapped[Speaker] = relationship(back_populates="event_links", lazy="selectin")
