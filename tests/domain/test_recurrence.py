"""Recurring series, with no app and no database: the rule, its dates, their instants, words.

The oracle is independent of our localisation: dateutil's own RRULE parser (`rrulestr`) over
the rule text we write, applied to naive wall times, each localised with zoneinfo (on the
same IANA release as pytz) with fold=0, which is exactly RFC 5545's reading (PEP 495: a
skipped time takes the offset before the gap; a repeated one is the first).
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from hypothesis import given, settings
from hypothesis import strategies as st

from eventsite.domain.recurrence import (
    Frequency,
    RecurrenceError,
    Resolution,
    Rule,
    clock_changes,
    expand,
    format_rule,
    occurrence_dates,
    parse_rule,
    resolve,
    rhythm,
)

zoneinfo.reset_tzpath(to=[])  # the `tzdata` package: pytz's IANA release

# Both hemispheres, half-hour and two-hour shifts, midnight changes, negative DST, zones whose
# rules changed within the ten years, and zones without DST.
ZONES = [
    "Europe/London", "Europe/Paris", "Europe/Dublin", "America/New_York", "America/Chicago",
    "America/Los_Angeles", "America/St_Johns", "America/Havana", "America/Santiago",
    "America/Sao_Paulo", "America/Asuncion", "Australia/Sydney", "Australia/Lord_Howe",
    "Pacific/Auckland", "Pacific/Chatham", "Africa/Casablanca", "Asia/Tehran", "Asia/Gaza",
    "Antarctica/Troll", "Asia/Kolkata", "Asia/Tokyo",
]
TEN_YEARS = 4000  # occurrences allowed in these tests: ten years of a daily rule


def oracle(rule: Rule, first: datetime, duration: timedelta, zone: str,
           exceptions=()) -> list[tuple[datetime, datetime]]:
    text = format_rule(rule)
    if rule.until:  # RFC 5545: UNTIL has DTSTART's value type; ours is the last local date
        text = text.replace(f"UNTIL={rule.until:%Y%m%d}", f"UNTIL={rule.until:%Y%m%d}T235959")
    tz = ZoneInfo(zone)
    result = []
    for wall in rrulestr(text, dtstart=first):
        if wall.date() in exceptions:
            continue
        start = wall.replace(tzinfo=tz, fold=0).astimezone(UTC).replace(tzinfo=None)
        result.append((start, start + duration))
    return result


def ours(rule, first, duration, zone, exceptions=()):
    first_end = (first.replace(tzinfo=ZoneInfo(zone), fold=0).astimezone(UTC) + duration
                 ).astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    return [(o.start_utc, o.end_utc)
            for o in expand(rule, first, first_end, zone, exceptions, limit=TEN_YEARS)]


def rule_matching(freq: Frequency, first: datetime, interval: int = 1, *, extra_day: int = 0,
                  nth: bool = False, end: date | None = None, count: int | None = None) -> Rule:
    """A rule of which `first` is the first date."""
    weekdays, week_nth, month_day = (), None, None
    if freq is Frequency.WEEKLY:
        weekdays = tuple(sorted({first.weekday(), (first.weekday() + extra_day) % 7}))
    elif freq is Frequency.MONTHLY and nth:
        week_nth = -1 if (first + timedelta(days=7)).month != first.month else \
            (first.day - 1) // 7 + 1
        weekdays = (first.weekday(),)
    elif freq is Frequency.MONTHLY:
        month_day = first.day
    return Rule(freq, interval, weekdays, week_nth, month_day, end, count)


def ten_years_after(first: datetime) -> date:
    return first.date().replace(year=first.year + 10) - timedelta(days=1) \
        if (first.month, first.day) != (2, 29) else date(first.year + 10, 2, 27)


# --- against the oracle, every zone, every frequency, ten years -------------------------------

# Wall times in the small hours of the changes (skipped, repeated) and an evening class.
@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("freq", list(Frequency))
def test_ten_years_in_every_zone_match_the_oracle(zone, freq):
    for clock in ((0, 30), (1, 30), (2, 30), (19, 0)):
        first = datetime(2021, 3, 7, *clock)  # a Sunday, in changing season in the north
        rule = rule_matching(freq, first, end=ten_years_after(first))
        assert ours(rule, first, timedelta(hours=1), zone) == \
            oracle(rule, first, timedelta(hours=1), zone)


# pytz's tables end in 2037 (a limit of all our times, not of series): ten years from 2027.
ruled_walls = st.datetimes(min_value=datetime(2017, 1, 1), max_value=datetime(2027, 6, 30))


@settings(max_examples=300, deadline=None)
@given(first=ruled_walls, zone=st.sampled_from(ZONES), freq=st.sampled_from(list(Frequency)),
       interval=st.integers(1, 4), extra_day=st.integers(0, 6), nth=st.booleans(),
       minutes=st.integers(15, 600), ends=st.one_of(st.integers(1, 200),
                                                    st.integers(1, 3650).map(timedelta)))
def test_random_series_match_the_oracle(first, zone, freq, interval, extra_day, nth, minutes,
                                        ends):
    first = first.replace(second=0, microsecond=0)
    if isinstance(ends, int):  # as many as fit in ten years
        periods = {Frequency.DAILY: 3650, Frequency.WEEKLY: 520, Frequency.MONTHLY: 119,
                   Frequency.YEARLY: 9}[freq] // interval
        if (first.month, first.day) == (2, 29):
            periods //= 4  # leap years only
        elif freq is Frequency.MONTHLY and first.day > 28 and not nth:
            # Months without that day are skipped: seven a year have a 31st, and every other
            # month from August has only three. Half of 69 months' worth stays inside ten years.
            periods = 69 // interval // 2
        count = max(1, min(ends, periods))
        rule = rule_matching(freq, first, interval, extra_day=extra_day, nth=nth, count=count)
    else:
        rule = rule_matching(freq, first, interval, extra_day=extra_day, nth=nth,
                             end=min(first.date() + ends, ten_years_after(first)))
    # Leave out every third date the rule gives: exceptions are dates, as organisers give them.
    dates = [wall.date() for wall in occurrence_dates(rule, first, limit=TEN_YEARS)]
    exceptions = set(dates[1::3])
    duration = timedelta(minutes=minutes)
    assert ours(rule, first, duration, zone, exceptions) == \
        oracle(rule, first, duration, zone, exceptions)


@settings(max_examples=200, deadline=None)
@given(wall=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2037, 6, 30)),
       zone=st.sampled_from(ZONES))
def test_resolve_is_zoneinfo_fold_zero(wall, zone):
    wall = wall.replace(microsecond=0)
    instant, _how = resolve(wall, zone)
    assert instant.astimezone(UTC) == wall.replace(tzinfo=ZoneInfo(zone), fold=0).astimezone(UTC)


# --- gaps and folds, as RFC 5545 reads them, and what the organiser is told -----------------

def test_a_time_in_the_spring_gap_is_read_with_the_offset_before_it():
    # 2:30am on 8 March 2026 does not exist in New York: EST (−5) gives 7:30 UTC = 3:30am EDT.
    instant, how = resolve(datetime(2026, 3, 8, 2, 30), "America/New_York")
    assert how is Resolution.GAP
    assert instant.replace(tzinfo=None) == datetime(2026, 3, 8, 3, 30)
    assert instant.tzname() == "EDT"


def test_a_time_in_the_autumn_fold_is_the_first_one():
    instant, how = resolve(datetime(2026, 11, 1, 1, 30), "America/New_York")
    assert how is Resolution.FOLD
    assert instant.tzname() == "EDT"
    assert instant.astimezone(UTC).replace(tzinfo=None) == datetime(2026, 11, 1, 5, 30)


def test_the_organiser_is_told_which_dates_the_clocks_touch():
    rule = parse_rule("FREQ=WEEKLY;BYDAY=SU;UNTIL=20261231")
    series = expand(rule, datetime(2026, 1, 4, 1, 30), datetime(2026, 1, 4, 2, 30),
                    "Europe/London")
    assert clock_changes(series, "London") == [
        (date(2026, 3, 29), "Sunday 29 March 2026: the clocks skip 1:30am in London; it starts "
                            "at 2:30am BST."),
        (date(2026, 10, 25), "Sunday 25 October 2026: the clocks show 1:30am twice in London; "
                             "it starts at the first, 1:30am BST."),
    ]


def test_seven_pm_london_stays_seven_pm_and_new_york_moves():
    rule = parse_rule("FREQ=WEEKLY;BYDAY=TU;COUNT=12")
    series = expand(rule, datetime(2027, 3, 2, 19), datetime(2027, 3, 2, 20), "Europe/London")
    london = [o.local_start.strftime("%H:%M %Z") for o in series]
    assert set(london) == {"19:00 GMT", "19:00 BST"}
    new_york = [o.start_utc.replace(tzinfo=UTC).astimezone(ZoneInfo("America/New_York")).hour
                for o in series]
    # 2pm, then 3pm in the weeks between the US change (14 March) and the UK's (28 March).
    assert new_york[:6] == [14, 14, 15, 15, 14, 14]
    assert all(o.end_utc - o.start_utc == timedelta(hours=1) for o in series)


# --- the rule text ------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "FREQ=DAILY;COUNT=5", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;UNTIL=20270630",
    "FREQ=MONTHLY;BYDAY=2TU;COUNT=10", "FREQ=MONTHLY;BYDAY=-1FR;COUNT=10",
    "FREQ=MONTHLY;BYMONTHDAY=15;UNTIL=20280101", "FREQ=YEARLY;COUNT=3",
])
def test_rule_text_round_trips(text):
    assert format_rule(parse_rule(text)) == text


@pytest.mark.parametrize(("text", "message"), [
    ("", "is required"),
    ("FREQ=WEEKLY;BYDAY=TU", "must end"),
    ("FREQ=HOURLY;COUNT=3", "FREQ must be"),
    ("FREQ=WEEKLY;BYDAY=TU;COUNT=3;UNTIL=20270101", "not both"),
    ("FREQ=WEEKLY;BYSETPOS=1;COUNT=3", "BYSETPOS is not supported"),
    ("FREQ=WEEKLY;BYDAY=2TU;COUNT=3", "plain days"),
    ("FREQ=MONTHLY;BYDAY=TU;COUNT=3", "place in the month"),
    ("FREQ=DAILY;COUNT=0", "COUNT must be"),
    ("FREQ=DAILY;COUNT=100000", "COUNT must be"),
    ("FREQ=DAILY;UNTIL=20271340", "UNTIL must be"),
    ("FREQ=DAILY;COUNT=3;COUNT=4", "given twice"),
    ("FREQ=DAILY;COUNT=3;", "not a rule part"),
])
def test_bad_rules_say_what_is_wrong(text, message):
    with pytest.raises(RecurrenceError, match=message):
        parse_rule(text)


def test_the_first_date_must_be_one_of_the_rules_dates():
    with pytest.raises(RecurrenceError, match="Monday 1 March 2027, is not one") as caught:
        occurrence_dates(parse_rule("FREQ=WEEKLY;BYDAY=TU;COUNT=3"), datetime(2027, 3, 1, 19))
    assert caught.value.field == "start"


def test_exceptions_must_be_dates_of_the_series():
    rule = parse_rule("FREQ=WEEKLY;BYDAY=TU;COUNT=3")
    first = datetime(2027, 3, 2, 19)
    assert [w.day for w in occurrence_dates(rule, first, [date(2027, 3, 9)])] == [2, 16]
    with pytest.raises(RecurrenceError, match="2027-03-10 is not one") as caught:
        occurrence_dates(rule, first, [date(2027, 3, 10)])
    assert caught.value.field == "except"


def test_a_series_is_bounded():
    with pytest.raises(RecurrenceError, match="at most 750 dates"):
        occurrence_dates(parse_rule("FREQ=DAILY;UNTIL=20300101"), datetime(2027, 1, 1, 9))


# --- the rhythm in words ------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "first", "words"), [
    ("FREQ=WEEKLY;BYDAY=TU;UNTIL=20270630", datetime(2027, 3, 2, 19),
     "Every Tuesday at 7pm London time, until 30 June"),
    ("FREQ=WEEKLY;BYDAY=TU;COUNT=12", datetime(2027, 3, 2, 19),
     "Every Tuesday at 7pm London time, 12 times"),
    ("FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=20280630", datetime(2027, 3, 2, 19, 30),
     "Every Tuesday and Thursday at 7:30pm London time, until 30 June 2028"),
    ("FREQ=WEEKLY;INTERVAL=2;BYDAY=WE;COUNT=4", datetime(2027, 3, 3, 12),
     "Every other Wednesday at 12pm London time, 4 times"),
    ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=20", datetime(2027, 3, 1, 9),
     "Every weekday at 9am London time, 20 times"),
    ("FREQ=MONTHLY;BYDAY=2TU;COUNT=6", datetime(2027, 3, 9, 18),
     "The second Tuesday of every month at 6pm London time, 6 times"),
    ("FREQ=MONTHLY;BYDAY=-1FR;COUNT=6", datetime(2027, 3, 26, 18),
     "The last Friday of every month at 6pm London time, 6 times"),
    ("FREQ=MONTHLY;BYMONTHDAY=1;COUNT=6", datetime(2027, 3, 1, 18),
     "Every month on the 1st at 6pm London time, 6 times"),
    ("FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=22;COUNT=6", datetime(2027, 3, 22, 18),
     "Every 3 months on the 22nd at 6pm London time, 6 times"),
    ("FREQ=DAILY;COUNT=5", datetime(2027, 3, 1, 8), "Every day at 8am London time, 5 times"),
    ("FREQ=YEARLY;COUNT=3", datetime(2027, 3, 14, 8),
     "Every year on 14 March at 8am London time, 3 times"),
])
def test_rhythm(text, first, words):
    assert rhythm(parse_rule(text), first, "London") == words
