"""Registration for a series: once for the whole series, or date by date, each date with its
own seats and waitlist; invitations carry the rule, or the one date."""

from __future__ import annotations

import email
from datetime import date, datetime, timedelta
from email import policy

import icalendar
import pytest

from eventsite.extensions import db
from eventsite.models import (
    OccurrenceSeats,
    OccurrenceStatus,
    OutboxMessage,
    Registration,
    RegistrationStatus,
)
from eventsite.services import events as event_service
from eventsite.services import mail, registrations
from eventsite.services.series import OccurrenceChangeInput
from tests.factories import make_event
from tests.web import csrf_token

FIRST = date.today() + timedelta(days=(1 - date.today().weekday()) % 7 or 7)  # a Tuesday
SECOND = FIRST + timedelta(days=7)


def per_date_series(capacity=1, **registration):
    return make_event(
        title="Reading group", slug="reading-group", timezone="Europe/London",
        start=f"{FIRST}T19:00", end=f"{FIRST}T20:00",
        recurrence={"rule": "FREQ=WEEKLY;BYDAY=TU;COUNT=4"},
        registration={"mode": "builtin", "capacity": capacity, "per_occurrence": True,
                      **registration})


def sign_up(client, day: date | None, email_address: str, slug="reading-group",
            page: str | None = None):
    page = page or (f"/events/{slug}/{day}" if day else f"/events/{slug}")
    token = csrf_token(client, page)
    return client.post(f"/events/{slug}/register", data={
        "csrf_token": token, "name": "Ana Núñez", "email": email_address,
        "consent": "y", "date": str(day) if day else ""})


def registration_of(address: str, day: date) -> Registration:
    db.session.expire_all()
    return db.session.scalar(db.select(Registration).where(
        Registration.email == address, Registration.occurrence_key == day.isoformat()))


def invitations(address: str) -> list[icalendar.Calendar]:
    found = []
    for stored in db.session.scalars(db.select(OutboxMessage).where(
            OutboxMessage.recipient == address).order_by(OutboxMessage.id)):
        message = email.message_from_bytes(mail.message_bytes(stored), policy=policy.default)
        for part in message.walk():
            if part.get_content_type() == "text/calendar":
                content = part.get_content()
                found.append(icalendar.Calendar.from_ical(
                    content.encode() if isinstance(content, str) else content))
    return found


def test_each_date_has_its_own_seats_and_waitlist(client, app):
    per_date_series(capacity=1)
    series_page = client.get("/events/reading-group").get_data(as_text=True)
    assert 'id="register"' not in series_page  # no form for the whole series
    assert series_page.count('class="register-link"') == 4
    date_page = client.get(f"/events/reading-group/{FIRST}").get_data(as_text=True)
    assert "1 seat left" in date_page and f'value="{FIRST}"' in date_page

    assert sign_up(client, FIRST, "ana@example.org").status_code == 302
    assert sign_up(client, FIRST, "bo@example.org").status_code == 302
    assert sign_up(client, SECOND, "ana@example.org").status_code == 302  # another date
    assert registration_of("ana@example.org", FIRST).status is RegistrationStatus.CONFIRMED
    assert registration_of("bo@example.org", FIRST).status is RegistrationStatus.WAITLISTED
    assert registration_of("ana@example.org", SECOND).status is RegistrationStatus.CONFIRMED
    seats = dict(db.session.execute(db.select(OccurrenceSeats.day,
                                              OccurrenceSeats.confirmed_count)).all())
    assert seats[FIRST] == 1 and seats[SECOND] == 1 and len(seats) == 4
    assert "Full — join the waitlist" in client.get(
        f"/events/reading-group/{FIRST}").get_data(as_text=True)

    # A freed seat on that date goes to that date's waitlist.
    registrations.cancel(registration_of("ana@example.org", FIRST))
    assert registration_of("bo@example.org", FIRST).status is RegistrationStatus.CONFIRMED
    assert registration_of("ana@example.org", SECOND).status is RegistrationStatus.CONFIRMED


def test_an_invitation_for_one_date_carries_that_date_only(client, app):
    event = per_date_series()
    sign_up(client, SECOND, "ana@example.org")
    (calendar,) = invitations("ana@example.org")
    (vevent,) = calendar.walk("VEVENT")
    assert "RRULE" not in vevent
    assert vevent["RECURRENCE-ID"].dt.replace(tzinfo=None) == datetime.combine(
        SECOND, datetime.min.time()).replace(hour=19)
    api = client.get(f"/api/events/{event.slug}").get_json()["occurrences"][1]
    assert vevent["DTSTART"].dt.astimezone().isoformat(timespec="seconds") == \
        datetime.fromisoformat(api["start"]).astimezone().isoformat(timespec="seconds")
    assert str(vevent["UID"]) == f"{event.uid}@eventsite"


