"""Page positions in every listing and the API: bounded, and refused with a clear 400."""

import re
from html import unescape

import pytest

from tests.factories import days_from_today, make_event, wall
from tests.sql import counting_statements

HOSTILE_PAGES = ["10000000000000000000", "-1", "abc", "0", "1e3", "١٢",
                 "99999999999999999999999999"]


def _listing_urls() -> list[str]:
    event = make_event(title="Paged talk", tags=["Paging"],
                       speakers=[{"name": "Ada Pager"}],
                       organisations=[{"name": "Pager Org"}])
    return ["/", "/events/past", "/tags/paging", f"/speakers/{event.speaker_links[0].speaker.slug}",
            f"/organisations/{event.organisation_links[0].organisation.slug}"]


@pytest.mark.parametrize("value", HOSTILE_PAGES)
def test_bad_page_numbers_are_400_on_every_listing(client, app, value):
    for url in _listing_urls():
        response = client.get(url, query_string={"page": value})
        assert response.status_code == 400, url
        text = response.get_data(as_text=True)
        assert "`page` must be" in text and "text/html" in response.content_type


@pytest.mark.parametrize("value", HOSTILE_PAGES)
@pytest.mark.parametrize("name", ["page", "per_page"])
def test_bad_page_numbers_are_json_400_in_the_api(client, app, name, value):
    response = client.get("/api/events", query_string={name: value})
    assert response.status_code == 400
    message = response.get_json()["error"]["message"]
    assert message.startswith(f"`{name}` must be")


def test_the_largest_page_number_is_an_empty_page_not_an_error(client, app):
    for url in _listing_urls():
        assert client.get(url, query_string={"page": "10000"}).status_code == 200
    assert client.get("/api/events?page=10000").get_json()["events"] == []
    assert client.get("/?page=10001").status_code == 400


def _titles(response) -> list[str]:
    html = response.get_data(as_text=True)
    return re.findall(r'class="event-card-title">\s*<a[^>]*>([^<]+)</a>', html)


def _link(response, rel: str) -> str | None:
    found = re.search(rf'<a rel="{rel}" href="([^"]+)"', response.get_data(as_text=True))
    return unescape(found.group(1)) if found else None


@pytest.mark.settings(EVENTS_PER_PAGE=3)
@pytest.mark.parametrize("url,newest_first", [("/events/past", True), ("/", False),
                                              ("/tags/walk", True)])
def test_next_and_previous_walk_every_event_once_in_order(client, app, url, newest_first):
    # Pairs share a start instant: the cursor's id breaks the tie.
    offset = -1 if newest_first else 1
    for n in range(11):
        day = days_from_today(offset * (n // 2 + 2))
        make_event(title=f"Talk {n:02d}", tags=["Walk"], start=wall(day, 10), end=wall(day, 11))
    # Ties go by id, in the listing's direction.
    order = sorted(range(11), key=lambda n: (n // 2, -n if newest_first else n))
    expected = [f"Talk {n:02d}" for n in order]
    seen, pages, response = [], [], client.get(url)
    for _ in range(10):
        pages.append(response)
        seen += _titles(response)
        if not (next_url := _link(response, "next")):
            break
        response = client.get(next_url)
    assert seen == expected and len(pages) == 4
    back, response = [], pages[-1]
    for _ in range(10):
        back = _titles(response) + back
        if not (prev_url := _link(response, "prev")):
            break
        response = client.get(prev_url)
    assert back == expected
    assert "?page" not in "".join(filter(None, (_link(p, "next") for p in pages)))


@pytest.mark.parametrize("query,name", [
    ({"after": "yesterday"}, "after"), ({"before": "20261301T000000-1"}, "before"),
    ({"after": "20261201T000000-" + "9" * 19}, "after"), ({"after": "<script>-1"}, "after"),
])
def test_bad_cursors_are_400_naming_the_parameter(client, app, query, name):
    assert f"`{name}` must be a position" in client.get("/events/past", query_string=query).text
    response = client.get("/api/events", query_string=query)
    assert response.status_code == 400
    assert response.get_json()["error"]["message"].startswith(f"`{name}` must be a position")


def test_a_page_number_and_a_cursor_together_are_refused(client, app):
    response = client.get("/api/events?page=2&after=20261201T160000-4")
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == "Give only one of `page`, `after`"


def test_cursor_pages_run_a_fixed_number_of_statements(client, app):
    """No count: a listing page is the rows plus the related rows, however deep."""
    for n in range(6):
        day = days_from_today(-n - 2)
        make_event(title=f"Old {n}", start=wall(day, 10), end=wall(day, 11))
    with counting_statements() as first_page:
        client.get("/events/past")
    with counting_statements() as deep_page:
        client.get("/events/past?after=20000101T000000-1")
    assert not any("count(" in sql.lower() for sql in first_page + deep_page)
