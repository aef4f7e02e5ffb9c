"""iCalendar building, with no app: bytes, escaping and VTIMEZONE blocks read by two parsers."""

import random
from datetime import UTC, datetime, timedelta

import icalendar
import pytz
from hypothesis import given, settings
from hypothesis import strategies as st

from eventsite.domain.ical import (
    CalendarEntry,
    CalendarInfo,
    build_calendar,
    duration,
    fold,
    vtimezone,
)
from eventsite.domain.timezones import to_utc
from tests.calendars import assert_lines_are_well_formed, icalendar_events, icaljs, utc_text

INFO = CalendarInfo(name="Test calendar", description="For tests",
                    organizer_name="Site", organizer_email="events@example.org")


def entry(zone="America/New_York", wall=datetime(2021, 11, 21, 11), hours=2, **fields):
    start = to_utc(wall, zone)
    return CalendarEntry(uid=fields.pop("uid", f"{zone}-{wall:%Y%m%d%H%M}@test"),
                         summary=fields.pop("summary", "Talk"), starts_utc=start,
                         ends_utc=start + timedelta(hours=hours), timezone=zone, **fields)


def test_calendar_properties():
    data = build_calendar(INFO, [entry()])
    calendar = icalendar.Calendar.from_ical(data)
    assert calendar["VERSION"] == "2.0" and calendar["METHOD"] == "PUBLISH"
    assert calendar["CALSCALE"] == "GREGORIAN"
    assert calendar["X-WR-CALNAME"] == "Test calendar"
    assert calendar["X-WR-CALDESC"] == "For tests"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in data
    assert b"X-PUBLISHED-TTL:PT1H\r\n" in data
    assert b"ORGANIZER;CN=Site:mailto:events@example.org\r\n" in data


def test_an_empty_calendar_is_valid():
    data = build_calendar(INFO, [])
    assert icalendar_events(data) == []
    assert icaljs(data)["events"] == []


def test_text_is_escaped_folded_and_injection_stays_inert():
    hostile = "Peace; war, \\ and Ünïcödé\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:Injected"
    name = 'Ann "the ^chair^"; Smith\\, \\ Ünï\nATTENDEE:mailto:evil@example.org'
    shown = name.replace("\\", "")  # both parsers read the same name, less the backslashes
    data = build_calendar(INFO, [entry(summary=hostile * 2,
                                       description="Line one\nLine two;" " more, text " * 10,
                                       categories=["peace, war", "a;b"],
                                       attendees=[(name, "ann@example.org")])])
    assert_lines_are_well_formed(data)
    assert b"Peace\\; war\\, \\\\ and" in data
    assert data.count(b"\r\nBEGIN:VEVENT\r\n") == 1  # the rest is text inside SUMMARY
    events = icaljs(data)["events"]
    assert len(events) == 1
    assert events[0]["summary"] == hostile.replace("\r\n", "\n") * 2
    assert events[0]["categories"] == ["peace, war", "a;b"]
    assert events[0]["attendee_names"] == [shown]
    assert events[0]["attendees"] == ["mailto:ann@example.org"]
    (parsed,) = icalendar_events(data)
    assert str(parsed["SUMMARY"]) == hostile.replace("\r\n", "\n") * 2
    assert parsed["ATTENDEE"].params["CN"] == shown


def test_vtimezone_is_compact_with_one_onset_per_observance():
    lines = vtimezone("America/New_York", 2026, 2027)
    component = icalendar.Timezone.from_ical("\r\n".join(lines))
    observances = component.subcomponents
    # The period in force on 1 January 2026, then two onsets a year.
    assert len(observances) == 5
    assert all("RDATE" not in o and "RRULE" not in o for o in observances)
    assert [o["DTSTART"].dt for o in observances[1:]] == [
        datetime(2026, 3, 8, 2), datetime(2026, 11, 1, 2),
        datetime(2027, 3, 14, 2), datetime(2027, 11, 7, 2)]
    assert [o.name for o in observances] == ["STANDARD", "DAYLIGHT", "STANDARD",
                                             "DAYLIGHT", "STANDARD"]
    assert vtimezone("America/New_York", 2026, 2027) is lines  # built once, reused


