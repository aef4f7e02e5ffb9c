"""The A–Z indexes: /speakers, /organisations, /tags."""

import re

import pytest

from tests.factories import make_event
from tests.sql import counting_statements


def names(client, url: str) -> list[tuple[str, str]]:
    page = client.get(url).get_data(as_text=True)
    return re.findall(r'<a href="[^"]+">([^<]+)</a>\s*<span class="count">([^<]+)</span>', page)


@pytest.fixture
def site(app):
    make_event(title="One", tags=["Peace", "korea"], speakers=[
        {"name": "Radhika Desai", "affiliation": "University of Manitoba"},
        {"name": "KJ Noh"}], organisations=[{"name": "International Manifesto Group"}])
    make_event(title="Two", tags=["Peace"], speakers=[{"name": "Radhika Desai"}],
               organisations=[{"name": "International Manifesto Group"}])
    make_event(title="Cancelled", status="cancelled", tags=["Peace"],
               speakers=[{"name": "Øystein Ørn"}])
    make_event(title="Draft", status="draft", tags=["Secret"], speakers=[{"name": "Hidden"}])


def test_speakers_with_counts_a_to_z(client, site):
    assert names(client, "/speakers") == [("KJ Noh", "1 event"), ("Radhika Desai", "2 events"),
                                          ("Øystein Ørn", "1 event")]
    page = client.get("/speakers").get_data(as_text=True)
    assert "University of Manitoba" in page and "Hidden" not in page  # drafts do not count
    assert names(client, "/speakers?letter=r") == [("Radhika Desai", "2 events")]
    assert names(client, "/speakers?letter=other") == [("Øystein Ørn", "1 event")]
    letters = re.findall(r'letter=(\w+)">', page)
    assert letters == ["K", "R", "other"]  # only initials that have someone
    assert "No speakers under “Z”." in client.get("/speakers?letter=Z").get_data(as_text=True)


def test_tags_and_organisations(client, site):
    # Tags as first typed ("Peace"), not as their address ("peace").
    assert names(client, "/tags") == [("korea", "1 event"), ("Peace", "3 events")]
    assert names(client, "/organisations") == [("International Manifesto Group", "2 events")]
    assert 'href="/tags/peace"' in client.get("/tags").get_data(as_text=True)


@pytest.mark.settings(PAGE_CACHE_SECONDS=0)
def test_pages_and_a_fixed_number_of_queries(client, app):
    from eventsite.public import views

    make_event(title="First", speakers=[{"name": f"Speaker {n:03}"} for n in range(3)])
    with counting_statements() as few:
        client.get("/speakers")
    make_event(title="Second", speakers=[{"name": f"Speaker {n:03}"} for n in range(3, 70)])
    with counting_statements() as many:
        first = client.get("/speakers").get_data(as_text=True)
    assert len(many) == len(few)
    assert len(names(client, "/speakers")) == views.INDEX_PER_PAGE
    assert "Page 1 of 2" in first and 'href="/speakers?page=2"' in first
    assert names(client, "/speakers?page=2")[0] == ("Speaker 060", "1 event")
    assert client.get("/speakers?page=10000000000000000000").status_code in (200, 400)
