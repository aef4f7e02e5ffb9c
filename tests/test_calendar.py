"""The month calendar at /calendar/YYYY/MM: days in the chosen zone, without JavaScript."""

import re

import pytest

from tests.factories import make_event
from tests.sql import counting_statements


def day_of(page: str, title: str) -> str:
    """The data-date of the grid cell that lists `title`."""
    cells = re.findall(r'<td class="day[^"]*" data-date="([\d-]+)"[^>]*>(.*?)</td>', page, re.S)
    found = [date for date, cell in cells if title in cell]
    assert len(found) == 1, found
    return found[0]


@pytest.fixture
def near_midnight(app):
    # 15:30 UTC on 10 March 2027: 00:30 on the 11th in Tokyo, 07:30 on the 10th in LA.
    make_event(title="Tokyo breakfast", timezone="UTC", start="2027-03-10T15:30",
               end="2027-03-10T16:30")
    # 06:30 UTC on 11 March 2027: 22:30 on the 10th in LA, 15:30 on the 11th in Tokyo.
    make_event(title="LA late show", timezone="UTC", start="2027-03-11T06:30",
               end="2027-03-11T07:30")


def test_days_follow_the_chosen_zone(client, near_midnight):
    tokyo = client.get("/calendar/2027/03?tz=Asia/Tokyo").get_data(as_text=True)
    assert day_of(tokyo, "Tokyo breakfast") == "2027-03-11"
    assert day_of(tokyo, "LA late show") == "2027-03-11"
    assert "12:30am" in tokyo and "3:30pm" in tokyo
    la = client.get("/calendar/2027/03?tz=America/Los_Angeles").get_data(as_text=True)
    assert day_of(la, "Tokyo breakfast") == "2027-03-10"
    assert day_of(la, "LA late show") == "2027-03-10"
    assert "10:30pm" in la
    # Month links keep the zone.
    assert 'href="/calendar/2027/04?tz=Asia/Tokyo"' in tokyo


def test_month_grid_and_links(client, near_midnight):
    page = client.get("/calendar/2027/03").get_data(as_text=True)  # the site's first zone
    assert "<h1 id=\"calendar-title\">March 2027</h1>" in page
    dates = re.findall(r'data-date="([\d-]+)"', page)
    assert dates[0] == "2027-03-01" and dates[-1] == "2027-04-04"  # Monday to Sunday
    assert len(dates) % 7 == 0
    assert 'rel="prev" href="/calendar/2027/02"' in page
    assert 'rel="next" href="/calendar/2027/04"' in page
    assert "Thursday 11 March 2027" in page  # the agenda and the cells' labels
    assert client.get("/calendar/2027/13").status_code == 404
    assert client.get("/calendar/2027/3").status_code == 404  # one address per month
    assert client.get("/calendar/2027/03?tz=Not/AZone").status_code == 200  # the default
    now = client.get("/calendar?tz=Asia/Tokyo")
    assert now.status_code == 302
    assert re.search(r"/calendar/\d{4}/\d{2}\?tz=Asia/Tokyo$", now.headers["Location"])


def test_cancelled_struck_through_and_drafts_absent(client, app):
    from eventsite.services.events import cancel_event

    cancel_event(make_event(title="Called off", start="2027-05-04T10:00",
                            end="2027-05-04T11:00"))
    make_event(title="Not yet public", status="draft", start="2027-05-05T10:00",
               end="2027-05-05T11:00")
    page = client.get("/calendar/2027/05").get_data(as_text=True)
    assert "<del>Called off</del>" in page and "(cancelled)" in page
    assert "Not yet public" not in page
    assert "No events in June 2027." in client.get("/calendar/2027/06").get_data(as_text=True)


@pytest.mark.settings(PAGE_CACHE_SECONDS=0)
def test_queries_do_not_grow_with_events(client, app):
    make_event(title="One", start="2027-07-01T10:00", end="2027-07-01T11:00",
               speakers=[{"name": "A"}], tags=["t"], organisations=[{"name": "O"}])
    with counting_statements() as few:
        client.get("/calendar/2027/07")
    for n in range(2, 12):
        make_event(title=f"Event {n}", start=f"2027-07-{n:02}T10:00", end=f"2027-07-{n:02}T11:00",
                   speakers=[{"name": f"S{n}"}], tags=[f"t{n}"], organisations=[{"name": "O"}])
    with counting_statements() as many:
        client.get("/calendar/2027/07")
    assert len(many) == len(few)


def test_series_dates_each_on_their_day(client, app):
    # Every Tuesday 7pm London from 2 March 2027; 23 March cancelled; 30 March moved to
    # Wednesday 31st 6:30pm; 6 April left out.
    make_event(title="Reading group", start="2027-03-02T19:00", end="2027-03-02T20:00",
               timezone="Europe/London",
               recurrence={"rule": "FREQ=WEEKLY;BYDAY=TU;COUNT=12", "except": ["2027-04-06"]},
               occurrences=[{"date": "2027-03-23", "status": "cancelled"},
                            {"date": "2027-03-30", "start": "2027-03-31T18:30",
                             "end": "2027-03-31T20:00"}])
    page = client.get("/calendar/2027/03?tz=Europe/London").get_data(as_text=True)
    cells = dict(re.findall(r'data-date="([\d-]+)"[^>]*>(.*?)</td>', page, re.S))
    with_group = sorted(day for day, cell in cells.items() if "Reading group" in cell)
    assert with_group == ["2027-03-02", "2027-03-09", "2027-03-16", "2027-03-23",
                          "2027-03-31"]
    assert "<del>Reading group</del>" in cells["2027-03-23"]
    assert 'href="/events/reading-group/2027-03-09"' in cells["2027-03-09"]
    # 7pm London is the next morning in Tokyo.
    tokyo = client.get("/calendar/2027/03?tz=Asia/Tokyo").get_data(as_text=True)
    assert day_of(tokyo, "/events/reading-group/2027-03-02") == "2027-03-03"
    april = client.get("/calendar/2027/04?tz=Europe/London").get_data(as_text=True)
    assert "reading-group/2027-04-06" not in april and "reading-group/2027-04-13" in april
