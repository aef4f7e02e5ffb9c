"""iCalendar and Atom feeds. Each answers a conditional request from the feed's version alone,
and otherwise serves bytes built once per version."""

from email.utils import format_datetime

from flask import Blueprint, Response, abort, request
from werkzeug.http import is_resource_modified

from eventsite.cors import allow_any_origin
from eventsite.display import utc_aware
from eventsite.services import feeds

bp = Blueprint("feeds", __name__)
bp.after_request(allow_any_origin)  # read-only and impersonal: any site may read it

# Shared caches (a proxy, a CDN) may keep a feed for five minutes; clients revalidate.
CACHE_CONTROL = "public, max-age=300"
ICS_TYPE = "text/calendar; charset=utf-8"


def _serve(feed: feeds.Feed | None, content_type: str = ICS_TYPE,
           download: str | None = None) -> Response:
    if feed is None:
        abort(404)
    state = feeds.feed_state(feed)
    last_modified = utc_aware(state.last_modified)
    if is_resource_modified(request.environ, etag=state.etag, last_modified=last_modified):
        response = Response(feeds.feed_bytes(feed, state), content_type=content_type)
    else:
        response = Response(status=304)
    response.set_etag(state.etag)
    response.headers["Last-Modified"] = format_datetime(last_modified, usegmt=True)
    response.headers["Cache-Control"] = CACHE_CONTROL
    if download:
        response.headers["Content-Disposition"] = f'attachment; filename="{download}"'
    return response


@bp.get("/calendar.ics")
def calendar():
    return _serve(feeds.site_feed())


@bp.get("/events/<slug>.ics")
def event(slug: str):
    return _serve(feeds.event_feed(slug), download=f"{slug}.ics")


@bp.get("/tags/<tag>.ics")
def tag(tag: str):
    return _serve(feeds.tag_feed(tag))


@bp.get("/speakers/<slug>.ics")
def speaker(slug: str):
    return _serve(feeds.speaker_feed(slug))


@bp.get("/organisations/<slug>.ics")
def organisation(slug: str):
    return _serve(feeds.organisation_feed(slug))


@bp.get("/events.atom")
def atom():
    return _serve(feeds.atom_feed(), content_type="application/atom+xml; charset=utf-8")