def test_folds_at_75_octets_without_splitting_a_character():
    for line in ["A" * 300, "é" * 200, "a" + "€" * 100, "x" * 74 + "😀" * 30, "short é"]:
        folded = fold(line)
        physical = folded.encode().split(b"\r\n")
        assert all(len(part) <= 75 for part in physical)
        assert all(part.startswith(b" ") for part in physical[1:])
        assert "".join(part[1:] if n else part
                       for n, part in enumerate(folded.split("\r\n"))) == line


def test_durations():
    assert [duration(timedelta(hours=1)), duration(timedelta(days=1)),
            duration(timedelta(days=1, hours=12)), duration(timedelta(minutes=90)),
            duration(timedelta(0))] == ["PT1H", "P1D", "P1DT12H", "PT1H30M", "PT0S"]


@settings(max_examples=300, deadline=None)
@given(st.text(), st.text(), st.lists(st.text(min_size=1), max_size=3),
       st.text(alphabet=st.characters(codec="utf-8"), min_size=1))
def test_any_text_reads_back_as_written(summary, description, categories, name):
    """Whatever an organiser types comes back from a parser as typed, less control
    characters, with every kind of line break read as a newline."""
    data = build_calendar(INFO, [entry(summary=summary, description=description,
                                       categories=categories, attendees=[(name, "a@b.org")])])
    assert_lines_are_well_formed(data)
    (event,) = icalendar_events(data)
    assert str(event["SUMMARY"]) == _as_read(summary)
    assert str(event.get("DESCRIPTION", "")) == _as_read(description)
    if any(_as_read(category) for category in categories):
        assert [str(c) for c in event["CATEGORIES"].cats] == [_as_read(c) for c in categories]
    assert event["ATTENDEE"].params["CN"] == _as_read(name).replace("\\", "")


def _as_read(value: str) -> str:
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(c for c in value if c in "\t\n" or not (c < " " or c == "\x7f"))


ZONES = ["America/New_York", "America/Los_Angeles", "Europe/London", "Europe/Paris",
         "Asia/Shanghai", "Asia/Kolkata", "Australia/Sydney", "Australia/Lord_Howe",
         "America/Sao_Paulo", "Pacific/Auckland", "Africa/Casablanca", "Asia/Tehran",
         "America/St_Johns", "Europe/Dublin", "UTC"]


def test_both_parsers_read_every_instant_right_across_zones_and_years():
    """Many events over years and zones: ical.js reads our VTIMEZONEs (it has no zone data of
    its own), icalendar its own; both must give the instants pytz computed."""
    rng = random.Random(20261121)
    entries = []
    while len(entries) < 300:
        zone = rng.choice(ZONES)
        wall = datetime(2026, 1, 1) + timedelta(days=rng.randrange(365 * 12),
                                                minutes=30 * rng.randrange(48))
        try:
            entries.append(entry(zone, wall, hours=rng.choice([1, 2, 3]),
                                 uid=f"e{len(entries)}@test"))
        except ValueError:  # a wall time in a gap or fold: not an event anyone can hold
            continue
    data = build_calendar(INFO, entries)
    expected = {e.uid: (utc_text(e.starts_utc.replace(tzinfo=UTC)),
                        utc_text(e.ends_utc.replace(tzinfo=UTC))) for e in entries}
    read_by_icaljs = {e["uid"]: (e["start_utc"], e["end_utc"]) for e in icaljs(data)["events"]}
    assert read_by_icaljs == expected
    read_by_icalendar = {str(e["UID"]): (utc_text(e["DTSTART"].dt), utc_text(e["DTEND"].dt))
                         for e in icalendar_events(data)}
    assert read_by_icalendar == expected


def test_the_longest_zone_name_needs_no_fold():
    longest = max(pytz.all_timezones, key=len)
    data = build_calendar(INFO, [entry(zone=longest, wall=datetime(2026, 6, 1, 10),
                                       summary="Ü" * 100, location="Zoom, " * 30)])
    assert_lines_are_well_formed(data)
    (event,) = icaljs(data)["events"]
    assert event["tzid"] == longest and event["location"] == "Zoom, " * 30
