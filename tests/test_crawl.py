"""sitemap.xml, robots.txt and canonical addresses."""

import xml.etree.ElementTree as ET

from eventsite.extensions import db
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


def test_sitemap_files_are_split_by_id_range(client, app):
    from eventsite.services import sitemap

    event = make_event(title="Far")
    db.session.execute(db.text("UPDATE events SET id = 25001 WHERE id = :id"), {"id": event.id})
    db.session.commit()
    assert sitemap.event_files() == 3
    assert locs(client, "/sitemaps/events-2.xml") == []
    assert len(locs(client, "/sitemaps/events-3.xml")) == 1
    with counting_statements() as sent:
        client.get("/sitemaps/events-3.xml")
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
