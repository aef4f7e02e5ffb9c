"""Registering for an event here, and the attendee's own page (reached by a secret link)."""

from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    make_response,
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
from eventsite.services import attendees, listings, registrations, series
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
    event = listings.listed_event(slug, bare=True) or abort(404)
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
                form.consent.data, form.timezone.data or ""), day)
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
                           join_links=registrations.join_links(registration),
                           feed_url=attendees.feed_url(attendees.attendee_for(
                               registration.email)),
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


# --- the attendee's own things ----------------------------------------------------------------

@bp.get("/j/<secret>")
def join(secret: str):
    """The personal join link: into the room in its window, a page saying when otherwise."""
    registration = attendees.by_join_secret(secret) or abort(404)
    answer = attendees.open_join_link(registration)
    if answer.kind == "redirect":
        response = redirect(answer.url, 302)
    else:
        status = 403 if answer.kind in ("not_seated", "cancelled") else 200
        response = make_response(render_template(
            "registration/join.html", answer=answer, registration=registration,
            event=registration.event), status)
    # The room's address goes to the room only, not to whoever it links on to.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/feeds/me/<secret>.ics")
def personal_feed(secret: str):
    """One private feed of everything the address registered for (see services)."""
    attendee = attendees.by_feed_secret(secret) or abort(404)
    response = Response(registrations.personal_calendar(attendee.email),
                        content_type="text/calendar; charset=utf-8")
    response.add_etag()
    response.headers["Cache-Control"] = "private, no-cache"
    return response.make_conditional(request)


@bp.post("/r/<token>/feed/reset")
def reset_feed(token: str):
    registration = _registration(token)
    attendees.reset_feed_secret(attendees.attendee_for(registration.email))
    flash("Your calendar feed has a new address: the old one no longer works. Subscribe "
          "again with the new one.", "success")
    return redirect(url_for("registration.manage", token=token) + "#feed")


@bp.post("/r/<token>/mine")
def send_mine(token: str):
    """E-mail the address a link to all its registrations (shown only to its inbox)."""
    registration = _registration(token)
    registrations.send_registrations_link(registration.email)
    flash(f"We have sent a link to all your registrations to {registration.email}.", "success")
    return redirect(url_for("registration.manage", token=token))


@bp.get("/me/<token>")
def mine(token: str):
    email = attendees.email_of_mine_token(token)
    if email is None:
        abort(404, description="This link has expired: ask for a new one from any of your "
                               "registration pages.")
    attendee = attendees.attendee_for(email)
    return render_template("registration/mine.html", email=email, attendee=attendee,
                           feed_url=attendees.feed_url(attendee),
                           unsubscribe_tokens={what: attendees.unsubscribe_token(email, what)
                                               for what in attendees.CHOICES},
                           registrations=attendees.registrations_of(email))


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    """One click from a mail leads here; the button (a POST: mail scanners open links) stops
    reminders or recording notices to the address."""
    found = attendees.read_unsubscribe_token(token) or abort(404)
    email, what = found
    done = request.method == "POST"
    if done:
        attendees.set_choice(email, what, wanted=request.form.get("again") == "1")
    return render_template("registration/unsubscribe.html", email=email, what=what,
                           done=done, wanted=attendees.wants(email, what))
