"""The read API: /api/events and /api/events/<slug>."""

from datetime import date, datetime, time, timedelta

from flask import Blueprint, abort, jsonify, request

from eventsite.api.schemas import event_json, occurrence_entry_json, page_json
from eventsite.cors import allow_any_origin
from eventsite.domain.timezones import utcnow
from eventsite.paging import int_arg, narrowed, position_arg
from eventsite.services import listings, search, series
from eventsite.urls import site_url

bp = Blueprint("api", __name__)
bp.after_request(allow_any_origin)  # read-only and impersonal: any site may read it


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
    if words := request.args.get("q", "").strip()[:200]:
        return _search(words)
    query = narrowed(listings.listed_events())
    start, end = _date_arg("from"), _date_arg("to")
    since = datetime.combine(start, time.min) if start else None
    until = datetime.combine(end + timedelta(days=1), time.min) if end else None
    newest_first = request.args.get("past") in ("1", "true")
    if newest_first:
        query = listings.dated_entries(query, ended_before=utcnow(), starts_from=since,
                                       starts_before=until)
    elif start or end:  # an explicit range replaces the "upcoming" default
        query = listings.dated_entries(query, starts_from=since, starts_before=until)
    else:
        query = listings.dated_entries(query, running_at=utcnow())
    page = listings.page_of(query, position_arg(), int_arg("per_page", 20, 100), newest_first)
    return jsonify(page_json(page, [
        event_json(e) if occurrence is None else occurrence_entry_json(e, occurrence)
        for e, occurrence in page.items],
                             previous=_page_url(page.has_prev, before=page.prev_cursor),
                             next=_page_url(page.has_next, after=page.next_cursor)))


def _search(words: str):
    """Search results in relevance order (upcoming first), paged by number: a ranking has no
    position to seek from, and it is bounded (services/search.py)."""
    results = search.search(words, int_arg("page", 1, search.WINDOW),
                            int_arg("per_page", 20, 100))
    body = page_json(results, [event_json(e) for e in results.items],
                     previous=_page_url(results.has_prev, page=results.prev_num),
                     next=_page_url(results.has_next, page=results.next_num))
    body["total"] = results.total
    return jsonify(body)


def _page_url(exists: bool, **cursor) -> str | None:
    """This listing's address at another position; None where there is no such page."""
    if not exists:
        return None
    args = {name: value for name, value in request.args.items()
            if name not in ("page", "after", "before")}
    args.update({name: value for name, value in cursor.items() if value})
    return site_url("api.events", **args)


@bp.get("/events/<slug>")
def event(slug: str):
    found = listings.listed_event(slug) or abort(404, description=f"No event “{slug}”.")
    if not found.is_series:
        return jsonify(event_json(found))
    start, end = _date_arg("from"), _date_arg("to")
    since = datetime.combine(start, time.min) if start else (None if end else utcnow())
    until = datetime.combine(end + timedelta(days=1), time.min) if end else None
    return jsonify(event_json(found, series.occurrences_of(found, since, until)))
