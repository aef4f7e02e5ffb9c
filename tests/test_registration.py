"""Built-in registration, with a real SMTP server and both calendar parsers."""

import re
from datetime import datetime, timedelta

import icalendar
import pytest

from eventsite.display import iso_utc
from eventsite.domain.timezones import utcnow
from eventsite.extensions import db
from eventsite.models import OutboxMessage, OutboxStatus, Registration, RegistrationStatus
from eventsite.services import events as event_service
from eventsite.services import registrations
from tests.calendars import icaljs
from tests.conftest import free_port, smtp_server
from tests.factories import days_from_today, make_event, make_organiser, wall
from tests.test_public import page_text
from tests.web import csrf_token, field_errors, sign_in

ZOOM = "https://zoom.us/j/98765"
pytestmark = pytest.mark.usefixtures("private_links_audited")


def webinar(**registration):
    settings = {"mode": "builtin", "capacity": 20, **registration}
    return make_event(
        title="Korea webinar", start=wall(days_from_today(10), 11),
        end=wall(days_from_today(10), 13), registration=settings,
        locations=[{"name": "Zoom", "url": ZOOM, "visibility": "registrants"},
                   {"name": "YouTube", "url": "https://youtube.com/live"}])


def sign_up(client, event, email="ana@example.org", name="Ana Núñez", **extra):
    token = csrf_token(client)  # one token serves the whole session
    return client.post(f"/events/{event.slug}/register", data={
        "csrf_token": token, "name": name, "email": email, "organisation": "Peace Network",
        "consent": "y", **extra})


def registration_of(email) -> Registration:
    db.session.expire_all()
    return db.session.scalar(db.select(Registration).where(Registration.email == email))


def parts(message) -> dict:
    return {part.get_content_type(): part for part in message.walk()
            if not part.is_multipart()}


def test_sign_up_sends_a_confirmation_with_an_invitation(client, app, smtp):
    event = webinar()
    response = sign_up(client, event)
    registration = registration_of("ana@example.org")
    assert response.status_code == 302
    # The answer shows no personal link: that goes to the inbox only.
    assert response.headers["Location"] == f"/events/{event.slug}/registered"
    answer = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Check your e-mail" in answer and registration.token not in answer
    assert registration.status is RegistrationStatus.CONFIRMED

    (message,) = smtp.to("ana@example.org")
    assert message["Subject"] == "You are registered: Korea webinar"
    assert message["From"] == "eventsite <events@eventsite.test>"
    assert message["Message-ID"].endswith("@eventsite.test>") and message["Date"]
    found = parts(message)
    assert set(found) == {"text/plain", "text/html", "text/calendar", "application/ics"}
    text = found["text/plain"].get_content()
    page_line = client.get(f"/api/events/{event.slug}").get_json()["display_times"]
    assert f"Time: {', '.join(page_line)}" in text  # the same line as the page
    # Their own join link, never the room's address itself (personal links are on).
    join = f"http://eventsite.test/j/{registration.join_secret}"
    assert f"Join (your personal link): {join}" in text and ZOOM not in text
    assert f"http://eventsite.test/r/{registration.token}" in text
    assert "Ana Núñez" in found["text/html"].get_content()

    invite = found["text/calendar"]
    assert invite.get_content_type() == "text/calendar"
    assert invite.get_param("method") == "REQUEST"
    data = invite.get_content().encode() if isinstance(invite.get_content(), str) \
        else invite.get_content()
    parsed = icaljs(data)
    assert parsed["method"] == "REQUEST"
    (entry,) = parsed["events"]
    public = icaljs(client.get(f"/events/{event.slug}.ics").data)["events"][0]
    assert entry["uid"] == public["uid"]  # the same event as the public feed's
    assert entry["start_utc"] == iso_utc(event.starts_utc)
    assert entry["attendees"] == ["mailto:ana@example.org"]
    assert entry["organizer"] == "mailto:events@eventsite.test"
    assert join in entry["description"] and ZOOM not in entry["description"]
    vevent = icalendar.Calendar.from_ical(data).walk("VEVENT")[0]
    assert str(vevent["ATTENDEE"]) == "mailto:ana@example.org"
    assert vevent["ATTENDEE"].params["CN"] == "Ana Núñez"

    # The join link is for registrants only: never on a public page, feed or the API.
    for url in (f"/events/{event.slug}", f"/events/{event.slug}.ics", "/calendar.ics",
                f"/api/events/{event.slug}", "/events.atom", "/"):
        assert ZOOM not in client.get(url).get_data(as_text=True), url
    assert "19 seats left" in page_text(client.get(f"/events/{event.slug}"))


