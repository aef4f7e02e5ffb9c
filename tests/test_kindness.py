"""The rough edges a new organiser, attendee or visitor hits in the first hour (issue #12)."""

from __future__ import annotations

import io
import re
from datetime import datetime
from html import unescape

import pytest
from PIL import Image

from eventsite.domain import timezones
from eventsite.extensions import db
from eventsite.models import Event, EventStatus, Registration, RegistrationStatus
from eventsite.services.errors import ValidationError
from eventsite.services.events import (
    LocationInput,
    create_event,
    event_input_from,
    import_events,
    parse_event,
    postpone_event,
    recompute_utc,
    update_event,
)
from eventsite.services.listings import count_events
from tests.factories import (
    days_from_today,
    event_record,
    make_event,
    make_organiser,
    make_seed_webinar,
    wall,
)
from tests.test_public import page_text
from tests.web import csrf_token, field_errors, seed_webinar_form, sign_in


@pytest.fixture
def organiser(client, app):
    user = make_organiser(is_admin=True)
    sign_in(client)
    return user


SEED_SLUG = "koreas-struggle-for-independence-peace-and-reunification"


def register_someone(client, event, email="ana@example.org") -> str:
    """Sign up through the event page; the attendee's own page's path."""
    page = f"/events/{event.slug}"
    response = client.post(page + "/register", data={
        "csrf_token": csrf_token(client, page), "name": email.split("@")[0].title(),
        "email": email, "consent": "y"})
    assert response.status_code == 302, field_errors(response)
    db.session.expire_all()
    registration = db.session.scalar(db.select(Registration).where(
        Registration.event_id == event.id, Registration.email == email))
    return f"/r/{registration.token}"  # the link in their e-mail


def png() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 360), (30, 90, 160)).save(buffer, "PNG")
    buffer.seek(0)
    return buffer


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
    assert timezones.suggest_zone(typed) == meant
    with pytest.raises(ValueError, match=f"did you mean {meant}"):
        timezones.check_region_zone(typed)


def test_a_fixed_offset_is_refused():
    for typed in ("GMT+5", "Etc/GMT+5", "UTC-3"):
        with pytest.raises(ValueError, match="fixed offset"):
            timezones.check_region_zone(typed)
    timezones.check_region_zone("UTC")
    timezones.check_region_zone("America/New_York")


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


# --- 6. destructive actions ask first, with and without JavaScript -----------------------------

def test_cancelling_an_event_asks_first_and_keeps_the_note(client, organiser, smtp):
    event = make_event(title="Talk", registration={"mode": "builtin"})
    register_someone(client, event)
    token = csrf_token(client, f"/admin/events/{event.id}/edit")
    asked = client.post(f"/admin/events/{event.id}/cancel",
                        data={"csrf_token": token, "cancel-note": "The speaker is ill."})
    assert asked.status_code == 200
    text = page_text(asked)
    assert "Cancel “Talk”?" in text and "1 registrant is told by e-mail." in text
    assert 'name="cancel-note" value="The speaker is ill."' in asked.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Event, event.id).status is EventStatus.PUBLISHED
    assert len(smtp.messages) == 1  # only the registration's own confirmation
    client.post(f"/admin/events/{event.id}/cancel", data={
        "csrf_token": token, "cancel-note": "The speaker is ill.", "confirmed": "1"})
    db.session.expire_all()
    cancelled = db.session.get(Event, event.id)
    assert cancelled.status is EventStatus.CANCELLED
    assert cancelled.status_note == "The speaker is ill."


def test_deleting_a_draft_and_cancelling_a_registration_ask_first(client, organiser):
    draft = make_event(title="Draft", status="draft")
    token = csrf_token(client, f"/admin/events/{draft.id}/edit")
    edit_page = client.get(f"/admin/events/{draft.id}/edit").get_data(as_text=True)
    assert 'data-confirm="Delete the draft' in edit_page
    assert "Delete the draft “Draft”?" in page_text(client.post(
        f"/admin/events/{draft.id}/delete", data={"csrf_token": token}))
    assert db.session.get(Event, draft.id) is not None

    event = make_event(title="Talk", registration={"mode": "builtin"})
    personal = register_someone(client, event)
    page = client.get(personal).get_data(as_text=True)
    assert 'data-confirm="Cancel your registration' in page
    asked = client.post(personal + "/cancel", data={"csrf_token": csrf_token(client, personal)})
    assert "Cancel your registration for “Talk”?" in page_text(asked)
    assert "Yes, cancel my registration" in page_text(asked)
    db.session.expire_all()
    assert db.session.scalar(db.select(Registration)).status is RegistrationStatus.CONFIRMED


