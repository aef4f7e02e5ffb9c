"""Queries per page do not grow with the number of events listed on it."""


import pytest

from eventsite.extensions import db
from tests.factories import days_from_today, make_event, wall
from tests.sql import counting_statements


def add_events(count: int, offset: int = 0):
    for n in range(offset, offset + count):
        make_event(title=f"Talk {n}", start=wall(days_from_today(1 + n % 20), 10),
                   end=wall(days_from_today(1 + n % 20), 11), tags=[f"tag{n % 3}", "all"],
                   speakers=[{"name": f"Speaker {n}"}, {"name": "Regular Chair", "role": "chair"}],
                   organisations=[{"name": "Host Org"}],
                   locations=[{"name": "Zoom", "url": "https://zoom.us/j/1"}])


def statements_for(client, url: str) -> int:
    db.session.expunge_all()
    with counting_statements() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


@pytest.mark.settings(PAGE_CACHE_SECONDS=0)  # measure the rendering, not the page cache
def test_queries_do_not_grow_with_events(client, app):
    add_events(2)
    few = {url: statements_for(client, url) for url in
           ("/", "/api/events", "/tags/all", "/speakers/regular-chair", "/events/talk-0",
            "/calendar.ics", "/tags/all.ics", "/speakers/regular-chair.ics", "/events.atom",
            "/events/talk-0.ics")}
    add_events(15, offset=2)
    many = {url: statements_for(client, url) for url in few}
    assert many == few
