"""An attendee registers in Chromium, gets the e-mail, and cancels from the personal page."""

import os
import re

import pytest

from eventsite.demo import SEED_WEBINAR
from eventsite.services.events import create_event, parse_event
from tests.factories import days_from_today, wall

pytestmark = pytest.mark.browser


def test_register_for_the_seed_webinar_and_cancel(new_context, live_server, output_path, smtp):
    day = days_from_today(10)
    event = create_event(parse_event({
        **SEED_WEBINAR, "start": wall(day, 11), "end": wall(day, 13),
        "registration": {"mode": "builtin", "capacity": 100}}))
    page = new_context(viewport={"width": 390, "height": 844}, is_mobile=True).new_page()
    page.goto(f"{live_server}/events/{event.slug}")
    assert "100 seats left" in page.locator(".availability").inner_text()
    page.get_by_label("Name", exact=True).fill("Ana Núñez")
    page.get_by_label("E-mail address", exact=True).fill("ana@example.org")
    page.get_by_label("The organisers may keep my name").check()
    page.screenshot(path=os.path.join(output_path, "register-form.png"), full_page=True)
    page.get_by_role("button", name="Register").click()

    # The answer shows no personal link (anyone could have typed this address): the inbox has it.
    assert page.get_by_role("heading", name="Check your e-mail").is_visible()
    assert "/r/" not in page.content()
    (confirmation,) = smtp.to("ana@example.org")
    text = confirmation.get_body(("plain",)).get_content()
    personal_url = re.search(r"http://eventsite\.test(/r/\S+)", text).group(1)

    # From the link in the e-mail:
    page.goto(live_server + personal_url)
    # Their own join link, not the room's address (personal join links are on).
    assert page.locator('a[href^="http://eventsite.test/j/"]').is_visible()
    assert "https://zoom.us/j/0000000000" not in page.content()
    page.screenshot(path=os.path.join(output_path, "personal-page.png"), full_page=True)
    page.once("dialog", lambda dialog: dialog.accept())  # "Cancel your registration...?"
    page.get_by_role("button", name="Cancel my registration").click()
    assert "Your registration is cancelled" in page.locator(".flash-success").inner_text()
    assert page.locator(".badge").text_content() == "Cancelled"  # shown in capitals by CSS
    assert smtp.to("ana@example.org")[-1]["Subject"].startswith("Cancelled: Korea")
    page.goto(f"{live_server}/events/{event.slug}")
    assert "100 seats left" in page.locator(".availability").inner_text()
