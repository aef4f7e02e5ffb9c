"""A weekly series made in a real Chromium: "every Tuesday 7pm Europe/London, 12 times", one date
cancelled and one moved; the pages, the calendar file and the registration agree."""

from __future__ import annotations

import email
import os
from datetime import datetime
from email import policy

import icalendar
import pytest
import recurring_ical_events

from eventsite.extensions import db
from eventsite.models import OutboxMessage
from eventsite.services import mail
from tests.e2e.test_organiser_browser import sign_in
from tests.factories import make_organiser

pytestmark = pytest.mark.browser


def expanded(data: bytes) -> list[tuple[int, int]]:
    """The dates a calendar shows as happening (cancelled ones left out), as epochs."""
    calendar = icalendar.Calendar.from_ical(data)
    return sorted((int(e["DTSTART"].dt.timestamp()), int(e["DTEND"].dt.timestamp()))
                  for e in recurring_ical_events.of(calendar).between(
                      datetime(2000, 1, 1), datetime(2040, 1, 1))
                  if str(e.get("STATUS", "")) != "CANCELLED")


def api_dates(page, base: str, slug: str) -> list[dict]:
    return page.request.get(f"{base}/api/events/{slug}?from=2000-01-01").json()["occurrences"]


def epochs(dates: list[dict]) -> list[tuple[int, int]]:
    def epoch(text):
        return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())
    return sorted((epoch(d["start_utc"]), epoch(d["end_utc"])) for d in dates
                  if d["status"] != "cancelled")


def test_a_weekly_series_with_a_cancelled_and_a_moved_date(new_context, live_server,
                                                            output_path):
    make_organiser()
    page = new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, live_server)
    page.goto(f"{live_server}/admin/events/new")
    page.get_by_label("Title").fill("Tuesday reading group")
    page.get_by_label("Time zone").fill("Europe/London")
    page.get_by_label("Date").fill("2027-02-23")  # 12 Tuesdays across both March changes
    page.get_by_label("Starts").fill("19:00")
    page.get_by_label("Ends").fill("20:00")
    page.get_by_label("Also show the time in").fill("America/New_York, Europe/London")
    page.get_by_label("Repeats").select_option("weekly")
    page.get_by_label("Tuesday", exact=True).check()
    page.get_by_label("After a number of times").check()
    page.get_by_label("Times", exact=True).fill("12")
    # The script previews the dates, each with the multi-zone line, before anything is saved.
    preview = page.locator("#series-preview")
    preview.filter(has_text="Every Tuesday at 7pm London time, 12 times").wait_for()
    lines = preview.locator("li").all_inner_texts()
    assert lines[:4] == ["Tuesday 23 February 2027: 7pm GMT, 2pm EST",
                         "Tuesday 2 March 2027: 7pm GMT, 2pm EST",
                         "Tuesday 9 March 2027: 7pm GMT, 2pm EST",
                         "Tuesday 16 March 2027: 7pm GMT, 3pm EDT"]
    # Choices that do not apply to a weekly series are hidden.
    assert not page.get_by_label("Rule (RFC 5545 RRULE)").is_visible()
    page.get_by_label("On this site, with capacity and a waitlist").check()
    page.get_by_label("Seats").fill("10")
    page.screenshot(path=os.path.join(output_path, "series-form.png"), full_page=True)
    page.get_by_role("button", name="Publish").click()
    page.locator(".flash-success").wait_for()

    # One date cancelled with a note, one moved to the Wednesday.
    page.get_by_role("link", name="Tuesday 16 March 2027").click()
    page.get_by_label("Note for visitors").fill("Room closed this week")
    page.get_by_role("button", name="Cancel this date only").click()
    page.locator(".flash-success").wait_for()
    page.get_by_role("link", name="Tuesday 23 March 2027").click()
    page.get_by_label("Starts").fill("2027-03-24T18:30")
    page.get_by_label("Ends").fill("2027-03-24T20:00")
    page.get_by_label("Note for visitors").fill("On Wednesday this week")
    page.get_by_role("button", name="Save this date").click()
    page.locator(".flash-success").wait_for()
    slug = "tuesday-reading-group"

    # The series page: the rhythm, the dates, the cancelled and moved ones marked.
    visitor = new_context(viewport={"width": 390, "height": 844},
                          timezone_id="America/New_York").new_page()
    visitor.goto(f"{live_server}/events/{slug}")
    facts = visitor.locator(".facts").inner_text()
    assert "Every Tuesday at 7pm London time, 12 times" in facts
    items = visitor.locator(".date-item").all_inner_texts()
    assert len(items) == 12
    assert "CANCELLED" in items[3].upper() and "Room closed this week" in items[3]
    assert "Wednesday 24 March 2027" in items[4] and "6:30pm GMT" in items[4]
    visitor.screenshot(path=os.path.join(output_path, "series-page.png"), full_page=True)
    visitor.get_by_role("link", name="Tuesday 16 March 2027").click()
    assert "This date has been cancelled." in visitor.content()

    # The calendar file expands to exactly the API's dates.
    dates = api_dates(visitor, live_server, slug)
    assert len(dates) == 12 and dates[3]["status"] == "cancelled"
    ics = visitor.request.get(f"{live_server}/events/{slug}.ics").body()
    assert expanded(ics) == epochs(dates)
    assert len(epochs(dates)) == 11

    # Registering once for the series: the invitation carries the same dates.
    visitor.goto(f"{live_server}/events/{slug}")
    visitor.get_by_label("Name", exact=True).fill("Ana Núñez")
    visitor.get_by_label("E-mail address", exact=True).fill("ana@example.org")
    visitor.get_by_label("The organisers may keep my name").check()
    visitor.get_by_role("button", name="Register").click()
    visitor.get_by_role("heading", name="Check your e-mail").wait_for()
    db.session.expire_all()
    (stored,) = db.session.scalars(db.select(OutboxMessage).where(
        OutboxMessage.recipient == "ana@example.org"))
    message = email.message_from_bytes(mail.message_bytes(stored), policy=policy.default)
    (invite,) = [part for part in message.walk()
                 if part.get_content_type() == "text/calendar"]
    content = invite.get_content()
    assert expanded(content.encode() if isinstance(content, str) else content) == \
        epochs(dates)
