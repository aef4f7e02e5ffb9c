"""Organisations that host or co-sponsor events."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventsite.extensions import db
from eventsite.models.types import enum_column

if TYPE_CHECKING:
    from eventsite.models.event import Event


class OrganisationRole(enum.StrEnum):
    HOST = "host"
    CO_SPONSOR = "co_sponsor"


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    website: Mapped[str] = mapped_column(String(500), default="")
    logo_id: Mapped[str | None] = mapped_column(String(32))  # see services/images.py

    event_links: Mapped[list[EventOrganisation]] = relationship(back_populates="organisation")


class EventOrganisation(db.Model):
    __tablename__ = "event_organisations"
    __table_args__ = (UniqueConstraint("event_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    role: Mapped[OrganisationRole] = mapped_column(
        enum_column(OrganisationRole), default=OrganisationRole.HOST)
    position: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship(back_populates="organisation_links")
    organisation: Mapped[Organisation] = relationship(
        back_populates="event_links", lazy="selectin")
