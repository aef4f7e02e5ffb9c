"""Speakers' photos and organisations' logos: uploaded in the organiser's forms, checked like
event images, shown on the public pages (initials where there is none) and in the API."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image

from eventsite.extensions import db
from eventsite.models import Organisation, Speaker
from tests.factories import make_event, make_organiser
from tests.web import csrf_token, field_errors, sign_in


@pytest.fixture
def organiser(client, app):
    user = make_organiser()
    sign_in(client)
    return user


def picture(size=(400, 400), color=(30, 90, 160), kind="PNG") -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, kind)
    buffer.seek(0)
    return buffer


def stored_files(app) -> set[str]:
    folder = Path(app.config["UPLOAD_FOLDER"]) / "events"
    return {path.name for path in folder.glob("*.webp")} if folder.exists() else set()


@pytest.fixture
def talk():
    return make_event(title="Talk", slug="talk",
                      speakers=[{"name": "Radhika Desai", "affiliation": "Manitoba"}],
                      organisations=[{"name": "Peace Network", "url": "https://peace.example"}])


def speaker_named(name: str) -> Speaker:
    db.session.expire_all()
    return db.session.scalar(db.select(Speaker).where(Speaker.name == name))


def post_speaker(client, speaker, **changes):
    page = f"/admin/speakers/{speaker.id}"
    data = {"csrf_token": csrf_token(client, page), "name": speaker.name, "slug": speaker.slug,
            "affiliation": speaker.affiliation, "bio": speaker.bio, **changes}
    return client.post(page, data=data)


def post_organisation(client, organisation, **changes):
    page = f"/admin/organisations/{organisation.id}"
    data = {"csrf_token": csrf_token(client, page), "name": organisation.name,
            "slug": organisation.slug, "website": organisation.website, **changes}
    return client.post(page, data=data)


def test_a_speaker_without_a_photo_shows_initials(client, talk):
    html = client.get("/speakers/radhika-desai").get_data(as_text=True)
    assert 'data-initials="RD"' in html and "<img class=\"avatar" not in html


def test_a_speakers_photo_is_uploaded_and_shown_everywhere_with_alt_text(client, organiser,
                                                                          talk, app):
    speaker = speaker_named("Radhika Desai")
    response = post_speaker(client, speaker, image=(picture((1600, 1200)), "me.png"))
    assert response.status_code == 302, field_errors(response)
    photo = speaker_named("Radhika Desai").photo_id
    assert photo and stored_files(app) == {f"{photo}-large.webp", f"{photo}-small.webp"}
    with client.get(f"/media/events/{photo}-small.webp") as served:
        assert served.headers["Content-Type"] == "image/webp"
        assert Image.open(io.BytesIO(served.data)).size == (480, 360)  # re-encoded, resized
    shown = f'src="/media/events/{photo}-small.webp" alt="Photo of Radhika Desai"'
    for page in ("/speakers/radhika-desai", "/events/talk", "/speakers", "/admin/speakers"):
        assert shown in client.get(page).get_data(as_text=True), page
    # On its form, the current photo is a small round thumbnail, beside "Remove".
    form = client.get(f"/admin/speakers/{speaker.id}").get_data(as_text=True)
    assert f'class="image-thumb photo" src="/media/events/{photo}-small.webp"' in form
    # The schema.org data names the photo for search engines.
    assert f"/media/events/{photo}-large.webp" in client.get("/events/talk").get_data(
        as_text=True)
    found = client.get("/api/events/talk").get_json()
    speaker_json = (found.get("event") or found)["speakers"][0]
    assert speaker_json["photo_url"].endswith(f"/media/events/{photo}-large.webp")


def test_an_organisations_logo_is_uploaded_and_shown_with_alt_text(client, organiser, talk,
                                                                    app):
    listing = client.get("/admin/organisations").get_data(as_text=True)
    assert "Peace Network" in listing and "https://peace.example" in listing
    organisation = db.session.scalar(db.select(Organisation))
    response = post_organisation(client, organisation,
                                 image=(picture((600, 200), kind="JPEG"), "logo.jpg"))
    assert response.status_code == 302, field_errors(response)
    db.session.expire_all()
    logo = db.session.scalar(db.select(Organisation)).logo_id
    assert logo
    shown = f'src="/media/events/{logo}-small.webp" alt="Logo of Peace Network"'
    for page in ("/organisations/peace-network", "/organisations", "/admin/organisations"):
        assert shown in client.get(page).get_data(as_text=True), page
    assert f"/media/events/{logo}-small.webp" in client.get("/events/talk").get_data(
        as_text=True)
    found = client.get("/api/events/talk").get_json()
    org_json = (found.get("event") or found)["organisations"][0]
    assert org_json["logo_url"].endswith(f"/media/events/{logo}-large.webp")
    assert (found.get("event") or found)["speakers"][0]["photo_url"] is None


def test_a_replaced_or_removed_photo_leaves_no_files_behind(client, organiser, talk, app):
    speaker = speaker_named("Radhika Desai")
    post_speaker(client, speaker, image=(picture(), "one.png"))
    first = speaker_named("Radhika Desai").photo_id
    post_speaker(client, speaker, image=(picture(color=(200, 0, 0)), "two.png"))
    second = speaker_named("Radhika Desai").photo_id
    assert second != first and stored_files(app) == {f"{second}-large.webp",
                                                     f"{second}-small.webp"}
    response = post_speaker(client, speaker, remove_image="y")
    assert response.status_code == 302
    assert speaker_named("Radhika Desai").photo_id is None and stored_files(app) == set()
    assert 'data-initials="RD"' in client.get("/speakers/radhika-desai").get_data(
        as_text=True)


def test_a_chosen_photo_survives_an_error_elsewhere(client, organiser, talk, app):
    make_event(title="Other", speakers=[{"name": "Keith Bennett"}])
    speaker = speaker_named("Radhika Desai")
    response = post_speaker(client, speaker, slug="keith-bennett", affiliation="Kept",
                            image=(picture(), "me.png"))
    assert response.status_code == 422
    assert "already used by another speaker" in field_errors(response)["slug"]
    html = response.get_data(as_text=True)
    assert "The photo you chose is kept" in html and 'value="Kept"' in html
    pending = re.search(r'name="pending_image" type="hidden" value="([0-9a-f]{32})"',
                        html).group(1)
    assert speaker_named("Radhika Desai").photo_id is None  # nothing half-saved
    response = post_speaker(client, speaker, pending_image=pending)
    assert response.status_code == 302, field_errors(response)
    assert speaker_named("Radhika Desai").photo_id == pending
    # Another record cannot take that file now that a speaker uses it.
    other = speaker_named("Keith Bennett")
    post_speaker(client, other, pending_image=pending)
    assert speaker_named("Keith Bennett").photo_id is None


def test_a_file_that_is_no_image_is_refused_beside_the_field(client, organiser, talk, app):
    organisation = db.session.scalar(db.select(Organisation))
    response = post_organisation(client, organisation, website="https://kept.example",
                                 image=(io.BytesIO(b"<svg onload=alert(1)>"), "logo.svg"))
    assert response.status_code == 422
    assert field_errors(response)["image"].startswith("Logo is not an image we can read")
    assert 'value="https://kept.example"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(db.select(Organisation)).website == "https://peace.example"
    assert stored_files(app) == set()


@pytest.mark.settings(MAX_IMAGE_BYTES=100_000, MAX_CONTENT_LENGTH=200_000,
                      EVENT_FORM_MAX_BYTES=8 * 1024 * 1024)
def test_a_photo_over_the_request_limit_is_refused_beside_the_field(client, organiser, talk):
    speaker = speaker_named("Radhika Desai")
    response = post_speaker(client, speaker, affiliation="Kept affiliation",
                            image=(io.BytesIO(b"\0" * 400_000), "huge.png"))
    assert response.status_code == 422
    assert field_errors(response)["image"] == "Photo is too large: at most 0.095 MB"
    assert 'value="Kept affiliation"' in response.get_data(as_text=True)


def test_organisation_records_are_checked(client, organiser, talk):
    make_event(title="Other", organisations=[{"name": "Friends of Peace"}])
    organisation = db.session.scalar(db.select(Organisation).where(
        Organisation.name == "Peace Network"))
    response = post_organisation(client, organisation, name="friends of peace",
                                 website="javascript:alert(1)", slug="Bad Slug")
    errors = field_errors(response)
    assert response.status_code == 422
    assert errors["name"] == "Name is already used by another organisation"
    assert errors["website"].startswith("Website must be a web address")
    assert errors["slug"].startswith("Address may hold only")
    response = post_organisation(client, organisation, name="Peace Network UK",
                                 slug="peace-network-uk")
    assert response.status_code == 302
    assert client.get("/organisations/peace-network-uk").status_code == 200


def test_merging_speakers_keeps_one_photo_and_removes_the_other(client, organiser, app):
    make_event(title="One", speakers=[{"name": "Kiyul Chung"}, {"name": "Dr Kiyul Chung"}])
    keep, merge = speaker_named("Dr Kiyul Chung"), speaker_named("Kiyul Chung")
    post_speaker(client, merge, image=(picture(), "a.png"))
    post_speaker(client, keep, image=(picture(color=(0, 200, 0)), "b.png"))
    kept_photo = speaker_named("Dr Kiyul Chung").photo_id
    client.post("/admin/speakers/merge", data={
        "csrf_token": csrf_token(client, "/admin/speakers"), "keep": keep.id,
        "merge": merge.id})
    assert speaker_named("Dr Kiyul Chung").photo_id == kept_photo
    assert stored_files(app) == {f"{kept_photo}-large.webp", f"{kept_photo}-small.webp"}
