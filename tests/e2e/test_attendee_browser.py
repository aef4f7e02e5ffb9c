"""An attendee in India, in Chromium: registers (the form takes the browser's zone), reads the
mail (real SMTP), opens the personal feed, and follows the personal join link before and
during the event's window."""

import os
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from eventsite.extensions import db
from eventsite.models import Registration
from eventsite.services import events as event_service
from tests.calendars import icaljs
from tests.factories import make_event

pytestmark = pytest.mark.browser


def london_wall(minutes: int) -> datetime:
    moment = datetime.now(UTC) + timedelta(minutes=minutes)
    return moment.astimezone(ZoneInfo("Europe/London")).replace(tzinfo=None, second=0,
                                                                microsecond=0)


def test_an_attendee_in_kolkata(new_context, live_server, output_path, smtp):
    room = f"{live_server}/events/past?room=1"  # stands in for the Zoom room: no internet here
    start = london_wall(3 * 60)
    event = make_event(
        title="Peace webinar", timezone="Europe/London",
        start=start.isoformat(timespec="minutes"),
        end=(start + timedelta(hours=1)).isoformat(timespec="minutes"),
        registration={"mode": "builtin", "capacity": 50},
        locations=[{"name": "Zoom", "url": room, "visibility": "registrants"}])
    context = new_context(timezone_id="Asia/Kolkata", locale="en-IN")
    page = context.new_page()
    page.goto(f"{live_server}/events/{event.slug}")
    zone = page.get_by_label("Your time zone", exact=True)
    assert zone.input_value() == "Asia/Kolkata"  # from the browser, not the event's London
    page.get_by_label("Name", exact=True).fill("Ana Rao")
    page.get_by_label("E-mail address", exact=True).fill("ana@example.org")
    page.get_by_label("The organisers may keep my name").check()
    page.get_by_role("button", name="Register").click()
    assert page.get_by_role("heading", name="Check your e-mail").is_visible()

    (mail,) = smtp.to("ana@example.org")
    text = mail.get_body(("plain",)).get_content()
    assert re.search(r"Your time: \d{1,2}(:\d\d)?[ap]m IST", text), text
    assert room not in text
    join = re.search(r"http://eventsite\.test(/j/\S+)", text).group(1)
    personal = re.search(r"http://eventsite\.test(/r/\S+)", text).group(1)

    # The personal page gives the feed; the feed holds the seat with the join link.
    page.goto(live_server + personal)
    assert room not in page.content()
    feed = re.search(r"http://eventsite\.test(/feeds/me/\S+?\.ics)", page.content()).group(1)
    answer = page.request.get(live_server + feed)
    assert answer.status == 200 and answer.headers["cache-control"].startswith("private")
    (entry,) = icaljs(answer.body())["events"]
    assert entry["summary"] == "Peace webinar" and join in entry["description"]
    assert room not in answer.text()

    # Before the window: when the room opens, in London's time and theirs.
    page.goto(live_server + join)
    opens = page.locator(".join-opens").inner_text()
    assert "BST" in opens or "GMT" in opens
    assert "IST" in opens
    page.screenshot(path=os.path.join(output_path, "join-before.png"), full_page=True)
    db.session.expire_all()
    assert db.session.scalar(db.select(Registration.joined_at)) is None

    # The organiser moves it to start in five minutes: the same link now opens the room.
    moved = london_wall(5)
    event_service.update_event(event, event_service.event_input_from(
        event, starts_local=moved, ends_local=moved + timedelta(hours=1)))
    notice = smtp.to("ana@example.org")[-1]
    assert notice["Subject"].startswith("Changed: Peace webinar")
    assert "Your time:" in notice.get_body(("plain",)).get_content()
    page.goto(live_server + join)
    assert page.url == room
    db.session.expire_all()
    assert db.session.scalar(db.select(Registration.joined_at)) is not None
