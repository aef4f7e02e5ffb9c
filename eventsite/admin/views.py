"""The organiser's desk under /admin. Every route needs a signed-in organiser."""

from __future__ import annotations

from datetime import date, datetime, time

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from eventsite.admin.forms import (
    DuplicateForm,
    EmptyForm,
    EventForm,
    MergeSpeakersForm,
    MessageForm,
    OccurrenceForm,
    OrganisationForm,
    OrganiserForm,
    RecordingForm,
    SpeakerForm,
    StatusForm,
)
from eventsite.confirmation import unconfirmed
from eventsite.display import series_preview, wall_time_line
from eventsite.domain.timezones import (
    AmbiguousWallTimeError,
    WallTimeError,
    all_zones_with_offsets,
    format_long_date,
    utcnow,
)
from eventsite.errors import show_on_form
from eventsite.models import EventStatus
from eventsite.public.jsonld import event_jsonld
from eventsite.services import (
    accounts,
    images,
    listings,
    mail,
    recordings,
    registrations,
    series,
    speakers,
)
from eventsite.services import events as event_service
from eventsite.services.errors import ValidationError
from eventsite.urls import site_url

bp = Blueprint("admin", __name__)


@bp.before_request
@login_required
def require_organiser():
    """Every page under /admin: anonymous visitors go to sign-in and see nothing."""


def require_admin() -> None:
    if not current_user.is_admin:
        abort(403, description="Only administrators can manage organisers.")


def _event(event_id: int):
    return event_service.event_by_id(event_id) or abort(404)


@bp.get("/")
def dashboard():
    return render_template("admin/dashboard.html", drafts=listings.drafts(),
                           upcoming=listings.first(listings.upcoming(), 50),
                           recent=listings.first(listings.past(), 10))


# --- the event form ---------------------------------------------------------------------------

def _render_form(form: EventForm, event=None, status: int = 200):
    form.add_blank_rows()
    preview = _time_preview(form)
    return render_template(
        "admin/event_form.html", form=form, event=event, zones=all_zones_with_offsets(),
        time_preview=preview, show_fold=preview["ambiguous"] or bool(form.fold.data),
        show_description=request.form.get("action") == "preview",
        known_speakers=listings.speaker_names(),
        known_organisations=listings.organisation_names(),
        cancel_form=StatusForm(prefix="cancel"), postpone_form=StatusForm(prefix="postpone"),
        duplicate_form=DuplicateForm(), button=EmptyForm(),
        series_dates=series.occurrences_of(event, utcnow(), limit=50)
        if event is not None and event.is_series else []), status


def _time_preview(form: EventForm) -> dict:
    """The multi-zone line for what the form holds, or why there is none yet; for a series,
    its first dates and the clock changes that touch them."""
    if not (form.date.data and form.start_time.data and form.timezone.data):
        return {"line": "", "error": "", "ambiguous": False, "series": None}
    found = _preview_line(form.date.data, form.start_time.data, form.timezone.data,
                          form.display_timezones.data or "", form.fold.data or None)
    found["series"], found["series_error"] = None, ""
    if (form.repeats.data or "never") != "never" and not found["error"]:
        try:
            data = form.event_input(EventStatus.DRAFT)
            found["series"] = series_preview(
                data.recurrence, data.starts_local, data.ends_local, data.timezone,
                data.display_timezones or [])
        except ValidationError as error:
            found["series_error"] = " ".join(error.errors.values())
        except (WallTimeError, ValueError) as error:
            found["series_error"] = str(error)
    return found


def _preview_line(day: date, start: time, zone: str, display: str, fold: str | None) -> dict:
    zones = [z.strip() for z in display.split(",") if z.strip()]
    if not event_service.YEARS[0] <= day.year <= event_service.YEARS[1]:
        return {"line": "", "ambiguous": False,
                "error": f"Give a date in the years {event_service.YEARS[0]}–"
                         f"{event_service.YEARS[1]}."}
    try:
        return {"line": wall_time_line(datetime.combine(day, start), zone.strip(), zones, fold),
                "error": "", "ambiguous": False}
    except (WallTimeError, ValueError, OverflowError) as error:
        return {"line": "", "error": str(error),
                "ambiguous": isinstance(error, AmbiguousWallTimeError)}


