"""The data model: one module per aggregate."""

from eventsite.models import site_state
from eventsite.models.event import (
    Event,
    EventFormat,
    EventStatus,
    Location,
    LocationVisibility,
    RegistrationMode,
    Tag,
)
from eventsite.models.occurrence import (
    Occurrence,
    OccurrenceChange,
    OccurrenceSeats,
    OccurrenceStatus,
)
from eventsite.models.organisation import EventOrganisation, Organisation, OrganisationRole
from eventsite.models.registration import (
    Attendee,
    Broadcast,
    OutboxMessage,
    OutboxStatus,
    Registration,
    RegistrationStatus,
)
from eventsite.models.site_state import SiteState
from eventsite.models.speaker import EventSpeaker, Speaker, SpeakerRole
from eventsite.models.user import User

site_state.TRACKED = (Event, EventSpeaker, EventOrganisation, Location, Organisation, Speaker,
                      Tag, Occurrence, OccurrenceChange)

__all__ = [
    "Attendee", "Broadcast", "Event", "EventFormat", "EventOrganisation", "EventSpeaker",
    "EventStatus",
    "Location", "LocationVisibility", "Occurrence", "OccurrenceChange", "OccurrenceSeats",
    "OccurrenceStatus",
    "Organisation", "OrganisationRole", "OutboxMessage", "OutboxStatus",
    "Registration", "RegistrationMode", "RegistrationStatus", "SiteState",
    "Speaker", "SpeakerRole", "Tag", "User",
]
