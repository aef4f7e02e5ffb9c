"""Embedding: the iframe list, one event's card, oEmbed, colours, and CORS on what is read."""

import pytest

from tests.factories import days_from_today, make_event, wall


def on(days: int) -> dict:
    day = days_from_today(days)
    return {"start": wall(day, 11), "end": wall(day, 12)}


@pytest.fixture
def site(app):
    make_event(title="Peace talk", tags=["Peace"], speakers=[{"name": "Radhika Desai"}],
               organisations=[{"name": "International Manifesto Group"}], **on(3))
    make_event(title="Garden day", tags=["Garden"], **on(4))
    make_event(title="Old peace talk", tags=["Peace"], **on(-30))


def test_embed_list_filters_and_counts(client, site):
    page = client.get("/embed/events?tag=peace").get_data(as_text=True)
    assert "Peace talk" in page and "Garden day" not in page and "Old peace talk" not in page
    assert "11am EDT" in page or "11am EST" in page  # the multi-zone line
    assert 'href="http://eventsite.test/events/peace-talk" target="_blank"' in page
    both = client.get("/embed/events?count=1").get_data(as_text=True)
    assert both.count('class="embed-event') == 1
    assert "Peace talk" in client.get("/embed/events?speaker=radhika-desai").get_data(
        as_text=True)
    org = client.get("/embed/events?organisation=international-manifesto-group")
    assert "Garden day" not in org.get_data(as_text=True)
    assert client.get("/embed/events?tag=nothing").status_code == 404
    assert client.get("/embed/events?count=500").status_code == 400
    assert 'layout-cards' in client.get("/embed/events?layout=cards").get_data(as_text=True)


def test_only_embed_routes_may_be_framed(client, site):
    embedded = client.get("/embed/events")
    assert "frame-ancestors *" in embedded.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in embedded.headers
    assert "frame-ancestors *" in client.get(
        "/embed/events/peace-talk").headers["Content-Security-Policy"]
    for path in ("/", "/events/peace-talk", "/search?q=peace", "/calendar/2027/03",
                 "/speakers", "/auth/sign-in", "/oembed?url=x"):
        response = client.get(path)
        assert response.headers["X-Frame-Options"] == "DENY", path
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], path


def test_colours_are_checked_hex_values_in_a_stylesheet(client, site):
    page = client.get("/embed/events?accent=%23b42318&text=zzz&background=fff")
    html = page.get_data(as_text=True)
    assert "style=" not in html  # the policy allows no inline styles
    assert 'href="/embed/theme.css?accent=%23b42318&amp;background=%23fff"' in html
    css = client.get("/embed/theme.css?accent=%23b42318&text=red;}body{x:y&background=fff")
    assert css.mimetype == "text/css"
    assert css.get_data(as_text=True) == (
        ":root {\n  --embed-accent: #b42318;\n  --embed-background: #fff;\n}\n")


def test_oembed(client, site):
    body = client.get("/oembed?url=http://eventsite.test/events/peace-talk&maxwidth=400").json
    assert body["type"] == "rich" and body["version"] == "1.0"
    assert body["title"] == "Peace talk" and body["width"] == 400
    assert 'src="http://eventsite.test/embed/events/peace-talk"' in body["html"]
    assert client.get("/oembed?url=http://elsewhere.example/events/peace-talk").status_code == 404
    assert client.get("/oembed?url=http://eventsite.test/speakers/x").status_code == 404
    assert client.get("/oembed?url=http://eventsite.test/events/peace-talk&format=xml"
                      ).status_code == 501
    page = client.get("/events/peace-talk").get_data(as_text=True)
    assert ('<link rel="alternate" type="application/json+oembed" href="http://eventsite.test/'
            'oembed?url=http://eventsite.test/events/peace-talk"') in page
    card = client.get("/embed/events/peace-talk").get_data(as_text=True)
    assert "Peace talk" in card and "Details and registration" in card


def test_cors_on_reads_of_the_api_feeds_and_oembed_only(client, site):
    for path in ("/api/events", "/api/events/peace-talk", "/calendar.ics", "/tags/peace.ics",
                 "/events.atom", "/oembed?url=http://eventsite.test/events/peace-talk",
                 "/api/events?q=peace"):
        response = client.get(path, headers={"Origin": "https://blog.example.org"})
        assert response.headers.get("Access-Control-Allow-Origin") == "*", path
        assert "Access-Control-Allow-Credentials" not in response.headers
    for path in ("/", "/events/peace-talk", "/auth/sign-in"):
        assert "Access-Control-Allow-Origin" not in client.get(path).headers, path
    cached = client.get("/api/events")  # again, from the page cache
    assert cached.headers.get("Access-Control-Allow-Origin") == "*"


def test_api_filters_by_speaker_and_organisation(client, site):
    titles = [e["title"] for e in client.get("/api/events?speaker=radhika-desai").json["events"]]
    assert titles == ["Peace talk"]
    org = client.get("/api/events?organisation=international-manifesto-group").json
    assert [e["title"] for e in org["events"]] == ["Peace talk"]
    assert client.get("/api/events?speaker=nobody").status_code == 404


def test_a_series_shows_its_next_date(client, app):
    first = days_from_today(-6)  # its next date is tomorrow, whatever the time of day now
    make_event(title="Weekly choir", start=wall(first, 19), end=wall(first, 20),
               timezone="Europe/London", recurrence={
                   "rule": f"FREQ=WEEKLY;BYDAY={WEEKDAYS[first.weekday()]};COUNT=5"})
    page = client.get("/embed/events").get_data(as_text=True)
    nxt = days_from_today(1)
    assert f"Next: {nxt:%A} {nxt.day} {nxt:%B %Y}" in page
    assert "Every week" in page or "Every " in page  # the rhythm in words


WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
