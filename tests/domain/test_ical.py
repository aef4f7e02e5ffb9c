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
    """RFC 5545 wants at least one component (ical4j's validate() refuses a calendar with
    none): a calendar with no events holds its own zone's VTIMEZONE."""
    data = build_calendar(CalendarInfo(name="Empty", timezone="Europe/London"), [])
    assert icalendar_events(data) == []
    assert icaljs(data)["events"] == [] and icaljs(data)["timezones"] == ["Europe/London"]
    assert [c.name for c in icalendar.Calendar.from_ical(data).subcomponents] == ["VTIMEZONE"]


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


def test_vtimezone_opens_with_a_real_change_and_writes_yearly_rules():
    lines = vtimezone("America/New_York", 2026, 2027)
    text = "\r\n".join(lines)
    component = icalendar.Timezone.from_ical(text)
    # The last change before the span (a real one: ical4j drops an opening whose offsets are
    # equal), then each yearly rule once, running on past the span as Outlook writes them.
    assert [(o.name, o["DTSTART"].dt) for o in component.subcomponents] == [
        ("STANDARD", datetime(2025, 11, 2, 2)), ("DAYLIGHT", datetime(2026, 3, 8, 2))]
    assert [line for line in lines if line.startswith("RRULE")] == [
        "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU"]
    assert "RDATE" not in text and len(lines) == 17
    assert vtimezone("America/New_York", 2026, 2027) is lines  # built once, reused


def test_a_rule_that_ends_within_the_span_is_counted_and_one_offs_stand_alone():
    lines = vtimezone("Pacific/Apia", 2015, 2030)  # Samoa dropped DST in April 2021
    assert [line for line in lines if line.startswith("RRULE")] == [
        "RRULE:FREQ=YEARLY;BYMONTH=9;BYDAY=-1SU;COUNT=7",  # 2014-2020
        "RRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=1SU;COUNT=7"]  # 2015-2021
    pyongyang = "\r\n".join(vtimezone("Asia/Pyongyang", 2015, 2030))
    assert "RRULE" not in pyongyang
    assert pyongyang.count("BEGIN:STANDARD") == 3  # from 1912, then 2015 and 2018
    assert "DTSTART:20150815T000000\r\nTZNAME:KST\r\nTZOFFSETFROM:+0900\r\n" \
           "TZOFFSETTO:+0830" in pyongyang


def test_every_zone_opens_with_a_change_of_offset_and_stays_compact():
    for name in pytz.common_timezones:
        observances = icalendar.Timezone.from_ical(
            "\r\n".join(vtimezone(name, 2021, 2035))).subcomponents
        first = observances[0]
        fixed = len(observances) == 1 and "RRULE" not in first
        assert fixed or first["TZOFFSETFROM"].td != first["TZOFFSETTO"].td, name
        assert len(observances) <= 40, name  # Casablanca's Ramadan dates are the most


def test_daylight_is_the_summer_offset_even_where_tzdata_says_negative_dst():
    """tzdata marks Dublin's winter (GMT) and Casablanca's Ramadan time (+00) as DST with a
    negative saving; calendar programs take DAYLIGHT as the time the clocks go forward to."""
    def kinds(name):
        component = icalendar.Timezone.from_ical("\r\n".join(vtimezone(name, 2024, 2026)))
        return {(o.name, o["TZOFFSETTO"].td.total_seconds() / 3600)
                for o in component.subcomponents}

    assert kinds("Europe/Dublin") == {("STANDARD", 0), ("DAYLIGHT", 1)}
    assert kinds("Africa/Casablanca") == {("STANDARD", 0), ("DAYLIGHT", 1)}
    assert kinds("America/New_York") == {("STANDARD", -5), ("DAYLIGHT", -4)}
    assert kinds("Australia/Sydney") == {("STANDARD", 10), ("DAYLIGHT", 11)}


def test_a_repeated_wall_time_is_written_as_its_instant_in_either_occurrence():
    wall = datetime(2021, 11, 7, 1, 30)  # New York shows 1:30am twice that night
    earlier, later = (to_utc(wall, "America/New_York", fold) for fold in ("earlier", "later"))
    plain = to_utc(datetime(2021, 11, 7, 3), "America/New_York")
    data = build_calendar(INFO, [
        CalendarEntry(uid="a@test", summary="A", starts_utc=earlier, ends_utc=later,
                      timezone="America/New_York"),
        CalendarEntry(uid="b@test", summary="B", starts_utc=later, ends_utc=plain,
                      timezone="America/New_York")])
    assert b"DTSTART:20211107T053000Z\r\nDTEND:20211107T063000Z\r\n" in data
    assert b"DTSTART:20211107T063000Z\r\nDTEND;TZID=America/New_York:20211107T030000\r\n" \
        in data
    read = {e["uid"]: (e["start_utc"], e["end_utc"]) for e in icaljs(data)["events"]}
    assert read == {"a@test": ("2021-11-07T05:30:00Z", "2021-11-07T06:30:00Z"),
                    "b@test": ("2021-11-07T06:30:00Z", "2021-11-07T08:00:00Z")}


def test_utc_events_are_written_in_z_form_without_a_vtimezone():
    data = build_calendar(INFO, [entry("UTC"), entry("Etc/UTC", uid="b@test"),
                                 entry("Europe/Paris", uid="c@test")])
    assert data.count(b"DTSTART:20211121T110000Z\r\n") == 2
    assert b"TZID=UTC" not in data and b"TZID=Etc/UTC" not in data
    assert icaljs(data)["timezones"] == ["Europe/Paris"]


def test_a_zone_block_is_one_text_in_every_file_of_a_span():
    """The same TZID never has two blocks: a reader that keeps the first it meets (vobject,
    Radicale) reads every later file right."""
    one = build_calendar(INFO, [entry(wall=datetime(2022, 1, 5, 10))], span=(2021, 2030))
    other = build_calendar(INFO, [entry(wall=datetime(2029, 7, 5, 10))], span=(2021, 2030))
    block = "\r\n".join(vtimezone("America/New_York", 2021, 2030)).encode()
    assert block in one and block in other


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
