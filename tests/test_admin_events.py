"""The organiser's event form and actions, through the test client."""

import io
from datetime import datetime

import pytest
from PIL import Image

from eventsite.extensions import db
from eventsite.models import Event, EventSpeaker, EventStatus, Speaker
from eventsite.services.listings import count_events
from tests.calendars import icaljs
from tests.factories import make_event, make_organiser
from tests.test_public import page_text
from tests.web import csrf_token, field_errors, seed_webinar_form, sign_in


@pytest.fixture
def organiser(client, app):
    user = make_organiser(is_admin=True)
    sign_in(client)
    return user


def new_event(client, **changes):
    token = csrf_token(client, "/admin/events/new")
    return client.post("/admin/events/new", data=seed_webinar_form(token, **changes))


def only_event() -> Event:
    db.session.expire_all()
    return db.session.scalar(db.select(Event))


def test_create_the_seed_webinar_as_a_draft_then_publish(client, organiser):
    response = new_event(client)
    assert response.status_code == 302, field_errors(response)
    event = only_event()
    assert event.status is EventStatus.DRAFT
    assert event.starts_utc == datetime(2021, 11, 21, 16)
    assert [(link.speaker.name, link.role.value) for link in event.speaker_links] == [
        ("Dr Kiyul Chung", "speaker"), ("KJ Noh", "speaker"), ("Radhika Desai", "chair")]
    assert [loc.visibility.value for loc in event.locations] == ["registrants", "public"]
    assert client.get(f"/events/{event.slug}").status_code == 404  # a draft: not public yet
    preview = client.get(f"/admin/events/{event.id}/preview").get_data(as_text=True)
    assert "11am EST, 8am PST, 4pm GMT, 5pm CET" in preview and "Preview:" in preview

    token = csrf_token(client, f"/admin/events/{event.id}/edit")
    client.post(f"/admin/events/{event.id}/publish", data={"csrf_token": token})
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "11am EST, 8am PST, 4pm GMT, 5pm CET" in page
    assert "Radhika Desai (Professor, University of Manitoba; Convenor" in page_text(
        client.get(f"/events/{event.slug}"))
    assert "zoom.us" not in page


def test_publish_straight_from_the_form(client, organiser):
    assert new_event(client, action="publish").status_code == 302
    assert only_event().status is EventStatus.PUBLISHED


def test_a_time_in_the_spring_gap_is_refused_next_to_the_field(client, organiser):
    response = new_event(client, date="2026-03-08", start_time="02:30", end_time="04:00")
    assert response.status_code == 422
    errors = field_errors(response)
    assert errors["start_time"].startswith(
        "2:30am on Sunday 8 March 2026 does not exist in America/New_York")
    html = response.get_data(as_text=True)
    assert 'value="Korea&#39;s Struggle for Independence, Peace and Reunification"' in html
    assert 'value="Radhika Desai"' in html  # the organiser's input is kept
    assert count_events() == 0  # and nothing is half-saved


def test_a_time_in_the_autumn_fold_asks_which_one(client, organiser):
    response = new_event(client, date="2026-11-01", start_time="01:30", end_time="03:00")
    assert "happens twice" in field_errors(response)["start_time"]
    assert 'name="fold"' in response.get_data(as_text=True)
    assert new_event(client, date="2026-11-01", start_time="01:30", end_time="03:00",
                     fold="later").status_code == 302
    assert only_event().starts_utc == datetime(2026, 11, 1, 6, 30)


def test_duration_instead_of_an_end_time_counts_real_time(client, organiser):
    # Two hours from 1am on the night the clocks go back end at 2am on the wall.
    new_event(client, date="2026-11-01", start_time="00:30", end_time="", duration="120")
    event = only_event()
    assert (event.ends_utc - event.starts_utc).total_seconds() == 7200
    assert event.ends_local == datetime(2026, 11, 1, 1, 30)


def test_an_end_before_the_start_is_refused_next_to_the_end_time(client, organiser):
    response = new_event(client, start_time="13:00", end_time="11:00")
    assert response.status_code == 422
    assert "would end before it starts" in field_errors(response)["end_time"]
    assert count_events() == 0


def test_an_event_past_midnight_gives_its_end_date(client, organiser):
    new_event(client, start_time="23:00", end_time="01:00", end_date="2021-11-22")
    assert only_event().ends_local == datetime(2021, 11, 22, 1)
    page = client.get(f"/admin/events/{only_event().id}/edit").get_data(as_text=True)
    assert 'name="end_date" type="date" value="2021-11-22"' in page