def test_a_change_to_one_date_reaches_that_dates_registrants_only(client, app):
    event = per_date_series(capacity=5)
    sign_up(client, FIRST, "ana@example.org")
    sign_up(client, SECOND, "bo@example.org")
    before = {a: len(invitations(a)) for a in ("ana@example.org", "bo@example.org")}
    event_service.change_occurrence(event, OccurrenceChangeInput(
        day=SECOND, status=OccurrenceStatus.CANCELLED, note="Room closed"))
    assert len(invitations("ana@example.org")) == before["ana@example.org"]
    assert len(invitations("bo@example.org")) == before["bo@example.org"] + 1
    latest = invitations("bo@example.org")[-1].walk("VEVENT")
    assert [str(v["STATUS"]) for v in latest] == ["CANCELLED"]
    # A cancelled date takes no more sign-ups.
    assert "Registration closed" in client.get(
        f"/events/reading-group/{SECOND}").get_data(as_text=True)


def test_once_for_the_whole_series_by_default(client, app):
    make_event(title="Whole", slug="whole", timezone="Europe/London",
               start=f"{FIRST}T19:00", end=f"{FIRST}T20:00",
               recurrence={"rule": "FREQ=WEEKLY;BYDAY=TU;COUNT=4"},
               registration={"mode": "builtin", "capacity": 3})
    assert 'id="register"' in client.get("/events/whole").get_data(as_text=True)
    assert 'id="register"' not in client.get(f"/events/whole/{FIRST}").get_data(as_text=True)
    assert sign_up(client, None, "ana@example.org", slug="whole").status_code == 302
    (calendar,) = invitations("ana@example.org")
    assert "RRULE" in calendar.walk("VEVENT")[0]


def test_a_date_that_is_not_in_the_series_is_not_found(client, app):
    per_date_series()
    assert sign_up(client, FIRST + timedelta(days=1), "ana@example.org",
                   page=f"/events/reading-group/{FIRST}").status_code == 404


@pytest.mark.parametrize("per_occurrence", [True, False])
def test_the_form_sets_registration_per_date(client, app, per_occurrence):
    from tests.factories import make_organiser
    from tests.test_admin_events import new_event, only_event
    from tests.test_series_form import WEEKLY
    from tests.web import field_errors, sign_in

    make_organiser(is_admin=True)
    sign_in(client)
    changes = {**WEEKLY, "registration_mode": "builtin", "capacity": "5"}
    if per_occurrence:
        changes["registration_per_occurrence"] = "y"
    response = new_event(client, **changes)
    assert response.status_code == 302, field_errors(response)
    assert only_event().registration_per_occurrence is per_occurrence


def test_organisers_see_the_date_of_each_registration(client, app):
    event = per_date_series(capacity=5)
    sign_up(client, SECOND, "bo@example.org")
    sign_up(client, FIRST, "ana@example.org")
    rows = registrations.registrants_csv(event).decode("utf-8-sig").splitlines()
    assert rows[0].endswith(",Date")
    assert rows[1].startswith("Ana Núñez,ana@example.org") and rows[1].endswith(str(FIRST))
    assert rows[2].startswith("Ana Núñez,bo@example.org") and rows[2].endswith(str(SECOND))


@pytest.mark.settings(REGISTER_LIMIT="1000 per minute", REGISTER_EMAIL_LIMIT="10 per minute",
                      MAIL_SEND_IMMEDIATELY=False)
