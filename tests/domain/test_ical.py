"""iCalendar building, with no app: bytes, escaping and VTIMEZONE blocks read by two parsers."""

import random
from datetime import UTC, datetime, timedelta

import icalendar

from eventsite.domain.ical import CalendarEntry, CalendarInfo, build_calendar, vtimezone
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
    data = build_calendar(INFO, [entry(summary=hostile * 2, description="Line one\nLine two;"
                                                                        " more, text " * 10)])
    assert_lines_are_well_formed(data)
    assert b"Peace\\; war\\, \\\\ and" in data
    assert data.count(b"\r\nBEGIN:VEVENT\r\n") == 1  # the rest is text inside SUMMARY
    events = icaljs(data)["events"]
    assert len(events) == 1
    assert events[0]["summary"] == hostile.replace("\r\n", "\n") * 2
    assert str(icalendar_events(data)[0]["SUMMARY"]) == hostile.replace("\r\n", "\n") * 2


def test_vtimezone_is_compact_with_one_onset_per_observance():
    component = vtimezone("America/New_York", 2026, 2027)
    observances = component.subcomponents
    # The period in force on 1 January 2026, then two onsets a year.
    assert len(observances) == 5
    assert all("RDATE" not in o and "RRULE" not in o for o in observances)
    assert [o["DTSTART"].dt for o in observances[1:]] == [
        datetime(2026, 3, 8, 2), datetime(2026, 11, 1, 2),
        datetime(2027, 3, 14, 2), datetime(2027, 11, 7, 2)]
    assert vtimezone("America/New_York", 2026, 2027) is component  # built once, reused


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
