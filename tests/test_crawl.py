"""sitemap.xml, robots.txt and canonical addresses."""

import xml.etree.ElementTree as ET

from tests.factories import make_event
from tests.sql import counting_statements

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def locs(client, path: str) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "application/xml"
    return [loc.text for loc in ET.fromstring(response.data).iterfind(".//s:loc", NS)]


def test_sitemap_lists_what_visitors_can_see(client, app):
    make_event(title="Listed & loud", tags=["Peace"], speakers=[{"name": "Radhika Desai"}],
               organisations=[{"name": "IMG"}])
    make_event(title="Secret", status="draft", tags=["Hidden"], speakers=[{"name": "Nobody"}])
    make_event(title="Called off", status="cancelled")
    site = app.config["SITE_URL"]
    files = locs(client, "/sitemap.xml")
    assert files == [f"{site}/sitemaps/pages.xml", f"{site}/sitemaps/events-1.xml"]
    events = locs(client, "/sitemaps/events-1.xml")
    assert events == [f"{site}/events/listed-loud", f"{site}/events/called-off"]
    assert b"<lastmod>" in client.get("/sitemaps/events-1.xml").data
    pages = locs(client, "/sitemaps/pages.xml")
    assert f"{site}/speakers/radhika-desai" in pages and f"{site}/tags/peace" in pages
    assert f"{site}/organisations/img" in pages and f"{site}/speakers" in pages
    assert not any("nobody" in page or "hidden" in page for page in pages)
    assert client.get("/sitemaps/events-2.xml").status_code == 404


def test_sitemap_files_are_split_by_id_range(client, app, monkeypatch):
    from eventsite.services import sitemap

    monkeypatch.setattr(sitemap, "EVENTS_PER_FILE", 2)
    first, second, third = (make_event(title=name) for name in ("First", "Second", "Third"))
    assert sitemap.event_files() == -(-third.id // 2)
    site = app.config["SITE_URL"]
    number = -(-third.id // 2)
    assert f"{site}/events/third" in locs(client, f"/sitemaps/events-{number}.xml")
    with counting_statements() as sent:
        client.get(f"/sitemaps/events-{number}.xml")
    assert len(sent) <= 3  # no growth with events: one range read (and the file count)


def test_robots(client, app):
    text = client.get("/robots.txt").get_data(as_text=True)
    assert "Disallow: /admin/" in text and "Disallow: /r/" in text
    assert f"Sitemap: {app.config['SITE_URL']}/sitemap.xml" in text


def test_canonical_addresses(client, app):
    make_event(title="Canon", tags=["Peace"])
    site = app.config["SITE_URL"]
    cases = {"/events/canon?utm_source=x": f"{site}/events/canon",
             "/calendar/2027/03?tz=Asia/Tokyo": f"{site}/calendar/2027/03",
             "/speakers?letter=R&ref=1": f"{site}/speakers?letter=R",
             "/tags/peace": f"{site}/tags/peace", "/": f"{site}/"}
    for path, canonical in cases.items():
        page = client.get(path).get_data(as_text=True)
        assert f'<link rel="canonical" href="{canonical}">' in page, path
