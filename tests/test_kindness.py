"""The rough edges a new organiser, attendee or visitor hits in the first hour (issue #12)."""

from __future__ import annotations

import pytest

from eventsite.domain.timezones import check_region_zone, suggest_zone
from eventsite.extensions import db
from eventsite.models import Event
from eventsite.services.errors import ValidationError
from eventsite.services.events import (
    create_event,
    import_events,
    parse_event,
    recompute_utc,
)
from tests.factories import event_record, make_event, make_organiser, make_seed_webinar
from tests.web import csrf_token, field_errors, seed_webinar_form, sign_in


@pytest.fixture
def organiser(client, app):
    user = make_organiser(is_admin=True)
    sign_in(client)
    return user


SEED_SLUG = "koreas-struggle-for-independence-peace-and-reunification"


def new_event(client, **changes):
    token = csrf_token(client, "/admin/events/new")
    return client.post("/admin/events/new", data=seed_webinar_form(token, **changes))


# --- 5. zones that ignore daylight saving ---------------------------------------------------------

@pytest.mark.parametrize("typed,meant", [
    ("EST", "America/New_York"), ("EST5EDT", "America/New_York"), ("CET", "Europe/Paris"),
    ("US/Eastern", "America/New_York"), ("Asia/Calcutta", "Asia/Kolkata"),
    ("america/new york", "America/New_York"),
])
def test_zones_that_are_not_places_are_refused_with_a_suggestion(typed, meant):
    assert suggest_zone(typed) == meant
    with pytest.raises(ValueError, match=f"did you mean {meant}"):
        check_region_zone(typed)


def test_a_fixed_offset_is_refused():
    for typed in ("GMT+5", "Etc/GMT+5", "UTC-3"):
        with pytest.raises(ValueError, match="fixed offset"):
            check_region_zone(typed)
    check_region_zone("UTC")
    check_region_zone("America/New_York")


def test_the_form_refuses_est_next_to_the_field(client, organiser):
    response = new_event(client, timezone="EST")
    assert response.status_code == 422
    assert "did you mean America/New_York?" in field_errors(response)["timezone"]
    response = new_event(client, display_timezones="America/New_York, CET")
    assert "did you mean Europe/Paris?" in field_errors(response)["display_timezones"]
    assert 'value="US/Eastern"' not in client.get("/admin/events/new").get_data(as_text=True)


def test_import_refuses_est(app):
    with pytest.raises(ValidationError, match="America/New_York"):
        import_events([event_record(timezone="EST")])


def test_an_existing_event_in_est_keeps_working(client, organiser):
    event = create_event(parse_event(event_record(timezone="EST", title="Old")), ["EST"])
    assert recompute_utc().invalid == []
    token = csrf_token(client, f"/admin/events/{event.id}/edit")
    day = event.starts_local.date().isoformat()
    response = client.post(f"/admin/events/{event.id}/edit", data={
        "csrf_token": token, "title": "Old, renamed", "timezone": "EST", "date": day,
        "start_time": "11:00", "end_time": "13:00", "format": "online",
        "registration_mode": "none", "display_timezones": "", "action": "save"})
    assert response.status_code == 302, field_errors(response)
    db.session.expire_all()
    assert db.session.get(Event, event.id).title == "Old, renamed"
    assert client.get(f"/events/{event.slug}").status_code == 200


# --- 12. abbreviations that mean different offsets in different countries ------------------------

def test_beijing_is_named_not_cst_on_a_site_read_in_america(client):
    make_event(title="Webinar in Beijing", timezone="Asia/Shanghai", slug="beijing",
               start="2026-12-01T20:00", end="2026-12-01T21:00")
    make_event(title="Webinar in Delhi", timezone="Asia/Kolkata", slug="delhi",
               start="2026-12-01T20:00", end="2026-12-01T21:00")
    make_seed_webinar()
    beijing = client.get("/api/events/beijing").get_json()["display_times"]
    assert beijing[0] == "8pm Beijing" and "CST" not in " ".join(beijing)
    assert client.get("/api/events/delhi").get_json()["display_times"][0] == "8pm India"
    assert "8pm Beijing" in client.get("/events/beijing").get_data(as_text=True)
    seed = client.get(f"/api/events/{SEED_SLUG}").get_json()["display_times"]
    assert seed == ["11am EST", "8am PST", "4pm GMT", "5pm CET"]


@pytest.mark.settings(ZONE_LABELS={"Asia/Shanghai": "China Standard Time"})
def test_a_label_the_site_sets_wins(client):
    make_event(title="Webinar in Beijing", timezone="Asia/Shanghai", slug="beijing",
               start="2026-12-01T20:00", end="2026-12-01T21:00")
    assert client.get("/api/events/beijing").get_json()["display_times"][0] == \
        "8pm China Standard Time"