@pytest.mark.parametrize("changes,field,message", [
    ({"title": ""}, "title", "This field is required."),
    ({"timezone": "Mars/Base"}, "timezone", "“Mars/Base” is not a known time zone"),
    ({"end_time": "", "duration": ""}, "end_time", "Give an end time or how long it lasts."),
    ({"locations-1-url": "javascript:alert(1)"}, "locations-1-url",
     "must be a web address starting with http:// or https://"),
    ({"registration_url": "data:text/html,x"}, "registration_url", "must be a web address"),
    ({"title": "x" * 201}, "title", "Field cannot be longer than 200 characters."),
    ({"display_timezones": "Europe/Paris, Nowhere/X"}, "display_timezones", "“Nowhere/X”"),
    ({"slug": "Not A Slug"}, "slug", "may hold only lower-case letters"),
])
def test_errors_name_the_field_and_nothing_is_saved(client, organiser, changes, field, message):
    response = new_event(client, **changes)
    assert response.status_code == 422
    assert message in field_errors(response).get(field, ""), field_errors(response)
    assert count_events() == 0


def test_slugs_are_unique_and_editable(client, organiser):
    new_event(client)
    response = new_event(client, slug="koreas-struggle-for-independence-peace-and-reunification")
    assert "is already used by another event" in field_errors(response)["slug"]
    new_event(client)
    slugs = sorted(db.session.scalars(db.select(Event.slug)))
    assert slugs == ["koreas-struggle-for-independence-peace-and-reunification",
                     "koreas-struggle-for-independence-peace-and-reunification-2"]


def test_editing_time_place_or_status_raises_the_revision(client, organiser):
    new_event(client, action="publish")
    event = only_event()
    url = f"/admin/events/{event.id}/edit"
    token = csrf_token(client, url)
    client.post(url, data=seed_webinar_form(token, title="A new title", action="save"))
    event = only_event()
    assert event.title == "A new title" and event.revision == 0
    client.post(url, data=seed_webinar_form(token, start_time="12:00", end_time="14:00",
                                            action="save"))
    assert only_event().revision == 1
    client.post(url, data=seed_webinar_form(token, **{"locations-1-name": "Twitch"},
                                            action="save"))
    assert only_event().revision == 2
    # A speaker kept across an edit keeps its link row (no duplicate-pair failure).
    assert db.session.scalar(db.select(db.func.count(EventSpeaker.id))) == 3


def test_cancel_and_postpone_keep_the_event_visible(client, organiser):
    new_event(client, action="publish")
    event = only_event()
    token = csrf_token(client, f"/admin/events/{event.id}/edit")
    client.post(f"/admin/events/{event.id}/postpone",
                data={"csrf_token": token, "postpone-note": "Postponed to spring",
                      "confirmed": "1"})
    assert "This event has been postponed. Postponed to spring" in page_text(client.get(
        f"/events/{event.slug}"))
    client.post(f"/admin/events/{event.id}/cancel",
                data={"csrf_token": token, "cancel-note": "The speakers cannot travel.",
                      "confirmed": "1"})
    event = only_event()
    assert event.status is EventStatus.CANCELLED and event.revision == 2
    assert "This event has been cancelled." in client.get(
        f"/events/{event.slug}").get_data(as_text=True)
    (entry,) = icaljs(client.get(f"/events/{event.slug}.ics").data)["events"]
    assert entry["status"] == "CANCELLED"


def test_same_time_next_week_keeps_the_wall_time_across_a_clock_change(client, organiser):
    event = make_event(title="Weekly", start="2026-10-30T11:00", end="2026-10-30T12:00",
                       speakers=[{"name": "KJ Noh"}])
    token = csrf_token(client, f"/admin/events/{event.id}/edit")
    response = client.post(f"/admin/events/{event.id}/duplicate",
                           data={"csrf_token": token, "days": "7"})
    assert response.status_code == 302
    copy = db.session.scalar(db.select(Event).where(Event.id != event.id))
    assert copy.status is EventStatus.DRAFT and copy.uid != event.uid
    assert copy.starts_local == datetime(2026, 11, 6, 11)
    assert event.starts_utc == datetime(2026, 10, 30, 15)  # 11am EDT
    assert copy.starts_utc == datetime(2026, 11, 6, 16)  # 11am EST
    assert [link.speaker.name for link in copy.speaker_links] == ["KJ Noh"]


def test_only_drafts_can_be_deleted(client, organiser):
    published = make_event(title="Published")
    draft = make_event(title="Draft", status="draft")
    token = csrf_token(client, "/admin/")
    client.post(f"/admin/events/{published.id}/delete", data={"csrf_token": token,
                                                               "confirmed": "1"})
    client.post(f"/admin/events/{draft.id}/delete", data={"csrf_token": token,
                                                           "confirmed": "1"})
    db.session.expire_all()
    assert list(db.session.scalars(db.select(Event.title))) == ["Published"]


def test_dashboard_lists_drafts_upcoming_and_past(client, organiser):
    make_event(title="A draft", status="draft")
    make_event(title="Coming soon")
    make_event(title="Long ago", start="2020-01-01T10:00", end="2020-01-01T11:00")
    text = client.get("/admin/").get_data(as_text=True)
    assert text.index("A draft") < text.index("Coming soon") < text.index("Long ago")
    assert "New event" in text


