"""Whole responses for anonymous visitors, served before Flask is even entered.

Public pages, feeds and the API look the same to every visitor without a session, so a
response is kept (at most PAGE_CACHE_SECONDS, and only while the site's change counter is
unchanged: models/site_state.py) and served, or answered with 304, by a WSGI layer that does
no routing, no templates and no queries. The counter is read at most once a second per
process, and at once after this process commits a change, so an organiser sees an edit
immediately; another worker may serve the old page for up to a second.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, g, request, session
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.http import is_resource_modified, parse_cookie, parse_date

from eventsite import security
from eventsite.extensions import db
from eventsite.models import SiteState, site_state

CACHEABLE_BLUEPRINTS = {"public", "feeds", "api", "embed", "crawl"}
KEPT_HEADERS = {"content-type", "etag", "last-modified", "cache-control",
                "content-disposition", "vary", "access-control-allow-origin",
                *security.HEADERS_TO_KEEP}
VERSION_TTL = 1.0  # seconds a process trusts the counter it last read


@dataclass(frozen=True)
class Entry:
    version: int
    stored_at: float  # monotonic
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    etag: str | None
    last_modified: datetime | None


class PageCache:
    def __init__(self, app: Flask, seconds: int, max_bytes: int):
        self.app, self.seconds, self.max_bytes = app, seconds, max_bytes
        self.cookie_names = {app.config["SESSION_COOKIE_NAME"],
                             app.config.get("REMEMBER_COOKIE_NAME", "remember_token")}
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self._version = (0, -1.0, -1)  # (value, read at, local commits seen)

    # --- the site's version --------------------------------------------------------------------

    def version(self) -> int | None:
        """The site's change counter; None while the database does not answer (checked again
        after VERSION_TTL, so an outage costs one failed connection a second, not one a hit)."""
        value, read_at, seen = self._version
        now = time.monotonic()
        if now - read_at < VERSION_TTL and seen == site_state.local_commits():
            return value
        seen = site_state.local_commits()
        with self.app.app_context():
            try:
                value = db.session.scalar(db.select(SiteState.version).where(SiteState.id == 1))
            except SQLAlchemyError as error:
                self.app.logger.warning("page cache: database unavailable (%s); serving what "
                                        "is stored", type(error).__name__)
                value = None
            finally:
                db.session.remove()
        self._version = (value, now, seen)
        return value

    # --- storing and finding -------------------------------------------------------------------

    def lookup(self, key: str) -> Entry | None:
        with self._lock:
            entry = self._entries.get(key)
        if entry is None:
            return None
        version = self.version()
        if version is None:
            return entry  # the database is away: the page as last stored beats an error
        if time.monotonic() - entry.stored_at > self.seconds:
            return None
        return entry if entry.version == version else None

    def store(self, key: str, entry: Entry) -> None:
        with self._lock:
            old = self._entries.pop(key, None)
            if old:
                self._size -= len(old.body)
            self._entries[key] = entry
            self._size += len(entry.body)
            while self._size > self.max_bytes and len(self._entries) > 1:
                _, dropped = self._entries.popitem(last=False)
                self._size -= len(dropped.body)

    def anonymous(self, environ) -> bool:
        """No session or remember cookie, read exactly as Flask will read it: http.cookies
        gives up at the first value it cannot parse and would miss a session after it."""
        cookie = environ.get("HTTP_COOKIE")
        if not cookie:
            return True
        return not self.cookie_names.intersection(parse_cookie(cookie))

    # --- the WSGI layer ------------------------------------------------------------------------

    def wrap(self, wsgi_app):
        def serve(environ, start_response):
            method = environ["REQUEST_METHOD"]
            if method in ("GET", "HEAD") and self.anonymous(environ):
                entry = self.lookup(_key(environ))
                if entry is not None:
                    return self._answer(entry, environ, start_response, method == "HEAD")
            return wsgi_app(environ, start_response)
        return serve

    @staticmethod
    def _answer(entry: Entry, environ, start_response, head: bool):
        if (entry.etag or entry.last_modified) and not is_resource_modified(
                environ, etag=entry.etag, last_modified=entry.last_modified):
            start_response("304 Not Modified", [h for h in entry.headers
                                                if h[0].lower() != "content-type"])
            return [b""]
        start_response(entry.status, entry.headers + [("Content-Length", str(len(entry.body)))])
        return [b""] if head else [entry.body]


def _key(environ) -> str:
    query = environ.get("QUERY_STRING", "")
    return environ.get("PATH_INFO", "") + ("?" + query if query else "")


def no_page_cache() -> None:
    """Call in a view whose page is personal or changes with every visit."""
    g.no_page_cache = True


def init_app(app: Flask) -> None:
    # Registered first, so it runs after `keep` below: the cache stores the whole page and
    # this answer may still be a 304.
    @app.after_request
    def conditional(response):
        """Public pages and API answers get an ETag (the hash of their bytes) and answer
        If-None-Match with 304, whether or not the page cache holds them."""
        if (request.method in ("GET", "HEAD") and response.status_code == 200
                and request.blueprint in CACHEABLE_BLUEPRINTS
                and not response.direct_passthrough and not response.is_streamed):
            if not response.get_etag()[0]:
                response.add_etag()
            response.make_conditional(request)
        return response

    seconds = app.config["PAGE_CACHE_SECONDS"]
    if seconds <= 0:
        return
    cache = PageCache(app, seconds, app.config["PAGE_CACHE_BYTES"])
    app.extensions["eventsite.page_cache"] = cache
    app.wsgi_app = cache.wrap(app.wsgi_app)

    @app.before_request
    def note_version():
        if request.blueprint in CACHEABLE_BLUEPRINTS and request.method == "GET":
            version = cache.version()  # what this response is built from
            if version is not None:
                g.page_version = version

    @app.after_request
    def keep(response):
        if (request.method != "GET" or response.status_code != 200
                or request.blueprint not in CACHEABLE_BLUEPRINTS
                or "page_version" not in g or g.get("no_page_cache")
                or response.direct_passthrough or response.is_streamed
                or session.modified or not cache.anonymous(request.environ)
                or "Set-Cookie" in response.headers):
            return response
        if not response.get_etag()[0]:
            response.add_etag()
        etag = response.get_etag()[0]
        modified = response.headers.get("Last-Modified")
        cache.store(_key(request.environ), Entry(
            version=g.page_version, stored_at=time.monotonic(),
            status=response.status, body=response.get_data(),
            headers=[(k, v) for k, v in response.headers.items() if k.lower() in KEPT_HEADERS],
            etag=etag, last_modified=parse_date(modified) if modified else None))
        return response
