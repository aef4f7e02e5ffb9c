"""The read API: /api/events and /api/events/<slug>."""

from datetime import date

from flask import Blueprint, abort, jsonify, request

from eventsite.api.schemas import event_json, page_json
from eventsite.paging import int_arg, page_arg
from eventsite.services import listings

bp = Blueprint("api", __name__)


def _date_arg(name: str) -> date | None:
    value = request.args.get(name)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        abort(400, description=f"`{name}` must be a date such as 2026-11-21, not “{value}”")


@bp.get("/events")
def events():
    query = listings.listed_events()
    if tag := request.args.get("tag"):
        query = listings.with_tag(query, tag)
    start, end = _date_arg("from"), _date_arg("to")
    if request.args.get("past") in ("1", "true"):
        query = listings.past(query)
    elif start or end:  # an explicit range replaces the "upcoming" default
        query = listings.chronological(query)
    else:
        query = listings.upcoming(query)
    query = listings.in_date_range(query, start, end)
    pagination = listings.page_of(query, page_arg(), int_arg("per_page", 20, 100))
    return jsonify(page_json(pagination, [event_json(e) for e in pagination.items]))


@bp.get("/events/<slug>")
def event(slug: str):
    found = listings.listed_event(slug) or abort(404, description=f"No event “{slug}”.")
    return jsonify(event_json(found))
