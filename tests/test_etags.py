"""Per-feed ETags (a feed's ETag changes only when something in that feed changes) and 304s on
pages and the API without the page cache."""

import pytest

from eventsite.extensions import db
from eventsite.models import SiteState
from tests.factories import make_event


def _version() -> int:
    return db.session.scalar(db.select(SiteState.version))


def _etag(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.headers["ETag"]


@pytest.mark.settings(PAGE_CACHE_SECONDS=0)
def test_a_feeds_etag_changes_only_when_that_feed_changes(client, app):
    peace = make_event(title="Peace talk", tags=["Peace"])
    make_event(title="Korea talk", tags=["Korea"])
    feeds = ["/calendar.ics", "/tags/peace.ics", "/tags/korea.ics", f"/events/{peace.slug}.ics"]
    before = {url: _etag(client, url) for url in feeds}
    version = _version()

    make_event(title="A draft", status="draft", tags=["Peace"])  # no feed shows drafts
    assert _version() > version  # the site did change
    after = {url: _etag(client, url) for url in feeds}
    assert after == before
    for url, etag in before.items():
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304, url

    make_event(title="Another Korea talk", tags=["Korea"])  # in the site and Korea feeds only
    after = {url: _etag(client, url) for url in feeds}
    assert after["/tags/peace.ics"] == before["/tags/peace.ics"]
    assert after[f"/events/{peace.slug}.ics"] == before[f"/events/{peace.slug}.ics"]
    assert after["/calendar.ics"] != before["/calendar.ics"]
    assert after["/tags/korea.ics"] != before["/tags/korea.ics"]


@pytest.mark.settings(PAGE_CACHE_SECONDS=0)
@pytest.mark.parametrize("url", ["/", "/events/past", "/tags/peace", "/api/events",
                                 "/api/events?tag=peace"])
def test_pages_and_the_api_answer_304_without_the_page_cache(client, app, url):
    make_event(title="Peace talk", tags=["Peace"])
    response = client.get(url)
    assert response.status_code == 200 and "page_cache" not in str(app.extensions)
    etag = response.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
