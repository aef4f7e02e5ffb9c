"""Wall times in IANA zones, and the multi-zone line shown wherever a time is.

Pure code (stdlib and pytz only). The organiser's wall time plus zone name is the source of
truth; everything here turns that into instants, or instants into text a person reads.
"""

from __future__ import annotations

import enum
import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

import pytz

__all__ = [
    "AmbiguousWallTimeError",
    "all_zones_with_offsets",
    "check_region_zone",
    "NotARegionZoneError",
    "region_zones",
    "suggest_zone",
    "Fold",
    "NonexistentWallTimeError",
    "UnknownZoneError",
    "WallTimeError",
    "ZoneTime",
    "describe_offset",
    "format_clock",
    "format_long_date",
    "get_zone",
    "is_valid_zone",
    "localize",
    "multizone_line",
    "to_utc",
    "utcnow",
    "zone_times",
]

_PROBE = timedelta(days=1)


def utcnow() -> datetime:
    """The current instant as a naive UTC datetime, the form the database keeps."""
    return datetime.now(UTC).replace(tzinfo=None)


class Fold(enum.StrEnum):
    """Which of the two instants an ambiguous (fall-back) wall time means."""

    EARLIER = "earlier"
    LATER = "later"


class WallTimeError(ValueError):
    """A wall time or zone that cannot be turned into one instant."""


class UnknownZoneError(WallTimeError):
    """The zone name is not an IANA zone."""

    def __init__(self, name: str):
        self.name = name
        super().__init__(
            f"“{name}” is not a known time zone; use an IANA name such as Europe/Paris.")


@dataclass(frozen=True)
class _Transition:
    """A change of a zone's UTC offset, as the clocks on the wall show it."""

    instant_utc: datetime  # naive UTC
    offset_before: timedelta
    offset_after: timedelta

    @property
    def wall_before(self) -> datetime:
        return self.instant_utc + self.offset_before

    @property
    def wall_after(self) -> datetime:
        return self.instant_utc + self.offset_after

    @property
    def shift(self) -> timedelta:
        return abs(self.offset_after - self.offset_before)


class NonexistentWallTimeError(WallTimeError):
    """The wall time falls in a spring-forward gap: the clocks skip it."""

    def __init__(self, wall: datetime, zone_name: str, transition: _Transition):
        self.wall, self.zone_name, self.transition = wall, zone_name, transition
        super().__init__(
            f"{format_clock(wall)} on {format_long_date(wall)} does not exist in {zone_name}: "
            f"the clocks go forward {_amount(transition.shift)} at "
            f"{format_clock(transition.wall_before)}, straight to "
            f"{format_clock(transition.wall_after)}. "
            f"Choose a time before {format_clock(transition.wall_before)} "
            f"or from {format_clock(transition.wall_after)}."
        )


class AmbiguousWallTimeError(WallTimeError):
    """The wall time falls in a fall-back fold: the clocks show it twice."""

    def __init__(self, wall: datetime, zone_name: str, transition: _Transition, zone):
        self.wall, self.zone_name, self.transition = wall, zone_name, transition
        earlier = _at(zone, wall - transition.offset_before)
        later = _at(zone, wall - transition.offset_after)
        self.choices = {Fold.EARLIER: earlier, Fold.LATER: later}
        super().__init__(
            f"{format_clock(wall)} on {format_long_date(wall)} happens twice in {zone_name}: "
            f"the clocks go back {_amount(transition.shift)} at "
            f"{format_clock(transition.wall_before)}, to {format_clock(transition.wall_after)}. "
            f"Choose the earlier ({describe_offset(earlier)}) "
            f"or the later ({describe_offset(later)})."
        )


@lru_cache(maxsize=1024)  # there are about 600 zones; unknown names raise and are not kept
def get_zone(name: str):
    """The pytz zone for an IANA name, or UnknownZoneError."""
    try:
        return pytz.timezone(name)
    except (pytz.UnknownTimeZoneError, AttributeError, ValueError):
        raise UnknownZoneError(str(name)) from None