# --- 7. past and cancelled events -----------------------------------------------------------------

def test_a_past_event_says_it_has_ended_and_offers_no_registration(client):
    day = days_from_today(-3)
    make_event(title="Over", slug="over", start=wall(day, 11), end=wall(day, 12),
               registration={"mode": "builtin", "closes": wall(day, 10)})
    text = page_text(client.get("/events/over"))
    assert "This event has ended." in text
    assert "Register" not in text and "Add to calendar" not in text


def test_a_cancelled_event_shows_no_registration_box(client):
    make_event(title="Off", slug="off", status="cancelled", status_note="Sorry.",
               registration={"mode": "builtin"})
    html = client.get("/events/off").get_data(as_text=True)
    assert "This event has been cancelled." in page_text(client.get("/events/off"))
    assert 'id="register"' not in html and "Add to calendar" not in html


def test_a_drafts_preview_links_no_missing_ics(client, organiser):
    draft = make_event(title="Draft", status="draft")
    preview = client.get(f"/admin/events/{draft.id}/preview").get_data(as_text=True)
    assert f"/events/{draft.slug}.ics" not in preview
    assert client.get(f"/events/{draft.slug}.ics").status_code == 404


# --- 8. the API and tags --------------------------------------------------------------------------

def test_the_api_has_venue_description_image_and_ics(client):
    make_event(title="Full", slug="full", description="Read **this** & [that](https://x.org).",
               venue={"name": "Marx Memorial Library", "address": "37a Clerkenwell Green"})
    item = client.get("/api/events/full").get_json()
    assert item["venue"] == {"name": "Marx Memorial Library",
                             "address": "37a Clerkenwell Green"}
    assert item["description_html"] == \
        '<p>Read <strong>this</strong> &amp; <a href="https://x.org" rel="nofollow noopener ' \
        'noreferrer">that</a>.</p>\n'
    assert item["description_text"] == "Read this & that."
    assert item["image_url"] is None
    assert item["ics_url"] == "http://eventsite.test/events/full.ics"
    listed = client.get("/api/events").get_json()["events"][0]
    assert listed.keys() == item.keys()


def test_tags_by_any_spelling_and_shown_as_typed(client):
    make_event(title="Tagged", slug="tagged", tags=["Peace", "Reading Group"])
    assert [e["slug"] for e in client.get("/api/events?tag=Peace").get_json()["events"]] == \
        ["tagged"]
    same = client.get("/tags/Peace")
    assert same.status_code == 200 and "Tagged" in page_text(same)
    page = page_text(client.get("/events/tagged"))
    assert "Reading Group" in page and "reading-group" not in page
    assert "Events tagged Reading Group" in page_text(client.get("/tags/reading-group"))


# --- 9. the attendee's own page -------------------------------------------------------------------

def test_a_waitlisted_attendee_sees_their_place_and_no_seat_talk(client):
    event = make_event(title="Small", registration={"mode": "builtin", "capacity": 1})
    register_someone(client, event, "ana@example.org")
    register_someone(client, event, "bo@example.org")
    personal = register_someone(client, event, "cy@example.org")
    text = page_text(client.get(personal))
    assert "On the waitlist" in text and "number 2 in the queue" in text
    assert "frees your seat" not in text and "Add to my calendar" not in text
    assert "Cancelling gives up your place in the queue." in text
    html = client.get(personal).get_data(as_text=True)
    assert "data-offsets=" in html  # the script can add "Your time" here too


# --- 11. accessibility --------------------------------------------------------------------------

def test_the_edit_page_has_unique_ids_and_honest_placeholders(client, organiser):
    event = make_event(title="Talk")
    html = client.get(f"/admin/events/{event.id}/edit").get_data(as_text=True)
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1]
    assert 'placeholder="Postponed' not in html


def test_an_event_image_has_alt_text(client, organiser):
    response = new_event(client, action="publish", image_alt="Three speakers on a stage",
                         image=(png(), "stage.png"))
    assert response.status_code == 302, field_errors(response)
    event = db.session.scalar(db.select(Event))
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert 'alt="Three speakers on a stage"' in page


# --- 13. smaller edges ----------------------------------------------------------------------------

def test_past_page_beyond_the_end_says_so(client):
    day = days_from_today(-3)
    make_event(title="Old", start=wall(day, 11), end=wall(day, 12))
    response = client.get("/events/past?page=99")
    text = page_text(response)
    assert "This list ends before page 99. Go to the first page" in text
    assert "No past events yet" not in text


