"""The JSON shapes of the read API."""

from __future__ import annotations

from eventsite.display import event_zone_times, iso_utc, local_end, local_start
from eventsite.models import Event, RegistrationMode
from eventsite.urls import site_url


def event_json(event: Event) -> dict:
    """One event, with times both in its zone and in UTC, and the multi-zone line as a list."""
    return {
        "slug": event.slug,
        "title": event.title,
        "url": site_url("public.event", slug=event.slug),
        "ics_url": site_url("feeds.event", slug=event.slug),
        "summary": event.summary,
        "start": local_start(event).isoformat(),
        "end": local_end(event).isoformat(),
        "start_utc": iso_utc(event.starts_utc),
        "end_utc": iso_utc(event.ends_utc),
        "timezone": event.timezone,
        "display_times": [entry.text for entry in event_zone_times(event)],
        "status": event.status.value,
        "status_note": event.status_note,
        "format": event.format.value,
        "speakers": [
            {"name": link.speaker.name, "affiliation": link.speaker.affiliation,
             "role": link.role.value}
            for link in event.speaker_links
        ],
        "organisations": [
            {"name": link.organisation.name, "url": link.organisation.website,
             "role": link.role.value}
            for link in event.organisation_links
        ],
        "locations": [{"name": loc.name, "url": loc.url} for loc in event.public_locations],
        "registration": registration_json(event),
        "tags": [tag.name for tag in event.tags],
    }


def page_json(pagination, items: list[dict]) -> dict:
    return {
        "events": items,
        "page": pagination.page,
        "per_page": pagination.per_page,
        "total": pagination.total,
        "pages": pagination.pages,
    }


def registration_json(event: Event) -> dict | None:
    """Where to register: the external link, or the form on the event page."""
    if event.registration_mode is RegistrationMode.BUILTIN:
        return {"url": site_url("public.event", slug=event.slug) + "#register",
                "label": "Register", "mode": "builtin", "capacity": event.capacity,
                "seats_left": None if event.capacity is None
                else max(0, event.capacity - event.confirmed_count)}
    if event.registration_url:
        return {"url": event.registration_url, "label": event.registration_label,
                "mode": "external"}
    return None