def test_signing_up_twice_resends_and_makes_no_second_registration(client, app, smtp):
    event = webinar()
    sign_up(client, event)
    first = sign_up(client, event, email="bo@example.org")
    again = sign_up(client, event, email="  ANA@example.org ")
    # Exactly the answer a new sign-up gets: nobody learns who is registered.
    assert (again.status_code, again.headers["Location"]) == \
        (first.status_code, first.headers["Location"])
    assert db.session.scalar(db.select(db.func.count(Registration.id))) == 2
    assert len(smtp.to("ana@example.org")) == 2  # the confirmation went again


def test_the_waitlist_fills_in_order_and_a_cancellation_promotes(client, app, smtp):
    event = webinar(capacity=2)
    for n in range(4):
        sign_up(client, event, email=f"p{n}@example.org", name=f"Person {n}")
    statuses = [registration_of(f"p{n}@example.org").status.value for n in range(4)]
    assert statuses == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert smtp.to("p2@example.org")[0]["Subject"] == "On the waitlist: Korea webinar"
    assert "Full — join the waitlist" in page_text(client.get(f"/events/{event.slug}"))

    token = registration_of("p0@example.org").token
    client.post(f"/r/{token}/cancel", data={"csrf_token": csrf_token(client, f"/r/{token}"),
                                            "confirmed": "1"})
    assert registration_of("p0@example.org").status is RegistrationStatus.CANCELLED
    assert registration_of("p2@example.org").status is RegistrationStatus.CONFIRMED
    assert registration_of("p3@example.org").status is RegistrationStatus.WAITLISTED
    promoted = smtp.to("p2@example.org")[-1]
    assert promoted["Subject"] == "You have a seat: Korea webinar"
    assert parts(promoted)["text/calendar"].get_param("method") == "REQUEST"
    cancelled = smtp.to("p0@example.org")[-1]
    assert parts(cancelled)["text/calendar"].get_param("method") == "CANCEL"
    db.session.refresh(event)
    assert event.confirmed_count == 2


def test_without_a_waitlist_a_full_event_says_so(client, app, smtp):
    event = webinar(capacity=1, waitlist=False)
    sign_up(client, event)
    text = page_text(client.get(f"/events/{event.slug}"))
    assert "Full" in text and 'name="email"' not in client.get(
        f"/events/{event.slug}").get_data(as_text=True)
    response = sign_up(client, event, email="late@example.org")
    assert response.status_code == 302
    assert registration_of("late@example.org") is None


def test_opening_and_closing_times(client, app):
    later = webinar(opens=wall(days_from_today(5), 9))
    assert "Registration has not opened yet" in page_text(client.get(f"/events/{later.slug}"))
    closed = webinar()
    closed.registration_closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert "Registration closed" in page_text(client.get(f"/events/{closed.slug}"))
    assert registration_of("ana@example.org") is None
    sign_up(client, closed)
    assert registration_of("ana@example.org") is None


def test_a_confirmation_click_before_the_seat_counts(client, app, smtp):
    event = webinar(capacity=1, confirmation_required=True)
    sign_up(client, event)
    registration = registration_of("ana@example.org")
    assert registration.status is RegistrationStatus.PENDING
    (message,) = smtp.to("ana@example.org")
    assert message["Subject"] == "Please confirm: Korea webinar"
    assert "text/calendar" not in parts(message)
    assert registration.confirm_token and registration.confirm_token != registration.token
    confirm_url = f"/confirm/{registration.confirm_token}"
    assert f"http://eventsite.test{confirm_url}" in parts(message)["text/plain"].get_content()
    # Nothing the sign-up's own answer leads to can confirm: no secret on it, and the
    # management link's confirm page of old is gone.
    answer = client.get(f"/events/{event.slug}/registered").get_data(as_text=True)
    manage = client.get(f"/r/{registration.token}").get_data(as_text=True)
    assert registration.confirm_token not in answer + manage
    assert client.get(f"/r/{registration.token}/confirm").status_code == 404
    assert client.get(confirm_url).status_code == 200  # a mail scanner's visit changes nothing
    assert registration_of("ana@example.org").status is RegistrationStatus.PENDING
    client.post(confirm_url, data={"csrf_token": csrf_token(client, confirm_url)})
    assert registration_of("ana@example.org").status is RegistrationStatus.CONFIRMED
    assert smtp.to("ana@example.org")[-1]["Subject"] == "You are registered: Korea webinar"


