"""Organisers make, preview and edit a series in the event form, and change single dates."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from eventsite.extensions import db
from eventsite.models import Event, Occurrence, OccurrenceStatus
from tests.factories import make_organiser
from tests.test_admin_events import new_event, only_event
from tests.web import csrf_token, field_errors, sign_in

# Every Tuesday at 7pm London, 12 times, from the first Tuesday of March 2027.
WEEKLY = {"title": "Reading group", "timezone": "Europe/London", "date": "2027-03-02",
          "start_time": "19:00", "end_time": "20:00",
          "display_timezones": "America/New_York, Europe/London",
          "registration_mode": "none", "repeats": "weekly", "repeat_interval": "1",
          "repeat_days": ["TU"], "ends": "count", "ends_count": "12",
          "except_dates": "2027-04-06"}


@pytest.fixture
def organiser(client, app):
    user = make_organiser(is_admin=True)
    sign_in(client)
    return user


def dates(event) -> list[Occurrence]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(Occurrence).where(Occurrence.event_id == event.id)
                                   .order_by(Occurrence.starts_utc)))


def test_make_a_weekly_series_in_the_form(client, organiser):
    response = new_event(client, **WEEKLY)
    assert response.status_code == 302, field_errors(response)
    event = only_event()
    assert event.recurrence_rule == "FREQ=WEEKLY;BYDAY=TU;COUNT=12"
    assert event.recurrence_exceptions == ["2027-04-06"]
    assert len(dates(event)) == 11
    # The form shows it back as it was made.
    page = client.get(f"/admin/events/{event.id}/edit").get_data(as_text=True)
    assert '<option selected value="weekly">' in page
    assert 'value="TU" checked' in page or 'checked id="repeat_days-1"' in page
    assert 'value="2027-04-06"' in page
    assert "Dates of this series" in page


@pytest.mark.parametrize(("changes", "rule"), [
    ({"repeats": "daily", "ends": "until", "ends_on": "2027-03-10"},
     "FREQ=DAILY;UNTIL=20270310"),
    ({"repeats": "weekly", "repeat_interval": "2", "repeat_days": ["TU", "TH"]},
     "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;COUNT=12"),
    ({"repeats": "monthly", "monthly_by": "weekday"}, "FREQ=MONTHLY;BYDAY=1TU;COUNT=12"),
    ({"repeats": "monthly", "monthly_by": "date"}, "FREQ=MONTHLY;BYMONTHDAY=2;COUNT=12"),
    ({"repeats": "custom", "custom_rule": "FREQ=YEARLY;COUNT=3"}, "FREQ=YEARLY;COUNT=3"),
])
def test_each_kind_of_repeat(client, organiser, changes, rule):
    response = new_event(client, **{**WEEKLY, "except_dates": "", **changes})
    assert response.status_code == 302, field_errors(response)
    assert only_event().recurrence_rule == rule


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"repeats": "weekly", "repeat_days": ["WE"]}, "date", None),
    ({"ends": "until", "ends_on": ""}, "ends_on", "Give the last date"),
    ({"except_dates": "2027-03-03"}, "except_dates", "2027-03-03 is not one of"),
    ({"except_dates": "soon"}, "except_dates", "is not a date"),
    ({"repeats": "custom", "custom_rule": "FREQ=HOURLY;COUNT=2"}, "custom_rule",
     "FREQ must be"),
])
def test_series_errors_are_shown_next_to_their_field_and_input_is_kept(
        client, organiser, changes, field, message):
    response = new_event(client, **{**WEEKLY, **changes})
    assert response.status_code == 422
    errors = field_errors(response)
    key = "start_time" if field == "date" else field
    assert key in errors, errors
    if message:
        assert message in errors[key]
    assert 'value="Reading group"' in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Event.id))) == 0


def test_the_preview_button_shows_the_dates_and_the_clock_changes_without_scripts(
        client, organiser):
    # 1:30am London on Sundays: the clocks skip it on 28 March 2027.
    response = new_event(client, **{**WEEKLY, "date": "2027-03-14", "start_time": "01:30",
                                    "end_time": "02:00", "repeat_days": ["SU"],
                                    "except_dates": "", "action": "preview"})
    page = response.get_data(as_text=True)
    assert "Every Sunday at 1:30am London time, 12 times" in page
    assert "Sunday 14 March 2027: 1:30am GMT, 8:30pm EST (Sat 13 Mar)" in page
    assert "Sunday 28 March 2027: 2:30am BST, 9:30pm EDT (Sat 27 Mar)" in page
    assert ("Sunday 28 March 2027: the clocks skip 1:30am in London; it starts at 2:30am "
            "BST.") in page
    assert db.session.scalar(db.select(db.func.count(Event.id))) == 0


def test_the_scripts_preview_answers_with_dates_and_warnings(client, organiser):
    body = client.get("/admin/series-preview", query_string={
        **WEEKLY, "repeat_days": "TU", "except_dates": ""}).get_json()
    series = body["series"]
    assert series["rhythm"] == "Every Tuesday at 7pm London time, 12 times"
    assert series["total"] == 12
    assert series["dates"][2] == {"date": "Tuesday 16 March 2027",
                                  "line": "7pm GMT, 3pm EDT"}
    assert series["warnings"] == []


def test_edit_one_date_then_cancel_another_with_a_note(client, organiser):
    new_event(client, **{**WEEKLY, "action": "publish"})
    event = only_event()
    revision = event.revision
    url = f"/admin/events/{event.id}/dates/2027-03-30"
    page = client.get(url).get_data(as_text=True)
    assert "this date only" in page
    token = csrf_token(client, url)
    response = client.post(url, data={"csrf_token": token, "start": "2027-03-31T18:30",
                                      "end": "2027-03-31T20:00", "status": "scheduled",
                                      "note": "On Wednesday this week", "action": "save"})
    assert response.status_code == 302, field_errors(response)
    url = f"/admin/events/{event.id}/dates/2027-03-23"
    response = client.post(url, data={"csrf_token": token, "start": "2027-03-23T19:00",
                                      "end": "2027-03-23T20:00", "status": "scheduled",
                                      "note": "Room closed", "action": "cancel"})
    assert response.status_code == 302, field_errors(response)
    found = {o.day: o for o in dates(event)}
    assert found[date(2027, 3, 30)].moved
    assert found[date(2027, 3, 30)].starts_utc == datetime(2027, 3, 31, 17, 30)
    assert found[date(2027, 3, 23)].status is OccurrenceStatus.CANCELLED
    assert found[date(2027, 3, 23)].note == "Room closed"
    assert sum(o.changed for o in found.values()) == 2
    db.session.expire_all()
    assert db.session.get(Event, event.id).revision == revision + 2
    # The whole series edited afterwards keeps the changed dates.
    assert client.get(f"/api/events/{event.slug}?from=2027-03-23&to=2027-03-23").get_json()[
        "occurrences"][0]["status"] == "cancelled"


def test_a_moved_date_in_the_gap_is_refused_next_to_the_start(client, organiser):
    new_event(client, **{**WEEKLY, "action": "publish"})
    event = only_event()
    url = f"/admin/events/{event.id}/dates/2027-03-23"
    token = csrf_token(client, url)
    response = client.post(url, data={"csrf_token": token, "start": "2027-03-28T01:30",
                                      "status": "scheduled", "action": "save"})
    assert response.status_code == 422
    assert "does not exist" in field_errors(response)["start"]
