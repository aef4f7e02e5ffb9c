"""The read API."""

import pytest

from tests.factories import days_from_today, make_event, make_seed_webinar, wall

SEED_SLUG = "koreas-struggle-for-independence-peace-and-reunification"


def test_event_detail(client, app):
    make_seed_webinar()
    response = client.get(f"/api/events/{SEED_SLUG}")
    assert response.status_code == 200
    data = response.get_json()
    assert data["slug"] == SEED_SLUG
    assert data["url"] == f"http://eventsite.test/events/{SEED_SLUG}"
    assert data["start"] == "2021-11-21T11:00:00-05:00"
    assert data["end"] == "2021-11-21T13:00:00-05:00"
    assert data["start_utc"] == "2021-11-21T16:00:00Z"
    assert data["end_utc"] == "2021-11-21T18:00:00Z"
    assert data["timezone"] == "America/New_York"
    assert data["display_times"] == ["11am EST", "8am PST", "4pm GMT", "5pm CET"]
    assert data["status"] == "published" and data["format"] == "online"
    assert data["speakers"][0] == {"name": "Dr Kiyul Chung",
                                   "affiliation": "Visiting Professor, Tsinghua University",
                                   "role": "speaker",
                                   "url": "http://eventsite.test/speakers/dr-kiyul-chung",
                                   "photo_url": None}
    assert data["speakers"][-1]["role"] == "chair"
    assert data["organisations"] == [{
        "name": "International Manifesto Group", "url": "https://internationalmanifesto.org",
        "role": "co_sponsor",
        "page_url": "http://eventsite.test/organisations/international-manifesto-group",
        "logo_url": None}]
    assert data["tags"] == ["korea", "peace", "webinar"]
    assert data["registration"] == {"url": "https://www.eventbrite.com/e/koreas-struggle-for-"
                                           "independence", "label": "Eventbrite",
                                    "mode": "external"}
    assert "zoom.us" not in response.get_data(as_text=True)


def test_list_upcoming_by_default_and_past_on_request(client, app):
    make_seed_webinar()
    make_event(title="Soon", start=wall(days_from_today(2), 10), end=wall(days_from_today(2), 11))
    make_event(title="Sooner", start=wall(days_from_today(1), 10),
               end=wall(days_from_today(1), 11), tags=["Peace"])
    make_event(title="Hidden", status="draft")
    upcoming = client.get("/api/events").get_json()
    assert [e["title"] for e in upcoming["events"]] == ["Sooner", "Soon"]
    assert upcoming["page"] == 1 and upcoming["previous"] is None and upcoming["next"] is None
    past = client.get("/api/events?past=1").get_json()
    assert [e["slug"] for e in past["events"]] == [SEED_SLUG]
    tagged = client.get("/api/events?tag=peace").get_json()
    assert [e["title"] for e in tagged["events"]] == ["Sooner"]


def test_date_range_and_pagination(client, app):
    make_seed_webinar()
    for n in range(3):
        make_event(title=f"Talk {n}", start=wall(days_from_today(n + 1), 10),
                   end=wall(days_from_today(n + 1), 11))
    in_2021 = client.get("/api/events?from=2021-01-01&to=2021-12-31").get_json()
    assert [e["slug"] for e in in_2021["events"]] == [SEED_SLUG]
    page = client.get("/api/events?per_page=2&page=2").get_json()
    assert [e["title"] for e in page["events"]] == ["Talk 2"]
    assert page["next"] is None
    back = client.get(page["previous"]).get_json()
    assert [e["title"] for e in back["events"]] == ["Talk 0", "Talk 1"]
    assert back["next"].startswith("http://") and "per_page=2" in back["next"]
    assert [e["title"] for e in client.get(back["next"]).get_json()["events"]] == ["Talk 2"]


@pytest.mark.parametrize("query,message", [
    ("from=yesterday", "`from` must be a date such as 2026-11-21, not “yesterday”"),
    ("page=0", "`page` must be from 1 to 10,000, not 0"),
    ("per_page=101", "`per_page` must be from 1 to 100, not 101"),
    ("per_page=lots", "`per_page` must be a whole number, not “lots”"),
])
def test_bad_parameters_get_json_errors(client, app, query, message):
    response = client.get(f"/api/events?{query}")
    assert response.status_code == 400
    assert response.get_json() == {"error": {"status": 400, "message": message}}


def test_unknown_or_draft_event_is_a_json_404(client, app):
    draft = make_event(status="draft")
    for slug in ("nope", draft.slug):
        response = client.get(f"/api/events/{slug}")
        assert response.status_code == 404
        assert response.get_json()["error"]["message"] == f"No event “{slug}”."


def test_built_in_registration_points_at_the_form(client, app):
    event = make_event(registration={"mode": "builtin", "capacity": 30})
    data = client.get(f"/api/events/{event.slug}").get_json()
    assert data["registration"] == {
        "url": f"http://eventsite.test/events/{event.slug}#register", "label": "Register",
        "mode": "builtin", "capacity": 30, "seats_left": 30}
