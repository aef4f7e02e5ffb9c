"""Public pages: listings, the event announcement, speakers, organisations, tags."""

from flask import Blueprint, abort, current_app, render_template, request, send_file

from eventsite.pagecache import no_page_cache
from eventsite.paging import int_arg, position_arg
from eventsite.public.jsonld import event_jsonld
from eventsite.registration.forms import RegistrationForm
from eventsite.services import images, listings, registrations, search
from eventsite.urls import site_url

bp = Blueprint("public", __name__)


def _per_page() -> int:
    return current_app.config["EVENTS_PER_PAGE"]


def _past_page(query):
    return listings.page_of(listings.past(query), position_arg(), _per_page(), newest_first=True)


@bp.get("/")
def index():
    events = listings.page_of(listings.upcoming(), position_arg(), _per_page(),
                               newest_first=False)
    return render_template("public/index.html", events=events)


@bp.get("/events/past")
def past():
    events = listings.page_of(listings.past(), position_arg(), _per_page(), newest_first=True)
    return render_template("public/past.html", events=events)


@bp.get("/search")
def search_page():
    words = request.args.get("q", "").strip()[:200]
    page = int_arg("page", 1, search.WINDOW)
    results = search.search(words, page, _per_page()) if words else None
    return render_template("public/search.html", q=words, results=results)


@bp.get("/events/<slug>")
def event(slug: str):
    found = listings.listed_event(slug) or abort(404)
    state = registrations.state_of(found)
    form = None
    if state:
        no_page_cache()  # seats left change with every sign-up
        form = RegistrationForm()
    return render_template(
        "public/event.html", event=found, registration=state, register_form=form,
        jsonld=event_jsonld(found, site_url("public.event", slug=slug)))


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
