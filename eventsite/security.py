"""Headers on every response: what the browser may run, who may frame us, what leaks in a
Referer, and which pages no shared cache may keep.

Scripts and styles come only from our own static files (no inline code, no handlers in
attributes), so an injected `<script>` or `onerror=` does nothing even if it ever got past
escaping. No page may be framed (a one-button admin form could be clickjacked) except views
decorated with `allow_framing`, which exist to be embedded on other sites.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, abort, current_app, request
from werkzeug.routing import IntegerConverter

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# Pages about one person or for organisers: never in a shared cache, nor the browser's.
PRIVATE_BLUEPRINTS = frozenset({"admin", "auth", "registration"})
HEADERS_TO_KEEP = frozenset({"content-security-policy", "x-frame-options", "referrer-policy",
                             "strict-transport-security", "x-content-type-options"})


def allow_framing(view: Callable) -> Callable:
    """Mark a view as meant to be embedded in other sites' pages (an iframe widget)."""
    view.allow_framing = True
    return view


def _policy(framed: bool) -> str:
    policy = dict(POLICY, **({"frame-ancestors": "*"} if framed else {}))
    return "; ".join(f"{name} {value}" for name, value in policy.items())


STRICT, FRAMEABLE = _policy(False), _policy(True)


def _frameable() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "allow_framing", False))


def secure_headers(response: Response) -> Response:
    headers = response.headers
    framed = _frameable()
    headers.setdefault("Content-Security-Policy", FRAMEABLE if framed else STRICT)
    if not framed:
        headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    if current_app.config["SITE_URL"].startswith("https://"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if request.blueprint in PRIVATE_BLUEPRINTS and not headers.get(
            "Cache-Control", "").startswith("private"):
        headers["Cache-Control"] = "private, no-store"
    return response




class BoundedIntegerConverter(IntegerConverter):
    """`<int:...>` in URLs, up to the largest id a database column holds: a longer number is
    a 404 like any unknown id, not an overflow error deep in the database driver."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def _holds_nul(values) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in values)


def refuse_nul_bytes() -> None:
    """No field, parameter or path may hold a NUL character (PostgreSQL cannot store one,
    and no person types one): a clear 400, before any view runs."""
    if "\x00" in request.path or _holds_nul(request.args.items(multi=True)):
        abort(400, description="The address holds a NUL character (\\0), which nothing here "
                               "can contain.")
    if request.method in ("POST", "PUT", "PATCH") and (
            _holds_nul(request.form.items(multi=True))
            or any("\x00" in (f.filename or "") for f in request.files.values())):
        abort(400, description="The form holds a NUL character (\\0), which no field may "
                               "contain. Remove it and send the form again.")


def init_app(app: Flask) -> None:
    """Before the blueprints: the URL converter applies to the rules as they are added."""
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.before_request(refuse_nul_bytes)


def add_headers(app: Flask) -> None:
    """After the page cache's hook: Flask runs after_request functions last-registered
    first, so the headers are on the response before the cache keeps it."""
    app.after_request(secure_headers)
