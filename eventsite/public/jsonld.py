"""schema.org Event data for search engines: public facts only."""

from __future__ import annotations

from eventsite.display import (
    local_end,
    local_start,
    public_recording,
    registration_link,
    utc_aware,
)
from eventsite.domain.timezones import get_zone
from eventsite.models import Event, EventFormat, EventStatus, Occurrence, OrganisationRole
from eventsite.urls import image_url, site_url

_ATTENDANCE = {
    EventFormat.ONLINE: "https://schema.org/OnlineEventAttendanceMode",
    EventFormat.IN_PERSON: "https://schema.org/OfflineEventAttendanceMode",
    EventFormat.HYBRID: "https://schema.org/MixedEventAttendanceMode",
}
_STATUS = {
    EventStatus.PUBLISHED: "https://schema.org/EventScheduled",
    EventStatus.CANCELLED: "https://schema.org/EventCancelled",
    EventStatus.POSTPONED: "https://schema.org/EventPostponed",
}


def _local(event: Event, instant) -> str:
    return utc_aware(instant).astimezone(get_zone(event.timezone)).isoformat()


def event_jsonld(event: Event, page_url: str, occurrence: Occurrence | None = None) -> dict:
    """The schema.org Event for an event page (registrant-only links never appear); for a
    series, its next date (`occurrence`), which is what a search result should show."""
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title,
        "description": event.summary,
        "url": page_url,
        "startDate": (_local(event, occurrence.starts_utc) if occurrence
                      else local_start(event).isoformat()),
        "endDate": (_local(event, occurrence.ends_utc) if occurrence
                    else local_end(event).isoformat()),
        "eventAttendanceMode": _ATTENDANCE[event.format],
        "eventStatus": _STATUS.get(event.status, _STATUS[EventStatus.PUBLISHED]),
        "location": [
            {"@type": "VirtualLocation", "name": loc.name, "url": loc.url}
            for loc in event.public_locations if loc.url
        ],
        "performer": [
            {"@type": "Person", "name": link.speaker.name,
             "url": site_url("public.speaker", slug=link.speaker.slug),
             **({"affiliation": {"@type": "Organization", "name": link.speaker.affiliation}}
                if link.speaker.affiliation else {}),
             **({"image": image_url(link.speaker.photo_id)} if link.speaker.photo_id else {})}
            for link in event.speaker_links
        ],
        "organizer": [
            {"@type": "Organization", "name": link.organisation.name,
             **({"url": link.organisation.website} if link.organisation.website else {}),
             **({"logo": image_url(link.organisation.logo_id)}
                if link.organisation.logo_id else {})}
            for link in event.organisation_links
            if link.role in (OrganisationRole.HOST, OrganisationRole.CO_SPONSOR)
        ],
    }
    recording = public_recording(event)
    if recording:
        data["recordedIn"] = {"@type": "CreativeWork", "url": recording["url"],
                              "name": f"Recording: {event.title}"}
    if event.image_id:  # a shared link's preview, and search results, show it
        data["image"] = [image_url(event.image_id)]
    if event.venue_name:
        data["location"].append({"@type": "Place", "name": event.venue_name,
                                 "address": event.venue_address})
    registration = registration_link(event)
    if registration:
        sold_out = registration.get("seats_left") == 0
        data["offers"] = {"@type": "Offer", "url": registration["url"],
                          "availability": "https://schema.org/" + ("SoldOut" if sold_out
                                                                   else "InStock")}
    return data
