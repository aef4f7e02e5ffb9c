"""Issue 10's defects, each as a visitor, attendee or attacker would meet it."""

from __future__ import annotations

import io
import re
import urllib.error
import urllib.request
import xml.etree.ElementTree as ElementTree
from email import message_from_bytes, policy
from pathlib import Path

import itsdangerous
import pytest
from PIL import Image

from eventsite.domain.timezones import utcnow
from eventsite.extensions import db
from eventsite.models import Event, OutboxMessage, Registration, RegistrationStatus, User
from eventsite.services import accounts, mail, registrations
from eventsite.services.errors import ValidationError
from eventsite.services.events import create_event, event_input_from, parse_event, update_event
from tests.factories import (
    PASSWORD,
    days_from_today,
    event_record,
    make_event,
    make_organiser,
    wall,
)
from tests.storm import Browser, NoRedirect, gunicorn, together
from tests.web import csrf_token, field_errors, seed_webinar_form, sign_in

ZOOM = "https://zoom.us/j/31337"
pytestmark = pytest.mark.usefixtures("private_links_audited")


def webinar(**registration):
    return make_event(title="Private room", start=wall(days_from_today(8), 11),
                      end=wall(days_from_today(8), 12),
                      registration={"mode": "builtin", "capacity": 1, **registration},
                      locations=[{"name": "Zoom", "url": ZOOM, "visibility": "registrants"}])


def sign_up(event, email, name="Someone"):
    return registrations.register(event, registrations.SignUp(name, email, consent=True))


def all_text(stored: OutboxMessage) -> str:
    message = message_from_bytes(mail.message_bytes(stored), policy=policy.default)
    return "".join(str(p.get_content()) for p in message.walk() if not p.is_multipart())


# --- private means private --------------------------------------------------------------------

@pytest.mark.settings(MAIL_SEND_IMMEDIATELY=False)
@pytest.mark.settings(PERSONAL_JOIN_LINKS=False)  # the room's link itself, to seat holders
def test_a_waitlisted_or_pending_person_who_cancels_gets_no_join_link(app):
    event = webinar()
    sign_up(event, "seat@example.org")
    waiting = sign_up(event, "wait@example.org").registration
    registrations.cancel(waiting)
    pending_event = webinar(confirmation_required=True)
    pending = sign_up(pending_event, "pending@example.org").registration
    registrations.cancel(pending)
    for address in ("wait@example.org", "pending@example.org"):
        for stored in db.session.scalars(db.select(OutboxMessage).where(
                OutboxMessage.recipient == address)):
            assert ZOOM not in all_text(stored), stored.subject
            assert "METHOD:CANCEL" not in all_text(stored)  # they had no calendar entry
    seat_mail = db.session.scalars(db.select(OutboxMessage).where(
        OutboxMessage.recipient == "seat@example.org")).one()
    assert ZOOM in all_text(seat_mail)


@pytest.mark.settings(MAIL_SEND_IMMEDIATELY=False)
def test_a_cancelled_seat_holder_gets_a_cancel_without_the_link(app):
    event = webinar()
    registration = sign_up(event, "seat@example.org").registration
    registrations.cancel(registration)
    cancel = db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id.desc())
                                ).first()
    assert cancel.subject.startswith("Cancelled") and "METHOD:CANCEL" in all_text(cancel)
    assert ZOOM not in all_text(cancel)


def test_the_leak_audit_catches_a_leak(app):
    """The fixture that audits every registration test's mail does fail on a leak."""
    from tests.conftest import private_link_leaks

    event = webinar()
    sign_up(event, "seat@example.org")
    waiting = sign_up(event, "wait@example.org").registration
    mail.queue_message(waiting.email, "Leak", f"Join at {ZOOM}")
    db.session.commit()
    assert private_link_leaks() == ["'Leak' to wait@example.org (waitlisted)"]
    db.session.execute(db.delete(OutboxMessage).where(OutboxMessage.subject == "Leak"))
    db.session.commit()


