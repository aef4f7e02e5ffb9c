"""The corpus of awkward times and the independent readers that every .ics is checked with."""

import re
from collections import Counter
from dataclasses import replace
from datetime import UTC

from eventsite.domain.timezones import Fold, to_utc
from eventsite.services.events import create_event, parse_event
from eventsite.services.feeds import event_uid
from tests.readers import (
    ZONES,
    CorpusEvent,
    corpus,
    expected_instants,
    misread,
    read_all,
    site_writer,
    write_corpus,
)


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


def test_every_reader_reads_every_event_right_in_single_files_and_the_feed(tmp_path):
    """The whole corpus, one file per event and one feed of all, as the site writes them:
    every reader gives every event the instants zoneinfo gives, vobject reading every file in
    one process in either order (it keeps the first VTIMEZONE it meets for a TZID)."""
    events = corpus()
    expected = expected_instants(events)
    paths, feed = write_corpus(tmp_path, events, site_writer)
    for reader, reading in read_all([*paths, feed]).items():
        assert set(uid for path in paths for uid, *_ in reading[path]) == set(expected), reader
        assert len(reading[feed]) == len(events), reader
        wrong = misread(reading, expected)
        assert not wrong, (reader, len(wrong), sorted(wrong.items())[:10])


SITE_ZONES = ["Europe/Dublin", "Australia/Lord_Howe", "America/Havana", "Africa/Casablanca",
              "Asia/Kathmandu", "America/St_Johns", "UTC"]


def _site_corpus() -> list[CorpusEvent]:
    """Part of the corpus that the site's feeds hold today: zones with every kind of trouble,
    in two years ahead."""
    return [event for event in corpus(SITE_ZONES) if event.start_utc.year in (2027, 2031)]


def test_every_reader_reads_the_site_feeds_and_downloads_right(client, app, tmp_path):
    """Events typed in by organisers (wall time, zone, which occurrence): every kind of feed
    (the site's, a tag's, a speaker's, an organisation's) and each event's download, read by
    every reader, give zoneinfo's instants; and every file carries the same VTIMEZONE text
    for a zone."""
    events = _site_corpus()
    assert len(events) >= 50
    expected, slugs = {}, []
    for number, event in enumerate(events):
        data = parse_event({"title": f"{event.why} {number}", "timezone": event.zone,
                            "start": event.start_wall.isoformat(timespec="minutes"),
                            "end": event.end_wall.isoformat(timespec="minutes"),
                            "fold": event.start_fold, "tags": ["corpus"],
                            "speakers": [{"name": "Kim Corpus"}],
                            "organisations": [{"name": "Corpus Network"}]})
        created = create_event(replace(data, end_fold=event.end_fold and Fold(event.end_fold)))
        expected[event_uid(created)] = (event.start_utc.replace(tzinfo=UTC).timestamp(),
                                        event.end_utc.replace(tzinfo=UTC).timestamp())
        slugs.append(created.slug)
    feeds = ["/calendar.ics", "/tags/corpus.ics", "/speakers/kim-corpus.ics",
             "/organisations/corpus-network.ics"]
    urls = [*feeds, *(f"/events/{slug}.ics" for slug in slugs)]
    paths = []
    for number, url in enumerate(urls):
        response = client.get(url)
        assert response.status_code == 200, url
        paths.append(tmp_path / f"{number:04d}.ics")
        paths[-1].write_bytes(response.data)
    for reader, reading in read_all([str(path) for path in paths]).items():
        for path in paths[:len(feeds)]:
            assert {uid for uid, *_ in reading[str(path)]} == set(expected), (reader, path)
        wrong = misread(reading, expected)
        assert not wrong, (reader, len(wrong), sorted(wrong.items())[:10])
    blocks = {}
    for path in paths:
        for block in re.finditer(rb"BEGIN:VTIMEZONE\r\nTZID:([^\r]+)\r\n.*?END:VTIMEZONE",
                                 path.read_bytes(), re.S):
            blocks.setdefault(block[1], set()).add(block[0])
    assert sorted(blocks) == sorted(zone.encode() for zone in SITE_ZONES if zone != "UTC")
    assert all(len(texts) == 1 for texts in blocks.values())
