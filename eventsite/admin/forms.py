"""Organiser forms. They check format; meaning (time rules, uniqueness) is checked by the
services, whose errors `show_errors` puts next to the fields they concern."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from eventsite.domain import recurrence
from eventsite.domain.timezones import Fold, WallTimeError, get_zone, to_utc
from eventsite.errors import labelled
from eventsite.models import (
    EventFormat,
    EventStatus,
    LocationVisibility,
    OccurrenceStatus,
    OrganisationRole,
    RegistrationMode,
    SpeakerRole,
)
from eventsite.services.errors import ValidationError
from eventsite.services.events import (
    EventInput,
    LocationInput,
    OrganisationInput,
    SpeakerInput,
    fold_of,
    local_wall_time,
)
from eventsite.services.series import OccurrenceChangeInput, RecurrenceInput, exceptions_of

# Commas as Chinese and Japanese write them too (full-width, ideographic).
_TAG_SEPARATORS = re.compile("[,，、]")

BLANK_ROWS = 2  # empty rows offered after the filled ones (more with the "Add" buttons)
# A row's buttons: "speakers-2-up" moves the third speaker up (see EventForm.move_row).
ROW_MOVE = re.compile(r"^(speakers|organisations|locations)-(\d{1,3})-(up|down|remove)$")


def _text(field) -> str:
    """A text field's value, stripped ('' when the browser sent nothing)."""
    return (field.data or "").strip()


class SpeakerRow(Form):
    name = StringField("Name", validators=[Length(max=200)],
                       render_kw={"list": "known-speakers", "autocomplete": "off"})
    affiliation = StringField("Affiliation", validators=[Length(max=500)])
    role = SelectField("Role", default=SpeakerRole.SPEAKER.value,
                       choices=[SelectChoice(r.value, r.value.title()) for r in SpeakerRole])


class OrganisationRow(Form):
    name = StringField("Organisation", validators=[Length(max=200)],
                       render_kw={"list": "known-organisations", "autocomplete": "off"})
    url = StringField("Website", validators=[Length(max=500)], render_kw={"type": "url"})
    role = SelectField("Role", default=OrganisationRole.HOST.value, choices=[
        SelectChoice(OrganisationRole.HOST.value, "Host"),
        SelectChoice(OrganisationRole.CO_SPONSOR.value, "Co-sponsor")])


class LocationRow(Form):
    name = StringField("Name", validators=[Length(max=100)],
                       render_kw={"placeholder": "Zoom, YouTube…"})
    url = StringField("Link", validators=[Length(max=500)], render_kw={"type": "url"})
    visibility = SelectField("Who sees the link", choices=[
        SelectChoice(LocationVisibility.PUBLIC.value, "Everyone"),
        SelectChoice(LocationVisibility.REGISTRANTS.value, "Registrants only")],
        default=LocationVisibility.PUBLIC.value)


WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CorrectableForm(FlaskForm):
    """A form whose services' errors are shown beside the fields they concern."""

    refused = False  # set when the services refused the input

    def _field_for(self, key: str):
        return getattr(self, key)

    def show_errors(self, errors: dict[str, str]) -> None:
        """Put the services' errors next to the fields they concern."""
        for key, message in errors.items():
            field = self._field_for(key)
            field.errors = [*field.errors, labelled(field, message)]
        self.refused = True

    def failed(self) -> bool:
        """Whether the form or the services found anything to correct."""
        return self.refused or bool(self.errors)


IMAGE_TYPES = "image/jpeg,image/png,image/webp,image/gif"


