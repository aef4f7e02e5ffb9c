"""The time domain, with no app and no database."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import pytz
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from eventsite.domain.timezones import (
    AmbiguousWallTimeError,
    Fold,
    NonexistentWallTimeError,
    Period,
    UnknownZoneError,
    changes,
    format_clock,
    format_long_date,
    get_zone,
    localize,
    multizone_line,
    to_utc,
    wall_clock,
    zone_times,
)

SITE_ZONES = ["America/New_York", "America/Los_Angeles", "Europe/London", "Europe/Paris"]


def line(wall, zone="America/New_York", display=SITE_ZONES, labels=None):
    return multizone_line(localize(wall, zone), zone, display, labels)


# --- the multi-zone line ----------------------------------------------------------------------

def test_seed_webinar_line():
    assert line(datetime(2021, 11, 21, 11)) == "11am EST, 8am PST, 4pm GMT, 5pm CET"


def test_summer_line():
    assert line(datetime(2026, 6, 14, 11)) == "11am EDT, 8am PDT, 4pm BST, 5pm CEST"


def test_line_in_the_march_gap_between_us_and_europe():
    assert line(datetime(2026, 3, 15, 11)) == "11am EDT, 8am PDT, 3pm GMT, 4pm CET"


def test_half_hours_show_minutes_and_the_event_zone_comes_first():
    assert line(datetime(2026, 7, 1, 19, 30), "Europe/Paris") == \
        "7:30pm CEST, 1:30pm EDT, 10:30am PDT, 6:30pm BST"


def test_a_zone_repeating_label_and_time_is_skipped():
    # Dublin shows GMT in winter, like London: one entry, not two.
    assert line(datetime(2021, 11, 21, 11), display=SITE_ZONES + ["Europe/Dublin"]) == \
        "11am EST, 8am PST, 4pm GMT, 5pm CET"
    # ...but in summer Dublin is IST at the same instant as 4pm BST, so it stays.
    assert "4pm IST" in line(datetime(2026, 6, 14, 11), display=SITE_ZONES + ["Europe/Dublin"])


def test_clashing_abbreviations_are_labelled_by_city():
    text = line(datetime(2021, 11, 21, 11), display=SITE_ZONES + ["America/Chicago",
                                                                  "Asia/Shanghai"])
    assert "10am Chicago" in text
    assert "12am Shanghai (Mon 22 Nov)" in text
    assert "CST" not in text


def test_numeric_abbreviations_are_labelled_by_city():
    text = line(datetime(2021, 11, 21, 11), display=["Asia/Singapore", "America/Sao_Paulo"])
    assert text == "11am EST, 12am Singapore (Mon 22 Nov), 1pm Sao Paulo"


def test_configured_label_and_date_when_the_local_date_differs():
    text = line(datetime(2021, 11, 21, 11), display=SITE_ZONES + ["Asia/Shanghai"],
                labels={"Asia/Shanghai": "Beijing"})
    assert text == "11am EST, 8am PST, 4pm GMT, 5pm CET, 12am Beijing (Mon 22 Nov)"


def test_earlier_date_is_shown_too():
    text = line(datetime(2026, 1, 10, 9), zone="Asia/Tokyo", display=["America/Los_Angeles"])
    assert text == "9am JST, 4pm PST (Fri 9 Jan)"


def test_zone_times_keep_the_wall_times_and_offsets():
    entries = zone_times(datetime(2021, 11, 21, 16, tzinfo=UTC), "America/New_York",
                         SITE_ZONES)
    assert [e.offset for e in entries] == [timedelta(hours=h) for h in (-5, -8, 0, 1)]
    assert [e.wall for e in entries] == [datetime(2021, 11, 21, h) for h in (11, 8, 16, 17)]


@pytest.mark.parametrize("hour,minute,expected", [
    (0, 0, "12am"), (0, 30, "12:30am"), (9, 5, "9:05am"), (12, 0, "12pm"), (23, 45, "11:45pm")])
def test_clock(hour, minute, expected):
    assert format_clock(datetime(2026, 1, 1, hour, minute)) == expected


def test_long_date():
    assert format_long_date(datetime(2021, 11, 21, 11)) == "Sunday 21 November 2021"


# --- gaps and folds ---------------------------------------------------------------------------

def test_a_time_in_the_spring_gap_is_refused_with_what_the_clocks_do():
    with pytest.raises(NonexistentWallTimeError) as caught:
        localize(datetime(2026, 3, 8, 2, 30), "America/New_York")
    assert str(caught.value) == (
        "2:30am on Sunday 8 March 2026 does not exist in America/New_York: the clocks go "
        "forward an hour at 2am, straight to 3am. Choose a time before 2am or from 3am.")


def test_a_time_in_the_autumn_fold_is_refused_unless_a_side_is_chosen():
    wall = datetime(2026, 11, 1, 1, 30)
    with pytest.raises(AmbiguousWallTimeError) as caught:
        localize(wall, "America/New_York")
    assert str(caught.value) == (
        "1:30am on Sunday 1 November 2026 happens twice in America/New_York: the clocks go back "
        "an hour at 2am, to 1am. Choose the earlier (EDT, UTC−4) or the later (EST, UTC−5).")
    assert to_utc(wall, "America/New_York", Fold.EARLIER) == datetime(2026, 11, 1, 5, 30)
    assert to_utc(wall, "America/New_York", "later") == datetime(2026, 11, 1, 6, 30)


def test_half_hour_shift_and_standard_offset_changes_are_described():
    with pytest.raises(NonexistentWallTimeError, match="forward 30 minutes at 2am, straight "
                                                       "to 2:30am"):
        localize(datetime(2026, 10, 4, 2, 15), "Australia/Lord_Howe")
    # Samoa skipped 30 December 2011 entirely when it changed its standard offset.
    with pytest.raises(NonexistentWallTimeError, match="forward 24 hours"):
        localize(datetime(2011, 12, 30, 12), "Pacific/Apia")


def test_unknown_zone():
    with pytest.raises(UnknownZoneError, match="“Mars/Olympus” is not a known time zone"):
        localize(datetime(2026, 1, 1, 12), "Mars/Olympus")


def test_localize_never_uses_local_mean_time():
    assert localize(datetime(2026, 1, 1, 12), "Europe/Paris").utcoffset() == timedelta(hours=1)


# --- properties, with the standard library's zoneinfo as an independent oracle ----------------

ZONES = [
    "America/New_York", "America/Los_Angeles", "America/Chicago", "America/Sao_Paulo",
    "America/Santiago", "America/St_Johns", "America/Havana", "Europe/London", "Europe/Paris",
    "Europe/Dublin", "Europe/Moscow", "Europe/Istanbul", "Africa/Cairo", "Africa/Casablanca",
    "Asia/Shanghai", "Asia/Kolkata", "Asia/Kathmandu", "Asia/Tehran", "Asia/Jerusalem",
    "Asia/Tokyo", "Australia/Sydney", "Australia/Adelaide", "Australia/Lord_Howe",
    "Pacific/Auckland", "Pacific/Chatham", "Pacific/Apia", "UTC",
]

wall_times = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2030, 12, 31))


def oracle(wall: datetime, zone: str):
    """zoneinfo's view: ('gap', None), ('fold', (earlier, later)) or ('unique', instant)."""
    info = ZoneInfo(zone)
    first = wall.replace(tzinfo=info, fold=0)
    second = wall.replace(tzinfo=info, fold=1)
    round_trip = first.astimezone(UTC).astimezone(info).replace(tzinfo=None)
    if round_trip != wall:
        return "gap", None
    if first.utcoffset() != second.utcoffset():
        return "fold", (first.astimezone(UTC), second.astimezone(UTC))
    return "unique", first.astimezone(UTC)