def test_bots_are_turned_away(client, app, smtp):
    event = webinar()
    response = sign_up(client, event, website="http://spam.example")
    assert response.status_code == 302
    assert "Check your e-mail" in page_text(client.get(response.headers["Location"]))
    assert registration_of("ana@example.org") is None and smtp.messages == []


@pytest.mark.settings(REGISTER_EMAIL_LIMIT="2 per hour")
def test_sign_ups_per_address_are_limited(client, app, smtp):
    event = webinar()
    assert sign_up(client, event).status_code == 302
    assert sign_up(client, event).status_code == 302
    assert sign_up(client, event).status_code == 429


def test_bad_input_is_named(client, app):
    event = webinar()
    response = sign_up(client, event, name="", email="not-an-address", consent="")
    assert response.status_code == 422
    errors = field_errors(response)
    assert set(errors) == {"name", "email", "consent"}
    assert registration_of("not-an-address") is None


@pytest.mark.settings(PERSONAL_JOIN_LINKS=False)
def test_the_personal_page_and_calendar(client, app, smtp):
    event = webinar()
    sign_up(client, event)
    token = registration_of("ana@example.org").token
    text = page_text(client.get(f"/r/{token}"))
    assert "Registered" in text and ZOOM in text
    personal = client.get(f"/r/{token}.ics")
    assert personal.headers["Content-Type"] == "text/calendar; charset=utf-8"
    (entry,) = icaljs(personal.data)["events"]
    assert ZOOM in entry["description"]
    assert client.get("/r/not-a-real-token").status_code == 404


def test_changes_reach_registrants_calendars(client, app, smtp):
    event = webinar()
    sign_up(client, event)
    moved = event.starts_local + timedelta(hours=1)
    event_service.update_event(event, event_service.event_input_from(
        event, starts_local=moved, ends_local=moved + timedelta(hours=2)))
    update = smtp.to("ana@example.org")[-1]
    assert update["Subject"] == "Changed: Korea webinar: time 11am EST → 12pm EST"
    (entry,) = icaljs(parts(update)["text/calendar"].get_content().encode())["events"]
    assert entry["sequence"] == 1 and entry["start_utc"] == iso_utc(event.starts_utc)
    event_service.cancel_event(event, "The speakers cannot travel.")
    cancelled = smtp.to("ana@example.org")[-1]
    assert cancelled["Subject"] == "Cancelled: Korea webinar"
    calendar = parts(cancelled)["text/calendar"]
    assert calendar.get_param("method") == "CANCEL"
    parsed = icaljs(calendar.get_content().encode())
    assert parsed["method"] == "CANCEL" and parsed["events"][0]["sequence"] == 2
    assert parsed["events"][0]["status"] == "CANCELLED"


def test_mail_survives_the_server_being_down(client, app, runner):
    port = free_port()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False,
                      MAIL_TIMEOUT=2)
    event = webinar()
    response = sign_up(client, event)  # nothing listens on the port
    assert response.status_code == 302
    assert registration_of("ana@example.org").status is RegistrationStatus.CONFIRMED
    (queued,) = db.session.scalars(db.select(OutboxMessage)).all()
    assert queued.status is OutboxStatus.PENDING and queued.attempts == 0  # the request only wrote
    assert "0 sent, 1 failed" in runner.invoke(args=["send-mail"]).output
    db.session.refresh(queued)
    assert queued.attempts == 1 and "ConnectionRefusedError" in queued.last_error
    assert queued.next_attempt_at > utcnow()  # backed off
    with smtp_server(port) as sink:
        assert "0 sent" in runner.invoke(args=["send-mail"]).output  # not due yet
        # The outage is over: --now retries at once instead of waiting out the back-off.
        output = runner.invoke(args=["send-mail", "--now"]).output
        assert "1 waiting message(s) made due now" in output and "1 sent" in output
        assert sink.to("ana@example.org")[0]["Subject"] == "You are registered: Korea webinar"
    db.session.refresh(queued)
    assert queued.status is OutboxStatus.SENT