class EventForm(CorrectableForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    slug = StringField("Address", validators=[Optional(), Length(max=120)],
                       description="Leave empty to make one from the title.")
    summary = TextAreaField("Summary", validators=[Length(max=1000)],
                            description="The teaser shown on listings.")
    description = TextAreaField("Description", validators=[Length(max=50_000)],
                                description="Markdown: **bold**, [links](https://…), lists.")
    tags = StringField("Tags", validators=[Length(max=500)],
                       description="Separated by commas, e.g. Korea, Peace, 中文, 한국어.")
    format = SelectField("Format", choices=[SelectChoice(f.value, f.label) for f in EventFormat],
                         default=EventFormat.ONLINE.value)

    timezone = StringField("Time zone", validators=[DataRequired(), Length(max=64)],
                           render_kw={"list": "zones", "autocomplete": "off",
                                      "placeholder": "America/New_York"})
    date = DateField("Date", validators=[InputRequired(message="Give the date.")])
    start_time = TimeField("Starts", validators=[InputRequired(message="Give a start time.")])
    end_time = TimeField("Ends", validators=[Optional()])
    end_date = DateField("Finishes on", validators=[Optional()],
                         description="Only for an event that goes on past midnight.")
    duration = IntegerField("or lasts (minutes)", validators=[Optional(), NumberRange(1, 44640)])
    fold = RadioField("This time happens twice that day: which one?", choices=[
        SelectChoice("", "Not chosen"), SelectChoice(Fold.EARLIER.value, "The earlier"),
        SelectChoice(Fold.LATER.value, "The later")], default="", validators=[Optional()])
    display_timezones = StringField("Also show the time in", validators=[Length(max=1000)],
                                    description="Time zones, separated by commas.")

    # A series: the date above is its first.
    repeats = SelectField("Repeats", default="never", choices=[
        SelectChoice("never", "Never (one date)"), SelectChoice("daily", "Daily"),
        SelectChoice("weekly", "Weekly"), SelectChoice("monthly", "Monthly"),
        SelectChoice("custom", "Custom rule")])
    repeat_interval = IntegerField("Every", default=1,
                                   validators=[Optional(), NumberRange(1, 99)],
                                   description="1: every day, week or month; 2: every other…")
    repeat_days = CheckboxesField("On", choices=[SelectChoice(code, name) for code, name in
                                                 zip(WEEKDAYS, WEEKDAY_NAMES, strict=True)],
                                  validate_choice=True,
                                  description="Weekly: the days (the first date's day if none).")
    monthly_by = RadioField("Monthly on", default="date", choices=[
        SelectChoice("date", "the same day of the month (the 14th)"),
        SelectChoice("weekday", "the same weekday (the second Tuesday, or the last)")])
    custom_rule = StringField("Rule (RFC 5545 RRULE)", validators=[Length(max=200)],
                              render_kw={"placeholder": "FREQ=MONTHLY;BYDAY=-1FR;COUNT=10"})
    ends = RadioField("Ends", default="count", choices=[
        SelectChoice("count", "After a number of times"), SelectChoice("until", "On a last day")])
    ends_count = IntegerField("Times", default=10,
                              validators=[Optional(), NumberRange(1, recurrence.MAX_OCCURRENCES)])
    ends_on = DateField("Last one on", validators=[Optional()])
    except_dates = StringField("Leave out", validators=[Length(max=4000)],
                               description="Dates the series skips, e.g. 2027-04-06, "
                                           "2027-12-28.")

    speakers = FieldList(FormField(SpeakerRow))
    organisations = FieldList(FormField(OrganisationRow))
    locations = FieldList(FormField(LocationRow))
    venue_name = StringField("Venue", validators=[Length(max=200)])
    venue_address = StringField("Address", validators=[Length(max=500)])

    registration_mode = RadioField("Registration", default="none", choices=[
        SelectChoice("none", "None"),
        SelectChoice("external", "External link (Eventbrite, …)"),
        SelectChoice("builtin", "On this site, with capacity and a waitlist")])
    capacity = IntegerField("Seats", validators=[Optional(), NumberRange(1, 1_000_000)],
                            description="Leave empty for no limit.")
    waitlist = BooleanField("When full, take names for a waitlist", default=True)
    registration_opens = DateTimeLocalField("Opens", validators=[Optional()],
                                            description="In the event's time zone; empty: now.")
    registration_closes = DateTimeLocalField(
        "Closes", validators=[Optional()],
        description="In the event's time zone; empty: when the event starts.")
    confirmation_required = BooleanField(
        "Ask people to confirm their address by a link before their seat counts")
    registration_per_occurrence = BooleanField(
        # Words of no other field's label ('Date', 'Seats'): fields are found by their labels.
        "A series: people register for each day of it on its own, rather than once for the "
        "whole series", description="Each day then has the number above and a waitlist of "
                                    "its own.")
    registration_url = StringField("Registration link", validators=[Length(max=500)],
                                   render_kw={"type": "url"})
    registration_label = StringField("Link text", validators=[Length(max=100)],
                                     render_kw={"placeholder": "Eventbrite"})

    image = FileField("Image", description="JPEG, PNG, WebP or GIF, at most 5 MB.",
                      render_kw={"accept": IMAGE_TYPES})
    remove_image = BooleanField("Remove the current image")
    # An image chosen in an earlier try of this form, kept while other fields are corrected.
    pending_image = HiddenField()
    image_alt = StringField("What the image shows", validators=[Length(max=300)],
                            description="For people who cannot see it, e.g. “The three "
                                        "speakers on a panel”. Leave empty for decoration.")

    def add_blank_rows(self) -> None:
        """Offer empty rows to fill in, after those already filled."""
        for rows in (self.speakers, self.organisations, self.locations):
            while len([row for row in rows if not row.form.name.data]) < BLANK_ROWS:
                rows.append_entry()

    def move_row(self, move: str) -> bool:
        """Move a row of speakers, organisations or places up or down, or remove it, as its
        button asks ('speakers-2-up'); the form is then shown again with everything else as
        it was. False for a request that names no row."""
        found = ROW_MOVE.match(move or "")
        rows = getattr(self, found[1]) if found else None
        index = int(found[2]) if found else -1
        if rows is None or index >= len(rows.entries):
            return False
        values = [row.form.data for row in rows]
        item = values.pop(index)
        if found[3] != "remove":
            values.insert(max(0, index + (1 if found[3] == "down" else -1)), item)
        rows.entries, rows.last_index = [], -1
        for value in values:
            rows.append_entry(value)
        return True

    # --- to and from the services' shape -------------------------------------------------------

    @staticmethod
    def _rows(rows) -> list:
        """The rows filled in, in order: item i of the input is row i of this list."""
        return [row for row in rows if (row.form.name.data or "").strip()]

    def event_input(self, status: EventStatus) -> EventInput:
        """The organiser's input as the services take it."""
        start = datetime.combine(self.date.data, self.start_time.data)
        fold = Fold(self.fold.data) if self.fold.data else None
        end_fold = None
        if self.end_time.data:
            end = datetime.combine(self.end_date.data or self.date.data, self.end_time.data)
            if end <= start:
                # Never guess "the next day": 1pm to 11am is far likelier a slip than a
                # 22-hour event. One that crosses midnight gives its end date or a duration.
                raise ValidationError({"end_time": (
                    "The event would end before it starts. For an event that goes on past "
                    "midnight, give the day it ends on, or how long it lasts.")})
        elif self.duration.data:
            end, end_fold = self._end_after(start, fold)
        else:
            raise ValidationError({"end_time": "Give an end time or how long it lasts."})
        mode = RegistrationMode(self.registration_mode.data or "none")
        external = mode is RegistrationMode.EXTERNAL
        return EventInput(
            title=_text(self.title), slug=_text(self.slug),
            summary=_text(self.summary), description=_text(self.description),
            tags=[t.strip() for t in _TAG_SEPARATORS.split(_text(self.tags)) if t.strip()],
            format=EventFormat(self.format.data), status=status,
            starts_local=start, ends_local=end, timezone=_text(self.timezone), fold=fold,
            end_fold=end_fold,
            display_timezones=[z.strip() for z in _text(self.display_timezones).split(",")
                               if z.strip()],
            speakers=[SpeakerInput(_text(row.form.name), _text(row.form.affiliation),
                                   SpeakerRole(row.form.role.data))
                      for row in self._rows(self.speakers)],
            organisations=[OrganisationInput(_text(row.form.name),
                                             _text(row.form.url),
                                             OrganisationRole(row.form.role.data))
                           for row in self._rows(self.organisations)],
            locations=[LocationInput(_text(row.form.name), _text(row.form.url),
                                     LocationVisibility(row.form.visibility.data))
                       for row in self._rows(self.locations)],
            venue_name=_text(self.venue_name), venue_address=_text(self.venue_address),
            registration_url=_text(self.registration_url) if external else "",
            registration_label=_text(self.registration_label) if external else "",
            registration_mode=mode, capacity=self.capacity.data,
            waitlist=bool(self.waitlist.data),
            registration_opens=self.registration_opens.data,
            registration_closes=self.registration_closes.data,
            confirmation_required=bool(self.confirmation_required.data),
            image_alt=_text(self.image_alt),
            registration_per_occurrence=bool(self.registration_per_occurrence.data),
            recurrence=self.recurrence_input(),
        )

    def recurrence_input(self) -> RecurrenceInput | None:
        """The series the form describes (None: one date); ValidationError for the fields."""
        kind = self.repeats.data or "never"
        if kind == "never":
            return None
        first = self.date.data
        if kind == "custom":
            rule = _text(self.custom_rule)
            if not rule:
                raise ValidationError({"recurrence.rule": "Give a rule, e.g. "
                                                          "FREQ=WEEKLY;BYDAY=TU;COUNT=12."})
        else:
            parts = [f"FREQ={kind.upper()}"]
            if (self.repeat_interval.data or 1) > 1:
                parts.append(f"INTERVAL={self.repeat_interval.data}")
            if kind == "weekly":
                days = [d for d in WEEKDAYS if d in (self.repeat_days.data or [])]
                parts.append("BYDAY=" + ",".join(days or [WEEKDAYS[first.weekday()]]))
            elif kind == "monthly" and self.monthly_by.data == "weekday":
                last = (first + timedelta(days=7)).month != first.month
                nth = -1 if last and first.day > 28 else (first.day - 1) // 7 + 1
                parts.append(f"BYDAY={nth}{WEEKDAYS[first.weekday()]}")
            elif kind == "monthly":
                parts.append(f"BYMONTHDAY={first.day}")
            if self.ends.data == "until":
                if not self.ends_on.data:
                    raise ValidationError({"ends_on": "Give the last date, or choose a number "
                                                      "of times."})
                parts.append(f"UNTIL={self.ends_on.data:%Y%m%d}")
            else:
                if not self.ends_count.data:
                    raise ValidationError({"ends_count": "Give how many times, or choose a "
                                                         "last date."})
                parts.append(f"COUNT={self.ends_count.data}")
            rule = ";".join(parts)
        excepted = []
        for item in _text(self.except_dates).replace(";", ",").split(","):
            if item.strip():
                try:
                    excepted.append(date.fromisoformat(item.strip()))
                except ValueError:
                    raise ValidationError({"recurrence.except": f"“{item.strip()}” is not a "
                                                                "date such as 2027-04-06."}) \
                        from None
        return RecurrenceInput(rule, excepted)

    def fill_recurrence(self, event) -> None:
        """Set the repeat fields from a saved series: a rule the simple choices can say is
        shown as them, any other as a custom rule."""
        if event.recurrence_rule is None:
            return
        rule = recurrence.parse_rule(event.recurrence_rule)
        first = event.starts_local
        self.except_dates.data = ", ".join(d.isoformat() for d in exceptions_of(event))
        self.custom_rule.data = event.recurrence_rule
        simple = rule.freq.value.lower()
        if rule.freq is recurrence.Frequency.YEARLY or (
                rule.freq is recurrence.Frequency.MONTHLY and rule.month_day not in (
                    None, first.day) and rule.nth is None):
            self.repeats.data = "custom"
            return
        self.repeats.data = simple
        self.repeat_interval.data = rule.interval
        self.repeat_days.data = [WEEKDAYS[d] for d in rule.weekdays] \
            if rule.freq is recurrence.Frequency.WEEKLY else []
        self.monthly_by.data = "weekday" if rule.nth is not None else "date"
        if rule.until:
            self.ends.data, self.ends_on.data = "until", rule.until
        else:
            self.ends.data, self.ends_count.data = "count", rule.count

    def _end_after(self, start: datetime, fold: Fold | None) -> tuple[datetime, Fold | None]:
        """The wall time `duration` minutes of real time after `start` (clock changes count),
        with the side of the fold it falls on should that wall time happen twice."""
        zone_name = _text(self.timezone)
        try:
            instant = to_utc(start, zone_name, fold) + timedelta(minutes=self.duration.data)
            wall = instant.replace(tzinfo=UTC).astimezone(get_zone(zone_name)).replace(
                tzinfo=None)
        except WallTimeError:
            # The start is at fault; let the service say so next to the start time.
            return start + timedelta(minutes=self.duration.data), None
        return wall, fold_of(wall, zone_name, instant)

    def _field_for(self, key: str):
        simple = {"start": self.start_time, "end": self.end_time, "title": self.title,
                  "slug": self.slug, "summary": self.summary, "description": self.description,
                  "timezone": self.timezone, "display_timezones": self.display_timezones,
                  "tags": self.tags, "format": self.format,
                  "registration.url": self.registration_url,
                  "registration.label": self.registration_label,
                  "venue.name": self.venue_name, "venue.address": self.venue_address,
                  "end_time": self.end_time, "end_date": self.end_date,
                  "image_alt": self.image_alt,
                  "image": self.image,
                  "registration.capacity": self.capacity,
                  "registration.opens": self.registration_opens,
                  "registration.closes": self.registration_closes,
                  "registration.mode": self.registration_mode,
                  "registration.per_occurrence": self.registration_per_occurrence,
                  "recurrence.rule": self.custom_rule if self.repeats.data == "custom"
                  else self.repeats,
                  "recurrence.except": self.except_dates, "recurrence": self.repeats,
                  "ends_on": self.ends_on, "ends_count": self.ends_count}
        if key in simple:
            return simple[key]
        group, _, rest = key.partition("[")
        index, _, name = rest.partition("].")
        rows = self._rows(getattr(self, group))
        return getattr(rows[int(index)].form, name)

    @classmethod
    def for_event(cls, event, site_zones: list[str]) -> EventForm:
        """A form filled from an existing event (or the defaults for a new one)."""
        if event is None:
            form = cls(display_timezones=", ".join(site_zones))
        else:
            form = cls(
                title=event.title, slug=event.slug, summary=event.summary,
                description=event.description, tags=", ".join(t.display_name for t in event.tags),
                format=event.format.value, timezone=event.timezone,
                date=event.starts_local.date(), start_time=event.starts_local.time(),
                end_time=event.ends_local.time(),
                end_date=(event.ends_local.date()
                          if event.ends_local.date() != event.starts_local.date() else None),
                display_timezones=", ".join(event.display_timezones
                                            if event.display_timezones is not None
                                            else site_zones),
                speakers=[{"name": link.speaker.name, "affiliation": link.speaker.affiliation,
                           "role": link.role.value} for link in event.speaker_links],
                organisations=[{"name": link.organisation.name,
                                "url": link.organisation.website, "role": link.role.value}
                               for link in event.organisation_links],
                locations=[{"name": loc.name, "url": loc.url, "visibility": loc.visibility.value}
                           for loc in event.locations],
                venue_name=event.venue_name, venue_address=event.venue_address,
                registration_mode=event.registration_mode.value,
                registration_url=event.registration_url,
                registration_label=event.registration_label,
                capacity=event.capacity, waitlist=event.waitlist,
                confirmation_required=event.confirmation_required, image_alt=event.image_alt,
                registration_per_occurrence=event.registration_per_occurrence,
                registration_opens=local_wall_time(event, event.registration_opens_at),
                registration_closes=local_wall_time(event, event.registration_closes_at),
            )
            form.fill_recurrence(event)
        form.add_blank_rows()
        return form


class OccurrenceForm(FlaskForm):
    """One date of a series: its own time, place, note and status."""

    start = DateTimeLocalField("Starts", validators=[Optional()],
                               description="In the series' time zone.")
    end = DateTimeLocalField("Ends", validators=[Optional()],
                             description="Empty: as long as the series' dates last.")
    status = SelectField("This date", default="scheduled", choices=[
        SelectChoice("scheduled", "Takes place"), SelectChoice("cancelled", "Cancelled"),
        SelectChoice("postponed", "Postponed")])
    note = StringField("Note for visitors", validators=[Length(max=500)],
                       render_kw={"placeholder": "In room 2 this week"})
    venue_name = StringField("Venue (this date only)", validators=[Length(max=200)])
    venue_address = StringField("Address", validators=[Length(max=500)])

    def change_input(self, day: date, rule_start: datetime) -> OccurrenceChangeInput:
        """The date's change; a start equal to the rule's is no move."""
        start = self.start.data if self.start.data != rule_start else None
        return OccurrenceChangeInput(
            day=day, starts_local=start, ends_local=self.end.data if start else None,
            status=OccurrenceStatus(self.status.data), note=_text(self.note),
            venue_name=_text(self.venue_name) or None,
            venue_address=_text(self.venue_address) or None)

    def show_errors(self, errors: dict[str, str]) -> None:
        for key, message in errors.items():
            field = getattr(self, key, None) or self.note
            field.errors = [*field.errors, message]


class StatusForm(FlaskForm):
    """Cancel or postpone, with a public note."""

    note = StringField("Note for visitors", validators=[Length(max=500)],
                       description="Optional: why, and what happens next.")


class DuplicateForm(FlaskForm):
    days = IntegerField("Days later", default=7, validators=[InputRequired(),
                                                             NumberRange(1, 3650)])


class SpeakerForm(CorrectableForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    slug = StringField("Address", validators=[DataRequired(), Length(max=120)])
    affiliation = StringField("Affiliation", validators=[Length(max=500)])
    bio = TextAreaField("Biography (Markdown)", validators=[Length(max=10_000)])

    def details(self) -> list:
        return [self.name, self.slug, self.affiliation, self.bio]

    # The same three fields as the event form's image, so one view helper keeps them.
    image = FileField("Photo", description="A portrait, shown round: JPEG, PNG, WebP or GIF, "
                                           "at most 5 MB. Without one, the initials are shown.",
                      render_kw={"accept": IMAGE_TYPES})
    remove_image = BooleanField("Remove the current photo")
    pending_image = HiddenField()


class OrganisationForm(CorrectableForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    slug = StringField("Address", validators=[DataRequired(), Length(max=120)])
    website = StringField("Website", validators=[Length(max=500)], render_kw={"type": "url"})

    def details(self) -> list:
        return [self.name, self.slug, self.website]

    image = FileField("Logo", description="JPEG, PNG, WebP or GIF, at most 5 MB; shown whole, "
                                          "on a light background. Without one, the initials "
                                          "are shown.",
                      render_kw={"accept": IMAGE_TYPES})
    remove_image = BooleanField("Remove the current logo")
    pending_image = HiddenField()


class MergeSpeakersForm(FlaskForm):
    keep = SelectField("Keep", coerce=int)
    merge = SelectField("Merge into it, then delete", coerce=int)


class OrganiserForm(FlaskForm):
    email = EmailField("E-mail address", validators=[DataRequired(), Length(max=254)])
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    password = PasswordField("Password (at least 10 characters)",
                             validators=[DataRequired(), Length(max=1024)],
                             render_kw={"autocomplete": "new-password"})
    is_admin = BooleanField("Administrator (can add and disable organisers)")


class EmptyForm(FlaskForm):
    """A button that posts: carries only the CSRF token."""


class RecordingForm(FlaskForm):
    """After the event: where to watch it again, and the slides."""

    recording_url = StringField("Recording link", validators=[Length(max=500)],
                                description="YouTube, Vimeo, Zoom cloud... Registrants are told "
                                            "by e-mail once the event is over (each once).")
    recording_public = BooleanField("Anyone may watch it (otherwise registrants only, through "
                                    "their personal page and join link)", default=True)
    slides_url = StringField("Slides link", validators=[Length(max=500)])


class MessageForm(FlaskForm):
    """A message to every registrant of an event, sent through the outbox."""

    subject = StringField("Subject", validators=[DataRequired(), Length(max=200)])
    body = TextAreaField("Message", validators=[DataRequired(), Length(max=20_000)])
