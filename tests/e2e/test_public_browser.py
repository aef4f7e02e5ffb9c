"""The public pages in a real Chromium: what a visitor sees, wherever they are."""

import os

import pytest

from tests.factories import days_from_today, make_event, make_seed_webinar, wall

pytestmark = pytest.mark.browser

SEED_SLUG = "koreas-struggle-for-independence-peace-and-reunification"


def test_seed_webinar_in_tokyo_adds_your_time(new_context, live_server, output_path):
    make_seed_webinar()
    page = new_context(timezone_id="Asia/Tokyo", locale="ja-JP").new_page()
    page.goto(f"{live_server}/events/{SEED_SLUG}")
    time_line = page.locator(".facts time")
    assert time_line.inner_text() == "11am EST, 8am PST, 4pm GMT, 5pm CET"
    assert time_line.get_attribute("datetime") == "2021-11-21T16:00:00Z"
    # 16:00 UTC is 1am the next day in Tokyo, a zone the line does not show.
    assert page.locator(".facts .your-time").inner_text() == \
        "Your time: 1am, Monday 22 November (Tokyo)"
    page.screenshot(path=os.path.join(output_path, "seed-webinar-tokyo.png"), full_page=True)


def test_no_your_time_where_a_shown_zone_already_matches(new_context, live_server):
    make_seed_webinar()
    for zone in ("America/New_York", "Europe/Berlin"):  # Berlin keeps Paris's time
        page = new_context(timezone_id=zone).new_page()
        page.goto(f"{live_server}/events/{SEED_SLUG}")
        assert page.locator(".facts time").is_visible()
        assert page.locator(".your-time").count() == 0


def test_home_on_a_phone_without_javascript(new_context, live_server, output_path):
    make_event(title="Webinar in Shanghai", timezone="Asia/Shanghai",
               start=wall(days_from_today(5), 20), end=wall(days_from_today(5), 21, 30),
               summary="Economists in Beijing and London.",
               speakers=[{"name": "Keith Bennett"}], tags=["China"])
    context = new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                          java_script_enabled=False, timezone_id="Asia/Tokyo")
    page = context.new_page()
    page.goto(live_server + "/")
    card = page.locator("article.event-card").first
    assert "8pm Beijing" in card.locator("time").inner_text()
    assert page.locator(".your-time").count() == 0  # no script, still a complete page
    # Nothing wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=os.path.join(output_path, "home-phone.png"), full_page=True)
    page.get_by_role("link", name="Continue reading about Webinar in Shanghai").click()
    assert page.locator("h1").inner_text().startswith("Webinar in Shanghai")


def test_subscribe_menu_opens_without_javascript(new_context, live_server, output_path):
    make_event(title="Subscribable", start=wall(days_from_today(3), 11),
               end=wall(days_from_today(3), 12))
    page = new_context(java_script_enabled=False).new_page()
    page.goto(live_server + "/")
    menu = page.locator("details.subscribe")
    assert not menu.locator("input").is_visible()
    menu.locator("summary").click()
    assert menu.get_by_role("link", name="Open in your calendar app").get_attribute(
        "href") == "webcal://eventsite.test/calendar.ics"
    assert menu.locator("input").input_value() == "http://eventsite.test/calendar.ics"
    page.screenshot(path=os.path.join(output_path, "subscribe-menu.png"))
    page.get_by_role("link", name="Subscribable").click()
    assert page.get_by_role("link", name="Download .ics").is_visible()
    assert "calendar.google.com" in page.get_by_role(
        "link", name="Google Calendar").get_attribute("href")