def test_a_message_to_everyone_goes_over_one_connection(client, app, smtp, runner):
    event = webinar()
    for n in range(5):
        sign_up(client, event, email=f"p{n}@example.org", name=f"Person {n}")
    smtp.refused.add("p2@example.org")  # say the mailbox has gone away since
    sent_before = len(smtp.messages)
    make_organiser()
    sign_in(client)
    client.post(f"/admin/events/{event.id}/message", data={
        "csrf_token": csrf_token(client, f"/admin/events/{event.id}/registrations"),
        "subject": "Slides", "body": "The slides are online."})
    assert sorted(m["To"] for m in smtp.messages[sent_before:]) == [
        "p0@example.org", "p1@example.org", "p3@example.org", "p4@example.org"]
    assert len(set(smtp.peers[sent_before:])) == 1  # one SMTP session for the four
    refused = db.session.scalar(db.select(OutboxMessage).where(
        OutboxMessage.recipient == "p2@example.org", OutboxMessage.subject == "Slides"))
    assert refused.status is OutboxStatus.PENDING and "SMTPRecipientsRefused" in refused.last_error
    smtp.refused.clear()  # the address works again: the retry delivers it
    refused.next_attempt_at = utcnow()
    db.session.commit()
    assert "1 sent" in runner.invoke(args=["send-mail"]).output
    assert smtp.to("p2@example.org")[-1]["Subject"] == "Slides"


def test_without_a_mail_server_messages_are_files(client, app, tmp_path):
    app.config["MAIL_OUTBOX_FOLDER"] = str(tmp_path / "outbox")
    sign_up(client, webinar())
    assert not (tmp_path / "outbox").exists()  # written by the mail worker, not the request
    assert "1 sent" in app.test_cli_runner().invoke(args=["send-mail"]).output
    (eml,) = (tmp_path / "outbox").glob("*.eml")
    assert b"Subject: You are registered: Korea webinar" in eml.read_bytes()


def test_reminders_go_once_a_day_and_once_an_hour_before(client, app, smtp, runner):
    event = webinar()
    sign_up(client, event)
    start = event.starts_utc
    assert registrations.send_reminders(now=start - timedelta(hours=30)) == 0
    assert registrations.send_reminders(now=start - timedelta(hours=20)) == 1
    assert registrations.send_reminders(now=start - timedelta(hours=19)) == 0
    assert registrations.send_reminders(now=start - timedelta(minutes=50)) == 1
    assert registrations.send_reminders(now=start - timedelta(minutes=10)) == 0
    subjects = [m["Subject"] for m in smtp.to("ana@example.org")]
    assert subjects[1:] == ["Reminder: Korea webinar tomorrow",
                            "Reminder: Korea webinar in one hour"]
    assert "0 reminders queued." in runner.invoke(args=["send-reminders"]).output


def test_organisers_see_manage_and_export_registrants(client, app, smtp):
    event = webinar(capacity=1)
    sign_up(client, event, email="ana@example.org", name="Ana Núñez")
    sign_up(client, event, email="bo@example.org", name="Bø Ørsted")
    assert client.get(f"/admin/events/{event.id}/registrations").status_code == 302
    make_organiser()
    sign_in(client)
    page = page_text(client.get(f"/admin/events/{event.id}/registrations"))
    assert "1 registered of 1 seats · 1 on the waitlist" in page
    assert "Ana Núñez" in page_text(client.get(
        f"/admin/events/{event.id}/registrations?q=n%C3%BA%C3%B1ez"))
    assert "Bø Ørsted" not in page_text(client.get(
        f"/admin/events/{event.id}/registrations?q=ana"))

    export = client.get(f"/admin/events/{event.id}/registrations.csv")
    assert export.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert export.data.startswith("\ufeff".encode())
    text = export.data.decode("utf-8-sig")
    assert text.splitlines()[1].startswith("Ana Núñez,ana@example.org,Peace Network,confirmed")
    assert "\r\n" in text

    token = csrf_token(client, f"/admin/events/{event.id}/registrations")
    bo = registration_of("bo@example.org")
    response = client.post(f"/admin/registrations/{bo.id}/promote", data={"csrf_token": token})
    assert "No seat is free" in page_text(client.get(response.headers["Location"]))
    ana = registration_of("ana@example.org")
    client.post(f"/admin/registrations/{ana.id}/cancel", data={"csrf_token": token,
                                                                "confirmed": "1"})
    assert registration_of("bo@example.org").status is RegistrationStatus.CONFIRMED

    client.post(f"/admin/events/{event.id}/message", data={
        "csrf_token": token, "subject": "Slides", "body": "The slides are online."})
    assert smtp.to("bo@example.org")[-1]["Subject"] == "Slides"
    assert all(m["Subject"] != "Slides" for m in smtp.to("ana@example.org"))  # cancelled


def test_a_csv_cell_never_becomes_a_formula(client, app, smtp):
    event = webinar()
    sign_up(client, event, name="=HYPERLINK(\"http://evil\")")
    make_organiser()
    sign_in(client)
    text = client.get(f"/admin/events/{event.id}/registrations.csv").data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text


