"""The dates of a recurring series: organisers' changes to one date (the truth, kept), and the
occurrences derived from the rule and those changes (recomputed, indexed for listings)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventsite.extensions import db
from eventsite.models.types import enum_column

if TYPE_CHECKING:
    from eventsite.models.event import Event


class OccurrenceStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    POSTPONED = "postponed"


class OccurrenceChange(db.Model):
    """What an organiser changed for one date of a series: another time, place or link,
    other speakers, a note, cancelled or postponed. Kept when the rule changes; a change to
    a date the rule no longer gives simply has no occurrence to apply to."""

    __tablename__ = "occurrence_changes"
    __table_args__ = (UniqueConstraint("event_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    day: Mapped[date]  # the date the rule gives it, in the event's zone: its name for good
    starts_local: Mapped[datetime | None]  # moved: another wall time (the series' zone)
    ends_local: Mapped[datetime | None]
    status: Mapped[OccurrenceStatus] = mapped_column(
        enum_column(OccurrenceStatus), default=OccurrenceStatus.SCHEDULED)
    note: Mapped[str] = mapped_column(String(500), default="")
    venue_name: Mapped[str | None] = mapped_column(String(200))  # None: the series'
    venue_address: Mapped[str | None] = mapped_column(String(500))
    locations: Mapped[list[dict] | None] = mapped_column(JSON)  # [{name, url, visibility}]
    speakers: Mapped[list[dict] | None] = mapped_column(JSON)  # [{name, affiliation, role}]
    revision: Mapped[int] = mapped_column(default=0)  # bumped with each change of this date

    event: Mapped[Event] = relationship(back_populates="occurrence_changes")


class OccurrenceSeats(db.Model):
    """Seats taken on one date of a series registered date by date: kept apart from the
    derived occurrence rows (which are rebuilt), and taken with one conditional UPDATE."""

    __tablename__ = "occurrence_seats"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"),
                                          primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    confirmed_count: Mapped[int] = mapped_column(default=0)


class Occurrence(db.Model):
    """One date of a series as listed: derived from the rule, the exceptions and the changes
    by services/series.py, whenever any of them (or tzdata) changes."""

    __tablename__ = "occurrences"
    __table_args__ = (
        UniqueConstraint("event_id", "day"),
        Index("ix_occurrences_event_id_starts_utc", "event_id", "starts_utc"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    day: Mapped[date]
    starts_local: Mapped[datetime]  # the wall time the clocks show (after any change)
    ends_local: Mapped[datetime]
    starts_utc: Mapped[datetime] = mapped_column(index=True)
    ends_utc: Mapped[datetime] = mapped_column(index=True)
    status: Mapped[OccurrenceStatus] = mapped_column(
        enum_column(OccurrenceStatus), default=OccurrenceStatus.SCHEDULED)
    note: Mapped[str] = mapped_column(String(500), default="")
    changed: Mapped[bool] = mapped_column(default=False)  # has an OccurrenceChange
    moved: Mapped[bool] = mapped_column(default=False)  # its time differs from the rule's
    # How the rule's wall time met the clocks: exact, gap or fold (domain/recurrence.py).
    resolution: Mapped[str] = mapped_column(String(10), default="exact")

    event: Mapped[Event] = relationship(back_populates="occurrences")

    def __repr__(self) -> str:
        return f"<Occurrence {self.event_id} {self.day}>"
