"""sitemap.xml (an index of bounded files) and robots.txt."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template

from eventsite.services import sitemap
from eventsite.urls import site_url

bp = Blueprint("crawl", __name__)
XML = "application/xml; charset=utf-8"


@bp.get("/sitemap.xml")
def index():
    files = [site_url("crawl.pages")] + [site_url("crawl.events", number=n)
                                          for n in range(1, sitemap.event_files() + 1)]
    return Response(render_template("crawl/sitemap_index.xml", files=files), content_type=XML)


@bp.get("/sitemaps/pages.xml")
def pages():
    return _urlset(sitemap.named_pages())


@bp.get("/sitemaps/events-<int:number>.xml")
def events(number: int):
    if not 1 <= number <= sitemap.event_files():
        abort(404)
    return _urlset(sitemap.events_in_file(number))


def _urlset(places) -> Response:
    build = site_url
    entries = [(build(place.endpoint, **place.values), place.modified) for place in places]
    return Response(render_template("crawl/urlset.xml", entries=entries), content_type=XML)


@bp.get("/robots.txt")
def robots():
    lines = ["User-agent: *",
             # Personal pages (registrations, confirmations), organisers' pages, and search
             # results (endless, and each a copy of pages already listed) are not for indexes.
             "Disallow: /admin/", "Disallow: /auth/", "Disallow: /r/", "Disallow: /confirm/",
             "Disallow: /search", "Disallow: /embed/", "Disallow: /api/",
             "", f"Sitemap: {site_url('crawl.index')}", ""]
    response = Response("\n".join(lines), content_type="text/plain; charset=utf-8")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