def test_lowering_capacity_below_taken_seats_is_refused(app):
    event = webinar()
    event_input = event_input_from(event, capacity=5)
    update_event(event, event_input)
    for n in range(4):
        sign_up(event, f"p{n}@example.org")
    with pytest.raises(ValidationError) as refused:
        update_event(event, event_input_from(event, capacity=2))
    assert "4 people already hold seats" in refused.value.errors["registration.capacity"]
    db.session.expire_all()
    assert db.session.get(Event, event.id).capacity == 5


# --- the page cache and sessions --------------------------------------------------------------

# Each through a real server: the test client shares one app context (and Flask-Login's
# cached user) between clients, which would hide or fake exactly these bugs.

def fetch(url: str, cookie: str = "") -> tuple[int, dict, str]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def cookies_of(browser: Browser) -> dict[str, str]:
    jar = next(h for h in browser.opener.handlers
               if isinstance(h, urllib.request.HTTPCookieProcessor)).cookiejar
    return {cookie.name: cookie.value for cookie in jar}


def test_an_unparseable_cookie_before_the_session_does_not_share_a_personal_page(
        app, live_server):
    make_event(title="Listed")
    make_organiser()
    organiser = Browser(live_server)
    organiser.sign_in("ada@example.org", PASSWORD)
    session = cookies_of(organiser)["session"]
    _, _, personal = fetch(f"{live_server}/", f'consent={{"ads":false}}; session={session}')
    assert "Sign out" in personal
    _, _, visitor = fetch(f"{live_server}/")
    assert "Sign out" not in visitor


def test_a_response_setting_a_cookie_is_never_stored(app, live_server):
    event = make_event(title="With a form", registration={"mode": "builtin", "capacity": 3})
    first = fetch(f"{live_server}/events/{event.slug}")
    second = fetch(f"{live_server}/events/{event.slug}")
    assert "Set-Cookie" in first[1] and "Set-Cookie" in second[1]
    assert first[2] != second[2]  # two visitors, two form tokens


def test_sign_out_ends_every_session_and_remember_cookie(app, live_server):
    make_organiser()
    laptop, phone = Browser(live_server), Browser(live_server)
    for device in (laptop, phone):
        device.post("/auth/sign-in", {"csrf_token": device.token("/auth/sign-in"),
                                      "email": "ada@example.org", "password": PASSWORD,
                                      "remember": "y"})
    stolen = cookies_of(phone)
    assert set(stolen) >= {"session", "remember_token"}
    assert phone.get("/admin/")[0] == 200
    assert laptop.post("/auth/sign-out", {"csrf_token": laptop.token("/admin/")}) == 302
    assert phone.get("/admin/")[0] == 302  # to the sign-in page
    replay = "; ".join(f"{k}={v}" for k, v in stolen.items())
    assert fetch(f"{live_server}/admin/", replay)[0] == 302
    assert fetch(f"{live_server}/admin/", f"remember_token={stolen['remember_token']}")[0] == 302


def test_a_password_change_and_disabling_end_sessions(app, live_server):
    admin = make_organiser("root@example.org", is_admin=True)
    make_organiser()
    me, other = Browser(live_server), Browser(live_server)
    me.sign_in("ada@example.org", PASSWORD)
    other.sign_in("ada@example.org", PASSWORD)
    status = me.post("/auth/password", {"csrf_token": me.token("/auth/password"),
                                        "current": PASSWORD, "password": "a new long password",
                                        "confirm": "a new long password"})
    assert status == 302
    assert me.get("/admin/")[0] == 200  # this device stays signed in
    assert other.get("/admin/")[0] == 302  # every other one is out
    other.sign_in("ada@example.org", "a new long password")
    assert other.get("/admin/")[0] == 200
    user = db.session.scalar(db.select(User).where(User.email == "ada@example.org"))
    accounts.set_active(user, False, admin)
    assert other.get("/admin/")[0] == 302


