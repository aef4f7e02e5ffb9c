"""The month calendar and the visitor's zone in a real Chromium, in Tokyo and Los Angeles."""

import os
import re

import pytest

from tests.factories import make_event, make_seed_webinar

pytestmark = pytest.mark.browser

SEED_SLUG = "koreas-struggle-for-independence-peace-and-reunification"


@pytest.fixture
def near_midnight(app):
    # 15:30 UTC on 10 March 2027: 00:30 on the 11th in Tokyo, 07:30 on the 10th in LA.
    make_event(title="Tokyo breakfast", timezone="UTC", start="2027-03-10T15:30",
               end="2027-03-10T16:30")
    # 06:30 UTC on 11 March 2027: 22:30 on the 10th in LA, 15:30 on the 11th in Tokyo.
    make_event(title="LA late show", timezone="UTC", start="2027-03-11T06:30",
               end="2027-03-11T07:30")
    from eventsite.services.events import cancel_event

    cancel_event(make_event(title="Called off", timezone="UTC", start="2027-03-20T12:00",
                            end="2027-03-20T13:00"))


def cell_of(page, title: str) -> str:
    return page.locator("table.calendar td.day", has_text=title).get_attribute("data-date")


@pytest.mark.parametrize("zone, breakfast, late_show, clock", [
    ("Asia/Tokyo", "2027-03-11", "2027-03-11", "12:30am"),
    ("America/Los_Angeles", "2027-03-10", "2027-03-10", "10:30pm"),
])
def test_events_near_midnight_land_on_the_visitors_day(new_context, live_server, output_path,
                                                      near_midnight, zone, breakfast,
                                                      late_show, clock):
    page = new_context(timezone_id=zone, viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{live_server}/calendar/2027/03")  # the script asks for the visitor's zone
    page.wait_for_url(re.compile(rf"/calendar/2027/03\?tz={zone.replace('/', '%2F')}$"))
    assert cell_of(page, "Tokyo breakfast") == breakfast
    assert cell_of(page, "LA late show") == late_show
    assert page.locator("table.calendar", has_text=clock).count() == 1
    struck = page.locator("table.calendar del", has_text="Called off")
    assert "line-through" in struck.evaluate("e => getComputedStyle(e).textDecorationLine")
    page.screenshot(path=os.path.join(output_path, f"calendar-{zone.replace('/', '-')}.png"),
                    full_page=True)


def test_calendar_by_keyboard(new_context, live_server, near_midnight):
    page = new_context(timezone_id="Asia/Tokyo").new_page()
    page.goto(f"{live_server}/calendar/2027/03?tz=Asia/Tokyo")
    first = page.locator("td.day[data-date='2027-03-01']")
    first.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowRight")
    focused = page.evaluate("document.activeElement.getAttribute('data-date')")
    assert focused == "2027-03-09"
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")  # into the day's first event
    assert page.evaluate("document.activeElement.textContent").strip().endswith(
        "Tokyo breakfast")
    page.keyboard.press("PageDown")
    page.wait_for_url(re.compile(r"/calendar/2027/04\?tz=Asia(/|%2F)Tokyo$"))


def test_phone_agenda_without_javascript(new_context, live_server, output_path, near_midnight):
    context = new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                          java_script_enabled=False, timezone_id="America/Los_Angeles")
    page = context.new_page()
    page.goto(f"{live_server}/calendar/2027/03")
    assert not page.locator("table.calendar").is_visible()
    agenda = page.locator("section.agenda")
    assert agenda.get_by_role("heading", name="Wednesday 10 March 2027").is_visible()
    page.select_option("#calendar-tz", "Asia/Tokyo")  # the zone form works without a script
    page.get_by_role("button", name="Show").click()
    assert agenda.get_by_role("heading", name="Thursday 11 March 2027").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=os.path.join(output_path, "calendar-phone.png"), full_page=True)


def test_chosen_zone_is_remembered_and_applied(new_context, live_server, output_path):
    make_seed_webinar()
    context = new_context(timezone_id="America/New_York")
    page = context.new_page()
    page.goto(f"{live_server}/events/{SEED_SLUG}")
    assert page.locator(".facts .your-time").count() == 0  # New York is shown already
    page.select_option("#zone-chooser", "Asia/Kolkata")
    assert page.locator(".facts .your-time").inner_text() == \
        "Your time: 9:30pm, Sunday 21 November (Kolkata)"
    assert page.locator(".facts time").inner_text() == "11am EST, 8am PST, 4pm GMT, 5pm CET"
    other = context.new_page()  # another page, the same browser: remembered
    other.goto(f"{live_server}/")
    other.goto(f"{live_server}/events/past")
    assert "(Kolkata)" in other.locator(".your-time").first.inner_text()
    other.goto(f"{live_server}/calendar/2021/11")
    other.wait_for_url(re.compile(r"/calendar/2021/11\?tz=Asia(/|%2F)Kolkata$"))
    other.screenshot(path=os.path.join(output_path, "calendar-kolkata.png"), full_page=True)
    other.select_option("#zone-chooser", index=0)  # back to the device's zone:
    # the calendar is drawn again for it (let that navigation end before starting another)
    other.wait_for_url(re.compile(r"/calendar/2021/11\?tz=America(/|%2F)New_York$"))
    other.goto(f"{live_server}/events/{SEED_SLUG}")
    assert other.locator(".facts time").inner_text() == "11am EST, 8am PST, 4pm GMT, 5pm CET"
    assert other.locator(".facts .your-time").count() == 0
