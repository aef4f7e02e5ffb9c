from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, StringField
from wtforms.validators import Length


class RegistrationForm(FlaskForm):
    # Required-ness and address checks are the service's, so every fault is named at once.
    name = StringField("Name", validators=[Length(max=200)],
                       render_kw={"autocomplete": "name"})
    email = EmailField("E-mail address", validators=[Length(max=254)],
                       render_kw={"autocomplete": "email"})
    organisation = StringField("Organisation (optional)", validators=[Length(max=200)],
                               render_kw={"autocomplete": "organization"})
    consent = BooleanField("The organisers may keep my name and e-mail address to manage my "
                           "registration and to write to me about this event.")
    # The zone the attendee reads times in: the event's by default; the page's script puts
    # the browser's in (data-visitor-zone). The service checks it is a place's IANA zone.
    timezone = StringField(
        "Your time zone", validators=[Length(max=64)],
        description="Your e-mails and reminders also give the time here (an IANA zone, "
                    "such as Asia/Kolkata or America/Chicago).",
        render_kw={"data-visitor-zone": "", "autocomplete": "off", "spellcheck": "false"})
    # A series registered date by date: which date (ISO), from the date's own page.
    date = HiddenField()
    # A honeypot: hidden from people, filled in by bots.
    website = StringField("Leave this empty", render_kw={"tabindex": "-1",
                                                         "autocomplete": "off"})