@settings(max_examples=400, deadline=None)
@given(wall=wall_times, zone=st.sampled_from(ZONES))
def test_instants_agree_with_zoneinfo(wall, zone):
    kind, expected = oracle(wall, zone)
    if kind == "gap":
        with pytest.raises(NonexistentWallTimeError):
            localize(wall, zone)
    elif kind == "fold":
        with pytest.raises(AmbiguousWallTimeError):
            localize(wall, zone)
        earlier, later = expected
        assert localize(wall, zone, Fold.EARLIER) == earlier
        assert localize(wall, zone, Fold.LATER) == later
    else:
        aware = localize(wall, zone)
        assert aware == expected
        assert aware.utcoffset() == expected.astimezone(ZoneInfo(zone)).utcoffset()


def transitions(zone: str, year: int):
    """UTC instants in `year` where zoneinfo says the offset changes (found hour by hour)."""
    info = ZoneInfo(zone)
    moment = datetime(year, 1, 1, tzinfo=UTC)
    offset = moment.astimezone(info).utcoffset()
    while moment.year == year:
        following = moment + timedelta(hours=1)
        if following.astimezone(info).utcoffset() != offset:
            yield following, offset, following.astimezone(info).utcoffset()
            offset = following.astimezone(info).utcoffset()
        moment = following