def _save(form: EventForm, event=None):
    """Validate and save the form: the event and its image, or nothing at all."""
    publish = request.form.get("action") == "publish"
    if event is None:
        status = EventStatus.PUBLISHED if publish else EventStatus.DRAFT
    else:
        status = EventStatus.PUBLISHED if publish else event.status
    new_image = form.pending_image.data or None
    try:
        data = form.event_input(status)
        if new_image or form.remove_image.data:
            data.image_id, data.replace_image = new_image, True
        if event is None:
            event = event_service.create_event(data)
        else:
            old_image = event.image_id
            event_service.update_event(event, data)
            if data.replace_image and old_image:
                images.delete_event_image(old_image)
    except ValidationError as error:
        form.show_errors(error.errors)  # the chosen image stays chosen (pending_image)
        return None
    return event


def _submitted(form) -> bool:
    """Whether the form (the event's, a speaker's, an organisation's) was posted to be saved
    and holds nothing to correct; any image chosen is kept either way."""
    if request.method != "POST":
        return False
    if request.form.get("move"):  # a row moved or removed: shown again, nothing checked yet
        form.move_row(request.form["move"])
        _keep_image(form)
        return False
    valid = form.validate_on_submit()
    _keep_image(form)  # after validation, which resets every field's errors
    return valid and not form.refused and request.form.get("action") != "preview"


def _image_choice(form) -> images.ImageChoice:
    """The image the form asks for: the one chosen (now or in an earlier try), or none."""
    return images.ImageChoice(form.pending_image.data or None, bool(form.remove_image.data))


def _keep_image(form) -> None:
    """Store an image chosen with this submission at once, so that it survives errors in
    other fields: the form carries its id (pending_image) until the event is saved."""
    pending = images.unclaimed_image(form.pending_image.data)
    if form.image.data:
        try:
            stored = images.store_event_image(form.image.data.stream)
        except ValidationError as error:
            form.show_errors(error.errors)
        else:
            images.delete_event_image(pending)  # replaced by the new choice
            pending = stored
        finally:
            form.image.data.close()  # a large upload is a temporary file: close it now
    form.pending_image.data = pending or ""


IMAGE_FORMS = ("admin.new_event", "admin.edit_event", "admin.edit_speaker",
               "admin.edit_organisation")  # an over-large image is refused beside its field


@bp.route("/events/new", methods=["GET", "POST"])
def new_event():
    site_zones = current_app.config["DISPLAY_TIMEZONES"]
    form = EventForm() if request.method == "POST" else EventForm.for_event(None, site_zones)
    if _submitted(form):
        event = _save(form)
        if event:
            flash(f"“{event.title}” is saved as "
                  f"{'published' if event.status is EventStatus.PUBLISHED else 'a draft'}.",
                  "success")
            return redirect(url_for("admin.edit_event", event_id=event.id))
    return _render_form(form, status=422 if form.failed() else 200)


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
def edit_event(event_id: int):
    event = _event(event_id)
    site_zones = current_app.config["DISPLAY_TIMEZONES"]
    form = EventForm() if request.method == "POST" else EventForm.for_event(event, site_zones)
    if _submitted(form):
        if _save(form, event):
            flash(f"“{event.title}” is saved.", "success")
            return redirect(url_for("admin.edit_event", event_id=event.id))
    return _render_form(form, event, status=422 if form.failed() else 200)


@bp.get("/series-preview")
def series_preview_json():
    """The form's time preview, series included, for what the form's script sends (the
    form's own fields, as a query string)."""
    form = EventForm(formdata=request.args, meta={"csrf": False})
    return jsonify(_time_preview(form))