@pytest.mark.settings(MAIL_SEND_IMMEDIATELY=False)
def test_password_reset_by_e_mail_once_and_within_the_hour(client, app):
    make_organiser()
    answers = []
    for email in ("ada@example.org", "nobody@example.org"):
        token = csrf_token(client, "/auth/forgot")
        response = client.post("/auth/forgot", data={"csrf_token": token, "email": email})
        answers.append((response.status_code, re.sub(r'value="[^"]+"', "",
                                                     response.get_data(as_text=True))))
    assert answers[0] == answers[1]  # nothing tells which address has an account
    (stored,) = db.session.scalars(db.select(OutboxMessage))
    assert stored.recipient == "ada@example.org"
    link = re.search(r"http://eventsite\.test(/auth/reset/\S+)", all_text(stored)).group(1)
    token = csrf_token(client, link)
    data = {"csrf_token": token, "password": "brand new password", "confirm":
            "brand new password"}
    assert client.post(link, data=data).status_code == 302
    assert client.get(link).status_code == 410  # used: gone
    assert client.post(link, data=data).status_code == 410
    assert sign_in(client, password="brand new password").status_code == 302
    user = db.session.scalar(db.select(User))
    old = accounts.password_reset_token(user, app.config["SECRET_KEY"])
    assert accounts.user_for_reset(old, app.config["SECRET_KEY"]) == user
    stale = itsdangerous.URLSafeTimedSerializer(
        app.config["SECRET_KEY"], salt="eventsite.password-reset").dumps({"id": user.id,
                                                                          "fp": "x"})
    assert accounts.user_for_reset(stale, app.config["SECRET_KEY"]) is None


def test_thirty_parallel_wrong_passwords_check_at_most_five(app, database_url):
    make_organiser()
    with gunicorn(database_url) as base:
        visitors = [Browser(base) for _ in range(30)]
        tokens = [v.token("/auth/sign-in") for v in visitors]
        together([lambda v=v, t=t: v.post("/auth/sign-in", {
            "csrf_token": t, "email": "ada@example.org", "password": "wrong guess"})
            for v, t in zip(visitors, tokens, strict=True)])
        right = Browser(base)
        status = right.post("/auth/sign-in", {"csrf_token": right.token("/auth/sign-in"),
                                              "email": "ada@example.org",
                                              "password": PASSWORD})
    db.session.expire_all()
    user = db.session.scalar(db.select(User))
    assert user.locked_until is not None and user.locked_until > utcnow()
    assert status == 422  # even the right password waits out the lock


# --- headers ----------------------------------------------------------------------------------

def test_security_headers_everywhere(app, live_server):
    event = make_event(title="Headed")
    for path in ("/", f"/events/{event.slug}", "/calendar.ics", "/api/events",
                 "/auth/sign-in", "/nowhere"):
        for _attempt in range(2):  # the second may come from the page cache
            status, headers, _ = fetch(live_server + path)
            policy_ = headers.get("Content-Security-Policy", f"missing on {path}")
            assert "script-src 'self'" in policy_ and "unsafe-inline" not in policy_, path
            assert "frame-ancestors 'none'" in policy_ and headers["X-Frame-Options"] == "DENY"
            assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
            assert headers["X-Content-Type-Options"] == "nosniff"
            assert "Strict-Transport-Security" not in headers  # http: no HSTS
    assert fetch(live_server + "/auth/sign-in")[1]["Cache-Control"] == "private, no-store"


@pytest.mark.settings(SITE_URL="https://events.example.org")
def test_hsts_when_the_site_is_https(client, app):
    assert client.get("/").headers["Strict-Transport-Security"].startswith("max-age=")


def test_personal_and_admin_pages_are_not_stored(client, app):
    event = webinar()
    registration = sign_up(event, "ana@example.org").registration
    make_organiser()
    sign_in(client)
    for path in (f"/r/{registration.token}", "/admin/", f"/admin/events/{event.id}/edit",
                 f"/admin/events/{event.id}/registrations"):
        assert client.get(path).headers["Cache-Control"] == "private, no-store", path


# --- hostile input, one defect at a time ------------------------------------------------------

