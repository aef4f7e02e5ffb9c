"""Reading page positions from a request: bounded, and refused with a message naming the
parameter (JSON under /api, the site's error page elsewhere), never a 500."""

from __future__ import annotations

from flask import abort, request
from sqlalchemy import Select

from eventsite.domain.paging import MAX_PAGE, Position, decode_cursor
from eventsite.services import listings


def int_arg(name: str, default: int, maximum: int) -> int:
    """A whole number from 1 to `maximum` in the query string; 400 naming `name` otherwise."""
    value = request.args.get(name, "")
    if value == "":
        return default
    shown = _shown(value)
    if not (value.isascii() and value.lstrip("-+").isdigit()):
        abort(400, description=f"`{name}` must be a whole number, not “{shown}”")
    if len(value) > 12 or not 1 <= int(value) <= maximum:
        abort(400, description=f"`{name}` must be from 1 to {maximum:,}, not {shown}")
    return int(value)


def page_arg() -> int:
    """The `page` number of a listing: 1 to MAX_PAGE."""
    return int_arg("page", 1, MAX_PAGE)


def position_arg() -> Position:
    """Where the requested page starts: `?after=<cursor>`, `?before=<cursor>` or `?page=<n>`."""
    given = [name for name in ("page", "after", "before") if request.args.get(name)]
    if len(given) > 1:
        abort(400, description=f"Give only one of `{'`, `'.join(given)}`")
    for name in ("after", "before"):
        if value := request.args.get(name):
            cursor = decode_cursor(value)
            if cursor is None:
                abort(400, description=f"`{name}` must be a position taken from a Next or "
                                       f"Previous link, such as 20261201T160000-42, "
                                       f"not “{_shown(value)}”")
            return Position(**{name: cursor})
    return Position(page=page_arg())


def _shown(value: str) -> str:
    return value if len(value) <= 30 else value[:30] + "…"


def narrowed(query: Select) -> Select:
    """`query` narrowed by `?tag=`, `?speaker=` and `?organisation=` (the API's and the
    widget's filters); a name that stands for nothing is a 404 saying so."""
    if name := request.args.get("tag"):
        tag = listings.tag_by_name(name) or abort(404, description=f"No tag “{_shown(name)}”.")
        query = listings.with_tag(query, tag.name)
    if slug := request.args.get("speaker"):
        speaker = listings.speaker_by_slug(slug) or abort(
            404, description=f"No speaker “{_shown(slug)}”.")
        query = listings.with_speaker(query, speaker)
    if slug := request.args.get("organisation"):
        organisation = listings.organisation_by_slug(slug) or abort(
            404, description=f"No organisation “{_shown(slug)}”.")
        query = listings.with_organisation(query, organisation)
    return query
