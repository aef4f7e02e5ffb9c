"""An event: its wall-time schedule (the source of truth), where it happens, how to register."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Column, ForeignKey, String, Table, Text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventsite.domain.timezones import utcnow
from eventsite.extensions import db
from eventsite.models.types import enum_column

if TYPE_CHECKING:
    from eventsite.models.occurrence import Occurrence, OccurrenceChange
    from eventsite.models.organisation import EventOrganisation
    from eventsite.models.speaker import EventSpeaker


class EventFormat(enum.StrEnum):
    ONLINE = "online"
    IN_PERSON = "in_person"
    HYBRID = "hybrid"

    @property
    def label(self) -> str:
        return {"online": "Online", "in_person": "In person", "hybrid": "Online and in person"}[
            self.value]


class EventStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"
    POSTPONED = "postponed"


class RegistrationMode(enum.StrEnum):
    """How attendees register: not at all, elsewhere (Eventbrite), or here."""

    NONE = "none"
    EXTERNAL = "external"
    BUILTIN = "builtin"


class LocationVisibility(enum.StrEnum):
    PUBLIC = "public"
    REGISTRANTS = "registrants"  # e.g. the Zoom link: never on a public page, feed or API


def new_uid() -> str:
    return uuid.uuid4().hex


event_tags = Table(
    "event_tags",
    db.metadata,
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Tag(db.Model):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)  # its address: "reading-group"
    label: Mapped[str] = mapped_column(String(60), default="", server_default="")

    @property
    def display_name(self) -> str:
        """'Reading Group' as first typed; tags from before labels were kept: 'reading group'."""
        return self.label or self.name.replace("-", " ")


class Event(db.Model):
    __tablename__ = "events"

    # Longer series are better listed as separate events. The cap also bounds the listings'
    # index scans: an event ending after T started after T - MAX_DURATION.
    MAX_DURATION = timedelta(days=31)
    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable identity for calendar UIDs: never changes when the title or slug does.
    uid: Mapped[str] = mapped_column(String(64), unique=True, default=new_uid)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")  # Markdown

    # The organiser's wall time and zone are the truth; the UTC columns are derived from them.
    starts_local: Mapped[datetime]
    ends_local: Mapped[datetime]
    timezone: Mapped[str] = mapped_column(String(64))
    # Listings split upcoming/past on ends_utc and sort on starts_utc.
    starts_utc: Mapped[datetime] = mapped_column(index=True)
    ends_utc: Mapped[datetime] = mapped_column(index=True)
    display_timezones: Mapped[list[str] | None] = mapped_column(JSON)  # None: the site default

    # A recurring series: the start/end above are its first date's, and these say how it
    # repeats (domain/recurrence.py). The dates themselves are derived rows (`occurrences`).
    recurrence_rule: Mapped[str | None] = mapped_column(String(200))  # RRULE text; None: once
    recurrence_exceptions: Mapped[list[str] | None] = mapped_column(JSON)  # ISO local dates
    series_ends_utc: Mapped[datetime | None] = mapped_column(index=True)  # its last date's end

    format: Mapped[EventFormat] = mapped_column(
        enum_column(EventFormat), default=EventFormat.ONLINE)
    status: Mapped[EventStatus] = mapped_column(
        enum_column(EventStatus), default=EventStatus.PUBLISHED)
    status_note: Mapped[str] = mapped_column(String(500), default="")

    venue_name: Mapped[str] = mapped_column(String(200), default="")
    venue_address: Mapped[str] = mapped_column(String(500), default="")

    registration_mode: Mapped[RegistrationMode] = mapped_column(
        enum_column(RegistrationMode), default=RegistrationMode.NONE)
    registration_url: Mapped[str] = mapped_column(String(500), default="")
    registration_label: Mapped[str] = mapped_column(String(100), default="")
    image_id: Mapped[str | None] = mapped_column(String(32))  # see services/images.py
    image_alt: Mapped[str] = mapped_column(String(300), default="", server_default="")

    # Built-in registration (services/registrations.py).
    capacity: Mapped[int | None]  # None: no limit
    waitlist: Mapped[bool] = mapped_column(default=True)
    registration_opens_at: Mapped[datetime | None]  # UTC; None: open now
    registration_closes_at: Mapped[datetime | None]  # UTC; None: until the event starts
    confirmation_required: Mapped[bool] = mapped_column(default=False)
    # Seats taken: kept by the registration service with one conditional UPDATE, which is
    # what makes "check the capacity and take a seat" a single atomic step.
    confirmed_count: Mapped[int] = mapped_column(default=0)
    # A series: registration date by date, each with the capacity and waitlist above
    # (seats in occurrence_seats), rather than once for the whole series.
    registration_per_occurrence: Mapped[bool] = mapped_column(default=False)

    # After the event: where to watch it again (public, or for its registrants only, who reach
    # it through their personal page and join link) and the slides.
    recording_url: Mapped[str] = mapped_column(String(500), default="", server_default="")
    recording_public: Mapped[bool] = mapped_column(default=True, server_default=true())
    slides_url: Mapped[str] = mapped_column(String(500), default="", server_default="")

    # Bumped whenever time, place or status change; becomes the iCalendar SEQUENCE.
    revision: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    tags: Mapped[list[Tag]] = relationship(
        secondary=event_tags, order_by=Tag.name, lazy="selectin")
    speaker_links: Mapped[list[EventSpeaker]] = relationship(
        back_populates="event", cascade="all, delete-orphan",
        order_by="EventSpeaker.position", lazy="selectin")
    organisation_links: Mapped[list[EventOrganisation]] = relationship(
        back_populates="event", cascade="all, delete-orphan",
        order_by="EventOrganisation.position", lazy="selectin")
    locations: Mapped[list[Location]] = relationship(
        back_populates="event", cascade="all, delete-orphan",
        order_by="Location.position", lazy="selectin")
    # Read through services/series.py's queries, never loaded with a listing.
    occurrences: Mapped[list[Occurrence]] = relationship(
        back_populates="event", cascade="all, delete-orphan", passive_deletes=True,
        order_by="Occurrence.starts_utc", lazy="raise_on_sql")
    occurrence_changes: Mapped[list[OccurrenceChange]] = relationship(
        back_populates="event", cascade="all, delete-orphan", passive_deletes=True,
        order_by="OccurrenceChange.day", lazy="raise_on_sql")

    @property
    def is_series(self) -> bool:
        return self.recurrence_rule is not None

    @property
    def public_locations(self) -> list[Location]:
        return [loc for loc in self.locations if loc.visibility is LocationVisibility.PUBLIC]

    @property
    def seats_left(self) -> int | None:
        """Free seats under built-in registration; None when there is no limit."""
        if self.capacity is None:
            return None
        return max(0, self.capacity - self.confirmed_count)

    @property
    def is_listed(self) -> bool:
        """Whether visitors may see it (drafts are the organisers' only)."""
        return self.status is not EventStatus.DRAFT

    def __repr__(self) -> str:
        return f"<Event {self.slug!r}>"


class Location(db.Model):
    """One line of 'Location: Zoom and YouTube': a named place, usually with a link."""

    __tablename__ = "locations"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(String(500), default="")
    visibility: Mapped[LocationVisibility] = mapped_column(
        enum_column(LocationVisibility), default=LocationVisibility.PUBLIC)
    position: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship(back_populates="locations")
