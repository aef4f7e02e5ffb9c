"""Calendar and Atom feeds over HTTP, read by icalendar and by Mozilla's ical.js."""

import xml.etree.ElementTree as ET
from datetime import timedelta

import icalendar
import pytest

from eventsite.display import iso_utc
from eventsite.domain.timezones import utcnow
from eventsite.extensions import db
from eventsite.services import events as event_service
from tests.calendars import assert_lines_are_well_formed, icalendar_events, icaljs, utc_text
from tests.factories import days_from_today, make_event, make_seed_webinar, wall
from tests.sql import counting_statements

SEED_SLUG = "koreas-struggle-for-independence-peace-and-reunification"


def assert_instants_match_database(data: bytes, events) -> None:
    expected = {event.slug: (iso_utc(event.starts_utc), iso_utc(event.ends_utc))
                for event in events}
    by_url = {e["url"].rsplit("/", 1)[-1]: (e["start_utc"], e["end_utc"])
              for e in icaljs(data)["events"]}
    assert by_url == expected
    by_icalendar = {str(e["URL"]).rsplit("/", 1)[-1]: (utc_text(e["DTSTART"].dt),
                                                       utc_text(e["DTEND"].dt))
                    for e in icalendar_events(data)}
    assert by_icalendar == expected


def test_the_seed_webinar_download(client, app):
    event = make_seed_webinar()
    response = client.get(f"/events/{SEED_SLUG}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{SEED_SLUG}.ics"'
    data = response.data
    assert_lines_are_well_formed(data)
    assert_instants_match_database(data, [event])
    parsed = icaljs(data)
    assert parsed["method"] == "PUBLISH" and parsed["timezones"] == ["America/New_York"]
    (vevent,) = parsed["events"]
    assert vevent["tzid"] == "America/New_York"
    assert vevent["start_utc"] == "2021-11-21T16:00:00Z"
    assert vevent["summary"] == "Korea's Struggle for Independence, Peace and Reunification"
    assert vevent["status"] == "CONFIRMED" and vevent["sequence"] == 0
    assert vevent["location"] == "Zoom and YouTube"
    assert vevent["categories"] == ["korea", "peace", "webinar"]
    assert vevent["organizer"] == "mailto:events@eventsite.test"
    description = vevent["description"]
    assert "Date: Sunday 21 November 2021" in description
    assert "Time: 11am EST, 8am PST, 4pm GMT, 5pm CET" in description
    assert "Dr Kiyul Chung (Visiting Professor, Tsinghua University)" in description
    assert ("Chair: Radhika Desai (Professor, University of Manitoba; Convenor of the "
            "International Manifesto Group)") in description
    assert "YouTube: https://www.youtube.com/@internationalmanifestogroup" in description
    assert "Registration (Eventbrite): https://www.eventbrite.com/e/" in description
    assert f"Details: http://eventsite.test/events/{SEED_SLUG}" in description
    assert b"zoom.us" not in data  # registrants-only links never reach a public feed


def test_calendar_feed_instants_across_zones_and_the_march_gap(client, app):
    events = [
        make_event(title="Winter webinar", start="2026-12-13T11:00", end="2026-12-13T13:00"),
        make_event(title="Summer webinar", start="2027-06-14T11:00", end="2027-06-14T13:00"),
        make_event(title="Shanghai evening", timezone="Asia/Shanghai",
                   start="2027-01-10T20:00", end="2027-01-10T21:30"),
        # 14-28 March 2027: the US has changed its clocks, Europe not yet.
        make_event(title="New York in the gap", start="2027-03-20T11:00",
                   end="2027-03-20T12:00"),
        make_event(title="Paris in the gap", timezone="Europe/Paris",
                   start="2027-03-20T17:00", end="2027-03-20T18:00"),
        make_event(title="Paris after the change", timezone="Europe/Paris",
                   start="2027-03-28T17:00", end="2027-03-28T18:00"),
        make_event(title="Years ahead", timezone="Europe/Paris",
                   start="2031-07-01T19:30", end="2031-07-01T21:00"),
    ]
    response = client.get("/calendar.ics")
    assert response.status_code == 200
    assert_lines_are_well_formed(response.data)
    assert_instants_match_database(response.data, events)
    assert iso_utc(events[3].starts_utc) == "2027-03-20T15:00:00Z"
    assert iso_utc(events[4].starts_utc) == "2027-03-20T16:00:00Z"
    assert b"RDATE" not in response.data


def test_calendar_holds_ninety_days_back_and_every_status_but_draft(client, app):
    now = utcnow()
    old = make_event(title="Too old", start=wall(days_from_today(-100), 11),
                     end=wall(days_from_today(-100), 12))
    recent = make_event(title="Recent", start=wall(days_from_today(-80), 11),
                        end=wall(days_from_today(-80), 12))
    make_event(title="Draft", status="draft")
    cancelled = make_event(title="Called off")
    event_service.cancel_event(cancelled, "The speaker is unwell.")
    postponed = make_event(title="Moved", status="postponed",
                           status_note="Postponed to spring")
    parsed = {e["summary"]: e for e in icaljs(client.get("/calendar.ics").data)["events"]}
    assert set(parsed) == {"Recent", "Cancelled: Called off", "Postponed: Moved"}
    assert parsed["Cancelled: Called off"]["status"] == "CANCELLED"
    assert parsed["Cancelled: Called off"]["description"].startswith(
        "This event has been cancelled. The speaker is unwell.")
    assert parsed["Postponed: Moved"]["status"] == "TENTATIVE"
    assert "Postponed to spring" in parsed["Postponed: Moved"]["description"]
    assert old.ends_utc < now - timedelta(days=90) < recent.ends_utc
    assert postponed.revision == 0


def test_filtered_feeds(client, app):
    make_event(title="Korea talk", tags=["Korea", "Peace"],
               speakers=[{"name": "KJ Noh"}, {"name": "Ann Chair", "role": "chair"}],
               organisations=[{"name": "IMG"}])
    make_event(title="Other talk", tags=["Labour"])
    for url in ("/tags/korea.ics", "/speakers/kj-noh.ics", "/organisations/img.ics"):
        response = client.get(url)
        assert response.status_code == 200, url
        (event,) = icaljs(response.data)["events"]
        assert event["summary"] == "Korea talk"
        # The filter picks the events; each still shows all its tags and people.
        assert event["categories"] == ["korea", "peace"], url
        assert "Speakers include: KJ Noh\nChair: Ann Chair\n" in event["description"], url
    for url in ("/tags/none.ics", "/speakers/nobody.ics", "/organisations/none.ics",
                "/events/none.ics"):
        assert client.get(url).status_code == 404


def test_draft_download_is_not_found(client, app):
    draft = make_event(status="draft")
    assert client.get(f"/events/{draft.slug}.ics").status_code == 404


def test_an_empty_feed_is_an_empty_calendar(client, app):
    response = client.get("/calendar.ics")
    assert response.status_code == 200
    assert "ETag" in response.headers and "Last-Modified" in response.headers
    assert icaljs(response.data)["events"] == [] and icalendar_events(response.data) == []
    # RFC 5545 wants one component at least; strict readers refuse a calendar without.
    components = icalendar.Calendar.from_ical(response.data).subcomponents
    assert [(c.name, str(c["TZID"])) for c in components] == [
        ("VTIMEZONE", app.config["DISPLAY_TIMEZONES"][0])]


def test_injection_through_the_title_and_description_stays_inert(client, app):
    title = "Peace; war, and \\ more END:VEVENT"
    event = make_event(title=title, description="Line\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\n"
                                                "SUMMARY:Injected", summary="A, b; c\nd")
    data = client.get(f"/events/{event.slug}.ics").data
    assert_lines_are_well_formed(data)
    (parsed,) = icaljs(data)["events"]
    assert parsed["summary"] == title
    assert data.count(b"\r\nBEGIN:VEVENT\r\n") == 1


@pytest.mark.settings(PAGE_CACHE_SECONDS=0)  # the Flask path under the page cache
def test_conditional_requests_build_nothing(client, app):
    make_event(title="Polled")
    first = client.get("/calendar.ics")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert first.headers["Cache-Control"] == "public, max-age=300"
    db.session.expunge_all()
    with counting_statements() as statements:
        unchanged = client.get("/calendar.ics", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.data == b""
    assert unchanged.headers["ETag"] == etag
    assert len(statements) == 1  # the version query, nothing else
    assert client.get("/calendar.ics",
                      headers={"If-Modified-Since": modified}).status_code == 304
    with counting_statements() as statements:
        again = client.get("/calendar.ics")
    assert again.status_code == 200 and again.data == first.data
    assert len(statements) == 1  # the bytes were kept, not rebuilt


def test_an_edit_changes_the_etag_and_a_time_change_the_sequence(client, app):
    event = make_event(title="Original title")
    first = client.get("/calendar.ics")
    uid = icaljs(first.data)["events"][0]["uid"]

    event_service.update_event(event, event_service.event_input_from(
        event, title="New title", slug="new-slug"))
    renamed = client.get("/calendar.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert renamed.status_code == 200
    (parsed,) = icaljs(renamed.data)["events"]
    assert parsed["summary"] == "New title"
    assert parsed["uid"] == uid  # the same event for calendars, whatever its title or slug
    assert parsed["sequence"] == 0  # a new title is not a new time

    moved_start = event.starts_local + timedelta(hours=2)
    event_service.update_event(event, event_service.event_input_from(
        event, starts_local=moved_start, ends_local=moved_start + timedelta(hours=2)))
    (parsed,) = icaljs(client.get("/calendar.ics").data)["events"]
    assert parsed["sequence"] == 1
    assert parsed["start_utc"] == iso_utc(event.starts_utc)

    event_service.cancel_event(event)
    (parsed,) = icaljs(client.get("/calendar.ics").data)["events"]
    assert parsed["status"] == "CANCELLED" and parsed["sequence"] == 2
    assert parsed["uid"] == uid
    download = icaljs(client.get("/events/new-slug.ics").data)["events"][0]
    assert download["uid"] == uid


def test_atom_feed(client, app):
    make_event(title="Atom & friends", summary="Teaser <b>text</b>")
    make_event(title="Old", start="2020-01-01T10:00", end="2020-01-01T11:00")
    response = client.get("/events.atom")
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    ns = {"a": "http://www.w3.org/2005/Atom"}
    root = ET.fromstring(response.data)
    entries = root.findall("a:entry", ns)
    assert [e.find("a:title", ns).text for e in entries] == ["Atom & friends"]
    assert "Teaser <b>text</b>" in entries[0].find("a:summary", ns).text
    assert entries[0].find("a:id", ns).text.startswith("urn:uuid:")
    assert client.get("/events.atom", headers={
        "If-None-Match": response.headers["ETag"]}).status_code == 304


def test_subscribe_menus_and_add_to_calendar(client, app):
    event = make_event(title="Subscribe me", tags=["Korea"], speakers=[{"name": "KJ Noh"}],
                       start="2027-06-14T11:00", end="2027-06-14T13:00")
    home = client.get("/").get_data(as_text=True)
    assert 'href="webcal://eventsite.test/calendar.ics"' in home
    assert "https://calendar.google.com/calendar/render?cid=webcal%3A%2F%2Feventsite.test" \
           "%2Fcalendar.ics" in home
    assert "https://outlook.live.com/calendar/0/addfromweb?url=http%3A%2F%2Feventsite.test" \
           "%2Fcalendar.ics" in home
    assert 'value="http://eventsite.test/calendar.ics"' in home
    assert "webcal://eventsite.test/tags/korea.ics" in client.get("/tags/korea").get_data(
        as_text=True)
    assert "webcal://eventsite.test/speakers/kj-noh.ics" in client.get(
        "/speakers/kj-noh").get_data(as_text=True)
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert f'href="http://eventsite.test/events/{event.slug}.ics"' in page
    assert "dates=20270614T150000Z%2F20270614T170000Z" in page
    assert "startdt=2027-06-14T15%3A00%3A00Z" in page and "enddt=2027-06-14T17%3A00%3A00Z" in page


def test_api_points_at_the_ics(client, app):
    event = make_event()
    data = client.get(f"/api/events/{event.slug}").get_json()
    assert data["ics_url"] == f"http://eventsite.test/events/{event.slug}.ics"
    assert client.get(data["ics_url"].replace("http://eventsite.test", "")).status_code == 200


@pytest.mark.settings(PAGE_CACHE_SECONDS=0)
@pytest.mark.parametrize("path", ["/calendar.ics", "/events.atom"])
def test_feeds_do_not_query_per_event(client, app, path):
    for n in range(3):
        make_event(title=f"Talk {n}", tags=["a"], speakers=[{"name": f"S{n}"}])
    db.session.expunge_all()
    with counting_statements() as few:
        client.get(path)
    for n in range(3, 15):
        make_event(title=f"Talk {n}", tags=["a"], speakers=[{"name": f"S{n}"}])
    db.session.expunge_all()
    with counting_statements() as many:
        client.get(path)
    assert len(many) == len(few)


def test_the_feed_cache_is_bounded_in_bytes():
    from datetime import datetime

    from eventsite.services.feeds import FeedCache, FeedState

    cache = FeedCache(max_bytes=100)
    builds = []

    def build(tag, size):
        def run():
            builds.append(tag)
            return FeedState(etag=tag, last_modified=datetime(2026, 1, 1), body=b"x" * size)
        return run

    cache.get_or_build("a", build("a", 60))
    cache.get_or_build("a", build("a", 60))
    cache.get_or_build("b", build("b", 60))  # pushes "a" out
    cache.get_or_build("b", build("b", 60))
    cache.get_or_build("a", build("a", 60))
    assert builds == ["a", "b", "a"]


def test_any_write_to_what_feeds_show_changes_the_etag(client, app):
    event = make_event(speakers=[{"name": "Ada Speaker", "affiliation": "Old place"}])
    before = client.get("/calendar.ics").headers["ETag"]
    event.speaker_links[0].speaker.affiliation = "New place"  # not through an event service
    db.session.commit()
    after = client.get("/calendar.ics", headers={"If-None-Match": before})
    assert after.status_code == 200 and after.headers["ETag"] != before
    assert "Ada Speaker (New place)" in icaljs(after.data)["events"][0]["description"]


def test_a_zone_has_one_block_in_every_file_of_the_site(client, app):
    """Every file carries the same VTIMEZONE text for a zone (readers such as vobject and so
    Radicale keep the first block they see for a TZID), covering the site's whole span."""
    def block(data: bytes) -> bytes:
        start = data.index(b"BEGIN:VTIMEZONE\r\nTZID:Europe/Paris")
        return data[start:data.index(b"END:VTIMEZONE", start)]

    early = make_event(timezone="Europe/Paris", start="2027-01-10T10:00", end="2027-01-10T11:00")
    make_event(timezone="Europe/Paris", start="2031-07-01T10:00", end="2031-07-01T11:00")
    site = block(client.get("/calendar.ics").data)
    assert block(client.get(f"/events/{early.slug}.ics").data) == site
    make_event(timezone="Europe/Paris", start="2029-03-01T10:00", end="2029-03-01T11:00")
    assert block(client.get(f"/events/{early.slug}.ics").data) == site  # inside the span
    make_event(timezone="Europe/Paris", start="2034-03-01T10:00", end="2034-03-01T11:00")
    grown = block(client.get(f"/events/{early.slug}.ics").data)
    assert grown == block(client.get("/calendar.ics").data)
    # The rules run on past the span's end: the block is the same text, being compact.
    assert grown.count(b"BEGIN:") == 3 and b"RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU" in grown