def test_errors_name_their_field(client, organiser):
    response = new_event(client, registration_url="", registration_label="")
    assert field_errors(response)["registration_url"] == \
        "Registration link is required for registration elsewhere"
    response = new_event(client, **{"speakers-1-name": "", "speakers-1-affiliation": "X"})
    assert response.status_code == 302  # a row without a name is no speaker: left out


def _row_names(response, rows: str) -> list[str]:
    html = response.get_data(as_text=True)
    return [unescape(name) for name in re.findall(
        rf'id="{rows}-\d+-name"[^>]*?value="([^"]*)"', html)]


def test_rows_move_and_go_without_javascript(client, organiser):
    """Move up / Move down / Remove are buttons that send the form back with the row moved:
    nothing is saved or checked, everything typed (and an image chosen) is kept."""
    response = new_event(client, title="", move="speakers-2-up", image=(png(), "stage.png"))
    assert response.status_code == 200 and field_errors(response) == {}  # nothing checked
    assert _row_names(response, "speakers")[:3] == ["Dr Kiyul Chung", "Radhika Desai",
                                                    "KJ Noh"]
    html = response.get_data(as_text=True)
    assert 'name="speakers-1-role"' in html and re.search(
        r'<select[^>]*name="speakers-1-role".*?<option selected value="chair">', html, re.S)
    assert "The image you chose is kept" in html
    assert count_events() == 0
    response = new_event(client, move="speakers-0-down")
    assert _row_names(response, "speakers")[:3] == ["KJ Noh", "Dr Kiyul Chung", "Radhika Desai"]
    response = new_event(client, move="speakers-1-remove")
    assert _row_names(response, "speakers")[:2] == ["Dr Kiyul Chung", "Radhika Desai"]
    response = new_event(client, **{"move": "locations-1-up"})
    assert _row_names(response, "locations")[:2] == ["YouTube", "Zoom"]
    # The order shown is the order saved.
    response = new_event(client, **{"speakers-0-name": "Radhika Desai",
                                    "speakers-0-role": "chair", "speakers-2-name": "Dr Kiyul "
                                    "Chung", "speakers-2-role": "speaker"})
    assert response.status_code == 302
    event = db.session.scalar(db.select(Event))
    assert [link.speaker.name for link in event.speaker_links] == [
        "Radhika Desai", "KJ Noh", "Dr Kiyul Chung"]


@pytest.mark.parametrize("move", ["speakers-99-up", "nobody-0-up", "speakers-0-sideways"])
def test_a_move_that_names_no_row_changes_nothing(client, organiser, move):
    response = new_event(client, move=move)
    assert response.status_code == 200
    assert _row_names(response, "speakers")[:3] == ["Dr Kiyul Chung", "KJ Noh", "Radhika Desai"]
    assert count_events() == 0


def test_registration_status_reads_the_same_for_organisers_and_attendees(client, organiser):
    event = make_event(title="Talk", registration={"mode": "builtin"})
    personal = register_someone(client, event)
    assert "Registered" in page_text(client.get(personal))
    listing = page_text(client.get(f"/admin/events/{event.id}/registrations"))
    assert "Registered" in listing and "CONFIRMED" not in listing
    assert re.search(r"ana@example.org\s+registered", listing.lower())


def test_a_copy_is_titled_with_its_date(client, organiser):
    event = make_event(title="Reading group", start="2026-12-01T19:00", end="2026-12-01T20:00")
    token = csrf_token(client, f"/admin/events/{event.id}/edit")
    client.post(f"/admin/events/{event.id}/duplicate", data={"csrf_token": token, "days": 7})
    titles = sorted(db.session.scalars(db.select(Event.title)))
    assert titles == ["Reading group", "Reading group (Tue 8 Dec 2026)"]


def test_a_message_to_registrants_can_be_answered(client, organiser, smtp):
    event = make_event(title="Talk", registration={"mode": "builtin"})
    register_someone(client, event)
    token = csrf_token(client, f"/admin/events/{event.id}/registrations")
    client.post(f"/admin/events/{event.id}/message", data={
        "csrf_token": token, "subject": "Slides", "body": "Here they are."})
    message = smtp.messages[-1]
    assert message["Subject"] == "Slides"
    assert message["Reply-To"] == "ada@example.org"
    assert message["From"].addresses[0].display_name == "Ada Organiser via eventsite"