# Names that are not places: fixed offsets and the old US/European rule names. Each refers the
# organiser to the place it usually stands for, whose zone follows daylight saving.
_LEGACY_ZONES = {
    "EST": "America/New_York", "EDT": "America/New_York", "EST5EDT": "America/New_York",
    "CST": "America/Chicago", "CDT": "America/Chicago", "CST6CDT": "America/Chicago",
    "MST": "America/Denver", "MDT": "America/Denver", "MST7MDT": "America/Denver",
    "PST": "America/Los_Angeles", "PDT": "America/Los_Angeles",
    "PST8PDT": "America/Los_Angeles", "HST": "Pacific/Honolulu", "AKST": "America/Anchorage",
    "GMT": "Europe/London", "BST": "Europe/London", "WET": "Europe/Lisbon",
    "CET": "Europe/Paris", "CEST": "Europe/Paris", "MET": "Europe/Paris",
    "EET": "Europe/Athens", "EEST": "Europe/Athens", "MSK": "Europe/Moscow",
    "IST": "Asia/Kolkata", "JST": "Asia/Tokyo", "KST": "Asia/Seoul", "HKT": "Asia/Hong_Kong",
    "AEST": "Australia/Sydney", "AEDT": "Australia/Sydney", "NZST": "Pacific/Auckland",
}
_FIXED_OFFSET = re.compile(r"^(?:etc/)?(?:gmt|utc)\s*([+-−])\s*(\d{1,2})(?::?(\d\d))?$", re.I)


class NotARegionZoneError(UnknownZoneError):
    """A zone name that is not a place's canonical IANA zone (EST, US/Eastern, GMT+5)."""

    def __init__(self, name: str, suggestion: str | None, message: str):
        self.suggestion = suggestion
        WallTimeError.__init__(self, message)
        self.name = name


@lru_cache(maxsize=1)
def region_zones() -> frozenset[str]:
    """The canonical IANA zones of places (America/New_York, Asia/Kolkata), plus UTC."""
    return frozenset({zone for zones in pytz.country_timezones.values() for zone in zones}
                     | {"UTC"})


@lru_cache(maxsize=1)
def _zones_by_rules() -> dict:
    """Canonical zones by their transition table: an alias (US/Eastern, Asia/Calcutta) has
    the same table as the zone it stands for."""
    found = {}
    for name in sorted(region_zones()):
        zone = pytz.timezone(name)
        key = (tuple(getattr(zone, "_utc_transition_times", ())),
               tuple(getattr(zone, "_transition_info", ())))
        found.setdefault(key, name)
    return found


def suggest_zone(name: str) -> str | None:
    """The canonical place zone someone typing `name` most likely means, if any."""
    text = " ".join(str(name).split())
    folded = text.casefold().replace(" ", "_")
    for zone in region_zones():
        if zone.casefold() == folded or zone.casefold().rsplit("/", 1)[-1] == folded:
            return zone
    legacy = _LEGACY_ZONES.get(text.upper())
    if legacy:
        return legacy
    try:
        zone = pytz.timezone(text)
    except (pytz.UnknownTimeZoneError, ValueError, AttributeError):
        return None
    return _zones_by_rules().get((tuple(getattr(zone, "_utc_transition_times", ())),
                                  tuple(getattr(zone, "_transition_info", ()))))


def check_region_zone(name: str) -> None:
    """Accept only a place's canonical zone; otherwise say what to use instead."""
    if name in region_zones():
        return
    suggestion = suggest_zone(name)
    fixed = _FIXED_OFFSET.match(" ".join(str(name).split()))
    if fixed:
        raise NotARegionZoneError(name, None, (
            f"“{name}” is a fixed offset, which ignores daylight saving: give the zone of "
            f"the place instead, such as Europe/London or Asia/Karachi."))
    if suggestion and " ".join(str(name).split()).upper() in _LEGACY_ZONES:
        raise NotARegionZoneError(name, suggestion, (
            f"“{name}” is not a place's time zone, so it does not follow the clock changes "
            f"of any place: did you mean {suggestion}?"))
    if suggestion and is_valid_zone(name):
        raise NotARegionZoneError(name, suggestion, (
            f"“{name}” is an old name: did you mean {suggestion}?"))
    if suggestion:
        raise NotARegionZoneError(name, suggestion,
                                  f"“{name}” is not a known time zone: did you mean "
                                  f"{suggestion}?")
    raise UnknownZoneError(name)


def is_valid_zone(name: str) -> bool:
    """Whether `name` is an IANA zone this installation knows."""
    try:
        get_zone(name)
    except UnknownZoneError:
        return False
    return True


