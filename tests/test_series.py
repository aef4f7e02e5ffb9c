"""Recurring series through the services, the database, the API and the pages."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from eventsite.extensions import db
from eventsite.models import Occurrence, OccurrenceStatus
from eventsite.services import events as event_service
from eventsite.services import series
from eventsite.services.errors import ValidationError
from tests.factories import make_event

# Every Tuesday at 7pm London, from the first Tuesday of March 2027 (before both clock changes).
TUESDAYS = {
    "title": "Reading group",
    "start": "2027-03-02T19:00",
    "end": "2027-03-02T20:00",
    "timezone": "Europe/London",
    "recurrence": {"rule": "FREQ=WEEKLY;BYDAY=TU;COUNT=12", "except": ["2027-04-06"]},
    "occurrences": [
        {"date": "2027-03-23", "status": "cancelled", "note": "Room closed"},
        {"date": "2027-03-30", "start": "2027-03-31T18:30", "end": "2027-03-31T20:00",
         "note": "On Wednesday this week"},
    ],
}


def rows(event) -> list[Occurrence]:
    return list(db.session.scalars(select(Occurrence).where(Occurrence.event_id == event.id)
                                   .order_by(Occurrence.starts_utc)))


def test_a_series_is_kept_as_occurrence_rows(app):
    event = make_event(**TUESDAYS)
    assert event.recurrence_rule == "FREQ=WEEKLY;BYDAY=TU;COUNT=12"
    assert event.recurrence_exceptions == ["2027-04-06"]
    found = rows(event)
    assert len(found) == 11  # twelve dates, one left out
    assert date(2027, 4, 6) not in [o.day for o in found]
    # 7pm London is 19:00 UTC in winter and 18:00 UTC in summer time.
    assert found[0].starts_utc == datetime(2027, 3, 2, 19)
    assert found[5].starts_utc == datetime(2027, 4, 13, 18)
    assert all(o.starts_local.hour == 19 for o in found if not o.moved)
    cancelled = next(o for o in found if o.day == date(2027, 3, 23))
    assert cancelled.status is OccurrenceStatus.CANCELLED and cancelled.note == "Room closed"
    moved = next(o for o in found if o.day == date(2027, 3, 30))
    assert moved.moved and moved.starts_utc == datetime(2027, 3, 31, 17, 30)
    assert moved.ends_utc == datetime(2027, 3, 31, 19)
    assert event.series_ends_utc == found[-1].ends_utc


@pytest.mark.parametrize(("change", "key", "message"), [
    ({"recurrence": {"rule": "FREQ=WEEKLY;BYDAY=TU"}}, "recurrence.rule", "must end"),
    ({"recurrence": {"rule": "FREQ=WEEKLY;BYDAY=WE;COUNT=3"}}, "start", "is not one of"),
    ({"recurrence": {"rule": "FREQ=WEEKLY;BYDAY=TU;COUNT=3", "except": ["2027-03-03"]}},
     "recurrence.except", "2027-03-03 is not one of the series' dates"),
    ({"recurrence": {"rule": "FREQ=WEEKLY;BYDAY=TU;COUNT=3", "except": ["soon"]}},
     "recurrence.except", "is not a date"),
    ({"recurrence": "weekly"}, "recurrence", "must be an object"),
    ({"recurrence": None, "occurrences": [{"date": "2027-03-02", "status": "cancelled"}]},
     "occurrences", "only a series"),
    ({"occurrences": [{"date": "2027-03-03", "status": "cancelled"}]},
     "occurrences[0].date", "is not one of the series' dates"),
    ({"occurrences": [{"date": "2027-03-09", "status": "gone"}]},
     "occurrences[0].status", "is not one of"),
    ({"occurrences": [{"date": "2027-03-09", "start": "2027-03-28T01:30"}]},
     "occurrences[0].start", "does not exist"),
])
def test_series_errors_name_the_field(app, change, key, message):
    record = {**TUESDAYS, **change}
    with pytest.raises(ValidationError) as caught:
        make_event(**record)
    assert message in caught.value.errors[key]


def test_editing_the_rule_recomputes_the_rows_and_keeps_the_changes(app):
    event = make_event(**TUESDAYS)
    revision = event.revision
    data = event_service.event_input_from(event)
    data.recurrence = series.RecurrenceInput("FREQ=WEEKLY;BYDAY=TU;COUNT=5")
    event_service.update_event(event, data)
    found = rows(event)
    assert [o.day for o in found] == [date(2027, 3, d) for d in (2, 9, 16, 23, 30)]
    assert found[3].status is OccurrenceStatus.CANCELLED  # the change to 23 March stays
    assert event.revision == revision + 1
    # Made a single event again: no rows are left.
    data = event_service.event_input_from(event, recurrence=None)
    event_service.update_event(event, data)
    assert rows(event) == [] and event.series_ends_utc is None


def test_deleting_a_draft_series_deletes_its_rows(app):
    event = make_event(**{**TUESDAYS, "status": "draft"})
    event_service.delete_draft(event)
    assert db.session.scalar(select(db.func.count(Occurrence.id))) == 0


def test_recompute_utc_rederives_occurrences(app, runner):
    event = make_event(**TUESDAYS)
    # As if the rows had been derived under other tz rules: an hour off.
    for row in rows(event):
        row.starts_utc -= timedelta(hours=1)
    db.session.commit()
    result = runner.invoke(args=["recompute-utc"])
    assert "moved: reading-group" in result.output
    assert rows(event)[0].starts_utc == datetime(2027, 3, 2, 19)
    result = runner.invoke(args=["recompute-utc"])
    assert "0 event(s) moved" in result.output


# --- pages and the API --------------------------------------------------------------------------

def future_tuesdays(count=6, **fields):
    """A weekly series starting next Tuesday or later (so its dates are upcoming)."""
    first = date.today() + timedelta(days=(1 - date.today().weekday()) % 7 or 7)
    record = {**TUESDAYS, "start": f"{first}T19:00", "end": f"{first}T20:00",
              "recurrence": {"rule": f"FREQ=WEEKLY;BYDAY=TU;COUNT={count}"},
              "occurrences": [{"date": str(first + timedelta(days=7)), "status": "cancelled",
                               "note": "Room closed"}], **fields}
    return make_event(**record), first


def test_home_lists_a_series_once_at_its_next_date_with_its_rhythm(client, app):
    event, first = future_tuesdays()
    later = make_event(title="Later talk", start=f"{first + timedelta(days=1)}T10:00",
                       end=f"{first + timedelta(days=1)}T11:00")
    page = client.get("/").get_data(as_text=True)
    assert page.count("Reading group</a>") == 1
    assert "Every Tuesday at 7pm London time, 6 times" in page
    assert page.index("Reading group") < page.index(later.title)
    assert f"/events/reading-group/{first}" in page


def test_add_to_google_calendar_repeats_a_series(client, app):
    future_tuesdays()
    page = client.get("/events/reading-group").get_data(as_text=True)
    assert "recur=RRULE%3AFREQ%3DWEEKLY%3BBYDAY%3DTU%3BCOUNT%3D6" in page
    assert "Every+Tuesday+at+7pm+London+time" in page


def test_search_engines_see_a_series_next_date(client, app):
    import json

    next_tuesday = date.today() + timedelta(days=(1 - date.today().weekday()) % 7 or 7)
    began = next_tuesday - timedelta(days=21)  # three dates are past
    make_event(**{**TUESDAYS, "start": f"{began}T19:00", "end": f"{began}T20:00",
                  "recurrence": {"rule": "FREQ=WEEKLY;BYDAY=TU;COUNT=6"}, "occurrences": []})
    page = client.get("/events/reading-group").get_data(as_text=True)
    data = json.loads(page.split('<script type="application/ld+json">')[1].split("</script>")[0])
    upcoming = client.get("/api/events/reading-group").get_json()["occurrences"]
    assert data["startDate"] == upcoming[0]["start"]
    assert data["startDate"] > f"{began}T23:59"  # not the first, past, date


def test_the_atom_feed_says_a_series_rhythm(client, app):
    future_tuesdays()
    assert "Every Tuesday at 7pm London time, 6 times. " in client.get("/events.atom").get_data(
        as_text=True)


def test_the_series_page_shows_rhythm_and_dates_and_each_date_has_a_page(client, app):
    event, first = future_tuesdays()
    page = client.get("/events/reading-group").get_data(as_text=True)
    assert "Every Tuesday at 7pm London time, 6 times" in page
    assert page.count('class="date-item') == 6
    assert "Room closed" in page and "badge-cancelled" in page
    dated = client.get(f"/events/reading-group/{first + timedelta(days=7)}")
    assert dated.status_code == 200
    assert "This date has been cancelled." in dated.get_data(as_text=True)
    assert client.get(f"/events/reading-group/{first + timedelta(days=1)}").status_code == 404
    assert client.get("/events/reading-group/someday").status_code == 404


def test_the_api_shows_the_rule_and_the_dates(client, app):
    event, first = future_tuesdays()
    body = client.get("/api/events/reading-group").get_json()
    assert body["recurrence"] == {"rule": "FREQ=WEEKLY;BYDAY=TU;COUNT=6", "except": []}
    assert body["rhythm"] == "Every Tuesday at 7pm London time, 6 times"
    dates = body["occurrences"]
    assert len(dates) == 6
    assert dates[1]["status"] == "cancelled" and dates[1]["note"] == "Room closed"
    assert dates[0]["start"].startswith(f"{first}T19:00:00")
    assert dates[0]["display_times"][0] in ("7pm GMT", "7pm BST")
    assert dates[0]["url"].endswith(f"/events/reading-group/{first}")
    # from/to choose other dates.
    later = client.get(f"/api/events/reading-group?from={first + timedelta(days=14)}").get_json()
    assert len(later["occurrences"]) == 4
    only = client.get(f"/api/events/reading-group?from={first}&to={first}").get_json()
    assert [d["date"] for d in only["occurrences"]] == [str(first)]


def test_the_api_lists_each_upcoming_occurrence_in_time_order(client, app):
    event, first = future_tuesdays(count=3)
    single = make_event(title="Wednesday talk", start=f"{first + timedelta(days=1)}T10:00",
                        end=f"{first + timedelta(days=1)}T11:00")
    body = client.get("/api/events").get_json()
    listed = [(e.get("series"), e["slug"], e["start_utc"]) for e in body["events"]]
    assert [slug for _series, slug, _start in listed] == [
        "reading-group", single.slug, "reading-group", "reading-group"]
    assert [s for s, _slug, _start in listed] == ["reading-group", None, "reading-group",
                                                 "reading-group"]
    assert [start for *_rest, start in listed] == sorted(start for *_rest, start in listed)
    assert body["next"] is None
    assert body["events"][2]["status"] == "cancelled"


def test_the_past_archive_lists_dates_that_happened(client, app):
    make_event(**{**TUESDAYS, "start": "2021-03-02T19:00", "end": "2021-03-02T20:00",
                          "recurrence": {"rule": "FREQ=WEEKLY;BYDAY=TU;COUNT=3"},
                          "occurrences": []})
    page = client.get("/events/past").get_data(as_text=True)
    assert page.count("Reading group</a>") == 3
    assert page.index("Tuesday 16 March 2021") < page.index("Tuesday 2 March 2021")


@pytest.mark.settings(PAGE_CACHE_SECONDS=0)  # measure the rendering, not the page cache
def test_listings_read_series_in_a_fixed_number_of_queries(client, app):
    from tests.sql import counting_statements

    def statements(url: str) -> int:
        db.session.expunge_all()
        with counting_statements() as sent:
            assert client.get(url).status_code == 200
        return len(sent)

    def add(n: int, offset: int = 0):
        for i in range(offset, offset + n):
            future_tuesdays(count=8, title=f"Series {i}", slug=f"series-{i}")
            make_event(title=f"Talk {i}", tags=["all"])
            make_event(**{**TUESDAYS, "title": f"Old {i}", "slug": f"old-{i}",
                          "start": "2021-03-02T19:00", "end": "2021-03-02T20:00",
                          "recurrence": {"rule": "FREQ=WEEKLY;BYDAY=TU;COUNT=3"},
                          "occurrences": []})

    urls = ("/", "/api/events", "/events/past", "/events/series-0", "/api/events/series-0",
            "/tags/all", "/calendar.ics")
    add(1)
    few = {url: statements(url) for url in urls}
    add(4, offset=1)
    assert {url: statements(url) for url in urls} == few


def test_paging_the_api_by_cursor_walks_every_occurrence_once(client, app):
    future_tuesdays(count=5)
    for i in range(3):
        make_event(title=f"Talk {i}")
    seen, url = [], "/api/events?per_page=2"
    for _ in range(10):  # bounded: 8 entries at 2 a page
        body = client.get(url).get_json()
        seen += [(e["slug"], e["start_utc"]) for e in body["events"]]
        if not body["next"]:
            break
        url = body["next"].split("://", 1)[1].split("/", 1)[1]
        url = "/" + url
    assert len(seen) == 8 and len(set(seen)) == 8
    assert [start for _slug, start in seen] == sorted(start for _slug, start in seen)


@pytest.mark.settings(EVENTS_PER_PAGE=2)
def test_paging_the_archive_by_cursor_walks_every_date_once(client, app):
    make_event(**{**TUESDAYS, "start": "2021-03-02T19:00", "end": "2021-03-02T20:00",
                  "recurrence": {"rule": "FREQ=WEEKLY;BYDAY=TU;COUNT=3"}, "occurrences": []})
    make_event(title="Old talk", start="2021-03-10T10:00", end="2021-03-10T11:00")
    pages, url = [], "/events/past"
    for _ in range(5):
        html = client.get(url).get_data(as_text=True)
        pages.append(re.findall(r'class="event-date">([^<]+)<', html))
        found = re.search(r'rel="next" href="([^"]+)"', html)
        if not found:
            break
        url = found.group(1).replace("&amp;", "&")
    assert pages == [["Tuesday 16 March 2021", "Wednesday 10 March 2021"],
                     ["Tuesday 9 March 2021", "Tuesday 2 March 2021"]]


def test_a_dates_page_is_laid_out_like_the_event_page(client, app):
    """Its own date block, the facts, and a side panel back to the series and its calendar."""
    make_event(**TUESDAYS)
    html = client.get("/events/reading-group/2027-03-30").get_data(as_text=True)
    assert '<header class="event-hero">' in html
    assert re.search(r'class="date-block"[^>]*><span class="month">Mar</span>'
                     r'<span class="day">31</span>', html)  # moved to the Wednesday
    aside = html[html.index('<aside class="event-aside"'):]
    assert "Every date of this series" in aside and "/events/reading-group.ics" in aside