@settings(max_examples=150, deadline=None)
@given(zone=st.sampled_from([z for z in ZONES if z != "UTC"]),
       year=st.integers(min_value=2005, max_value=2030),
       minutes=st.integers(min_value=-90, max_value=90))
def test_dst_edges_agree_with_zoneinfo(zone, year, minutes):
    edges = list(transitions(zone, year))
    assume(edges)
    for instant, before, _after in edges:
        # A wall time near the edge, on either side of it.
        wall = (instant + before + timedelta(minutes=minutes)).replace(tzinfo=None)
        kind, expected = oracle(wall, zone)
        if kind == "unique":
            assert localize(wall, zone) == expected
        elif kind == "gap":
            with pytest.raises(NonexistentWallTimeError):
                localize(wall, zone)
        else:
            assert (localize(wall, zone, "earlier"), localize(wall, zone, "later")) == expected


@settings(max_examples=200, deadline=None)
@given(instant=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2030, 12, 31),
                            timezones=st.just(UTC)),
       zones=st.lists(st.sampled_from(ZONES), min_size=1, max_size=6))
def test_line_shows_each_zones_wall_time_as_zoneinfo_computes_it(instant, zones):
    for entry in zone_times(instant, zones[0], zones[1:]):
        local = instant.astimezone(ZoneInfo(entry.zone))
        assert entry.wall == local.replace(tzinfo=None)
        assert entry.offset == local.utcoffset()
        assert entry.text.startswith(format_clock(local) + " ")


@settings(max_examples=300, deadline=None)
@given(instant=st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)),
       zone_name=st.sampled_from(sorted(pytz.all_timezones_set)))
def test_wall_clock_is_what_pytz_astimezone_says(instant, zone_name):
    zone = get_zone(zone_name)
    local = instant.replace(tzinfo=UTC).astimezone(zone)
    assert wall_clock(instant, zone) == (local.replace(tzinfo=None), local.utcoffset(),
                                         local.tzname())


def test_wall_clock_at_the_instants_clocks_change():
    zone = get_zone("Europe/Paris")
    change = datetime(2026, 3, 29, 1)  # 2am CET becomes 3am CEST
    assert wall_clock(change - timedelta(seconds=1), zone) == (
        datetime(2026, 3, 29, 1, 59, 59), timedelta(hours=1), "CET")
    assert wall_clock(change, zone) == (datetime(2026, 3, 29, 3), timedelta(hours=2), "CEST")
    assert wall_clock(change, get_zone("UTC")) == (change, timedelta(0), "UTC")


def _public_period(zone, instant):
    """What astimezone() says the clocks show: pytz's public conversion, no table reads."""
    local = instant.replace(tzinfo=UTC).astimezone(zone)
    return Period(local.utcoffset(), bool(local.dst()), local.tzname())


def _changes_by_sampling(zone, start, end):
    """The oracle: changes found with pytz's public conversions only, sampled every six hours and
    bisected to the minute. Slow, but it knows nothing of pytz's transition table; no zone
    has changed its clocks twice within six hours."""
    found, moment, period = [], start, _public_period(zone, start)
    while moment < end:
        following = min(moment + timedelta(hours=6), end)
        if _public_period(zone, following) != period:
            lo, hi = moment, following
            while hi - lo > timedelta(minutes=1):
                mid = lo + (hi - lo) / 2
                lo, hi = (mid, hi) if _public_period(zone, mid) == period else (lo, mid)
            period = _public_period(zone, hi)
            found.append(hi.replace(second=0, microsecond=0))
        moment = following
    return found


@pytest.mark.parametrize("zone_name", ["America/New_York", "Europe/London",
                                       "Australia/Lord_Howe", "Africa/Casablanca",
                                       "America/Sao_Paulo", "Asia/Tehran", "Pacific/Apia",
                                       "Asia/Kolkata", "UTC"])
def test_changes_agree_with_pytz_public_conversions(zone_name):
    zone = get_zone(zone_name)
    start, end = datetime(2008, 1, 1), datetime(2030, 1, 1)
    table = changes(zone, start, end)
    assert [instant for instant, _, _ in table] == _changes_by_sampling(zone, start, end)
    for instant, before, after in table:
        assert _public_period(zone, instant - timedelta(minutes=1)) == before != after
        assert _public_period(zone, instant) == after
