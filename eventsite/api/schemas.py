"""The JSON shapes of the read API."""

from __future__ import annotations

from eventsite.display import (
    event_zone_times,
    instant_zone_times,
    iso_utc,
    local_end,
    local_start,
    occurrence_status,
    occurrence_url,
    public_recording,
    registration_link,
    series_rhythm,
    utc_aware,
)
from eventsite.domain.timezones import get_zone
from eventsite.markdown import markdown_as_text, render_markdown
from eventsite.models import Event, Occurrence
from eventsite.urls import image_url, site_url


def event_json(event: Event, occurrences: list[Occurrence] | None = None) -> dict:
    """One event, with times both in its zone and in UTC, and the multi-zone line as a list;
    a series (given its occurrences) adds its rule, rhythm and dates."""
    found = {
        "slug": event.slug,
        "title": event.title,
        "url": site_url("public.event", slug=event.slug),
        "ics_url": site_url("feeds.event", slug=event.slug),
        "summary": event.summary,
        "description": event.description,  # Markdown, as the organiser wrote it
        "description_html": str(render_markdown(event.description)),
        "description_text": markdown_as_text(event.description),
        "image_url": image_url(event.image_id),
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
             "role": link.role.value, "url": site_url("public.speaker", slug=link.speaker.slug),
             "photo_url": image_url(link.speaker.photo_id)}
            for link in event.speaker_links
        ],
        "organisations": [
            {"name": link.organisation.name, "url": link.organisation.website,
             "role": link.role.value,
             "page_url": site_url("public.organisation", slug=link.organisation.slug),
             "logo_url": image_url(link.organisation.logo_id)}
            for link in event.organisation_links
        ],
        "locations": [{"name": loc.name, "url": loc.url} for loc in event.public_locations],
        "registration": registration_link(event),
        "recording": public_recording(event),
        "tags": [tag.name for tag in event.tags],  # as ?tag= takes them
        "tag_labels": [tag.display_name for tag in event.tags],
    }
    if event.is_series:
        found["recurrence"] = {"rule": event.recurrence_rule,
                               "except": list(event.recurrence_exceptions or [])}
        found["rhythm"] = series_rhythm(event)
        if occurrences is not None:
            found["occurrences"] = [occurrence_json(event, o) for o in occurrences]
    return found


def _local(event: Event, instant) -> str:
    return utc_aware(instant).astimezone(get_zone(event.timezone)).isoformat()


def occurrence_json(event: Event, occurrence: Occurrence) -> dict:
    """One date of a series."""
    return {
        "date": occurrence.day.isoformat(),
        "start": _local(event, occurrence.starts_utc),
        "end": _local(event, occurrence.ends_utc),
        "start_utc": iso_utc(occurrence.starts_utc),
        "end_utc": iso_utc(occurrence.ends_utc),
        "status": occurrence_status(event, occurrence),
        "note": occurrence.note,
        "display_times": [e.text for e in instant_zone_times(event, occurrence.starts_utc)],
        "url": occurrence_url(event, occurrence),
    }


def occurrence_entry_json(event: Event, occurrence: Occurrence) -> dict:
    """An occurrence in the list of events: the series' fields, this date's times."""
    found = event_json(event)
    found.update({key: value for key, value in occurrence_json(event, occurrence).items()
                  if key != "date"})
    found["series"] = event.slug
    found["occurrence_date"] = occurrence.day.isoformat()
    found["status_note"] = occurrence.note or event.status_note
    return found


def page_json(page, items: list[dict], previous: str | None, next: str | None) -> dict:
    """A page of events with the addresses of the pages beside it (null at either end)."""
    return {"events": items, "page": page.page, "per_page": page.per_page,
            "previous": previous, "next": next}
