"""What other sites embed: an iframe list of upcoming events, one event's card (the target of
oEmbed), the colours they chose as a stylesheet, and the oEmbed endpoint itself.

Only the views here are marked `allow_framing`; every other page refuses to be framed."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request

from eventsite.cors import allow_any_origin
from eventsite.paging import int_arg, narrowed
from eventsite.security import allow_framing
from eventsite.services import listings, series
from eventsite.urls import site_url

bp = Blueprint("embed", __name__)

MAX_COUNT = 50
LAYOUTS = ("list", "cards", "compact")
COLOUR = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
COLOUR_NAMES = ("accent", "text", "background")
EVENT_PATH = re.compile(r"^/events/([^/]+?)/?$")


bp.after_request(allow_any_origin)


def colours() -> dict[str, str]:
    """The colours asked for, each '#rrggbb' or '#rgb'; anything else is left out."""
    chosen = {}
    for name in COLOUR_NAMES:
        value = request.args.get(name, "")
        if COLOUR.match(value):
            chosen[name] = "#" + value.lstrip("#").lower()
    return chosen


@bp.get("/embed/events")
@allow_framing
def events():
    layout = request.args.get("layout", "list")
    upcoming = listings.upcoming(narrowed(listings.listed_events()))
    found = listings.first(upcoming, int_arg("count", 5, MAX_COUNT))
    return render_template("embed/events.html", events=found,
                           next_dates=series.next_occurrences(found),
                           layout=layout if layout in LAYOUTS else "list", colours=colours(),
                           more_url=site_url("public.index"))


@bp.get("/embed/events/<slug>")
@allow_framing
def event(slug: str):
    found = listings.listed_event(slug) or abort(404)
    return render_template("embed/event.html", event=found, colours=colours())


@bp.get("/embed/theme.css")
def theme():
    """The embedding site's colours as CSS variables: a stylesheet of ours, because the
    policy allows no inline styles (the values are checked hex colours, nothing else)."""
    lines = [f"  --embed-{name}: {value};" for name, value in colours().items()]
    response = Response(":root {\n" + "\n".join(lines) + "\n}\n", mimetype="text/css")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.get("/oembed")
def oembed():
    """oEmbed (https://oembed.com) for event pages: a 'rich' answer holding our iframe."""
    if request.args.get("format", "json") != "json":
        abort(501, description="Only format=json is offered.")
    url = request.args.get("url", "")
    site = urlsplit(current_app.config["SITE_URL"])
    asked = urlsplit(url)
    base = site.path.rstrip("/")
    path = asked.path[len(base):] if asked.path.startswith(base) else ""
    match = EVENT_PATH.match(path)
    if asked.netloc != site.netloc or not match:
        abort(404, description="`url` must be the address of an event on this site.")
    found = listings.listed_event(match.group(1)) or abort(404, description="No such event.")
    width = min(int_arg("maxwidth", 600, 10_000), 600)
    height = min(int_arg("maxheight", 320, 10_000), 320)
    src = site_url("embed.event", slug=found.slug)
    html = (f'<iframe src="{src}" width="{width}" height="{height}" '
            f'title="{_attr(found.title)}" loading="lazy" style="border:0;max-width:100%">'
            f'</iframe>')
    return jsonify({
        "version": "1.0", "type": "rich", "html": html, "width": width, "height": height,
        "title": found.title, "provider_name": current_app.config["SITE_NAME"],
        "provider_url": site_url("public.index"),
    })


def _attr(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))
