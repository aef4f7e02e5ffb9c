"""Reading page positions from a request: bounded, and refused with a message naming the
parameter (JSON under /api, the site's error page elsewhere), never a 500."""

from __future__ import annotations

from flask import abort, request

MAX_PAGE = 10_000  # 200,000 events deep at 20 a page; beyond that, follow the Next links


def int_arg(name: str, default: int, maximum: int) -> int:
    """A whole number from 1 to `maximum` in the query string; 400 naming `name` otherwise."""
    value = request.args.get(name, "")
    if value == "":
        return default
    shown = value if len(value) <= 30 else value[:30] + "…"
    if not (value.isascii() and value.lstrip("-+").isdigit()):
        abort(400, description=f"`{name}` must be a whole number, not “{shown}”")
    if len(value) > 12 or not 1 <= int(value) <= maximum:
        abort(400, description=f"`{name}` must be from 1 to {maximum:,}, not {shown}")
    return int(value)


def page_arg() -> int:
    """The `page` number of a listing: 1 to MAX_PAGE."""
    return int_arg("page", 1, MAX_PAGE)