def localize(wall: datetime, zone_name: str, fold: Fold | str | None = None) -> datetime:
    """The aware instant a naive wall time in `zone_name` means.

    A wall time in a gap raises NonexistentWallTimeError. One in a fold raises
    AmbiguousWallTimeError unless `fold` says which of the two instants is meant.
    """
    if wall.tzinfo is not None:
        raise ValueError("localize() takes a naive wall time")
    zone = get_zone(zone_name)
    try:
        return zone.localize(wall, is_dst=None)
    except pytz.NonExistentTimeError:
        raise NonexistentWallTimeError(wall, zone_name, _transition_near(zone, wall)) from None
    except pytz.AmbiguousTimeError:
        error = AmbiguousWallTimeError(wall, zone_name, _transition_near(zone, wall), zone)
        if fold is None:
            raise error from None
        return error.choices[Fold(fold)]


def to_utc(wall: datetime, zone_name: str, fold: Fold | str | None = None) -> datetime:
    """The naive UTC datetime (as stored) for a wall time in a zone."""
    return localize(wall, zone_name, fold).astimezone(UTC).replace(tzinfo=None)


def _at(zone, utc_naive: datetime) -> datetime:
    return pytz.utc.localize(utc_naive).astimezone(zone)


def _transition_near(zone, wall: datetime) -> _Transition:
    """The change of offset that makes `wall` skipped or repeated: the one whose instant lies
    between `wall` read with the offset before it and with the offset after it."""
    for instant, before, after in changes(zone, wall - _PROBE, wall + _PROBE):
        edges = sorted((wall - before.offset, wall - after.offset))
        if before.offset != after.offset and edges[0] <= instant <= edges[1]:
            return _Transition(instant_utc=instant, offset_before=before.offset,
                               offset_after=after.offset)
    raise LookupError(f"no change of offset near {wall} in {zone}")  # pytz said there was


