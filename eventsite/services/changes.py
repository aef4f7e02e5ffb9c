"""What a change notice tells registrants: each fact that changed, old → new, as they read it.

Facts are compared as the words registrants see (the date, the multi-zone line, the places,
the status and the organisers' note), so a notice never reports a change nobody could see,
and every change it reports reads the same way as on the event page.
"""

from __future__ import annotations

from typing import NamedTuple

from eventsite.display import event_date, event_zone_times
from eventsite.domain.timezones import format_short_date
from eventsite.models import Event, EventStatus

STATUS_WORDS = {EventStatus.PUBLISHED: "going ahead", EventStatus.POSTPONED: "postponed",
                EventStatus.CANCELLED: "cancelled", EventStatus.DRAFT: "not announced"}


class Fact(NamedTuple):
    text: str  # as the e-mail body shows it
    short: str  # as the subject line shows it


class Change(NamedTuple):
    label: str  # 'Time'
    old: str
    new: str
    old_short: str
    new_short: str


def facts(event: Event) -> dict[str, Fact]:
    """The facts of an event a registrant is told about when they change."""
    times = event_zone_times(event)
    places = [loc.name for loc in event.locations]
    if event.venue_name:
        places.append(", ".join(filter(None, (event.venue_name, event.venue_address))))
    links = "; ".join(f"{loc.name} {loc.url}" for loc in event.locations if loc.url)
    where = ", ".join(places) or "not given"
    status = STATUS_WORDS[event.status]
    return {
        "Date": Fact(event_date(event), format_short_date(event.starts_local)),
        "Time": Fact(", ".join(t.text for t in times), times[0].text),
        "Where": Fact(where, where),
        "Links": Fact(links, links),
        "Status": Fact(status, status),
        "Note": Fact(event.status_note, event.status_note),
    }


def compare(before: dict[str, Fact], after: dict[str, Fact]) -> list[Change]:
    """The facts that changed, in reading order."""
    found = []
    for label, old in before.items():
        new = after[label]
        if old.text == new.text:
            continue
        if label == "Links":  # the join links themselves appear below the notice
            found.append(Change("How to join", "", "a new link, below", "", "new link"))
        else:
            found.append(Change(label, old.text, new.text, old.short, new.short))
    return found


def subject(title: str, status: EventStatus, changes: list[Change]) -> str:
    """'Postponed: Title', 'Changed: Title: time 11am EST → 12pm EST'."""
    labels = {change.label for change in changes}
    if status is EventStatus.CANCELLED:
        return f"Cancelled: {title}"
    if status is EventStatus.POSTPONED and "Status" in labels:
        return f"Postponed: {title}"
    if "Status" in labels:
        return f"Going ahead: {title}"
    shown = [f"{change.label.lower()} {change.old_short} → {change.new_short}"
             for change in changes if change.label in ("Date", "Time", "Where")]
    if not shown:
        shown = [change.label.lower() for change in changes]
    return f"Changed: {title}: " + "; ".join(shown) if shown else f"Changed: {title}"
