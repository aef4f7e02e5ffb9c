"""The public pages, as a visitor reads them."""

import json
import re
from html import unescape

import pytest

from eventsite.extensions import db
from eventsite.models import EventStatus
from tests.factories import days_from_today, make_event, make_seed_webinar, wall

SEED_SLUG = "koreas-struggle-for-independence-peace-and-reunification"


def page_text(response) -> str:
    """The visible text of a page, tags removed and white space folded."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def squeeze(text: str) -> str:
    return re.sub(r"\s+([,.)])", r"\1", text)


@pytest.fixture
def seed(app):
    return make_seed_webinar()


def test_the_seed_webinar_reads_as_announced(client, seed):
    response = client.get(f"/events/{SEED_SLUG}")
    assert response.status_code == 200
    text = squeeze(page_text(response))
    assert "Korea's Struggle for Independence, Peace and Reunification" in text
    assert "Date: Sunday 21 November 2021" in text
    assert "Time: 11am EST, 8am PST, 4pm GMT, 5pm CET" in text
    assert "Location: Zoom and YouTube" in text
    assert "Registration: Eventbrite" in text
    assert "Dr Kiyul Chung (Visiting Professor, Tsinghua University)" in text
    assert "Sara Flounders (United National Antiwar Coalition, peace activist and author)" in text
    assert ("Chair Radhika Desai (Professor, University of Manitoba; Convenor of the "
            "International Manifesto Group)") in text
    assert "Co-sponsored by: International Manifesto Group" in text


def test_event_page_links_public_places_only(client, seed):
    html = client.get(f"/events/{SEED_SLUG}").get_data(as_text=True)
    assert 'href="https://www.youtube.com/@internationalmanifestogroup"' in html
    assert 'href="https://www.eventbrite.com/e/koreas-struggle-for-independence"' in html
    assert "zoom.us" not in html  # the registrants-only link never reaches a public page
    assert '<time datetime="2021-11-21T16:00:00Z"' in html


def test_event_page_carries_schema_org_data(client, seed):
    html = client.get(f"/events/{SEED_SLUG}").get_data(as_text=True)
    data = json.loads(re.search(
        r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["@type"] == "Event"
    assert data["startDate"] == "2021-11-21T11:00:00-05:00"
    assert data["endDate"] == "2021-11-21T13:00:00-05:00"
    assert data["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert data["location"] == [{"@type": "VirtualLocation", "name": "YouTube",
                                 "url": "https://www.youtube.com/@internationalmanifestogroup"}]
    assert [p["name"] for p in data["performer"]][:2] == ["Dr Kiyul Chung", "KJ Noh"]
    assert data["organizer"][0]["name"] == "International Manifesto Group"
    assert data["offers"]["url"] == "https://www.eventbrite.com/e/koreas-struggle-for-independence"
    assert "zoom.us" not in json.dumps(data)


def test_home_lists_upcoming_soonest_first_with_the_multizone_line(client, app):
    later = make_event(title="Later one", start=wall(days_from_today(20), 11),
                       end=wall(days_from_today(20), 12), summary="Second teaser")
    sooner = make_event(title="Sooner one", start=wall(days_from_today(3), 19, 30),
                        end=wall(days_from_today(3), 21), timezone="Europe/Paris",
                        speakers=[{"name": "Ada Speaker"}], summary="First teaser")
    make_event(title="Long gone", start="2020-01-05T11:00", end="2020-01-05T12:00")
    make_event(title="Secret draft", status="draft")
    text = page_text(client.get("/"))
    assert text.index("Sooner one") < text.index("Later one")
    assert "Long gone" not in text and "Secret draft" not in text
    assert "With Ada Speaker" in text
    assert "First teaser Continue reading" in text
    assert "7:30pm" in text  # in the event's own zone first
    assert sooner.slug and later.slug


@pytest.mark.settings(EVENTS_PER_PAGE=2)
def test_home_is_paginated(client, app):
    for n in range(5):
        make_event(title=f"Talk {n}", start=wall(days_from_today(n + 1), 11),
                   end=wall(days_from_today(n + 1), 12))
    first, third = page_text(client.get("/")), page_text(client.get("/?page=3"))
    assert "Talk 0" in first and "Talk 1" in first and "Talk 2" not in first
    assert "Page 1 Next →" in first and "Previous" not in first
    assert "Talk 4" in third and "Talk 0" not in third
    beyond = client.get("/?page=9")
    assert beyond.status_code == 200
    assert "This list ends before page 9. Go to the first page" in page_text(beyond)


def test_archive_is_newest_first(client, app):
    make_event(title="Older talk", start="2019-05-01T10:00", end="2019-05-01T11:00")
    make_event(title="Newer talk", start="2022-05-01T10:00", end="2022-05-01T11:00")
    make_event(title="Future talk")
    text = page_text(client.get("/events/past"))
    assert text.index("Newer talk") < text.index("Older talk")
    assert "Future talk" not in text


def test_empty_states(client, app):
    assert "No upcoming events are announced yet." in page_text(client.get("/"))
    assert "No past events yet." in page_text(client.get("/events/past"))


def test_drafts_are_not_found_and_cancelled_events_are_marked(client, app):
    draft = make_event(title="Draft", status="draft")
    assert client.get(f"/events/{draft.slug}").status_code == 404
    cancelled = make_event(title="Called off", status="cancelled",
                           status_note="The speaker is unwell.")
    text = page_text(client.get(f"/events/{cancelled.slug}"))
    assert "This event has been cancelled. The speaker is unwell." in text
    assert "Cancelled" in page_text(client.get("/"))
    postponed = make_event(title="Later", status="postponed", status_note="Postponed to spring")
    assert "This event has been postponed. Postponed to spring" in page_text(
        client.get(f"/events/{postponed.slug}"))


def test_markdown_is_rendered_and_raw_html_never_reaches_the_page(client, app):
    event = make_event(description=(
        "**Bold** and [a link](https://example.org)\n\n"
        "<script>alert(1)</script>\n\n[bad](javascript:alert(2)) <img src=x onerror=alert(3)>"))
    html = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "<strong>Bold</strong>" in html
    assert 'href="https://example.org"' in html
    assert "<script>alert(1)" not in html
    assert 'href="javascript:' not in html
    assert "<img" not in html  # shown as text, never as a tag


def test_speaker_tag_and_organisation_pages(client, seed):
    make_event(title="Future with Noh", speakers=[{"name": "KJ Noh"}], tags=["Korea"])
    text = page_text(client.get("/speakers/kj-noh"))
    assert "Peace activist and expert on the geopolitics of Asia" in text
    assert text.index("Future with Noh") < text.index("Korea's Struggle")  # upcoming, then past
    text = page_text(client.get("/tags/korea"))
    assert "Future with Noh" in text and "Korea's Struggle" in text
    text = page_text(client.get("/organisations/international-manifesto-group"))
    assert "Korea's Struggle" in text
    for missing in ("/speakers/nobody", "/tags/nothing", "/organisations/none",
                    "/events/no-such-event"):
        response = client.get(missing)
        assert response.status_code == 404
        assert "Page not found" in page_text(response)


def test_display_zones_per_event_and_site_labels(client, app):
    app.config["ZONE_LABELS"] = {"Asia/Shanghai": "Beijing"}
    event = make_event(display_timezones=["Asia/Shanghai", "Europe/London"],
                       start="2021-11-21T11:00", end="2021-11-21T13:00", status="published")
    text = page_text(client.get(f"/events/{event.slug}"))
    assert "Time: 11am EST, 12am Beijing (Mon 22 Nov), 4pm GMT" in text


def test_server_errors_use_the_site_page(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    response = client.get("/boom")
    assert response.status_code == 500
    assert "Something went wrong" in page_text(response)


def test_cancelling_keeps_the_event_listed(client, app):
    event = make_event(title="Will be cancelled")
    event.status = EventStatus.CANCELLED
    db.session.commit()
    assert "Will be cancelled" in page_text(client.get("/"))


def test_a_missing_page_offers_a_search(client):
    html = client.get("/events/no-such-event").get_data(as_text=True)
    assert 'action="/search"' in html and 'name="q"' in html
