"""Canonical absolute URLs, built from SITE_URL rather than the request's Host header, so that
feeds, e-mails and the API name the same address inside a request or outside one (CLI, mail)."""

from urllib.parse import urlsplit

from flask import current_app


def site_url(endpoint: str, **values) -> str:
    """The absolute URL of `endpoint` under the configured SITE_URL."""
    base = urlsplit(current_app.config["SITE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)