@pytest.mark.settings(MAIL_REPLY_TO="team@example.org")
def test_every_message_to_an_attendee_has_the_sites_reply_to(client, smtp):
    event = make_event(title="Talk", registration={"mode": "builtin"})
    register_someone(client, event)
    assert smtp.messages[-1]["Reply-To"] == "team@example.org"


# --- 2. change notices say what changed, old → new ----------------------------------------------

def _bodies(message) -> tuple[str, str]:
    return (message.get_body(("plain",)).get_content(),
            message.get_body(("html",)).get_content())


def test_a_postponement_says_postponed_with_the_note(client, smtp):
    event = make_event(title="Talk", registration={"mode": "builtin"})
    register_someone(client, event)
    postpone_event(event, "The speaker is ill; a new date soon.")
    notice = smtp.messages[-1]
    assert notice["Subject"] == "Postponed: Talk"
    text, html = _bodies(notice)
    assert '"Talk" has been postponed. From the organisers: The speaker is ill; a new date ' \
           'soon.' in text
    assert "- Status: going ahead → postponed" in text
    assert "has been postponed" in html and "The speaker is ill" in html


def test_a_time_change_shows_the_old_time_and_the_new(client, smtp):
    # In 2037 (1 December a Tuesday again): the event must be ahead to take a registration.
    event = make_event(title="Talk", registration={"mode": "builtin"},
                       start="2037-12-01T11:00", end="2037-12-01T13:00")
    register_someone(client, event)
    update_event(event, event_input_from(event, starts_local=datetime(2037, 12, 2, 14),
                                         ends_local=datetime(2037, 12, 2, 16)))
    notice = smtp.messages[-1]
    assert notice["Subject"] == \
        "Changed: Talk: date Tue 1 Dec → Wed 2 Dec; time 11am EST → 2pm EST"
    text, html = _bodies(notice)
    assert "- Date: Tuesday 1 December 2037 → Wednesday 2 December 2037" in text
    assert "- Time: 11am EST, 8am PST, 4pm GMT, 5pm CET → 2pm EST, 11am PST, 7pm GMT, " \
           "8pm CET" in text
    assert "11am EST, 8am PST, 4pm GMT, 5pm CET</span>" in html


def test_a_new_place_is_named(client, smtp):
    event = make_event(title="Talk", registration={"mode": "builtin"},
                       locations=[{"name": "Zoom", "url": "https://zoom.us/j/1"}])
    register_someone(client, event)
    update_event(event, event_input_from(event, locations=[
        LocationInput("Jitsi", "https://meet.jit.si/talk")]))
    assert smtp.messages[-1]["Subject"] == "Changed: Talk: where Zoom → Jitsi"


# --- 4. images: errors beside the field, nothing chosen is lost ----------------------------------

# (Under 500 kB: a larger body makes the test client spool it to a file it leaves open.)
@pytest.mark.settings(MAX_IMAGE_BYTES=100_000, MAX_CONTENT_LENGTH=200_000,
                      EVENT_FORM_MAX_BYTES=8 * 1024 * 1024)
def test_an_image_over_the_limit_is_refused_beside_the_field_keeping_the_form(client,
                                                                              organiser):
    big = io.BytesIO(b"\0" * 400_000)  # over the site's whole request limit
    response = new_event(client, title="Kept title", image=(big, "huge.png"))
    assert response.status_code == 422
    assert field_errors(response)["image"] == "Image is too large: at most 0.095 MB"
    html = response.get_data(as_text=True)
    assert 'value="Kept title"' in html
    assert count_events() == 0


def test_a_chosen_image_survives_an_error_elsewhere(client, organiser):
    response = new_event(client, title="", image=(png(), "stage.png"))
    assert response.status_code == 422 and "title" in field_errors(response)
    pending = re.search(r'name="pending_image" type="hidden" value="([0-9a-f]{32})"',
                        response.get_data(as_text=True)).group(1)
    assert "The image you chose is kept" in response.get_data(as_text=True)
    response = new_event(client, title="Now with a title", pending_image=pending)
    assert response.status_code == 302, field_errors(response)
    assert db.session.scalar(db.select(Event)).image_id == pending
    # Another form cannot take that image now that an event uses it.
    response = new_event(client, title="Another", pending_image=pending)
    assert db.session.scalar(db.select(Event).where(Event.title == "Another")).image_id is None


def test_a_request_too_large_even_for_the_form_gets_a_kind_page(client, organiser, app):
    app.config["EVENT_FORM_MAX_BYTES"] = 1000
    response = new_event(client, image=(png(), "stage.png"))
    assert response.status_code == 413
    assert "Go back (your browser keeps what you typed)" in page_text(response)
