"""Validate, create and import events: one path shared by forms, the import command and the API.

Field names in errors are the import format's keys (`start`, `speakers[2].role`), which forms
and the API map onto their own fields.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, or_

from eventsite.display import occurrence_date, occurrence_time_line
from eventsite.domain.text import (
    SLUG_PATTERN,
    is_web_url,
    line_problem,
    slugify,
    tag_name,
    text_problem,
)
from eventsite.domain.timezones import (
    Fold,
    UnknownZoneError,
    WallTimeError,
    check_region_zone,
    format_short_date,
    get_zone,
    to_utc,
    utcnow,
)
from eventsite.extensions import db
from eventsite.models import (
    Event,
    EventFormat,
    EventOrganisation,
    EventSpeaker,
    EventStatus,
    Location,
    LocationVisibility,
    Organisation,
    OrganisationRole,
    RegistrationMode,
    Speaker,
    SpeakerRole,
    Tag,
)
from eventsite.services import changes, images, mail, registrations, series
from eventsite.services.errors import ValidationError

YEARS = (1900, 2200)  # an event's dates: a typo like 0202 or 20261 is caught here
WEB_URL_MESSAGE = "must be a web address starting with http:// or https://"
LIMITS = {
    "title": 200, "slug": 120, "summary": 1000, "description": 50_000, "status_note": 500,
    "venue_name": 200, "venue_address": 500, "tag": 60, "name": 200, "affiliation": 500,
    "url": 500, "label": 100, "location_name": 100, "image_alt": 300,
}


@dataclass
class SpeakerInput:
    name: str
    affiliation: str = ""
    role: SpeakerRole = SpeakerRole.SPEAKER


@dataclass
class OrganisationInput:
    name: str
    url: str = ""
    role: OrganisationRole = OrganisationRole.HOST


@dataclass
class LocationInput:
    name: str
    url: str = ""
    visibility: LocationVisibility = LocationVisibility.PUBLIC


@dataclass
class EventInput:
    """An event as an organiser describes it, checked for format but not yet for meaning."""

    title: str
    starts_local: datetime
    ends_local: datetime
    timezone: str
    slug: str = ""
    summary: str = ""
    description: str = ""
    format: EventFormat = EventFormat.ONLINE
    status: EventStatus = EventStatus.PUBLISHED
    status_note: str = ""
    tags: list[str] = field(default_factory=list)
    display_timezones: list[str] | None = None
    speakers: list[SpeakerInput] = field(default_factory=list)
    organisations: list[OrganisationInput] = field(default_factory=list)
    locations: list[LocationInput] = field(default_factory=list)
    registration_url: str = ""
    registration_label: str = ""
    venue_name: str = ""
    venue_address: str = ""
    fold: Fold | None = None  # how to read a wall time the clocks show twice
    end_fold: Fold | None = None  # the same for the end, when it differs (None: as `fold`)
    registration_mode: RegistrationMode | None = None  # None: external if a URL is given
    capacity: int | None = None
    waitlist: bool = True
    registration_opens: datetime | None = None  # wall times in the event's zone
    registration_closes: datetime | None = None
    confirmation_required: bool = False
    registration_per_occurrence: bool = False  # a series: each date its own seats
    image_id: str | None = None  # a stored image (services/images.py)
    image_alt: str = ""  # what the image shows, for people who cannot see it
    replace_image: bool = False  # whether image_id replaces the event's image
    recurrence: series.RecurrenceInput | None = None  # None: it happens once
    occurrence_changes: list[series.OccurrenceChangeInput] = field(default_factory=list)


class _Collector:
    """Gathers one message per field, so the organiser sees every problem at once."""

    def __init__(self):
        self.errors: dict[str, str] = {}

    def add(self, key: str, message: str) -> None:
        self.errors.setdefault(key, message)

    def text(self, record: Mapping, key: str, limit: int, *, required: bool = False,
             path: str | None = None) -> str:
        path = path or key
        value = record.get(key, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.add(path, "must be text")
            return ""
        value = value.strip()
        if required and not value:
            self.add(path, "is required")
        elif len(value) > limit:
            self.add(path, f"is too long ({len(value)} characters; at most {limit})")
        return value

    def choice(self, record: Mapping, key: str, enum_class, default, path: str | None = None):
        path = path or key
        value = record.get(key)
        if value in (None, ""):
            return default
        try:
            return enum_class(str(value).strip().lower().replace("-", "_").replace(" ", "_"))
        except ValueError:
            allowed = ", ".join(member.value for member in enum_class)
            self.add(path, f"“{value}” is not one of: {allowed}")
            return default

    def url(self, record: Mapping, key: str, path: str) -> str:
        value = self.text(record, key, LIMITS["url"], path=path)
        if value and not is_web_url(value):
            self.add(path, WEB_URL_MESSAGE)
        return value

    def wall_time(self, record: Mapping, key: str) -> datetime | None:
        value = record.get(key)
        if value in (None, ""):
            self.add(key, "is required (local time such as 2021-11-21T11:00)")
            return None
        if isinstance(value, datetime):
            parsed = value
        elif not isinstance(value, str):
            self.add(key, f"must be text: a local date and time such as 2021-11-21T11:00 "
                          f"(got {type(value).__name__} {str(value)[:40]})")
            return None
        elif "T" not in value.upper() and " " not in value.strip():
            self.add(key, f"“{value[:40]}” needs a time too, such as 2021-11-21T11:00")
            return None
        else:
            try:
                parsed = datetime.fromisoformat(str(value).strip())
            except ValueError:
                self.add(key, f"“{value}” is not a date and time such as 2021-11-21T11:00")
                return None
        if parsed.tzinfo is not None:
            self.add(key, "must be a local wall time without an offset; the zone goes in "
                          "`timezone`")
            return None
        return parsed

    def instant(self, key: str, wall: datetime | None, zone: str, fold: Fold | None,
                zone_ok: bool = True) -> datetime | None:
        """The UTC instant of a wall time in `zone`; None (and the reason) when it has none."""
        if wall is None or not zone_ok:
            return None
        try:
            return to_utc(wall, zone, fold)
        except WallTimeError as error:
            self.add(key, str(error))
            return None

    def optional_wall_time(self, record: Mapping, key: str, path: str) -> datetime | None:
        if record.get(key) in (None, ""):
            return None
        return self.wall_time({path: record[key]}, path)

    def count(self, record: Mapping, key: str, path: str) -> int | None:
        value = record.get(key)
        if value in (None, ""):
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            self.add(path, "must be a whole number")
            return None
        return value

    def flag(self, record: Mapping, key: str, default: bool, path: str) -> bool:
        """A JSON boolean: "no", 0 or "false" are refused rather than guessed at."""
        value = record.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.add(path, f"must be true or false (a JSON boolean, not {value!r:.40})")
            return default
        return value

    def mapping(self, record: Mapping, key: str, shape: str) -> Mapping:
        value = record.get(key)
        if value in (None, ""):
            return {}
        if not isinstance(value, Mapping):
            self.add(key, f"must be an object with {shape}")
            return {}
        return value

    def items(self, record: Mapping, key: str) -> list[Mapping]:
        value = record.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
            self.add(key, "must be a list of objects")
            return []
        return value


def parse_event(record: Mapping) -> EventInput:
    """An import/API record (plain JSON values) -> EventInput, or ValidationError."""
    check = _Collector()
    if not isinstance(record, Mapping):
        raise ValidationError({"event": "must be an object"})

    zone = check.text(record, "timezone", 64, required=True)
    display = record.get("display_timezones")
    if display is not None and (not isinstance(display, list)
                                or not all(isinstance(z, str) for z in display)):
        check.add("display_timezones", "must be a list of time zone names")
        display = None
    tags = record.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        check.add("tags", "must be a list of words")
        tags = []
    registration = check.mapping(record, "registration", "`mode`, `url`, `label`, `capacity`…")
    venue = check.mapping(record, "venue", "`name` and `address`")

    data = EventInput(
        title=check.text(record, "title", LIMITS["title"], required=True),
        starts_local=check.wall_time(record, "start"),
        ends_local=check.wall_time(record, "end"),
        timezone=zone,
        slug=check.text(record, "slug", LIMITS["slug"]),
        summary=check.text(record, "summary", LIMITS["summary"]),
        description=check.text(record, "description", LIMITS["description"]),
        format=check.choice(record, "format", EventFormat, EventFormat.ONLINE),
        status=check.choice(record, "status", EventStatus, EventStatus.PUBLISHED),
        status_note=check.text(record, "status_note", LIMITS["status_note"]),
        tags=tags,
        display_timezones=display,
        speakers=[
            SpeakerInput(
                name=check.text(item, "name", LIMITS["name"], required=True,
                                path=f"speakers[{i}].name"),
                affiliation=check.text(item, "affiliation", LIMITS["affiliation"],
                                       path=f"speakers[{i}].affiliation"),
                role=check.choice(item, "role", SpeakerRole, SpeakerRole.SPEAKER,
                                  path=f"speakers[{i}].role"),
            )
            for i, item in enumerate(check.items(record, "speakers"))
        ],
        organisations=[
            OrganisationInput(
                name=check.text(item, "name", LIMITS["name"], required=True,
                                path=f"organisations[{i}].name"),
                url=check.url(item, "url", f"organisations[{i}].url"),
                role=check.choice(item, "role", OrganisationRole, OrganisationRole.HOST,
                                  path=f"organisations[{i}].role"),
            )
            for i, item in enumerate(check.items(record, "organisations"))
        ],
        locations=[
            LocationInput(
                name=check.text(item, "name", LIMITS["location_name"], required=True,
                                path=f"locations[{i}].name"),
                url=check.url(item, "url", f"locations[{i}].url"),
                visibility=check.choice(item, "visibility", LocationVisibility,
                                        LocationVisibility.PUBLIC,
                                        path=f"locations[{i}].visibility"),
            )
            for i, item in enumerate(check.items(record, "locations"))
        ],
        registration_mode=check.choice(registration, "mode", RegistrationMode, None,
                                       path="registration.mode"),
        capacity=check.count(registration, "capacity", "registration.capacity"),
        waitlist=check.flag(registration, "waitlist", True, "registration.waitlist"),
        registration_opens=check.optional_wall_time(registration, "opens", "registration.opens"),
        registration_closes=check.optional_wall_time(registration, "closes",
                                                     "registration.closes"),
        confirmation_required=check.flag(registration, "confirmation_required", False,
                                         "registration.confirmation_required"),
        registration_per_occurrence=check.flag(registration, "per_occurrence", False,
                                               "registration.per_occurrence"),
        registration_url=check.url(registration, "url", "registration.url"),
        registration_label=check.text(registration, "label", LIMITS["label"],
                                      path="registration.label"),
        venue_name=check.text(venue, "name", LIMITS["venue_name"], path="venue.name"),
        venue_address=check.text(venue, "address", LIMITS["venue_address"],
                                 path="venue.address"),
        fold=check.choice(record, "fold", Fold, None),
        image_alt=check.text(record, "image_alt", LIMITS["image_alt"]),
    )
    data.recurrence, problems = series.parse_recurrence(record.get("recurrence"))
    data.occurrence_changes, more = series.parse_changes(record.get("occurrences"))
    for key, message in {**problems, **more}.items():
        check.add(key, message)
    if check.errors:
        raise ValidationError(check.errors)
    return data


@dataclass(frozen=True)
class _Schedule:
    starts_utc: datetime
    ends_utc: datetime
    opens_utc: datetime | None = None
    closes_utc: datetime | None = None
    plan: series.Plan | None = None  # a series' dates


def check_event(data: EventInput, known_zones: Iterable[str] = ()) -> _Schedule:
    """The meaning checks (zones, time rules, URLs, tags, slug format); the UTC instants.

    New zones must be places' canonical zones (America/New_York, not EST or US/Eastern);
    `known_zones`, those an existing event already uses, keep working as they are."""
    check = _Collector()
    known = set(known_zones)
    for key, zones in (("timezone", [data.timezone]),
                       ("display_timezones", data.display_timezones or [])):
        for zone in zones:
            try:
                get_zone(zone)
                if zone not in known:
                    check_region_zone(zone)
            except UnknownZoneError as error:
                check.add(key, str(error))
    if data.slug and not SLUG_PATTERN.match(data.slug):
        check.add("slug", "may hold only lower-case letters, digits and single hyphens")
    _check_characters(check, data)
    for tag in data.tags:
        if not tag_name(tag, LIMITS["tag"]):
            check.add("tags", f"“{tag}” has no letters or digits")
    if data.registration_label and not data.registration_url:
        check.add("registration.url", "is required when a registration label is given")
    # Every link, whichever way it came in (form, import, API): http(s) only.
    links = [("registration.url", data.registration_url)]
    links += [(f"locations[{i}].url", loc.url) for i, loc in enumerate(data.locations)]
    links += [(f"organisations[{i}].url", org.url) for i, org in enumerate(data.organisations)]
    for key, url in links:
        if url and not is_web_url(url):
            check.add(key, WEB_URL_MESSAGE)

    for key, wall in (("start", data.starts_local), ("end", data.ends_local),
                      ("registration.opens", data.registration_opens),
                      ("registration.closes", data.registration_closes)):
        if wall is not None and not YEARS[0] <= wall.year <= YEARS[1]:
            check.add(key, f"must be in the years {YEARS[0]}–{YEARS[1]} (not {wall.year})")
    zone_ok = "timezone" not in check.errors and not {"start", "end"} & set(check.errors)
    starts_utc = check.instant("start", data.starts_local, data.timezone, data.fold, zone_ok)
    ends_utc = check.instant("end", data.ends_local, data.timezone, data.end_fold or data.fold,
                             zone_ok)
    if starts_utc and ends_utc and ends_utc <= starts_utc:
        check.add("end", "must be after the start")
    elif starts_utc and ends_utc and ends_utc - starts_utc > Event.MAX_DURATION:
        check.add("end", f"is too far after the start: an event lasts at most "
                         f"{Event.MAX_DURATION.days} days (list a longer series as separate "
                         f"events)")
    plan = None
    if data.recurrence is not None and starts_utc and ends_utc and "end" not in check.errors:
        try:
            plan = series.plan_series(data.recurrence, data.starts_local, data.ends_local,
                                      data.timezone)
        except series.SeriesError as error:
            for key, message in error.errors.items():
                check.add(key, message)
    if data.occurrence_changes and data.recurrence is None:
        check.add("occurrences", "only a series has occurrences to change: add `recurrence`")
    if plan is not None:
        for index, change in enumerate(data.occurrence_changes):
            for key, message in series.check_change(change, plan, data.timezone,
                                                    f"occurrences[{index}]").items():
                check.add(key, message)
    last_end = plan.dates[-1].end_utc if plan else ends_utc
    opens_utc = closes_utc = None
    if _mode_of(data) is RegistrationMode.BUILTIN:
        if data.capacity is not None and not 1 <= data.capacity <= 1_000_000:
            check.add("registration.capacity", "must be at least 1 (or empty for no limit)")
        opens_utc = check.instant("registration.opens", data.registration_opens,
                                  data.timezone, data.fold, zone_ok)
        closes_utc = check.instant("registration.closes", data.registration_closes,
                                   data.timezone, data.fold, zone_ok)
        if opens_utc and closes_utc and closes_utc <= opens_utc:
            check.add("registration.closes", "must be after registration opens")
        elif closes_utc and last_end and closes_utc > last_end:
            check.add("registration.closes", "must be before the event ends")
    elif data.registration_mode is RegistrationMode.EXTERNAL and not data.registration_url:
        check.add("registration.url", "is required for registration elsewhere")
    if check.errors:
        raise ValidationError(check.errors)
    return _Schedule(starts_utc, ends_utc, opens_utc, closes_utc, plan)


def _check_characters(check: _Collector, data: EventInput) -> None:
    """One-line fields hold no line breaks or control characters; longer texts keep their
    line breaks but no other control characters (they break mail headers, XML and more)."""
    lines = [("title", data.title), ("venue.name", data.venue_name),
             ("registration.label", data.registration_label)]
    lines += [(f"speakers[{i}].name", s.name) for i, s in enumerate(data.speakers)]
    lines += [(f"speakers[{i}].affiliation", s.affiliation)
              for i, s in enumerate(data.speakers)]
    lines += [(f"organisations[{i}].name", o.name) for i, o in enumerate(data.organisations)]
    lines += [(f"locations[{i}].name", loc.name) for i, loc in enumerate(data.locations)]
    lines += [("tags", tag) for tag in data.tags]
    for key, value in lines:
        problem = line_problem(value)
        if problem:
            check.add(key, problem)
    for key, value in (("summary", data.summary), ("description", data.description),
                       ("status_note", data.status_note),
                       ("venue.address", data.venue_address)):
        problem = text_problem(value)
        if problem:
            check.add(key, problem)
    for tag in data.tags:
        if len(tag) > LIMITS["tag"]:
            check.add("tags", f"“{tag[:20]}…” is too long (at most {LIMITS['tag']} characters)")


def _mode_of(data: EventInput) -> RegistrationMode:
    if data.registration_mode is not None:
        return data.registration_mode
    return RegistrationMode.EXTERNAL if data.registration_url else RegistrationMode.NONE


def _slug_taken(slug: str, exclude_id: int | None = None) -> bool:
    query = db.select(Event.id).where(Event.slug == slug)
    if exclude_id is not None:
        query = query.where(Event.id != exclude_id)
    return db.session.scalar(query) is not None


def _unique_slug(base: str, taken: Callable[[str], bool],
                 next_suffix: dict[str, int] | None = None) -> str:
    """`base`, or `base-2`, `base-3`...: the first not taken. With `next_suffix` (an import's),
    the count goes on from where the last event of that title stopped, instead of from 2."""
    base = base or "event"
    n = next_suffix.get(base, 2) if next_suffix is not None else 2
    candidate = base if n == 2 else base[: LIMITS["slug"] - len(f"-{n}")] + f"-{n}"
    while taken(candidate):
        suffix = f"-{n}"
        candidate = base[: LIMITS["slug"] - len(suffix)] + suffix
        n += 1
    if next_suffix is not None:
        next_suffix[base] = n
    return candidate


def _find_or_create_named(model, name: str, detail: str, value: str):
    """The row of `model` with that name (ignoring case and spacing), or a new one with a slug.

    Rows added earlier in this session count too: an import may name one new speaker in
    several events. A known row gets `detail` (affiliation, website) only if it had none.
    """
    name = " ".join(name.split())
    key = name.casefold()
    kept = db.session.info.get("import_names")  # an import's: no rescans of what it added
    if kept is not None:
        found, pending = kept.get((model, key)), []
        if found is None:
            # The import's index of the rows already stored: one query per kind, not one scan
            # of the table per new name.
            if (model, None) not in kept:
                kept[(model, None)] = {stored.casefold(): row_id for row_id, stored
                                       in db.session.execute(db.select(model.id, model.name))}
            if (row_id := kept[(model, None)].get(key)) is not None:
                found = db.session.get(model, row_id)
    else:
        pending = [row for row in db.session.new if isinstance(row, model)]
        found = next((row for row in pending if row.name.casefold() == key), None)
    if found is None and kept is None:
        found = db.session.scalar(db.select(model).where(or_(
            model.name == name, func.lower(model.name) == name.lower())).limit(1))
    if found is None:
        if kept is None:
            taken = {row.slug for row in pending}
        elif (model, "slugs") not in kept:  # an import's: the slugs stored, read once
            taken = kept[(model, "slugs")] = set(db.session.scalars(db.select(model.slug)))
        else:
            taken = kept[(model, "slugs")]
        slug = _unique_slug(slugify(name) or model.__name__.lower(), lambda s: s in taken or (
            kept is None
            and db.session.scalar(db.select(model.id).where(model.slug == s)) is not None))
        taken.add(slug)
        found = model(name=name, slug=slug, **{detail: value})
        db.session.add(found)
    elif value and not getattr(found, detail):
        setattr(found, detail, value)
    if kept is not None:
        kept[(model, key)] = found
    return found


def find_or_create_speaker(name: str, affiliation: str = "") -> Speaker:
    """The speaker of that name, or a new one."""
    return _find_or_create_named(Speaker, name, "affiliation", affiliation)


def find_or_create_organisation(name: str, url: str = "") -> Organisation:
    """The organisation of that name, or a new one."""
    return _find_or_create_named(Organisation, name, "website", url)


def find_or_create_tags(names: Iterable[str]) -> list[Tag]:
    """Tags by their normalised name ('East Asia' -> 'east-asia', '中文' stays), created when
    new; the label keeps the spelling first typed ('East Asia'), shown on pages."""
    typed = {}
    for name in names:
        typed.setdefault(tag_name(name, LIMITS["tag"]), " ".join(name.split())[:LIMITS["tag"]])
    wanted = list(typed)
    kept = db.session.info.get("import_names")  # an import's: no rescans of what it added
    if kept is not None:
        pending = {name: kept[(Tag, name)] for name in wanted if (Tag, name) in kept}
    else:
        pending = {t.name: t for t in db.session.new if isinstance(t, Tag)}
    missing = [name for name in wanted if name not in pending]
    existing = {tag.name: tag for tag in db.session.scalars(
        db.select(Tag).where(Tag.name.in_(missing)))} if missing else {}
    tags = []
    for name in wanted:
        tag = pending.get(name) or existing.get(name)
        if tag is None:
            tag = Tag(name=name, label=typed[name])
            db.session.add(tag)
        elif not tag.label:
            tag.label = typed[name]
        if kept is not None:
            kept[(Tag, name)] = tag
        tags.append(tag)
    return tags


def _apply(event: Event, data: EventInput, schedule: _Schedule) -> None:
    """Copy validated input onto an event, reusing link rows that stay (so an edit never
    inserts a (event, speaker) pair before deleting the old one)."""
    # No autoflush while the graph is half built: the lookups below already see objects
    # pending in this session (an import may name one new speaker in several events).
    with db.session.no_autoflush:
        event.title, event.summary, event.description = data.title, data.summary, \
            data.description
        event.starts_local, event.ends_local, event.timezone = \
            data.starts_local, data.ends_local, data.timezone
        event.starts_utc, event.ends_utc = schedule.starts_utc, schedule.ends_utc
        event.display_timezones = data.display_timezones
        plan = schedule.plan
        event.recurrence_rule = plan.rule_text if plan else None
        event.recurrence_exceptions = [day.isoformat() for day in plan.exceptions] \
            if plan else None
        event.format, event.status, event.status_note = data.format, data.status, \
            data.status_note
        event.venue_name, event.venue_address = data.venue_name, data.venue_address
        event.registration_mode = _mode_of(data)
        builtin = event.registration_mode is RegistrationMode.BUILTIN
        event.registration_url = "" if builtin else data.registration_url
        event.registration_label = "" if builtin else data.registration_label
        event.capacity = data.capacity if builtin else None
        event.waitlist, event.confirmation_required = data.waitlist, data.confirmation_required
        event.registration_per_occurrence = builtin and plan is not None and \
            data.registration_per_occurrence
        event.registration_opens_at = schedule.opens_utc
        event.registration_closes_at = schedule.closes_utc
        event.tags = find_or_create_tags(data.tags)
        if data.replace_image:
            event.image_id = data.image_id
        event.image_alt = data.image_alt

        event.speaker_links = _relink(
            event.speaker_links, "speaker", data.speakers,
            lambda item: find_or_create_speaker(item.name, item.affiliation), EventSpeaker)
        event.organisation_links = _relink(
            event.organisation_links, "organisation", data.organisations,
            lambda item: find_or_create_organisation(item.name, item.url), EventOrganisation)
        event.locations = [
            Location(name=loc.name, url=loc.url, visibility=loc.visibility, position=i)
            for i, loc in enumerate(data.locations)
        ]


def _relink(current: list, target: str, items: list, find: Callable, link_class) -> list:
    """Link rows for `items` in order, keeping the existing row for a person or organisation
    that stays linked (an insert of the same pair before the delete would break uniqueness)."""
    existing = {getattr(link, target).id: link for link in current}
    links = []
    for position, item in enumerate(_first_per_name(items)):
        linked = find(item)
        link = existing.get(linked.id) if linked.id else None
        link = link or link_class(**{target: linked})
        link.role, link.position = item.role, position
        links.append(link)
    return links


def _build_event(data: EventInput, schedule: _Schedule, slug: str) -> Event:
    event = Event(slug=slug)
    db.session.add(event)
    _apply(event, data, schedule)
    _store_series(event, data, schedule)
    return event


def _store_series(event: Event, data: EventInput, schedule: _Schedule) -> None:
    """Save a series' changes to single dates and re-derive its occurrence rows."""
    if schedule.plan is None and event.series_ends_utc is None:
        return  # a single event that never was a series: nothing to keep
    db.session.flush()
    series.save_changes(event, data.occurrence_changes)
    series.store_occurrences(event, schedule.plan)


def _material(event: Event) -> tuple:
    """What attendees' calendars must hear about: time, place and status."""
    return (event.starts_utc, event.ends_utc, event.timezone, event.recurrence_rule,
            tuple(event.recurrence_exceptions or ()), event.status, event.status_note,
            event.format, event.venue_name, event.venue_address,
            tuple((loc.name, loc.url, loc.visibility) for loc in event.locations))


def _touch(event: Event, before: tuple, told: dict) -> list:
    """Record an edit: always a new updated_at, and a new revision when time, place or status
    changed (it becomes the iCalendar SEQUENCE) — which registrants are then told about,
    old → new (`told`: the facts they were told before). Returns the messages queued."""
    event.updated_at = utcnow()
    if _material(event) == before:
        return []
    event.revision += 1
    return registrations.notify_change(event, changes.compare(told, changes.facts(event)))


def update_event(event: Event, data: EventInput) -> Event:
    """Validate and apply an organiser's edit to an existing event."""
    schedule = check_event(data, zones_of(event))
    registrations.compose_waiting(event)
    if _mode_of(data) is RegistrationMode.BUILTIN:  # locks the event's seats first
        registrations.set_capacity(event, data.capacity, per_date=bool(
            schedule.plan and data.registration_per_occurrence))
    if data.slug and data.slug != event.slug:
        if _slug_taken(data.slug, exclude_id=event.id):
            raise ValidationError({"slug": f"“{data.slug}” is already used by another event"})
        event.slug = data.slug
    before, told = _material(event), changes.facts(event)
    _apply(event, data, schedule)
    _store_series(event, data, schedule)
    messages = _touch(event, before, told)
    if event.registration_mode is RegistrationMode.BUILTIN:
        db.session.flush()
        messages += registrations.fill_waitlist(event)  # the capacity may have been raised
    db.session.commit()
    mail.deliver_now(messages)
    return event


def set_status(event: Event, status: EventStatus, note: str = "") -> Event:
    """Publish, cancel or postpone an event, with an optional public note."""
    if len(note) > LIMITS["status_note"]:
        raise ValidationError({"status_note": f"is too long (at most {LIMITS['status_note']})"})
    registrations.compose_waiting(event)
    before, told = _material(event), changes.facts(event)
    event.status, event.status_note = status, note.strip()
    messages = _touch(event, before, told)
    db.session.commit()
    mail.deliver_now(messages)
    return event


def cancel_event(event: Event, note: str = "") -> Event:
    """Cancel: the event stays visible, and in feeds, marked as cancelled."""
    return set_status(event, EventStatus.CANCELLED, note)


def postpone_event(event: Event, note: str = "") -> Event:
    return set_status(event, EventStatus.POSTPONED, note)


def event_input_from(event: Event, **changes) -> EventInput:
    """The current state of an event as input, with some fields changed (for edits)."""
    data = EventInput(
        title=event.title, starts_local=event.starts_local, ends_local=event.ends_local,
        timezone=event.timezone, slug=event.slug, summary=event.summary,
        description=event.description, format=event.format, status=event.status,
        status_note=event.status_note, tags=[tag.display_name for tag in event.tags],
        display_timezones=event.display_timezones,
        speakers=[SpeakerInput(link.speaker.name, link.speaker.affiliation, link.role)
                  for link in event.speaker_links],
        organisations=[OrganisationInput(link.organisation.name, link.organisation.website,
                                         link.role) for link in event.organisation_links],
        locations=[LocationInput(loc.name, loc.url, loc.visibility) for loc in event.locations],
        registration_url=event.registration_url, registration_label=event.registration_label,
        registration_mode=event.registration_mode, capacity=event.capacity,
        waitlist=event.waitlist, confirmation_required=event.confirmation_required,
        registration_per_occurrence=event.registration_per_occurrence,
        registration_opens=local_wall_time(event, event.registration_opens_at),
        registration_closes=local_wall_time(event, event.registration_closes_at),
        venue_name=event.venue_name, venue_address=event.venue_address,
        image_alt=event.image_alt,
        recurrence=series.RecurrenceInput(event.recurrence_rule, series.exceptions_of(event))
        if event.recurrence_rule else None,
    )
    for key, value in changes.items():
        setattr(data, key, value)
    return data


def _first_per_name(items):
    seen = set()
    for item in items:
        key = " ".join(item.name.split()).casefold()
        if key not in seen:
            seen.add(key)
            yield item


def zones_of(event: Event) -> list[str]:
    """The zones an existing event uses: they stay acceptable for it (and its copies)."""
    return [event.timezone, *(event.display_timezones or [])]


def create_event(data: EventInput, known_zones: Iterable[str] = ()) -> Event:
    """Validate and save one event; the slug comes from the title unless one is given."""
    schedule = check_event(data, known_zones)
    if data.slug:
        if _slug_taken(data.slug):
            raise ValidationError({"slug": f"“{data.slug}” is already used by another event"})
        slug = data.slug
    else:
        slug = _unique_slug(slugify(data.title, 80), _slug_taken)
    event = _build_event(data, schedule, slug)
    db.session.commit()
    return event


class ImportRefused(ValidationError):
    """A record in an import file is at fault; nothing from the file was saved."""

    def __init__(self, index: int, title: str, errors: dict[str, str]):
        self.index, self.title = index, title
        super().__init__(errors)

    def __str__(self) -> str:
        details = "; ".join(f"{field}: {message}" for field, message in self.errors.items())
        if self.index < 0:  # the file as a whole
            return details
        name = f" (“{self.title}”)" if self.title else ""
        return f"event {self.index + 1}{name}: {details}"


IMPORT_BATCH = 500  # events written to the database at a time (the transaction stays one)


def import_events(records: Iterable, progress: Callable[[int], None] | None = None) -> int:
    """Import event records, read one at a time: all of them, or none (ImportRefused names
    the fault). Returns how many were imported.

    `records` may be a list or a stream (a generator over a file), so memory does not grow
    with the file: events are written in batches within one transaction and then let go, and
    speakers, organisations, tags and slugs are looked up in dictionaries kept for the
    import, so each record costs the same however many came before it.
    """
    if isinstance(records, (str, bytes, Mapping)) or not isinstance(records, Iterable):
        raise ImportRefused(-1, "", {"file": "must hold a JSON list of events"})
    db.session.info["import_names"] = {}
    try:
        # Written a batch at a time: a query must not flush each half-built event on its own.
        with db.session.no_autoflush:
            count = _import_records(records, progress)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        db.session.info.pop("import_names", None)
    return count


def _import_records(records: Iterable, progress: Callable[[int], None] | None) -> int:
    # The slugs stored already, read once (one column, streamed): not one query per record.
    slugs_in_file: set[str] = set(db.session.scalars(
        db.select(Event.slug).execution_options(yield_per=5000)))
    next_suffix: dict[str, int] = {}
    count = 0
    for index, record in enumerate(records):
        title = record.get("title", "") if isinstance(record, Mapping) else ""
        try:
            data = parse_event(record)
            schedule = check_event(data)
        except ValidationError as error:
            raise ImportRefused(index, title, error.errors) from None
        if data.slug:
            if data.slug in slugs_in_file:
                raise ImportRefused(index, title,
                                    {"slug": f"“{data.slug}” is already used"})
            slug = data.slug
        else:
            slug = _unique_slug(slugify(data.title, 80), slugs_in_file.__contains__,
                                next_suffix)
        slugs_in_file.add(slug)
        _build_event(data, schedule, slug)
        count += 1
        if count % IMPORT_BATCH == 0:
            _write_batch()
        if progress:
            progress(1)
    return count


def _write_batch() -> None:
    """Send the events built so far to the database and let them go: the speakers and
    organisations kept for the import stop holding their new links."""
    db.session.flush()
    for row in db.session.info["import_names"].values():
        if isinstance(row, Speaker | Organisation) and row in db.session:
            db.session.expire(row, ["event_links"])


@dataclass
class RecomputeResult:
    moved: list[Event] = field(default_factory=list)
    invalid: list[tuple[Event, str]] = field(default_factory=list)


def recompute_utc() -> RecomputeResult:
    """Re-derive every event's UTC columns from its wall time and zone (after a tzdata update).

    An event whose instants moved gets its revision bumped, so calendars pick up the change.
    A wall time that the new rules make nonexistent keeps its old instants and is reported
    as invalid for an organiser to fix.
    """
    result = RecomputeResult()
    registrations.compose_waiting()  # any event may move
    messages = []
    for event in db.session.scalars(db.select(Event).order_by(Event.id)):
        try:
            schedule = check_event(EventInput(
                title=event.title, starts_local=event.starts_local, ends_local=event.ends_local,
                timezone=event.timezone, display_timezones=event.display_timezones,
                fold=fold_of(event.starts_local, event.timezone, event.starts_utc),
                end_fold=fold_of(event.ends_local, event.timezone, event.ends_utc)),
                zones_of(event))
        except ValidationError as error:
            result.invalid.append((event, str(error)))
            continue
        told = changes.facts(event)
        moved = (schedule.starts_utc, schedule.ends_utc) != (event.starts_utc, event.ends_utc)
        event.starts_utc, event.ends_utc = schedule.starts_utc, schedule.ends_utc
        if event.is_series:
            try:
                moved = _recompute_series(event) or moved
            except (series.SeriesError, WallTimeError) as error:
                result.invalid.append((event, str(error)))
                continue
        if moved:
            event.revision += 1
            # Their calendars must move too.
            messages += registrations.notify_change(
                event, changes.compare(told, changes.facts(event)))
            result.moved.append(event)
    db.session.commit()
    mail.deliver_now(messages)
    return result


def _recompute_series(event: Event) -> bool:
    """Re-derive a series' occurrence rows; whether any instant moved."""
    def instants() -> list[tuple]:
        return [(o.day, o.starts_utc, o.ends_utc) for o in series.occurrences_of(event)]

    before = instants()
    with db.session.begin_nested():  # a moved date the new rules refuse keeps the old rows
        series.store_occurrences(event, series.plan_of(event))
    return instants() != before


def change_occurrence(event: Event, change: series.OccurrenceChangeInput) -> Event:
    """Change one date of a series (its time, place, note, or cancel/postpone it), leaving
    the others as the rule has them. Calendars hear of it (SEQUENCE raised, a RECURRENCE-ID
    VEVENT), and so do registrants."""
    if not event.is_series:
        raise ValidationError({"date": "Only a series has dates to change one by one."})
    plan = series.plan_of(event)
    errors = series.check_change(change, plan, event.timezone, "occurrence")
    if errors:
        raise ValidationError({key.split(".", 1)[1]: message for key, message in errors.items()})
    registrations.compose_waiting(event)
    told = _date_facts(event, change.day)
    series.save_changes(event, [change])
    series.store_occurrences(event, plan)
    event.revision += 1
    event.updated_at = utcnow()
    messages = registrations.notify_change(
        event, changes.compare(told, _date_facts(event, change.day)), day=change.day)
    db.session.commit()
    mail.deliver_now(messages)
    return event


def _date_facts(event: Event, day) -> dict:
    """What registrants are told of one date of a series: when, and whether it happens."""
    dated = series.occurrence_on(event, day)
    when = f"{occurrence_date(dated)}, {occurrence_time_line(event, dated)}"
    status = dated.status.value + (f": {dated.note}" if dated.note else "")
    return {"Date": changes.Fact(when, format_short_date(dated.starts_local)),
            "This date": changes.Fact(status, dated.status.value)}


def fold_of(wall: datetime, zone: str, instant_utc: datetime) -> Fold:
    """Which side of a fold `instant_utc` is on, were `wall` ambiguous in `zone`."""
    try:
        earlier = to_utc(wall, zone, Fold.EARLIER)
    except WallTimeError:
        return Fold.EARLIER
    return Fold.EARLIER if earlier == instant_utc else Fold.LATER


def local_wall_time(event: Event, instant: datetime | None) -> datetime | None:
    """A stored UTC instant as a wall time in the event's zone."""
    if instant is None:
        return None
    return instant.replace(tzinfo=UTC).astimezone(get_zone(event.timezone)).replace(tzinfo=None)


_COPY_SUFFIX = re.compile(r" \((?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2}(?: \d{4})?\)$")


def copy_title(title: str, starts_local: datetime) -> str:
    """'Reading group (Tue 8 Dec 2026)': a copy's title says its date, so copies of one event
    can be told apart in lists (a copy of a copy gets the new date, not two)."""
    suffix = f" ({format_short_date(starts_local)} {starts_local.year})"
    base = _COPY_SUFFIX.sub("", title)
    return base[:LIMITS["title"] - len(suffix)].rstrip() + suffix


def duplicate_event(event: Event, days: int = 7) -> Event:
    """A draft copy `days` later at the same local wall time ("same time next week"), which
    stays at 11am in the event's zone even when a clock change falls in between."""
    shift = timedelta(days=days)
    data = event_input_from(event, slug="", status=EventStatus.DRAFT, status_note="",
                            title=copy_title(event.title, event.starts_local + shift),
                            starts_local=event.starts_local + shift,
                            ends_local=event.ends_local + shift)
    if data.registration_opens:
        data.registration_opens += shift
    if data.registration_closes:
        data.registration_closes += shift
    # The copy gets files of its own: deleting or replacing its image must not touch the
    # original's.
    copied = images.copy_event_image(event.image_id)
    data.image_id, data.replace_image = copied, True
    try:
        return create_event(data, zones_of(event))
    except ValidationError:
        images.delete_event_image(copied)
        raise


def delete_draft(event: Event) -> None:
    """Delete a draft. A published event is never removed: cancel it instead."""
    if event.status is not EventStatus.DRAFT:
        raise ValidationError({"status": "Only drafts can be deleted; cancel a published event "
                                         "instead, so attendees' calendars hear of it."})
    db.session.delete(event)
    db.session.commit()


def event_by_id(event_id: int) -> Event | None:
    return db.session.get(Event, event_id)
