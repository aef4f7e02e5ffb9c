"""An organiser creates the seed webinar through the form in a real Chromium."""

import os

import pytest

from eventsite.demo import SEED_WEBINAR
from tests.factories import PASSWORD, make_organiser

pytestmark = pytest.mark.browser


def sign_in(page, base):
    page.goto(f"{base}/admin/")
    assert "/auth/sign-in" in page.url  # visitors are sent to sign in
    page.get_by_label("E-mail address").fill("ada@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/admin/")


def test_create_and_publish_the_seed_webinar(new_context, live_server, output_path):
    make_organiser()
    page = new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, live_server)
    page.get_by_role("link", name="New event").click()

    page.get_by_label("Title").fill(SEED_WEBINAR["title"])
    page.get_by_label("Summary").fill(SEED_WEBINAR["summary"])
    page.get_by_label("Description").fill(SEED_WEBINAR["description"])
    page.get_by_label("Tags").fill("Korea, Peace")
    page.get_by_label("Time zone").fill("America/New_York")
    page.get_by_label("Date").fill("2021-11-21")
    page.get_by_label("Starts").fill("11:00")
    page.get_by_label("Ends").fill("13:00")
    # The script previews the multi-zone line before anything is saved.
    preview = page.locator("#time-preview")
    preview.filter(has_text="11am EST").wait_for()
    assert preview.inner_text() == "11am EST, 8am PST, 4pm GMT, 5pm CET"

    # Optional parts are folded until opened.
    page.locator("summary", has_text="Who").click()
    page.locator("summary", has_text="Where").click()
    people = SEED_WEBINAR["speakers"]
    add = page.get_by_role("button", name="Add a speaker")
    while page.locator("[data-rows=speakers] fieldset.row").count() < len(people):
        add.click()
    for i, person in enumerate(people):
        page.fill(f"#speakers-{i}-name", person["name"])
        page.fill(f"#speakers-{i}-affiliation", person["affiliation"])
        page.select_option(f"#speakers-{i}-role", person.get("role", "speaker"))
    page.fill("#organisations-0-name", "International Manifesto Group")
    page.select_option("#organisations-0-role", "co_sponsor")
    page.fill("#locations-0-name", "Zoom")
    page.fill("#locations-0-url", "https://zoom.us/j/123")
    page.select_option("#locations-0-visibility", "registrants")
    page.fill("#locations-1-name", "YouTube")
    page.fill("#locations-1-url", "https://www.youtube.com/@img")
    page.get_by_label("External link (Eventbrite, …)").check()
    page.get_by_label("Registration link").fill("https://www.eventbrite.com/e/1")
    page.get_by_label("Link text").fill("Eventbrite")
    page.screenshot(path=os.path.join(output_path, "event-form.png"), full_page=True)

    page.get_by_role("button", name="Publish").click()
    page.locator(".flash-success").wait_for()
    assert "is saved as published" in page.locator(".flash-success").inner_text()
    page.get_by_role("link", name="Public page").click()

    facts = page.locator(".facts").inner_text()
    assert "Date: Sunday 21 November 2021" in facts
    assert "Time: 11am EST, 8am PST, 4pm GMT, 5pm CET" in facts
    assert "Location: Zoom and YouTube" in facts
    assert page.get_by_role("heading", name="Chair").is_visible()
    assert "Radhika Desai (Professor, University of Manitoba; Convenor of the International " \
           "Manifesto Group)" in page.locator(".people").last.inner_text()
    assert "zoom.us" not in page.content()
    page.screenshot(path=os.path.join(output_path, "public-page.png"), full_page=True)


def test_a_time_the_clocks_skip_is_refused_next_to_the_field(new_context, live_server,
                                                             output_path):
    make_organiser()
    page = new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, live_server)
    page.goto(f"{live_server}/admin/events/new")
    page.get_by_label("Title").fill("A night-time webinar")
    page.get_by_label("Time zone").fill("America/New_York")
    page.get_by_label("Date").fill("2026-03-08")
    page.get_by_label("Starts").fill("02:30")
    page.get_by_label("Ends").fill("04:00")
    page.get_by_role("button", name="Save as draft").click()

    error = page.locator("#start_time-error")
    assert error.inner_text().startswith(
        "2:30am on Sunday 8 March 2026 does not exist in America/New_York: the clocks go "
        "forward an hour at 2am, straight to 3am.")
    start = page.get_by_label("Starts")
    assert start.get_attribute("aria-invalid") == "true"
    assert start.get_attribute("aria-describedby") == "start_time-error"
    assert page.get_by_label("Title").input_value() == "A night-time webinar"  # input kept
    error.scroll_into_view_if_needed()
    page.screenshot(path=os.path.join(output_path, "gap-error.png"))


@pytest.mark.parametrize("scripts", [True, False], ids=["with-js", "without-js"])
def test_speaker_rows_are_reordered_and_removed(new_context, live_server, scripts):
    """With scripts a row moves in place; without, its button sends the form back with the
    row moved. Either way, what is saved is the order shown."""
    from eventsite.extensions import db
    from tests.factories import make_event

    make_organiser()
    event = make_event(title="Panel", speakers=[
        {"name": "Ana"}, {"name": "Ben", "role": "chair"}, {"name": "Cai"}])
    event_id = event.id
    page = new_context(viewport={"width": 390, "height": 900}, java_script_enabled=scripts,
                       is_mobile=True).new_page()
    sign_in(page, live_server)
    page.goto(f"{live_server}/admin/events/{event_id}/edit")
    names = page.locator("[data-rows=speakers] fieldset.row input[name$='-name']")
    assert page.get_by_role("button", name="Move up: Speaker 1").is_disabled()
    page.get_by_role("button", name="Move up: Speaker 3").click()
    page.wait_for_function("document.querySelector('#speakers-1-name').value === 'Cai'")
    assert [names.nth(i).input_value() for i in range(3)] == ["Ana", "Cai", "Ben"]
    assert page.locator("#speakers-2-role").input_value() == "chair"  # the role moves too
    page.get_by_role("button", name="Remove: Speaker 1").click()
    page.wait_for_function("document.querySelector('#speakers-0-name').value === 'Cai'")
    assert [names.nth(i).input_value() for i in range(2)] == ["Cai", "Ben"]
    page.get_by_role("button", name="Save changes").click()
    page.locator(".flash-success").wait_for()
    db.session.expire_all()
    saved = db.session.get(type(event), event_id)
    assert [(link.speaker.name, link.role.value) for link in saved.speaker_links] == [
        ("Cai", "speaker"), ("Ben", "chair")]
