"""Canonical absolute URLs, built from SITE_URL rather than the request's Host header, so that
feeds, e-mails and the API name the same address inside a request or outside one (CLI, mail)."""

from collections.abc import Callable
from urllib.parse import urlsplit

from flask import current_app
from werkzeug.routing import MapAdapter


def site_url(endpoint: str, **values) -> str:
    """The absolute URL of `endpoint` under the configured SITE_URL."""
    return _adapter().build(endpoint, values, force_external=True)


def image_url(image_id: str | None) -> str | None:
    """The absolute URL of a stored image's large size (an event's, a photo, a logo)."""
    return site_url("public.event_image", name=f"{image_id}-large.webp") if image_id else None


def site_urls(endpoint: str) -> Callable[..., str]:
    """`site_url` for one endpoint, to call many times (once per event of a feed)."""
    build = _adapter().build
    return lambda **values: build(endpoint, values, force_external=True)


def _adapter() -> MapAdapter:
    """The app's URL map bound to SITE_URL, bound once per app (a feed builds a URL for each
    of its events) and again only if SITE_URL changes."""
    site = current_app.config["SITE_URL"]
    bound = current_app.extensions.get("eventsite.site_url")
    if bound is None or bound[0] != site:
        base = urlsplit(site)
        bound = site, current_app.url_map.bind(
            base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https")
        current_app.extensions["eventsite.site_url"] = bound
    return bound[1]
