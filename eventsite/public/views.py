"""Public pages: listings, the event announcement, speakers, organisations, tags."""

from datetime import date

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)

from eventsite.domain.paging import MAX_PAGE
from eventsite.domain.timezones import all_zones_with_offsets, is_valid_zone, utcnow
from eventsite.pagecache import no_page_cache
from eventsite.paging import int_arg, position_arg
from eventsite.public.jsonld import event_jsonld
from eventsite.registration.forms import RegistrationForm
from eventsite.services import directory, images, listings, registrations, search, series
from eventsite.services.month import MONTHS, is_valid_month, month_view, this_month
from eventsite.urls import site_url

bp = Blueprint("public", __name__)
SERIES_DATES_SHOWN = 12


def _per_page() -> int:
    return current_app.config["EVENTS_PER_PAGE"]


def _past_page(query):
    return listings.page_of(listings.past(query), position_arg(), _per_page(), newest_first=True)


@bp.get("/")
def index():
    events = listings.page_of(listings.upcoming(), position_arg(), _per_page(),
                               newest_first=False)
    return render_template("public/index.html", events=events,
                           next_dates=series.next_occurrences(events.items))


@bp.get("/events/past")
def past():
    """Every event and every date of a series that has happened, newest first."""
    with_recordings = request.args.get("recordings") == "1"
    listed = listings.listed_events()
    if with_recordings:
        listed = listings.with_recording(listed)
    query = listings.dated_entries(listed, ended_before=utcnow())
    events = listings.page_of(query, position_arg(), _per_page(), newest_first=True)
    return render_template("public/past.html", events=events, with_recordings=with_recordings)


@bp.get("/search")
def search_page():
    words = request.args.get("q", "").strip()[:200]
    page = int_arg("page", 1, search.WINDOW)
    results = search.search(words, page, _per_page()) if words else None
    return render_template("public/search.html", q=words, results=results)


def _calendar_zone() -> tuple[str, str | None]:
    """The zone the calendar's days are in, and the `tz` to keep in its links (None: the
    site's default, which links need not repeat)."""
    asked = request.args.get("tz", "")[:64]
    if asked and is_valid_zone(asked):
        return asked, asked
    return current_app.config["DISPLAY_TIMEZONES"][0], None


@bp.get("/calendar")
def calendar_now():
    zone, tz_param = _calendar_zone()
    year, number = this_month(zone)
    return redirect(url_for("public.calendar", year=year, month=number, tz=tz_param))


@bp.get("/calendar/<int(fixed_digits=4):year>/<int(fixed_digits=2):month>")
def calendar(year: int, month: int):
    if not is_valid_month(year, month):
        abort(404)
    zone, tz_param = _calendar_zone()
    return render_template("public/calendar.html", tz_param=tz_param,
                           view=month_view(year, month, zone),
                           zones=all_zones_with_offsets(), month_names=MONTHS)


INDEX_PER_PAGE = 60
INDEX_TITLES = {"speakers": "Speakers", "organisations": "Organisations", "tags": "Tags"}


def _index(kind: str):
    letter = request.args.get("letter", "").strip()
    found = directory.directory(kind, letter.upper() if len(letter) == 1 else letter,
                                int_arg("page", 1, MAX_PAGE), INDEX_PER_PAGE)
    return render_template("public/directory.html", kind=kind, title=INDEX_TITLES[kind],
                           directory=found)


@bp.get("/speakers")
def speakers():
    return _index("speakers")


@bp.get("/organisations")
def organisations():
    return _index("organisations")


@bp.get("/tags")
def tags():
    return _index("tags")


@bp.get("/events/<slug>")
def event(slug: str):
    found = listings.listed_event(slug) or abort(404)
    state = registrations.state_of(found)
    form = None
    if state:
        no_page_cache()  # seats left change with every sign-up
        form = RegistrationForm(timezone=found.timezone)
    upcoming_dates = series.occurrences_of(found, utcnow(), limit=SERIES_DATES_SHOWN) \
        if found.is_series else []
    return render_template(
        "public/event.html", event=found, registration=state, register_form=form,
        upcoming_dates=upcoming_dates,
        jsonld=event_jsonld(found, site_url("public.event", slug=slug),
                            upcoming_dates[0] if upcoming_dates else None))


@bp.get("/events/<slug>/<day>", merge_slashes=False)
def occurrence(slug: str, day: str):
    """One date of a series: its time (moved or not), status, note, and the series'."""
    found = listings.listed_event(slug) or abort(404)
    try:
        when = date.fromisoformat(day)
    except ValueError:
        abort(404)
    dated = series.occurrence_on(found, when) or abort(404)
    state = registrations.state_of(found, day=when)
    form = None
    if state:
        no_page_cache()  # seats left change with every sign-up
        form = RegistrationForm(date=when.isoformat(), timezone=found.timezone)
    return render_template("public/occurrence.html", event=found, occurrence=dated,
                           change=series.change_on(found, when), registration=state,
                           register_form=form)


@bp.get("/media/events/<name>")
def event_image(name: str):
    """A stored, re-encoded event image; the name is ours, never the uploader's."""
    path = images.image_path(name) or abort(404)
    response = send_file(path, mimetype="image/webp", max_age=86400 * 365)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    return response


@bp.get("/speakers/<slug>")
def speaker(slug: str):
    found = listings.speaker_by_slug(slug) or abort(404)
    query = listings.with_speaker(listings.listed_events(), found)
    return render_template("public/speaker.html", speaker=found,
                           upcoming=listings.first(listings.upcoming(query), 100),
                           past=_past_page(query))


@bp.get("/organisations/<slug>")
def organisation(slug: str):
    found = listings.organisation_by_slug(slug) or abort(404)
    query = listings.with_organisation(listings.listed_events(), found)
    return render_template("public/organisation.html", organisation=found,
                           upcoming=listings.first(listings.upcoming(query), 100),
                           past=_past_page(query))


@bp.get("/tags/<tag>")
def tag(tag: str):
    found = listings.tag_by_name(tag) or abort(404)
    query = listings.with_tag(listings.listed_events(), found.name)
    return render_template("public/tag.html", tag=found,
                           upcoming=listings.first(listings.upcoming(query), 100),
                           past=_past_page(query))
