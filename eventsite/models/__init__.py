"""The data model: one module per aggregate."""

from eventsite.models.event import (
    Event,
    EventFormat,
    EventStatus,
    Location,
    LocationVisibility,
    RegistrationMode,
    Tag,
)
from eventsite.models.organisation import EventOrganisation, Organisation, OrganisationRole
from eventsite.models.speaker import EventSpeaker, Speaker, SpeakerRole

__all__ = [
    "Event", "EventFormat", "EventOrganisation", "EventSpeaker", "EventStatus", "Location",
    "LocationVisibility", "Organisation", "OrganisationRole", "RegistrationMode", "Speaker",
    "SpeakerRole", "Tag",
]
