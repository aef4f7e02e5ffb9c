"""Headers on every response: what the browser may run, who may frame us, what leaks in a
Referer, and which pages no shared cache may keep.

Scripts and styles come only from our own static files (no inline code, no handlers in
attributes), so an injected `<script>` or `onerror=` does nothing even if it ever got past
escaping. No page may be framed (a one-button admin form could be clickjacked) except views
decorated with `allow_framing`, which exist to be embedded on other sites.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, current_app, request

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
    if request.blueprint in PRIVATE_BLUEPRINTS:
        headers["Cache-Control"] = "private, no-store"
    return response


def init_app(app: Flask) -> None:
    app.after_request(secure_headers)