def test_time_preview(client, organiser):
    data = client.get("/admin/time-preview?date=2021-11-21&time=11:00&timezone=America/New_York"
                      "&display=America/Los_Angeles,Europe/London").get_json()
    assert data["line"] == "11am EST, 8am PST, 4pm GMT"
    data = client.get("/admin/time-preview?date=2026-03-08&time=02:30"
                      "&timezone=America/New_York").get_json()
    assert data["line"] == "" and "does not exist" in data["error"]
    form = new_event(client, action="preview", description="*Hello* <script>x</script>")
    html = form.get_data(as_text=True)
    assert "Time:</strong>" in html and "11am EST, 8am PST, 4pm GMT, 5pm CET" in html
    assert "<em>Hello</em>" in html and "<script>x" not in html
    assert count_events() == 0  # previewing saves nothing


def png_bytes(size=(1600, 900), color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def test_an_image_is_checked_resized_and_served_safely(client, organiser):
    response = new_event(client, action="publish",
                         image=(io.BytesIO(png_bytes()), "poster.png"))
    assert response.status_code == 302, field_errors(response)
    event = only_event()
    assert event.image_id
    with client.get(f"/media/events/{event.image_id}-large.webp") as large:
        assert large.headers["Content-Type"] == "image/webp"
        assert large.headers["X-Content-Type-Options"] == "nosniff"
        assert Image.open(io.BytesIO(large.data)).size == (1200, 675)
    with client.get(f"/media/events/{event.image_id}-small.webp") as small:
        assert Image.open(io.BytesIO(small.data)).width == 480
    assert f"{event.image_id}-small.webp" in client.get("/events/past").get_data(as_text=True)
    assert f"{event.image_id}-large.webp" in client.get(
        f"/events/{event.slug}").get_data(as_text=True)
    assert client.get("/media/events/../../secret_key").status_code == 404


@pytest.mark.parametrize("upload,message", [
    ((io.BytesIO(b"<?php echo 1; ?>"), "evil.png"), "is not an image we can read"),
    ((io.BytesIO(b"GIF89a" + b"\0" * 10), "broken.gif"), "is not an image we can read"),
])
def test_a_bad_image_is_refused_and_nothing_saved(client, organiser, upload, message):
    response = new_event(client, image=upload)
    assert message in field_errors(response)["image"]
    assert count_events() == 0


@pytest.mark.settings(MAX_IMAGE_BYTES=10_000)
def test_a_large_image_is_refused(client, organiser):
    response = new_event(client, image=(io.BytesIO(png_bytes((2000, 2000))), "big.png"))
    assert "is too large" in field_errors(response)["image"]
    assert count_events() == 0


def test_speakers_are_edited_and_merged(client, organiser):
    first = make_event(title="First", speakers=[{"name": "Kiyul Chung"},
                                                {"name": "Dr Kiyul Chung", "role": "chair"}])
    make_event(title="Second", speakers=[{"name": "Kiyul Chung"}])
    keep = db.session.scalar(db.select(Speaker).where(Speaker.name == "Dr Kiyul Chung"))
    merge = db.session.scalar(db.select(Speaker).where(Speaker.name == "Kiyul Chung"))
    listing = client.get("/admin/speakers").get_data(as_text=True)
    assert "Dr Kiyul Chung" in listing and "Kiyul Chung" in listing
    token = csrf_token(client, "/admin/speakers")
    response = client.post(f"/admin/speakers/{keep.id}", data={
        "csrf_token": token, "name": "Dr Kiyul Chung", "slug": "kiyul-chung",
    })
    assert "“kiyul-chung” is already used by another speaker" in field_errors(response)["slug"]
    response = client.post(f"/admin/speakers/{keep.id}", data={
        "csrf_token": token, "name": "Dr Kiyul Chung", "slug": "kiyul-chung-tsinghua",
        "affiliation": "Visiting Professor, Tsinghua University", "bio": "Scholar."})
    assert response.status_code == 302
    client.post("/admin/speakers/merge", data={"csrf_token": token, "keep": keep.id,
                                               "merge": merge.id})
    db.session.expire_all()
    assert list(db.session.scalars(db.select(Speaker.name))) == ["Dr Kiyul Chung"]
    roles = {link.event.title: link.role.value for link in db.session.scalars(
        db.select(EventSpeaker))}
    assert roles == {"First": "chair", "Second": "speaker"}  # the chair role is kept
    assert first.speaker_links[0].speaker.slug == "kiyul-chung-tsinghua"
    assert client.get("/speakers/kiyul-chung-tsinghua").status_code == 200


def test_deleting_a_copy_keeps_the_originals_image(client, organiser):
    new_event(client, action="publish", image=(io.BytesIO(png_bytes()), "poster.png"))
    original = only_event()
    token = csrf_token(client, f"/admin/events/{original.id}/edit")
    client.post(f"/admin/events/{original.id}/duplicate", data={"csrf_token": token, "days": 7})
    copy = db.session.scalar(db.select(Event).where(Event.id != original.id))
    assert copy.image_id and copy.image_id != original.image_id
    client.post(f"/admin/events/{copy.id}/delete", data={"csrf_token": token, "confirmed": "1"})
    with client.get(f"/media/events/{original.image_id}-large.webp") as still_there:
        assert still_there.status_code == 200
