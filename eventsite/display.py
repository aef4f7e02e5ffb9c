"""What templates, the API and (later) e-mails and feeds show of an event's time.

Everything goes through the time domain with the site's settings, so the multi-zone line is
the same string everywhere. Registered as template filters: templates do no date maths.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import urlencode

from flask import Flask, current_app, request
from markupsafe import Markup, escape

from eventsite.domain.recurrence import calendar_rule, clock_changes, parse_rule, rhythm
from eventsite.domain.search import segments
from eventsite.domain.text import format_duration
from eventsite.domain.timezones import (
    ZoneTime,
    format_clock,
    format_long_date,
    get_zone,
    localize,
    utcnow,
    zone_times,
)
from eventsite.markdown import render_markdown
from eventsite.models import (
    Event,
    EventStatus,
    LocationVisibility,
    Occurrence,
    RegistrationMode,
    SpeakerRole,
)
from eventsite.services.series import SeriesError, plan_series
from eventsite.urls import site_url


def event_zone_times(event: Event, occurrence: Occurrence | None = None) -> list[ZoneTime]:
    """The event's start (or one occurrence's) in its own zone, then in its display zones
    (or the site's)."""
    return instant_zone_times(event, (occurrence or event).starts_utc)


def instant_zone_times(event: Event, instant: datetime) -> list[ZoneTime]:
    """An instant of the event (an occurrence's start) in its zone, then its display zones."""
    config = current_app.config
    zones = event.display_timezones if event.display_timezones is not None else config[
        "DISPLAY_TIMEZONES"]
    return zone_times(instant, event.timezone, zones, config["ZONE_LABELS"],
                      config["DISPLAY_TIMEZONES"])


def occurrence_time_line(event: Event, occurrence: Occurrence) -> str:
    """The multi-zone line of one occurrence of a series."""
    return ", ".join(entry.text for entry in instant_zone_times(event, occurrence.starts_utc))


def occurrence_status(event: Event, occurrence: Occurrence) -> str:
    """'scheduled', 'cancelled' or 'postponed': a cancelled series cancels every date."""
    if event.status in (EventStatus.CANCELLED, EventStatus.POSTPONED):
        return event.status.value
    return occurrence.status.value


def occurrence_url(event: Event, occurrence: Occurrence) -> str:
    return site_url("public.occurrence", slug=event.slug, day=occurrence.day.isoformat())


def zone_label(zone: str) -> str:
    """'London' for Europe/London, or the zone's configured label: as in 'London time'."""
    return current_app.config["ZONE_LABELS"].get(zone) or zone.rsplit("/", 1)[-1].replace(
        "_", " ")


def series_rhythm(event: Event) -> str:
    """'Every Tuesday at 7pm London time, until 30 June'; '' for a single event."""
    if event.recurrence_rule is None:
        return ""
    return rhythm(parse_rule(event.recurrence_rule), event.starts_local,
                  zone_label(event.timezone))


def event_time_line(event: Event) -> str:
    """'11am EST, 8am PST, 4pm GMT, 5pm CET'."""
    return ", ".join(entry.text for entry in event_zone_times(event))


def wall_time_line(wall: datetime, zone: str, display_zones: list[str],
                   fold: str | None = None) -> str:
    """The line for a wall time not yet saved (the form's preview); WallTimeError if none."""
    instant = localize(wall, zone, fold)
    config = current_app.config
    return ", ".join(entry.text for entry in zone_times(
        instant, zone, display_zones, config["ZONE_LABELS"], config["DISPLAY_TIMEZONES"]))


def series_preview(recurrence_input, starts_local: datetime, ends_local: datetime, zone: str,
                   display_zones: list[str], shown: int = 6) -> dict:
    """What the form shows of a series not yet saved: its rhythm, its first dates with the
    multi-zone line, and the dates the clocks touch. RecurrenceError/WallTimeError if none."""
    try:
        plan = plan_series(recurrence_input, starts_local, ends_local, zone)
    except SeriesError as error:
        raise ValueError(" ".join(error.errors.values())) from None
    config = current_app.config
    return {
        "rhythm": rhythm(plan.rule, starts_local, zone_label(zone)),
        "dates": [{"date": format_long_date(d.wall_start),
                   "line": ", ".join(e.text for e in zone_times(
                       d.start_utc, zone, display_zones, config["ZONE_LABELS"],
                       config["DISPLAY_TIMEZONES"]))}
                  for d in plan.dates[:shown]],
        "total": len(plan.dates),
        "warnings": [change.message for change in clock_changes(plan.dates, zone_label(zone))],
    }


def local_start(event: Event) -> datetime:
    """The start as an aware datetime in the event's zone."""
    return utc_aware(event.starts_utc).astimezone(get_zone(event.timezone))


def local_end(event: Event) -> datetime:
    return utc_aware(event.ends_utc).astimezone(get_zone(event.timezone))


def event_date(event: Event) -> str:
    """'Sunday 21 November 2021': the date in the event's own zone."""
    return format_long_date(event.starts_local)


def occurrence_date(occurrence: Occurrence) -> str:
    """'Tuesday 2 March 2027': an occurrence's date where it happens."""
    return format_long_date(occurrence.starts_local)


def event_duration(event: Event) -> str:
    return format_duration(int((event.ends_utc - event.starts_utc).total_seconds() // 60))


def utc_aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def iso_utc(moment: datetime) -> str:
    """'2021-11-21T16:00:00Z' for a stored (naive UTC) datetime."""
    return utc_aware(moment).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def offset_minutes(entry: ZoneTime) -> int:
    return int(entry.offset.total_seconds() // 60)


ROLE_HEADINGS = {
    SpeakerRole.SPEAKER: "Speakers include",
    SpeakerRole.MODERATOR: "Moderator",
    SpeakerRole.HOST: "Host",
    SpeakerRole.CHAIR: "Chair",
}


def by_role(people: Iterable) -> list[tuple[str, list]]:
    """[('Speakers include', [...]), ('Chair', [...])] in announcement order, for anything
    with a `role`: an event's speaker links, or the people of a feed's event record."""
    members: dict[SpeakerRole, list] = {}
    for person in people:
        members.setdefault(person.role, []).append(person)
    return [(heading if len(members[role]) == 1 or role is SpeakerRole.SPEAKER
             else heading + "s", members[role])
            for role, heading in ROLE_HEADINGS.items() if role in members]


def human_join(items: Iterable) -> Markup:
    """['Zoom', 'YouTube', 'Twitch'] -> 'Zoom, YouTube and Twitch' (items may be Markup)."""
    parts = [escape(item) for item in items]
    if len(parts) <= 1:
        return Markup("".join(parts))
    return Markup(", ").join(parts[:-1]) + Markup(" and ") + parts[-1]


def location_line(event: Event) -> Markup:
    """'Zoom and YouTube': every place named, linked only where its link is public."""
    parts = []
    for location in event.locations:
        if location.visibility is LocationVisibility.PUBLIC and location.url:
            parts.append(Markup('<a href="{}" rel="noopener">{}</a>').format(
                location.url, location.name))
        else:
            parts.append(location.name)
    return human_join(parts)


def uuid_urn(hex_uid: str) -> str:
    """'urn:uuid:4d369dcd-...' for an event's stored uid (a stable Atom entry id)."""
    return uuid.UUID(hex_uid).urn


def subscribe_links(feed_url: str, name: str) -> dict[str, str]:
    """Ways to subscribe to an https feed URL: webcal://, Google Calendar, Outlook.com."""
    webcal = "webcal://" + feed_url.split("://", 1)[1]
    return {
        "https": feed_url,
        "webcal": webcal,
        "google": "https://calendar.google.com/calendar/render?" + urlencode({"cid": webcal}),
        "outlook": "https://outlook.live.com/calendar/0/addfromweb?" + urlencode(
            {"url": feed_url, "name": name}),
    }


def add_to_calendar_links(event: Event) -> dict[str, str]:
    """One event into a calendar: the .ics download, Google and Outlook.com templates."""
    page = site_url("public.event", slug=event.slug)
    when = series_rhythm(event) or event_time_line(event)
    details = f"{when}\n\n{event.summary}\n\n{page}".strip()
    location = ", ".join(loc.name for loc in event.public_locations) or event.venue_name
    compact = "%Y%m%dT%H%M%SZ"
    return {
        "ics": site_url("feeds.event", slug=event.slug),
        "google": "https://calendar.google.com/calendar/render?" + urlencode({
            "action": "TEMPLATE", "text": event.title,
            "dates": f"{event.starts_utc:{compact}}/{event.ends_utc:{compact}}",
            "details": details, "location": location, "ctz": event.timezone,
            # A series: Google repeats it by its rule (its left-out and changed dates are in
            # the .ics, which carries everything).
            **({"recur": "RRULE:" + calendar_rule(parse_rule(event.recurrence_rule),
                                                  event.timezone)}
               if event.recurrence_rule else {})}),
        "outlook": "https://outlook.live.com/calendar/0/deeplink/compose?" + urlencode({
            "path": "/calendar/action/compose", "rru": "addevent", "subject": event.title,
            "startdt": iso_utc(event.starts_utc), "enddt": iso_utc(event.ends_utc),
            "body": details, "location": location}),
    }


def in_event_zone(event: Event, instant: datetime) -> str:
    """'Monday 1 December 2026, 9am EST': a stored UTC instant as the event's zone reads it."""
    return in_zone(instant, event.timezone)


def in_zone(instant: datetime, zone: str) -> str:
    """'Thursday 4 December 2026, 1:30am IST': a stored UTC instant as `zone` reads it."""
    local = utc_aware(instant).astimezone(get_zone(zone))
    return f"{format_long_date(local)}, {format_clock(local)} {local.tzname()}"


def your_time(event: Event, instant: datetime, zone: str) -> str:
    """'8:30pm IST' (with the date when it differs from the event's): `instant` of `event`
    as a reader in `zone` says it, labelled as the multi-zone line labels its own zones."""
    config = current_app.config
    entries = zone_times(instant, event.timezone, [zone], config["ZONE_LABELS"], [zone])
    return next((entry.text for entry in entries if entry.zone == zone), entries[0].text)


def public_recording(event: Event) -> dict | None:
    """The recording anyone may watch (and the slides), for the API and schema.org."""
    if not event.recording_url or not event.recording_public:
        return None
    return {"url": event.recording_url, "slides_url": event.slides_url or None}


def registration_link(event: Event) -> dict | None:
    """Where to register, for the API and schema.org: the external link, or our form."""
    if event.registration_mode is RegistrationMode.BUILTIN:
        return {"url": site_url("public.event", slug=event.slug) + "#register",
                "label": "Register", "mode": "builtin", "capacity": event.capacity,
                "seats_left": event.seats_left}
    if event.registration_url:
        return {"url": event.registration_url, "label": event.registration_label,
                "mode": "external"}
    return None


def highlighted(text: str) -> Markup:
    """Search-highlighted text (markers from services/search.py) as HTML: every piece is
    escaped, then the matches are wrapped in <mark>."""
    return Markup("").join(Markup("<mark>{}</mark>").format(piece) if match else escape(piece)
                           for piece, match in segments(text))


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def date_parts(event: Event) -> dict[str, str]:
    """The date block of a card: {'month': 'Nov', 'day': '21', 'weekday': 'Sun'}, in the
    event's own zone (as the facts block dates it)."""
    local = event.starts_local
    return {"month": _MONTHS[local.month - 1], "day": str(local.day),
            "weekday": _DAYS[local.weekday()], "year": str(local.year)}


def initials(name: str) -> str:
    """'Radhika Desai' -> 'RD', for a speaker or organisation without a picture."""
    words = [w for w in name.replace("-", " ").split() if w[:1].isalnum()]
    if words and words[0].rstrip(".").lower() in ("dr", "prof", "mr", "ms", "mrs"):
        words = words[1:] or words
    return "".join(w[0] for w in words[:2]).upper() or "?"


def has_ended(event: Event) -> bool:
    """Whether the event is over (its end is past)."""
    return event.ends_utc <= utcnow()


# Query parameters that change what a page shows; the rest (?tz=, tracking tags) do not.
CANONICAL_ARGS = ("page", "after", "before", "letter", "recordings")


def canonical_url() -> str | None:
    """This public page's one address under SITE_URL, for <link rel="canonical">."""
    if request.blueprint != "public" or not request.endpoint or request.url_rule is None:
        return None
    kept = {name: request.args[name] for name in CANONICAL_ARGS if request.args.get(name)}
    return site_url(request.endpoint, **(request.view_args or {}), **kept)


def register(app: Flask) -> None:
    app.add_template_global(canonical_url, "canonical_url")
    app.add_template_filter(highlighted, "highlighted")
    app.add_template_filter(has_ended, "has_ended")
    app.add_template_filter(date_parts, "date_parts")
    app.add_template_filter(initials, "initials")
    app.add_template_filter(in_event_zone, "in_event_zone")
    app.add_template_filter(in_zone, "in_zone")
    app.add_template_filter(add_to_calendar_links, "calendar_links")
    app.add_template_global(subscribe_links, "subscribe_links")
    app.add_template_filter(uuid_urn, "uuid_urn")
    app.add_template_filter(location_line, "location_line")
    app.add_template_filter(event_zone_times, "zone_times")
    app.add_template_filter(event_time_line, "time_line")
    app.add_template_filter(series_rhythm, "rhythm")
    app.add_template_filter(occurrence_date, "occurrence_date")
    app.add_template_filter(format_long_date, "long_date")
    app.add_template_filter(occurrence_time_line, "occurrence_time_line")
    app.add_template_filter(occurrence_status, "occurrence_status")
    app.add_template_filter(event_date, "event_date")
    app.add_template_filter(event_duration, "duration")
    app.add_template_filter(iso_utc, "iso_utc")
    app.add_template_filter(offset_minutes, "offset_minutes")
    app.add_template_filter(by_role, "by_role")
    app.add_template_filter(human_join, "human_join")
    app.add_template_filter(render_markdown, "markdown")

    @app.context_processor
    def site_settings():
        return {"site_name": app.config["SITE_NAME"], "site_url": site_url}