@bp.get("/time-preview")
def time_preview():
    """The multi-zone line for a date, time and zone, as the form's script asks for it."""
    try:
        day = date.fromisoformat(request.args.get("date", ""))
        start = time.fromisoformat(request.args.get("time", ""))
    except ValueError:
        return jsonify(line="", error="Give a date and a start time.", ambiguous=False), 400
    return jsonify(_preview_line(day, start, request.args.get("timezone", ""),
                                 request.args.get("display", ""),
                                 request.args.get("fold") or None))


@bp.route("/events/<int:event_id>/dates/<day>", methods=["GET", "POST"])
def edit_occurrence(event_id: int, day: str):
    """One date of a series: another time, place or note, or cancelled; the rest of the
    series stays as it is (the event form edits the whole series)."""
    event = _event(event_id)
    try:
        when = date.fromisoformat(day)
    except ValueError:
        abort(404)
    dated = series.occurrence_on(event, when) or abort(404)
    change = series.change_on(event, when)
    rule_start = datetime.combine(when, event.starts_local.time())
    if request.method == "POST":
        form = OccurrenceForm()
        if request.form.get("action") == "cancel":
            form.status.data = "cancelled"
    else:
        form = OccurrenceForm(start=dated.starts_local, end=dated.ends_local,
                              status=dated.status.value, note=dated.note,
                              venue_name=change.venue_name if change else "",
                              venue_address=change.venue_address if change else "")
    if form.validate_on_submit():
        try:
            event_service.change_occurrence(event, form.change_input(when, rule_start))
        except ValidationError as error:
            form.show_errors(error.errors)
        else:
            flash(f"{format_long_date(rule_start)} is saved"
                  f"{' as cancelled' if form.status.data == 'cancelled' else ''}; the other "
                  f"dates are unchanged.", "success")
            return redirect(url_for("admin.edit_event", event_id=event.id))
    return render_template("admin/occurrence_form.html", event=event, occurrence=dated,
                           form=form, day=when), 422 if form.errors else 200


@bp.get("/events/<int:event_id>/preview")
def preview_event(event_id: int):
    event = _event(event_id)
    return render_template("public/event.html", event=event, preview=True,
                           jsonld=event_jsonld(event, site_url("public.event", slug=event.slug)))


# --- actions on an event ----------------------------------------------------------------------

@bp.post("/events/<int:event_id>/publish")
def publish_event(event_id: int):
    event = _event(event_id)
    if EmptyForm().validate_on_submit():
        event_service.set_status(event, EventStatus.PUBLISHED)
        flash(f"“{event.title}” is published.", "success")
    return redirect(url_for("admin.edit_event", event_id=event.id))


@bp.post("/events/<int:event_id>/<any(cancel, postpone):action>")
def change_status(event_id: int, action: str):
    event = _event(event_id)
    form = StatusForm(prefix=action)
    if form.validate_on_submit():
        done = {"cancel": "cancelled", "postpone": "postponed"}[action]
        count = registrations.counts(event)
        told = count["confirmed"] + count["waitlisted"]
        detail = f"It stays listed, marked as {done}."
        if told:
            detail += f" {told} registrant{'s are' if told != 1 else ' is'} told by e-mail."
        asked = unconfirmed(f"{action.title()} “{event.title}”?", f"Yes, {action} the event",
                            url_for("admin.edit_event", event_id=event.id), detail)
        if asked:
            return asked
        change = event_service.cancel_event if action == "cancel" else \
            event_service.postpone_event
        change(event, form.note.data or "")
        flash(f"“{event.title}” is {done}. It stays listed, marked as {done}.", "success")
    else:
        flash(" ".join(form.note.errors) or "The note could not be saved.", "error")
    return redirect(url_for("admin.edit_event", event_id=event.id))


@bp.post("/events/<int:event_id>/duplicate")
def duplicate_event(event_id: int):
    event = _event(event_id)
    form = DuplicateForm()
    if not form.validate_on_submit():
        flash("Days later: " + " ".join(form.days.errors), "error")
        return redirect(url_for("admin.edit_event", event_id=event.id))
    try:
        copy = event_service.duplicate_event(event, form.days.data)
    except ValidationError as error:
        flash("The copy could not be made: " + "; ".join(error.errors.values()), "error")
        return redirect(url_for("admin.edit_event", event_id=event.id))
    flash(f"A draft copy is made for {copy.starts_local:%A %-d %B %Y}.", "success")
    return redirect(url_for("admin.edit_event", event_id=copy.id))


