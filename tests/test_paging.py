"""Page positions in every listing and the API: bounded, and refused with a clear 400."""

import pytest

from tests.factories import make_event

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