def test_a_huge_page_number_or_id_is_no_500(client, app):
    for path in ("/?page=10000000000000000000", "/events/past?page=10000000000000000000",
                 "/api/events?page=10000000000000000000"):
        assert client.get(path).status_code == 400, path
    make_organiser()
    sign_in(client)
    assert client.get("/admin/events/10000000000000000000/edit").status_code == 404


def test_a_nul_byte_is_refused_clearly(client, app):
    make_organiser()
    sign_in(client)
    token = csrf_token(client, "/admin/events/new")
    response = client.post("/admin/events/new", data=seed_webinar_form(
        token, title="Korea\x00webinar"))
    assert response.status_code == 400 and "NUL" in response.get_data(as_text=True)
    assert client.get("/events/x%00y").status_code == 400
    assert client.get("/api/events?tag=a%00b").get_json()["error"]["status"] == 400
    assert db.session.scalar(db.select(db.func.count(Event.id))) == 0


def test_a_title_with_a_line_break_is_refused_and_sign_ups_keep_working(client, app):
    make_organiser()
    sign_in(client)
    token = csrf_token(client, "/admin/events/new")
    response = client.post("/admin/events/new",
                           data=seed_webinar_form(token, title="Korea\r\nBcc: x@example.org"))
    assert response.status_code == 422
    assert field_errors(response)["title"] == "Title must be on one line"
    with pytest.raises(ValidationError) as refused:
        make_event(title="Bell\x07")
    assert refused.value.errors == {"title": "must not contain control characters"}


@pytest.mark.parametrize("year", [1, 1899, 2201, 9999])
def test_years_out_of_range_are_refused(app, year):
    with pytest.raises(ValidationError) as refused:
        create_event(parse_event(event_record(start=f"{year:04d}-06-01T11:00",
                                              end=f"{year:04d}-06-01T12:00")))
    assert "must be in the years 1900–2200" in refused.value.errors["start"]


def test_wrong_json_types_in_an_import_name_the_field(app):
    for registration, key in (({"mode": "builtin", "waitlist": "no"}, "registration.waitlist"),
                              ({"mode": "builtin", "confirmation_required": "yes"},
                               "registration.confirmation_required")):
        with pytest.raises(ValidationError) as refused:
            parse_event(event_record(registration=registration))
        assert "JSON boolean" in refused.value.errors[key]
    with pytest.raises(ValidationError) as refused:
        parse_event(event_record(start=20261201))
    assert "must be text" in refused.value.errors["start"]
    with pytest.raises(ValidationError) as refused:
        parse_event(event_record(venue="x"))
    assert "must be an object" in refused.value.errors["venue"]


def png(size) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 20, 30)).save(buffer, "PNG")
    buffer.seek(0)
    return buffer


@pytest.mark.parametrize("size,message", [((2000, 2), "too small"),
                                          ((2000, 40), "too long and thin"),
                                          ((8, 8), "too small"),
                                          ((13000, 20), "too large")])
def test_degenerate_images_are_refused_and_leave_no_file(client, app, size, message):
    make_organiser()
    sign_in(client)
    token = csrf_token(client, "/admin/events/new")
    response = client.post("/admin/events/new", data={
        **seed_webinar_form(token), "image": (png(size), "odd.png")})
    assert response.status_code == 422
    assert message in field_errors(response)["image"]
    folder = Path(app.config["UPLOAD_FOLDER"]) / "events"
    assert not folder.exists() or list(folder.iterdir()) == []


def test_atom_stays_well_formed_with_a_stored_control_character(client, app):
    event = make_event(title="Clean")
    # Stored before such characters were refused (the service refuses them now).
    event.title, event.summary = "Old\x0bdata", "bad\x1fbyte"
    db.session.commit()
    ElementTree.fromstring(client.get("/events.atom").data)