def _amount(shift: timedelta) -> str:
    minutes = int(shift.total_seconds() // 60)
    if minutes == 60:
        return "an hour"
    if minutes % 60 == 0:
        return f"{minutes // 60} hours"
    return f"{minutes} minutes"


@lru_cache(maxsize=4)
def _zone_offsets_on(day: date) -> tuple[tuple[str, str], ...]:
    noon = datetime.combine(day, datetime.min.time()).replace(hour=12, tzinfo=UTC)
    return tuple((name, "UTC" + _format_offset(noon.astimezone(pytz.timezone(name)).utcoffset()))
                 for name in sorted(region_zones()))


def all_zones_with_offsets(day: date | None = None) -> tuple[tuple[str, str], ...]:
    """Every place's IANA zone with the offset it has today: ('America/New_York', 'UTC−5')."""
    return _zone_offsets_on(day or datetime.now(UTC).date())


def describe_offset(moment: datetime) -> str:
    """'EDT, UTC−4' for an aware datetime: the abbreviation and offset in force."""
    return f"{moment.tzname()}, UTC{_format_offset(moment.utcoffset())}"


def _format_offset(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours}" + (f":{mins:02d}" if mins else "")


def _clock(hour: int, minute: int) -> str:
    return f"{hour % 12 or 12}{f':{minute:02d}' if minute else ''}{'am' if hour < 12 else 'pm'}"


_CLOCKS = tuple(_clock(hour, minute) for hour in range(24) for minute in range(60))


def format_clock(moment: datetime) -> str:
    """'11am', '7:30pm', '12am' (midnight), '12pm' (noon): hours without a leading zero."""
    return _CLOCKS[moment.hour * 60 + moment.minute]  # every event shows several: a lookup


_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


def format_long_date(moment: datetime) -> str:
    """'Sunday 21 November 2021' (English, independent of the process locale)."""
    return f"{_WEEKDAYS[moment.weekday()]} {moment.day} {_MONTHS[moment.month - 1]} {moment.year}"


def format_short_date(moment: datetime) -> str:
    """'Mon 22 Nov', for a zone whose local date differs from the event's."""
    return f"{_WEEKDAYS[moment.weekday()][:3]} {moment.day} {_MONTHS[moment.month - 1][:3]}"


class ZoneTime(NamedTuple):
    """One entry of the multi-zone line, e.g. '12am Beijing (Mon 22 Nov)'."""

    zone: str
    label: str
    wall: datetime  # naive: what the clocks in `zone` show
    offset: timedelta  # from UTC, in force then
    text: str


# --- a zone's clocks from its transition table --------------------------------------------------
# pytz has no public call for "what do the clocks say at this instant" or "when do they
# change"; its own fromutc() searches two attributes of the zone for both, and so do these
# (icalendar's pytz provider reads the same ones). Tests compare them with astimezone() in
# every zone, and with changes found by sampling public conversions.

class Period(NamedTuple):
    """What a zone's clocks say from one change on."""

    offset: timedelta  # from UTC
    dst: bool
    name: str  # the abbreviation, e.g. 'EST'


def _period(zone, instant: datetime) -> tuple[timedelta, timedelta, str]:
    times = getattr(zone, "_utc_transition_times", None)
    if times is None:  # a fixed offset: UTC, Etc/GMT+5
        return zone.utcoffset(instant), timedelta(0), zone.tzname(instant)
    return zone._transition_info[max(0, bisect_right(times, instant) - 1)]


def wall_clock(instant: datetime, zone) -> tuple[datetime, timedelta, str]:
    """(wall time, UTC offset, abbreviation) of the pytz `zone` at `instant` (naive UTC):
    what `astimezone` gives, at a quarter of its cost (every event of a listing or a feed is
    shown in five zones or so)."""
    offset, _dst, abbreviation = _period(zone, instant)
    return instant + offset, offset, abbreviation


def period_at(zone, instant: datetime) -> Period:
    """What the clocks of the pytz `zone` say at `instant` (naive UTC)."""
    offset, dst, name = _period(zone, instant)
    return Period(offset, bool(dst), name)


@lru_cache(maxsize=1024)
def is_fixed_utc(zone) -> bool:
    """Whether the pytz `zone` is UTC under any name (UTC, Etc/UTC, GMT, Zulu...): no change
    of offset ever, and the offset zero."""
    return (getattr(zone, "_utc_transition_times", None) is None
            and zone.utcoffset(datetime(2000, 1, 1)) == timedelta(0))


def is_repeated(instant: datetime, zone) -> bool:
    """Whether the clocks of the pytz `zone` show the wall time of `instant` (naive UTC)
    twice: it lies in a fall-back fold, in either occurrence."""
    return unrepeated_wall(instant, zone) is None


def unrepeated_wall(instant: datetime, zone) -> datetime | None:
    """The wall time of the pytz `zone` at `instant` (naive UTC), or None when the clocks
    show that wall time twice (a fall-back fold, either occurrence). One search of the
    zone's table: a feed asks this of every start and end."""
    times = getattr(zone, "_utc_transition_times", None)
    if times is None:  # a fixed offset
        return instant + zone.utcoffset(instant)
    index = max(0, bisect_right(times, instant) - 1)
    info = zone._transition_info
    offset = info[index][0]
    wall = instant + offset
    # The change that began this period set the clocks back from `earlier`: its repeated
    # wall times run up to its instant + `earlier`. The next change, if it sets them back to
    # `later`, repeats the wall times from its instant + `later`.
    if index and info[index - 1][0] > offset and wall < times[index] + info[index - 1][0]:
        return None
    if index + 1 < len(times) and info[index + 1][0] < offset and \
            wall >= times[index + 1] + info[index + 1][0]:
        return None
    return wall


def changes(zone, start: datetime, end: datetime) -> list[tuple[datetime, Period, Period]]:
    """(instant, period before, period after) for each change of the clocks of the pytz
    `zone` in [start, end), naive UTC. Zones with a fixed offset have none."""
    times = getattr(zone, "_utc_transition_times", ())
    found, before = [], period_at(zone, start)
    for index in range(bisect_right(times, start), len(times)):
        if times[index] >= end:
            break
        offset, dst, name = zone._transition_info[index]
        after = Period(offset, bool(dst), name)
        if after != before:
            found.append((times[index], before, after))
            before = after
    return found


def _city(zone_name: str) -> str:
    return zone_name.rsplit("/", 1)[-1].replace("_", " ")


# Abbreviations that people in different countries read as different offsets, whatever the
# current tzdata writes (Bangladesh's BST, Arabia's AST, Malaysia's MST live on in use).
_SHARED_ABBREVIATIONS = frozenset(
    {"AST", "ADT", "BST", "CST", "CDT", "IST", "PST"})
# A place name where the country is several zones but one is what people say.
_PLACE_NAMES = {"Asia/Shanghai": "Beijing"}


@lru_cache(maxsize=1)
def _ambiguous_abbreviations() -> frozenset[str]:
    """Abbreviations that stand for more than one offset in today's places (tzdata's own
    list, 2019-2040), plus those known to be read differently in different countries."""
    start, end = datetime(2019, 1, 1), datetime(2040, 1, 1)
    offsets: dict[str, set] = {}
    for name in region_zones():
        zone = pytz.timezone(name)
        for period in [period_at(zone, start), *(a for _, _, a in changes(zone, start, end))]:
            offsets.setdefault(period.name, set()).add(period.offset)
    return _SHARED_ABBREVIATIONS | {name for name, found in offsets.items() if len(found) > 1}


@lru_cache(maxsize=512)
def place_name(zone_name: str) -> str:
    """'India' for Asia/Kolkata (a country of one zone), else the city: 'Chicago'."""
    if zone_name in _PLACE_NAMES:
        return _PLACE_NAMES[zone_name]
    for code, zones in pytz.country_timezones.items():
        if zones == [zone_name]:
            country = pytz.country_names.get(code, "")
            if country and "(" not in country and len(country) <= 16:
                return country
    return _city(zone_name)


def _is_numeric_abbreviation(abbreviation: str) -> bool:
    return not abbreviation or abbreviation[0] in "+-0123456789"


def zone_times(
    instant: datetime,
    event_zone: str,
    display_zones: Iterable[str] = (),
    labels: Mapping[str, str] | None = None,
    home_zones: Iterable[str] | None = None,
) -> list[ZoneTime]:
    """The instant in the event's zone first, then in each display zone.

    A zone is labelled by its configured label, else by the abbreviation in force; by its
    city when that abbreviation is numeric ('+08') or is shared with another shown zone at a
    different offset (CST in Chicago and in Shanghai). An abbreviation that means different
    offsets in different countries (CST, IST, PST...) is kept only for the site's
    `home_zones` (by default the display zones), whose readers take it that way ('8am PST'
    on a site shown in Los Angeles time); elsewhere the place is named ('8pm Beijing',
    '9:30pm India'). A zone that would
    repeat an entry already shown (same label, same time) is left out.

    Every event in a listing or feed passes through here, so it keeps to one conversion per
    zone and no more objects than the entries it returns.
    """
    if instant.tzinfo is not None:
        instant = instant.astimezone(UTC).replace(tzinfo=None)
    labels = labels or {}
    display_zones = list(display_zones)
    home = frozenset(display_zones if home_zones is None else home_zones)
    ambiguous = _ambiguous_abbreviations()
    names = dict.fromkeys([event_zone, *display_zones])
    clocks = [wall_clock(instant, get_zone(name)) for name in names]
    offsets: dict[str, timedelta] = {}
    clashing: set[str] = set()
    for _wall, offset, abbreviation in clocks:
        if offsets.setdefault(abbreviation, offset) != offset:
            clashing.add(abbreviation)

    event_date = clocks[0][0].date()
    entries: list[ZoneTime] = []
    shown: set[str] = set()
    for name, (wall, offset, abbreviation) in zip(names, clocks, strict=True):
        label = labels.get(name)
        if label is None:
            label = abbreviation
            if _is_numeric_abbreviation(label) or label in clashing:
                label = _city(name)
            elif label in ambiguous and name not in home:
                label = place_name(name)
        text = f"{format_clock(wall)} {label}"
        if wall.date() != event_date:
            text += f" ({format_short_date(wall)})"
        if text in shown:
            continue
        shown.add(text)
        entries.append(ZoneTime(name, label, wall, offset, text))
    return entries


def multizone_line(
    instant: datetime,
    event_zone: str,
    display_zones: Sequence[str] = (),
    labels: Mapping[str, str] | None = None,
    home_zones: Iterable[str] | None = None,
) -> str:
    """'11am EST, 8am PST, 4pm GMT, 5pm CET': the line shown wherever an event's time is."""
    return ", ".join(t.text for t in zone_times(instant, event_zone, display_zones, labels,
                                                 home_zones))
