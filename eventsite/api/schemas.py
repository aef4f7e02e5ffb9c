"""The JSON shapes of the read API."""

from __future__ import annotations

from eventsite.display import (
    event_zone_times,
    iso_utc,
    local_end,
    local_start,
    registration_link,
)
from eventsite.markdown import markdown_as_text, render_markdown
from eventsite.models import Event
from eventsite.urls import site_url


def event_json(event: Event) -> dict:
    """One event, with times both in its zone and in UTC, and the multi-zone line as a list."""
    return {
        "slug": event.slug,
        "title": event.title,
        "url": site_url("public.event", slug=event.slug),
        "ics_url": site_url("feeds.event", slug=event.slug),
        "summary": event.summary,
        "description": event.description,  # Markdown, as the organiser wrote it
        "description_html": str(render_markdown(event.description)),
        "description_text": markdown_as_text(event.description),
        "image_url": site_url("public.event_image", name=f"{event.image_id}-large.webp")
        if event.image_id else None,
        "image_alt": event.image_alt if event.image_id else None,
        "venue": {"name": event.venue_name, "address": event.venue_address}
        if event.venue_name or event.venue_address else None,
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
        "registration": registration_link(event),
        "tags": [tag.name for tag in event.tags],  # as ?tag= takes them
        "tag_labels": [tag.display_name for tag in event.tags],
    }


def page_json(page, items: list[dict], previous: str | None, next: str | None) -> dict:
    """A page of events with the addresses of the pages beside it (null at either end)."""
    return {"events": items, "page": page.page, "per_page": page.per_page,
            "previous": previous, "next": next}