def test_every_csv_column_is_formula_safe(client, app):
    event = webinar()
    registrations.register(event, registrations.SignUp("=cmd|' /C calc'!A0", "=1+2@example.org",
                                                       "+SUM(1)", consent=True))
    make_organiser()
    sign_in(client)
    table = client.get(f"/admin/events/{event.id}/registrations.csv").data.decode("utf-8-sig")
    row = table.splitlines()[1]
    assert row.startswith("'=cmd") and ",'=1+2@example.org," in row and ",'+SUM(1)," in row


def test_a_confirmation_needs_the_inbox(client, app, smtp):
    event = webinar(confirmation_required=True)
    token = csrf_token(client, f"/events/{event.slug}")
    answer = client.post(f"/events/{event.slug}/register", data={
        "csrf_token": token, "name": "Mallory", "email": "someone-else@example.org",
        "consent": "y"}, follow_redirects=True)
    page = answer.get_data(as_text=True)
    registration = db.session.scalar(db.select(Registration))
    assert registration.status is RegistrationStatus.PENDING
    assert registration.token not in page and registration.confirm_token not in page
    for link in re.findall(r'(?:href|action)="([^"]+)"', page):
        assert "confirm" not in link


# --- what the attacker's review found ---------------------------------------------------------

def test_a_preview_of_an_extreme_date_is_a_message_not_a_500(client, app):
    make_organiser()
    sign_in(client)
    for query in ("date=9999-12-31&time=23:59&timezone=Etc/GMT%2B12",
                  "date=0001-01-01&time=00:00&timezone=UTC&display=Pacific/Kiritimati"):
        response = client.get(f"/admin/time-preview?{query}")
        assert response.status_code == 200 and "1900–2200" in response.get_json()["error"]
    token = csrf_token(client, "/admin/events/new")
    response = client.post("/admin/events/new", data=seed_webinar_form(
        token, date="9999-12-31", start_time="23:59", timezone="Etc/GMT+12", action="preview"))
    assert response.status_code in (200, 422)


def test_a_reset_link_pressed_ten_times_at_once_sets_one_password(app, database_url):
    user = make_organiser()
    link = "/auth/reset/" + accounts.password_reset_token(user, "storm-secret")
    with gunicorn(database_url) as base:
        people = [Browser(base) for _ in range(10)]
        tokens = [p.token(link) for p in people]
        statuses = together([lambda p=p, t=t, n=n: p.post(link, {
            "csrf_token": t, "password": f"new password {n:02d}",
            "confirm": f"new password {n:02d}"})
            for n, (p, t) in enumerate(zip(people, tokens, strict=True))])
    assert statuses.count(302) == 1 and set(statuses) <= {302, 410, 422}


def test_no_confirmation_once_the_event_is_cancelled(app):
    from eventsite.services.events import cancel_event

    event = webinar(confirmation_required=True)
    pending = sign_up(event, "late@example.org").registration
    cancel_event(event, "Sorry")
    with pytest.raises(registrations.RegistrationError):
        registrations.confirm(pending)
    db.session.expire_all()
    assert pending.status is RegistrationStatus.PENDING
    assert db.session.get(Event, event.id).confirmed_count == 0


def test_a_date_needs_a_time_and_text_may_not_reverse_itself(app):
    with pytest.raises(ValidationError) as refused:
        parse_event(event_record(start="2026-12-01"))
    assert "needs a time too" in refused.value.errors["start"]
    with pytest.raises(ValidationError) as refused:
        make_event(title="\u202etxt.exe")
    assert refused.value.errors == {"title": "must not contain control characters"}


@pytest.mark.settings(REGISTER_EMAIL_LIMIT="2 per hour", MAIL_SEND_IMMEDIATELY=False)
def test_every_spelling_of_one_address_shares_its_sign_up_limit(client, app):
    event = webinar()
    token = csrf_token(client, f"/events/{event.slug}")
    statuses = [client.post(f"/events/{event.slug}/register", data={
        "csrf_token": token, "name": "Ana", "email": email, "consent": "y"}).status_code
        for email in ("ana@example.org", "ANA@ｅxample.org", "ana@EXAMPLE.org")]
    assert statuses == [302, 302, 429]
