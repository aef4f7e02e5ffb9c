"""A registration's life as a graph of states and the changes allowed between them.

The service (services/registrations.py) applies each change as one conditional statement,
`UPDATE registrations SET status = :to WHERE id = :id AND status = :from`; only the request
whose statement changed the row goes on to take or release a seat and to write the message
named here. A second click, a retry or a race therefore changes nothing and sends nothing.

    sign-up ──> pending ──confirm──> confirmed <──promote── waitlisted
                   │        └─────wait────────────────────────^  │
                   └────────────> cancelled <────────────────────┘ (and from confirmed)
    cancelled ──sign up again──> pending / confirmed / waitlisted
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class Status(StrEnum):
    PENDING = "pending"  # waiting for the confirmation click; holds no seat
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


SEAT_HOLDING = frozenset({Status.CONFIRMED})
ACTIVE = frozenset({Status.PENDING, Status.CONFIRMED, Status.WAITLISTED})


class Transition(NamedTuple):
    name: str
    source: frozenset[Status]
    target: Status
    message: str | None  # the kind of e-mail the person gets; None: no e-mail

    def takes_seat(self, source: Status) -> bool:
        return self.target in SEAT_HOLDING and source not in SEAT_HOLDING

    def releases_seat(self, source: Status) -> bool:
        return source in SEAT_HOLDING and self.target not in SEAT_HOLDING


def _t(name: str, source: set[Status], target: Status, message: str | None) -> Transition:
    return Transition(name, frozenset(source), target, message)


# Every change a registration can go through; nothing else writes its status.
CONFIRM = _t("confirm", {Status.PENDING}, Status.CONFIRMED, "confirmed")
CONFIRM_TO_WAITLIST = _t("confirm_to_waitlist", {Status.PENDING}, Status.WAITLISTED,
                         "waitlisted")
PROMOTE = _t("promote", {Status.WAITLISTED}, Status.CONFIRMED, "promoted")
CANCEL = _t("cancel", set(ACTIVE), Status.CANCELLED, "cancelled")
REREGISTER_PENDING = _t("reregister_pending", {Status.CANCELLED}, Status.PENDING, "confirm")
REREGISTER = _t("reregister", {Status.CANCELLED}, Status.CONFIRMED, "confirmed")
REREGISTER_TO_WAITLIST = _t("reregister_to_waitlist", {Status.CANCELLED}, Status.WAITLISTED,
                            "waitlisted")

TRANSITIONS = (CONFIRM, CONFIRM_TO_WAITLIST, PROMOTE, CANCEL, REREGISTER_PENDING, REREGISTER,
               REREGISTER_TO_WAITLIST)


def first_message_for(status: Status) -> str:
    """The e-mail a new sign-up in `status` gets (also sent again on a repeated sign-up)."""
    return {Status.PENDING: "confirm", Status.WAITLISTED: "waitlisted",
            Status.CONFIRMED: "confirmed"}[status]


def may_see_private_links(status: Status) -> bool:
    """Registrants-only links (the Zoom room) go only to someone holding a seat right now."""
    return status in SEAT_HOLDING