@bp.post("/events/<int:event_id>/delete")
def delete_event(event_id: int):
    event = _event(event_id)
    if EmptyForm().validate_on_submit():
        asked = unconfirmed(f"Delete the draft “{event.title}”?", "Yes, delete it",
                            url_for("admin.edit_event", event_id=event.id),
                            "This cannot be undone.")
        if asked:
            return asked
        try:
            image, title = event.image_id, event.title
            event_service.delete_draft(event)
            images.delete_event_image(image)
        except ValidationError as error:
            flash(" ".join(error.errors.values()), "error")
            return redirect(url_for("admin.edit_event", event_id=event_id))
        flash(f"The draft “{title}” is deleted.", "success")
    return redirect(url_for("admin.dashboard"))


# --- registrants ------------------------------------------------------------------------------

def _registrants_page(event, message_form: MessageForm, search: str = "",
                      recording_form: RecordingForm | None = None):
    return render_template("admin/registrants.html", event=event, search=search,
                           rows=registrations.registrants(event, search),
                           counts=registrations.counts(event), message_form=message_form,
                           recording_form=recording_form or RecordingForm(obj=event),
                           broadcasts=mail.broadcast_progress(event.id))


@bp.get("/events/<int:event_id>/registrations")
def registrants(event_id: int):
    return _registrants_page(_event(event_id), MessageForm(), request.args.get("q", ""))


@bp.get("/events/<int:event_id>/registrations.csv")
def registrants_csv(event_id: int):
    event = _event(event_id)
    return Response(registrations.registrants_csv(event), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition":
                             f'attachment; filename="{event.slug}-registrants.csv"',
                             "Cache-Control": "private, no-store"})


@bp.post("/registrations/<int:registration_id>/<any(cancel, promote):action>")
def change_registration(registration_id: int, action: str):
    registration = registrations.by_id(registration_id) or abort(404)
    if EmptyForm().validate_on_submit():
        if action == "cancel":
            asked = unconfirmed(f"Cancel {registration.name}'s registration?",
                                "Yes, cancel it",
                                url_for("admin.registrants", event_id=registration.event_id),
                                f"{registration.name} is told by e-mail.")
            if asked:
                return asked
        try:
            (registrations.cancel if action == "cancel" else registrations.promote)(
                registration)
        except ValidationError as error:
            flash(" ".join(error.errors.values()), "error")
        else:
            flash(f"{registration.name} is {'cancelled' if action == 'cancel' else 'promoted'}"
                  f" and has been told by e-mail.", "success")
    return redirect(url_for("admin.registrants", event_id=registration.event_id))


@bp.post("/events/<int:event_id>/recording")
def save_recording(event_id: int):
    event = _event(event_id)
    form = RecordingForm()
    if form.validate_on_submit():
        try:
            told = recordings.set_recording(event, form.recording_url.data or "",
                                            form.recording_public.data,
                                            form.slides_url.data or "")
        except ValidationError as error:
            show_on_form(form, error)
        else:
            flash("Recording and slides saved." + (
                f" {told} registrant{'s are' if told != 1 else ' is'} told by e-mail."
                if told else ""), "success")
            return redirect(url_for("admin.registrants", event_id=event.id) + "#recording")
    return _registrants_page(event, MessageForm(), recording_form=form), 422


@bp.post("/events/<int:event_id>/message")
def message_registrants(event_id: int):
    event = _event(event_id)
    form = MessageForm()
    if form.validate_on_submit():
        count = registrations.message_registrants(event, form.subject.data, form.body.data,
                                                  current_user)
        flash(f"Your message is queued for {count} registrant{'s' if count != 1 else ''}; "
              f"its progress is shown below.", "success")
        return redirect(url_for("admin.registrants", event_id=event.id))
    return _registrants_page(event, form), 422


