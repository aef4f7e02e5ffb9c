"""Tags in any script (中文, 한국어, Ελληνικά), with addresses a reader can read."""

from urllib.parse import quote

import icalendar
import pytest

from eventsite.domain.text import tag_name
from eventsite.services.errors import ValidationError
from tests.factories import make_event
from tests.test_admin_events import new_event, only_event, organiser  # noqa: F401 (fixture)
from tests.test_public import page_text

TAGS = ["中文", "한국어", "Ελληνικά", "East Asia"]
NAMES = ["east-asia", "ελληνικά", "中文", "한국어"]


def test_tag_names_keep_every_script_and_the_old_latin_form():
    assert [tag_name(t) for t in TAGS] == ["中文", "한국어", "ελληνικά", "east-asia"]
    # Latin letters fold to ASCII as before, so tags made earlier keep their names.
    assert tag_name("Café Ünïcödé") == "cafe-unicode"
    assert tag_name("Korea's peace!") == "koreas-peace"
    assert tag_name("ΟΔΟΣ") == "οδος"  # a final sigma, lower-cased as a word
    assert tag_name("हिन्दी") == "हिन्दी" and tag_name("ガイド") == "ガイド"  # marks kept
    assert tag_name("日本語, 中文") == "日本語-中文"
    assert tag_name(" -- !! ") == ""


def test_a_tag_with_no_letters_is_still_refused(app):
    with pytest.raises(ValidationError) as refused:
        make_event(tags=["!!"])
    assert refused.value.errors["tags"] == "“!!” has no letters or digits"


def test_tags_in_any_script_through_import_pages_feeds_and_api(client, app):
    event = make_event(title="Peace in East Asia", tags=TAGS)
    assert sorted(tag.name for tag in event.tags) == NAMES
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    address = "/tags/" + quote("中文")
    assert f'href="{address}"' in page and ">中文</a>" in page

    for name in NAMES:
        response = client.get("/tags/" + quote(name))
        assert response.status_code == 200, name
        assert "Peace in East Asia" in page_text(response)
        assert f"webcal://eventsite.test/tags/{quote(name)}.ics" in response.get_data(
            as_text=True)
        feed = client.get(f"/tags/{quote(name)}.ics")
        assert feed.status_code == 200
        (vevent,) = icalendar.Calendar.from_ical(feed.data).walk("VEVENT")
        assert sorted(str(c) for c in vevent["CATEGORIES"].cats) == NAMES
        listed = client.get("/api/events", query_string={"tag": name}).get_json()
        assert [e["title"] for e in listed["events"]] == ["Peace in East Asia"]
    # Typed as the organiser wrote it, a tag is found too.
    assert client.get("/tags/" + quote("Ελληνικά")).status_code == 200
    assert client.get("/api/events", query_string={"tag": "East Asia"}).get_json()["events"]
    atom = client.get("/events.atom").get_data(as_text=True)
    assert '<category term="한국어"/>' in atom
    assert client.get("/api/events/" + event.slug).get_json()["tags"] == NAMES


def test_the_form_takes_tags_in_any_script_and_chinese_commas(client, organiser):  # noqa: F811
    response = new_event(client, tags="中文，한국어、Ελληνικά, East Asia")
    assert response.status_code == 302
    assert sorted(tag.name for tag in only_event().tags) == NAMES