def test_simultaneous_sign_ups_for_one_date_never_overbook_it(app, live_server):
    import http.cookiejar
    import re
    import threading
    import urllib.error
    import urllib.parse
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    per_date_series(capacity=5)
    people, openers, tokens = 30, [], []
    for _ in range(people):
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect)
        page = opener.open(f"{live_server}/events/reading-group/{FIRST}", timeout=30).read()
        openers.append(opener)
        tokens.append(re.search(r'name="csrf_token"[^>]*?value="([^"]+)"',
                                page.decode()).group(1))
    barrier, statuses = threading.Barrier(people), [0] * people

    def press(n: int) -> None:
        body = urllib.parse.urlencode({"csrf_token": tokens[n], "name": f"Person {n}",
                                       "email": f"person{n}@example.org", "consent": "y",
                                       "date": str(FIRST)}).encode()
        barrier.wait(timeout=60)
        try:
            statuses[n] = openers[n].open(f"{live_server}/events/reading-group/register",
                                          body, timeout=120).status
        except urllib.error.HTTPError as error:
            statuses[n] = error.code

    threads = [threading.Thread(target=press, args=(n,)) for n in range(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert statuses == [302] * people
    db.session.expire_all()
    counted = dict(db.session.execute(
        db.select(Registration.status, db.func.count(Registration.id))
        .group_by(Registration.status)).all())
    assert counted == {RegistrationStatus.CONFIRMED: 5, RegistrationStatus.WAITLISTED: 25}
    assert db.session.scalar(db.select(OccurrenceSeats.confirmed_count).where(
        OccurrenceSeats.day == FIRST)) == 5


def test_a_registration_for_one_date_is_reminded_before_that_date(client, app):
    per_date_series(capacity=5)
    sign_up(client, SECOND, "ana@example.org")
    first = datetime.combine(FIRST, datetime.min.time())  # 7pm London is 18:00-19:00 UTC
    second = datetime.combine(SECOND, datetime.min.time())
    # The day before the series' first date: nothing for someone coming on the second.
    assert registrations.send_reminders(now=first + timedelta(hours=6)) == 0
    assert registrations.send_reminders(now=second + timedelta(hours=6)) == 1
    assert registrations.send_reminders(now=second + timedelta(hours=18, minutes=15)) == 1
    subjects = [stored.subject for stored in db.session.scalars(
        db.select(OutboxMessage).where(OutboxMessage.recipient == "ana@example.org")
        .order_by(OutboxMessage.id))]
    assert subjects[-2:] == ["Reminder: Reading group today", "Reminder: Reading group in one hour"]


def test_a_dates_seats_cannot_be_cut_below_those_taken(client, app):
    """Lowering a per-date series' capacity is checked against every upcoming date's own
    seats, not the series' (always empty) counter: nobody loses a seat by an edit."""
    event = per_date_series(capacity=3)
    sign_up(client, FIRST, "ana@example.org")
    sign_up(client, SECOND, "bo@example.org")
    sign_up(client, SECOND, "cy@example.org")
    with pytest.raises(event_service.ValidationError) as refused:
        event_service.update_event(event, event_service.event_input_from(event, capacity=1))
    assert refused.value.errors == {"registration.capacity": (
        f"Number of seats: 2 people already hold seats on {SECOND:%A} {SECOND.day} "
        f"{SECOND:%B %Y}. Choose at least 2, or cancel registrations first.")}
    db.session.expire_all()
    assert event.capacity == 3
    event_service.update_event(event, event_service.event_input_from(event, capacity=2))
    assert event.capacity == 2


@pytest.mark.parametrize("per_date", [True, False])
def test_registration_cannot_switch_between_whole_series_and_per_date_with_people_in_it(
        client, app, per_date):
    event = per_date_series(capacity=3) if per_date else make_event(
        title="Reading group", slug="reading-group", timezone="Europe/London",
        start=f"{FIRST}T19:00", end=f"{FIRST}T20:00",
        recurrence={"rule": "FREQ=WEEKLY;BYDAY=TU;COUNT=4"},
        registration={"mode": "builtin", "capacity": 3})
    switched = event_service.event_input_from(event, registration_per_occurrence=not per_date)
    sign_up(client, FIRST if per_date else None, "ana@example.org")
    with pytest.raises(event_service.ValidationError) as refused:
        event_service.update_event(event, switched)
    (message,) = refused.value.errors.values()
    assert message.startswith("Registration for each date: 1 person is registered")
    db.session.expire_all()
    assert event.registration_per_occurrence is per_date
    registrations.cancel(registration_of("ana@example.org", FIRST) if per_date else
                         db.session.scalar(db.select(Registration)))
    event_service.update_event(event, event_service.event_input_from(
        event, registration_per_occurrence=not per_date))
    assert event.registration_per_occurrence is not per_date


def test_the_form_shows_a_refused_switch_next_to_its_field(client, app):
    from tests.factories import make_organiser
    from tests.test_admin_events import new_event, only_event
    from tests.test_series_form import WEEKLY
    from tests.web import field_errors, seed_webinar_form, sign_in

    make_organiser(is_admin=True)
    sign_in(client)
    form = {**WEEKLY, "registration_mode": "builtin", "capacity": "5",
            "date": str(FIRST), "ends": "count", "ends_count": "4", "except_dates": "",
            "action": "publish"}
    assert new_event(client, **form, registration_per_occurrence="y").status_code == 302
    event = only_event()
    assert sign_up(client, FIRST, "ana@example.org", slug=event.slug).status_code == 302
    edit = f"/admin/events/{event.id}/edit"
    response = client.post(edit, data=seed_webinar_form(csrf_token(client, edit), **form))
    assert response.status_code == 422
    assert "1 person is registered date by date" in \
        field_errors(response)["registration_per_occurrence"]
    assert only_event().registration_per_occurrence is True