# --- speakers ---------------------------------------------------------------------------------

@bp.get("/speakers")
def speaker_list():
    rows = speakers.speakers_with_counts()
    form = MergeSpeakersForm()
    form.keep.choices = form.merge.choices = [SelectChoice(s.id, s.name) for s, _ in rows]
    return render_template("admin/speakers.html", rows=rows, merge_form=form)


def _edit_record(record, form, save, back: str, back_label: str, **page):
    """A speaker's or an organisation's form: `save(form, image_choice)` when it is right."""
    if _submitted(form):
        try:
            save(form, _image_choice(form))
        except ValidationError as error:
            form.show_errors(error.errors)
        else:
            flash(f"{record.name} is saved.", "success")
            return redirect(url_for(back))
    return render_template("admin/record_form.html", form=form, record=record, back=back,
                           back_label=back_label, **page), 422 if form.failed() else 200


@bp.route("/speakers/<int:speaker_id>", methods=["GET", "POST"])
def edit_speaker(speaker_id: int):
    speaker = speakers.speaker_by_id(speaker_id) or abort(404)
    return _edit_record(
        speaker, SpeakerForm(obj=speaker),
        lambda form, photo: speakers.update_speaker(
            speaker, form.name.data, form.affiliation.data or "", form.bio.data or "",
            form.slug.data, photo),
        "admin.speaker_list", "Back to speakers", kicker="Speaker", image_kind="photo",
        public_url=url_for("public.speaker", slug=speaker.slug))


@bp.post("/speakers/merge")
def merge_speakers():
    rows = speakers.speakers_with_counts()
    form = MergeSpeakersForm()
    form.keep.choices = form.merge.choices = [SelectChoice(s.id, s.name) for s, _ in rows]
    if form.validate_on_submit():
        keep, merge = speakers.speaker_by_id(form.keep.data), speakers.speaker_by_id(
            form.merge.data)
        try:
            name = merge.name
            speakers.merge_speakers(keep, merge)
        except ValidationError as error:
            flash(" ".join(error.errors.values()), "error")
        else:
            flash(f"{name} is merged into {keep.name}.", "success")
    return redirect(url_for("admin.speaker_list"))


# --- organisations ----------------------------------------------------------------------------

@bp.get("/organisations")
def organisation_list():
    return render_template("admin/organisations.html", rows=speakers.organisations_with_counts())


@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
def edit_organisation(organisation_id: int):
    organisation = speakers.organisation_by_id(organisation_id) or abort(404)
    return _edit_record(
        organisation, OrganisationForm(obj=organisation),
        lambda form, logo: speakers.update_organisation(
            organisation, form.name.data, form.website.data or "", form.slug.data, logo),
        "admin.organisation_list", "Back to organisations", kicker="Organisation",
        image_kind="logo", public_url=url_for("public.organisation", slug=organisation.slug))


# --- organisers (administrators only) ---------------------------------------------------------

@bp.route("/organisers", methods=["GET", "POST"])
def organisers():
    require_admin()
    form = OrganiserForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_organiser(form.email.data, form.name.data,
                                             form.password.data, form.is_admin.data)
        except ValidationError as error:
            show_on_form(form, error)
        else:
            flash(f"{user.name} can now sign in as {user.email}.", "success")
            return redirect(url_for("admin.organisers"))
    return render_template("admin/organisers.html", form=form, users=accounts.organisers(),
                           button=EmptyForm()), 422 if form.errors else 200


@bp.post("/organisers/<int:user_id>/<any(enable, disable):action>")
def set_organiser_active(user_id: int, action: str):
    require_admin()
    user = accounts.user_by_id(user_id) or abort(404)
    if EmptyForm().validate_on_submit():
        try:
            accounts.set_active(user, action == "enable", current_user)
        except ValidationError as error:
            flash(" ".join(error.errors.values()), "error")
        else:
            flash(f"{user.name} is {action}d.", "success")
    return redirect(url_for("admin.organisers"))
