"""The corpus of awkward times and the independent readers that every .ics is checked with."""

from collections import Counter

from eventsite.domain.timezones import to_utc
from tests.readers import ZONES, corpus


def test_the_corpus_covers_every_kind_of_change_and_pytz_agrees_with_zoneinfo():
    """What the organiser typed gives, through the site's own conversion (pytz), the instant
    zoneinfo says: both read the same IANA release, so any disagreement later is a reader's."""
    events = corpus()
    assert len(events) >= 1500
    assert set(Counter(event.zone for event in events)) == set(ZONES)
    for event in events:
        assert to_utc(event.start_wall, event.zone, event.start_fold) == event.start_utc
        assert to_utc(event.end_wall, event.zone, event.end_fold) == event.end_utc
    reasons = Counter(event.why for event in events)
    assert reasons["starts in the second occurrence"] >= 100
    assert reasons["starts where a gap ends"] >= 100
    pyongyang = {event.start_utc.year for event in events if event.zone == "Asia/Pyongyang"
                 and event.why != "an ordinary day"}
    assert pyongyang == {2015, 2018}
    lord_howe = [event for event in events if event.zone == "Australia/Lord_Howe"
                 and event.why == "starts as the repeat begins"]
    assert all((e.end_utc - e.start_utc).total_seconds() == 1800 for e in lord_howe)