def test_organiser_sets_up_registration_in_the_form(client, app):
    from tests.web import seed_webinar_form

    make_organiser()
    sign_in(client)
    token = csrf_token(client, "/admin/events/new")
    response = client.post("/admin/events/new", data=seed_webinar_form(
        token, date="2027-06-14", registration_mode="builtin", capacity="0",
        registration_closes="2027-06-14T12:00", action="publish"))
    assert field_errors(response)["capacity"] == "Number must be between 1 and 1000000."
    response = client.post("/admin/events/new", data=seed_webinar_form(
        token, date="2027-06-14", registration_mode="builtin", capacity="50",
        registration_opens="2027-06-01T09:00", registration_closes="2027-06-14T10:00",
        confirmation_required="y", action="publish"))
    assert response.status_code == 302, field_errors(response)
    event = db.session.scalar(db.select(event_service.Event))
    assert (event.capacity, event.confirmation_required) == (50, True)
    assert event.registration_opens_at == datetime(2027, 6, 1, 13)  # 9am EDT
    assert event.registration_closes_at == datetime(2027, 6, 14, 14)
    assert event.registration_url == ""


def test_registrant_data_is_for_organisers_only(client, app, smtp):
    event = webinar()
    sign_up(client, event)
    for url in (f"/events/{event.slug}", f"/api/events/{event.slug}", "/calendar.ics"):
        assert "ana@example.org" not in client.get(url).get_data(as_text=True)
    assert re.search(r"\d+ seats? left", page_text(client.get(f"/events/{event.slug}")))


def test_a_late_registrant_gets_only_the_hour_reminder(client, app, smtp):
    event = webinar()
    sign_up(client, event)
    assert registrations.send_reminders(now=event.starts_utc - timedelta(minutes=50)) == 1
    assert registrations.send_reminders(now=event.starts_utc - timedelta(minutes=40)) == 0
    subjects = [m["Subject"] for m in smtp.to("ana@example.org")[1:]]
    assert subjects == ["Reminder: Korea webinar in one hour"]


def test_a_same_day_reminder_says_today(client, app, smtp):
    event = webinar()
    sign_up(client, event)
    registrations.send_reminders(now=event.starts_utc - timedelta(hours=3))
    assert smtp.to("ana@example.org")[-1]["Subject"] == "Reminder: Korea webinar today"


def test_only_people_with_a_seat_get_an_updated_invitation(client, app, smtp):
    event = webinar(capacity=1)
    sign_up(client, event, email="seat@example.org")
    sign_up(client, event, email="wait@example.org")
    event.confirmation_required = True
    db.session.commit()
    sign_up(client, event, email="unconfirmed@example.org")
    moved = event.starts_local + timedelta(hours=1)
    event_service.update_event(event, event_service.event_input_from(
        event, starts_local=moved, ends_local=moved + timedelta(hours=2)))
    seat, wait = smtp.to("seat@example.org")[-1], smtp.to("wait@example.org")[-1]
    assert seat["Subject"] == wait["Subject"] == \
        "Changed: Korea webinar: time 11am EST → 12pm EST"
    assert parts(seat)["text/calendar"].get_param("method") == "REQUEST"
    assert "text/calendar" not in parts(wait)  # no seat, nothing to put in a calendar
    assert [m["Subject"] for m in smtp.to("unconfirmed@example.org")] == [
        "Please confirm: Korea webinar"]


def test_recompute_utc_tells_registrants_when_an_instant_moves(client, app, smtp, runner):
    event = webinar()
    sign_up(client, event)
    event.starts_utc -= timedelta(hours=1)  # as if derived under older zone rules
    db.session.commit()
    assert "1 event(s) moved" in runner.invoke(args=["recompute-utc"]).output
    update = smtp.to("ana@example.org")[-1]
    assert update["Subject"] == "Changed: Korea webinar: time 10am EST → 11am EST"
    (entry,) = icaljs(parts(update)["text/calendar"].get_content().encode())["events"]
    assert entry["start_utc"] == iso_utc(event.starts_utc) and entry["sequence"] == 1


@pytest.mark.settings(REGISTER_LIMIT="2 per minute")
def test_sign_ups_from_one_network_address_are_limited(client, app, smtp):
    event = webinar()
    assert sign_up(client, event, email="a@example.org").status_code == 302
    assert sign_up(client, event, email="b@example.org").status_code == 302
    assert sign_up(client, event, email="c@example.org").status_code == 429
    assert registration_of("c@example.org") is None
