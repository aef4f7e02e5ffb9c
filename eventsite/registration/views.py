"""Registering for an event here, and the attendee's own page (reached by a secret link)."""

from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from eventsite.confirmation import unconfirmed
from eventsite.errors import show_on_form
from eventsite.extensions import limiter
from eventsite.models import RegistrationStatus
from eventsite.registration.forms import RegistrationForm
from eventsite.services import listings, registrations, series
from eventsite.services.accounts import normalise_email
from eventsite.services.errors import ValidationError

bp = Blueprint("registration", __name__)


def _email_key() -> str:
    """The address as it will be stored: every spelling of one inbox shares one count."""
    typed = request.form.get("email", "")
    try:
        return "email:" + normalise_email(typed)
    except ValidationError:
        return "email:" + typed.strip().lower()


@bp.post("/events/<slug>/register")
@limiter.limit(lambda: current_app.config["REGISTER_LIMIT"])
@limiter.limit(lambda: current_app.config["REGISTER_EMAIL_LIMIT"], key_func=_email_key)
def register(slug: str):
    event = listings.listed_event(slug) or abort(404)
    form = RegistrationForm()
    if form.website.data:  # a bot filled the honeypot: thank it and keep nothing
        return redirect(url_for("registration.done", slug=slug))
    day = _day(event, form.date.data)
    page = url_for("public.occurrence", slug=slug, day=day.isoformat()) if day else \
        url_for("public.event", slug=slug)
    if form.validate_on_submit():
        try:
            registrations.register(event, registrations.SignUp(
                form.name.data, form.email.data, form.organisation.data or "",
                form.consent.data), day)
        except ValidationError as error:
            show_on_form(form, error)
        except registrations.RegistrationError as error:
            flash(str(error), "error")
            return redirect(page)
        else:
            # The same answer for a new sign-up and an address already registered, with or
            # without a seat: the personal link goes only to the address's inbox, so typing
            # someone else's address shows (and confirms) nothing.
            return redirect(url_for("registration.done", slug=slug))
    if day:
        return render_template("public/occurrence.html", event=event, register_form=form,
                               occurrence=series.occurrence_on(event, day),
                               change=series.change_on(event, day),
                               registration=registrations.state_of(event, day=day)), 422
    return render_template("public/event.html", event=event, register_form=form,
                           registration=registrations.state_of(event), jsonld=None), 422


def _day(event, value: str | None) -> date | None:
    """The date registered for, for a series registered date by date (404 if none such)."""
    if not registrations.per_occurrence(event):
        return None
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        abort(404)
    if series.occurrence_on(event, day) is None:
        abort(404)
    return day


@bp.get("/events/<slug>/registered")
def done(slug: str):
    event = listings.listed_event(slug) or abort(404)
    return render_template("registration/done.html", event=event)


def _registration(token: str):
    return registrations.by_token(token) or abort(404)


@bp.get("/r/<token>")
def manage(token: str):
    registration = _registration(token)
    return render_template("registration/manage.html", registration=registration,
                           event=registration.event, new=request.args.get("new") == "1",
                           join_links=registrations.private_links(registration.event),
                           position=registrations.waitlist_position(registration))


@bp.get("/r/<token>.ics")
def calendar(token: str):
    registration = _registration(token)
    if registration.status is not RegistrationStatus.CONFIRMED:
        abort(404, description="Your calendar entry is ready once you have a seat.")
    response = Response(registrations.invitation(registration, method="PUBLISH"),
                        content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = \
        f'attachment; filename="{registration.event.slug}.ics"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/confirm/<secret>", methods=["GET", "POST"])
def confirm(secret: str):
    """The link in the confirmation e-mail (its own secret, never shown on a page). A page
    with a button: mail scanners open links, so only the POST confirms."""
    registration = registrations.by_confirm_token(secret) or abort(404)
    if request.method == "POST":
        try:
            registrations.confirm(registration)
        except registrations.RegistrationError as error:
            flash(str(error), "error")
        return redirect(url_for("registration.manage", token=registration.token))
    return render_template("registration/confirm.html", registration=registration,
                           event=registration.event)


@bp.post("/r/<token>/cancel")
def cancel(token: str):
    registration = _registration(token)
    asked = unconfirmed(f"Cancel your registration for “{registration.event.title}”?",
                        "Yes, cancel my registration",
                        url_for("registration.manage", token=token))
    if asked:
        return asked
    registrations.cancel(registration)
    flash("Your registration is cancelled. We have sent you an e-mail to say so.", "success")
    return redirect(url_for("registration.manage", token=token))
