"""The attendee's own things: the personal join link and its window, attendance, the personal
feed, their time zone, reminders in their terms, and unsubscribing."""

from __future__ import annotations

import email
import re
import zoneinfo
from datetime import UTC, datetime, timedelta
from email import policy

import pytest

from eventsite.display import iso_utc
from eventsite.domain.joining import Phase, join_window
from eventsite.extensions import db
from eventsite.models import OutboxMessage, Registration, RegistrationStatus
from eventsite.services import attendees, mail, registrations
from tests import readers
from tests.calendars import icaljs
from tests.factories import make_event
from tests.web import csrf_token

ZOOM = "https://zoom.us/j/98765"
pytestmark = pytest.mark.usefixtures("private_links_audited")


def webinar(start: str = "2030-03-05T19:00", end: str = "2030-03-05T20:00",
            zone: str = "Europe/London", **fields):
    return make_event(
        title=fields.pop("title", "Peace webinar"), start=start, end=end, timezone=zone,
        registration={"mode": "builtin", "capacity": fields.pop("capacity", 20),
                      **fields.pop("registration", {})},
        locations=[{"name": "Zoom", "url": ZOOM, "visibility": "registrants"}], **fields)


def soon(minutes: int, zone: str = "Europe/London") -> str:
    """The wall time in `zone` `minutes` from now, as the event form takes it."""
    moment = datetime.now(UTC) + timedelta(minutes=minutes)
    return moment.astimezone(zoneinfo.ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")


def sign_up(client, event, address="ana@example.org", zone="Asia/Kolkata", day=None):
    token = csrf_token(client, f"/events/{event.slug}")
    return client.post(f"/events/{event.slug}/register", data={
        "csrf_token": token, "name": "Ana Rao", "email": address, "consent": "y",
        "timezone": zone, "date": str(day) if day else ""})


def registration_of(address="ana@example.org") -> Registration:
    db.session.expire_all()
    return db.session.scalar(db.select(Registration).where(Registration.email == address)
                             .order_by(Registration.id.desc()))


def all_text(stored: OutboxMessage) -> str:
    message = email.message_from_bytes(mail.message_bytes(stored), policy=policy.default)
    text = "".join(str(part.get_content()) for part in message.walk()
                   if not part.is_multipart())
    return text.replace("\r\n ", "").replace("\n ", "")


def outbox(address="ana@example.org") -> list[OutboxMessage]:
    return list(db.session.scalars(db.select(OutboxMessage).where(
        OutboxMessage.recipient == address).order_by(OutboxMessage.id)))


# --- the window, pure -------------------------------------------------------------------------

def test_the_window_is_counted_on_instants():
    start, end = datetime(2030, 1, 1, 19), datetime(2030, 1, 1, 20)
    fifteen = timedelta(minutes=15)
    assert join_window([(start, end)], start - fifteen - timedelta(seconds=1),
                       fifteen).phase is Phase.EARLY
    assert join_window([(start, end)], start - fifteen, fifteen).phase is Phase.OPEN
    assert join_window([(start, end)], end - timedelta(seconds=1), fifteen).phase is Phase.OPEN
    assert join_window([(start, end)], end, fifteen).phase is Phase.OVER
    later = (start + timedelta(days=7), end + timedelta(days=7))
    between = join_window([later, (start, end)], end + timedelta(hours=1), fifteen)
    assert (between.phase, between.starts_utc) == (Phase.EARLY, later[0])
    assert join_window([], start, fifteen).phase is Phase.OVER


# --- the join link ----------------------------------------------------------------------------

def test_the_join_link_before_during_and_after_across_the_clock_change(client, app):
    """London's clocks go forward on 31 March 2030 (01:00 UTC): the event at 7pm on 1 April
    opens at 6:45pm BST = 17:45 UTC, and the page says so in London's and India's time."""
    event = webinar(start="2030-04-01T19:00", end="2030-04-01T20:30")
    assert sign_up(client, event).status_code == 302
    registration = registration_of()
    assert registration.timezone == "Asia/Kolkata"
    opens = datetime(2030, 4, 1, 17, 45)
    early = attendees.open_join_link(registration, now=opens - timedelta(seconds=1))
    assert early.kind == "early" and early.window.opens_utc == opens
    page = client.get(f"/j/{registration.join_secret}")  # today: weeks before
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and ZOOM not in html
    assert "Monday 1 April 2030, 6:45pm BST" in html  # the event's zone
    assert "Monday 1 April 2030, 11:15pm IST" in html  # theirs
    assert attendees.open_join_link(registration, now=opens).url == ZOOM
    assert attendees.open_join_link(registration, now=datetime(2030, 4, 1, 19, 29)).url == ZOOM
    over = attendees.open_join_link(registration, now=datetime(2030, 4, 1, 19, 30))
    assert over.kind == "over"
    event.recording_url = "https://youtube.com/watch?v=recording"
    db.session.commit()
    after = attendees.open_join_link(registration, now=datetime(2030, 4, 1, 19, 30))
    assert (after.kind, after.url) == ("redirect", "https://youtube.com/watch?v=recording")
    # In winter the same wall time is an hour later in UTC: the window moves with London.
    winter = webinar(title="Winter", start="2030-03-25T19:00", end="2030-03-25T20:00")
    sign_up(client, winter, "bo@example.org")
    bo = registration_of("bo@example.org")
    assert attendees.open_join_link(bo, now=datetime(2030, 3, 25, 18, 44)).kind == "early"
    assert attendees.open_join_link(bo, now=datetime(2030, 3, 25, 18, 45)).url == ZOOM


@pytest.mark.settings(JOIN_OPENS_MINUTES=30)
def test_the_window_setting_and_the_attendees_zone_across_their_own_change(client, app):
    """An event in Kolkata (no DST) for someone in New York, the week the US clocks change
    (10 March 2030): opens 30 minutes before, the page gives their wall time after the
    change."""
    event = webinar(start="2030-03-11T20:00", end="2030-03-11T21:00", zone="Asia/Kolkata")
    sign_up(client, event, zone="America/New_York")
    registration = registration_of()
    opens = datetime(2030, 3, 11, 14, 0)  # 7:30pm IST = 14:00 UTC
    assert attendees.open_join_link(registration, now=opens - timedelta(minutes=1)
                                    ).kind == "early"
    assert attendees.open_join_link(registration, now=opens).kind == "redirect"
    html = client.get(f"/j/{registration.join_secret}").get_data(as_text=True)
    assert "Monday 11 March 2030, 7:30pm IST" in html
    assert "Monday 11 March 2030, 10am EDT" in html  # 14:00 UTC after the US change


def test_opening_the_link_in_its_window_redirects_and_records_attendance_once(client, app):
    event = webinar(start=soon(10), end=soon(70))
    sign_up(client, event)
    registration = registration_of()
    assert registration.joined_at is None
    first = client.get(f"/j/{registration.join_secret}")
    assert first.status_code == 302 and first.headers["Location"] == ZOOM
    assert first.headers["Referrer-Policy"] == "no-referrer"
    assert "private" in first.headers["Cache-Control"]
    joined = registration_of().joined_at
    assert joined is not None
    for _ in range(3):
        assert client.get(f"/j/{registration.join_secret}").status_code == 302
    assert registration_of().joined_at == joined
    # The organiser changes the room: the same link leads to the new one, no new mail.
    sent = len(outbox())
    event.locations[0].url = "https://zoom.us/j/111"
    db.session.commit()
    assert client.get(f"/j/{registration.join_secret}").headers["Location"] == \
        "https://zoom.us/j/111"
    assert len(outbox()) == sent
    # The organiser sees who joined, on the page and in the CSV.
    from eventsite.services.registrations import registrants_csv
    csv = registrants_csv(event).decode("utf-8-sig")
    assert "Joined (UTC)" in csv.splitlines()[0]
    assert joined.strftime("%Y-%m-%d %H:%M") in csv


def test_a_cancelled_or_waitlisted_registration_link_does_not_work(client, app):
    event = webinar(start=soon(5), end=soon(65), capacity=1)
    sign_up(client, event, "seat@example.org")
    sign_up(client, event, "wait@example.org")
    seat, waiting = registration_of("seat@example.org"), registration_of("wait@example.org")
    assert waiting.status is RegistrationStatus.WAITLISTED
    answer = client.get(f"/j/{waiting.join_secret}")
    assert answer.status_code == 403 and ZOOM not in answer.get_data(as_text=True)
    registrations.cancel(seat)
    answer = client.get(f"/j/{seat.join_secret}")
    assert answer.status_code == 403 and ZOOM not in answer.get_data(as_text=True)
    assert registration_of("seat@example.org").joined_at is None
    assert client.get("/j/not-a-secret").status_code == 404
    # The waitlisted person got the freed seat: their link works now.
    assert client.get(f"/j/{waiting.join_secret}").headers["Location"] == ZOOM


def test_whole_series_registrants_join_each_date(client, app):
    series = webinar(title="Reading group", start="2030-03-26T19:00", end="2030-03-26T20:00",
                     recurrence={"rule": "FREQ=WEEKLY;BYDAY=TU;COUNT=3"})
    sign_up(client, series)
    registration = registration_of()
    # 2 April is after London's change (31 March): 18:00 UTC; 26 March is 19:00 UTC.
    assert attendees.open_join_link(registration, now=datetime(2030, 3, 26, 18, 45)).url == ZOOM
    between = attendees.open_join_link(registration, now=datetime(2030, 3, 27, 12))
    assert between.kind == "early" and between.window.opens_utc == datetime(2030, 4, 2, 17, 45)
    assert attendees.open_join_link(registration, now=datetime(2030, 4, 2, 17, 45)).url == ZOOM


def test_per_date_registrants_join_their_date_only(client, app):
    series = webinar(title="Reading group", start="2030-03-26T19:00", end="2030-03-26T20:00",
                     recurrence={"rule": "FREQ=WEEKLY;BYDAY=TU;COUNT=3"},
                     registration={"per_occurrence": True})
    token = csrf_token(client, f"/events/{series.slug}/2030-04-02")
    client.post(f"/events/{series.slug}/register", data={
        "csrf_token": token, "name": "Ana", "email": "ana@example.org", "consent": "y",
        "timezone": "Asia/Kolkata", "date": "2030-04-02"})
    registration = registration_of()
    assert registration.occurrence_key == "2030-04-02"
    first = attendees.open_join_link(registration, now=datetime(2030, 3, 26, 18, 50))
    assert first.kind == "early"  # not the first date: theirs
    assert attendees.open_join_link(registration, now=datetime(2030, 4, 2, 17, 50)).url == ZOOM


# --- no raw link anywhere ---------------------------------------------------------------------

def test_the_raw_link_is_in_no_mail_invitation_feed_or_page(client, app):
    event = webinar(start=soon(60 * 30), end=soon(60 * 31))
    sign_up(client, event)
    registration = registration_of()
    registrations.send_reminders(now=event.starts_utc - timedelta(hours=20))
    registrations.send_reminders(now=event.starts_utc - timedelta(minutes=30))
    join = attendees.join_url(registration)
    mails = outbox()
    assert len(mails) == 3
    for stored in mails:
        assert join in all_text(stored) and ZOOM not in all_text(stored), stored.subject
    feed = attendees.feed_url(attendees.attendee_for("ana@example.org"))
    for path in (f"/r/{registration.token}", f"/r/{registration.token}.ics",
                 feed.replace("http://eventsite.test", ""), f"/j/{registration.join_secret}",
                 f"/events/{event.slug}", "/calendar.ics", f"/events/{event.slug}.ics"):
        body = client.get(path).get_data(as_text=True).replace("\r\n ", "")
        assert ZOOM not in body, path
    assert join in client.get(f"/r/{registration.token}").get_data(as_text=True)


# --- the personal feed ------------------------------------------------------------------------

def test_the_personal_feed_holds_seats_waitlist_and_cancellations(client, app, tmp_path):
    seat = webinar(title="With a seat", start="2030-04-01T19:00", end="2030-04-01T20:00")
    full = webinar(title="Full one", start="2030-04-02T19:00", end="2030-04-02T20:00",
                   capacity=1)
    gone = webinar(title="Cancelled one", start="2030-04-03T19:00", end="2030-04-03T20:00")
    sign_up(client, full, "first@example.org")
    for event in (seat, full, gone):
        sign_up(client, event)
    cancelled = db.session.scalar(db.select(Registration).where(
        Registration.event_id == gone.id))
    registrations.cancel(cancelled)
    with_seat = db.session.scalar(db.select(Registration).where(
        Registration.event_id == seat.id))
    feed = attendees.feed_url(attendees.attendee_for("ana@example.org")).replace(
        "http://eventsite.test", "")
    response = client.get(feed)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"].startswith("private")
    parsed = icaljs(response.data)
    by_title = {entry["summary"]: entry for entry in parsed["events"]}
    assert by_title["With a seat"]["status"] == "CONFIRMED"
    assert attendees.join_url(with_seat) in by_title["With a seat"]["description"]
    assert by_title["Full one"]["status"] == "TENTATIVE"
    assert "/j/" not in by_title["Full one"]["description"]
    assert by_title["Cancelled one"]["status"] == "CANCELLED"
    assert by_title["With a seat"]["start_utc"] == iso_utc(seat.starts_utc)
    # Two more readers, in processes of their own: libical and ical.js read the same instants.
    path = tmp_path / "me.ics"
    path.write_bytes(response.data)
    expected = {(e.starts_utc.replace(tzinfo=UTC).timestamp(),
                 e.ends_utc.replace(tzinfo=UTC).timestamp()) for e in (seat, full, gone)}
    libical = readers.libical([str(path)])[str(path)]["events"]
    assert {(start, end) for _uid, start, end in libical} == expected
    icaljs_read = readers.icaljs([str(path)])[str(path)]
    assert {(start, end) for _uid, start, end in icaljs_read} == expected
    # ETag and 304.
    again = client.get(feed, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.settings(PAGE_CACHE_SECONDS=60)
def test_resetting_the_feed_link_makes_the_old_one_404_even_with_the_page_cache(client, app):
    event = webinar()
    sign_up(client, event)
    registration = registration_of()
    old = attendees.feed_url(attendees.attendee_for("ana@example.org")).replace(
        "http://eventsite.test", "")
    visitor = app.test_client()  # no cookies: what the page cache would serve
    assert visitor.get(old).status_code == 200
    assert visitor.get(old).status_code == 200
    page = client.get(f"/r/{registration.token}").get_data(as_text=True)
    assert "Reset my feed link" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post(f"/r/{registration.token}/feed/reset").status_code == 400  # no CSRF
    assert visitor.get(old).status_code == 200
    assert client.post(f"/r/{registration.token}/feed/reset",
                       data={"csrf_token": token}).status_code == 302
    assert visitor.get(old).status_code == 404
    new = attendees.feed_url(attendees.attendee_for("ana@example.org")).replace(
        "http://eventsite.test", "")
    assert new != old and visitor.get(new).status_code == 200


# --- their time ------------------------------------------------------------------------------

def test_the_sign_up_keeps_their_zone_and_mails_say_their_time(client, app):
    event = webinar(start="2030-04-01T15:00", end="2030-04-01T16:00")
    form = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert re.search(r'name="timezone"[^>]*value="Europe/London"', form)
    assert "data-visitor-zone" in form
    bad = sign_up(client, event, zone="Asia/Calcutta")
    assert bad.status_code == 422 and "Asia/Kolkata" in bad.get_data(as_text=True)
    assert registration_of() is None
    sign_up(client, event, zone="Asia/Kolkata")
    (confirmation,) = outbox()
    text = all_text(confirmation)
    assert "Your time: 7:30pm IST" in text  # 15:00 BST = 14:00 UTC = 19:30 IST
    assert "Time: 3pm BST" in text


def test_reminders_in_their_terms_once_each_and_unsubscribing(client, app):
    # 10:30pm London on 1 April is 3am on 2 April in Kolkata.
    event = webinar(start="2030-04-01T22:30", end="2030-04-01T23:30")
    sign_up(client, event)
    sign_up(client, event, "bo@example.org", zone="Europe/London")
    starts = event.starts_utc  # 21:30 UTC
    assert registrations.send_reminders(now=starts - timedelta(hours=20)) == 2
    assert registrations.send_reminders(now=starts - timedelta(hours=19)) == 0
    # 01:30 UTC on 1 April: 7am in Kolkata, where the event is "tomorrow" (3am on the 2nd);
    # 2:30am in London, where it is "today".
    assert outbox()[-1].subject == "Peace webinar tomorrow".join(("Reminder: ", ""))
    assert outbox("bo@example.org")[-1].subject == "Reminder: Peace webinar today"
    reminder = all_text(outbox()[-1])
    assert "Your time: 3am IST (Tue 2 Apr)" in reminder
    link = re.search(r"http://eventsite.test(/unsubscribe/\S+)", reminder).group(1)
    page = client.get(link)
    assert page.status_code == 200 and "Unsubscribe" in page.get_data(as_text=True)
    assert client.post(link).status_code == 400  # CSRF: a mail scanner's POST does nothing
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    done = client.post(link, data={"csrf_token": token.group(1)})
    assert "will no longer get" in done.get_data(as_text=True)
    assert registrations.send_reminders(now=starts - timedelta(minutes=30)) == 1  # Bo only
    assert outbox("bo@example.org")[-1].subject == "Reminder: Peace webinar in one hour"
    assert len(outbox()) == 2


def test_reminders_before_each_date_of_a_whole_series(client, app):
    series = webinar(title="Reading group", start="2030-03-26T19:00", end="2030-03-26T20:00",
                     recurrence={"rule": "FREQ=WEEKLY;BYDAY=TU;COUNT=3"})
    sign_up(client, series)
    first, second = datetime(2030, 3, 26, 19), datetime(2030, 4, 2, 18)
    assert registrations.send_reminders(now=first - timedelta(hours=20)) == 1
    assert registrations.send_reminders(now=first - timedelta(minutes=30)) == 1
    assert registrations.send_reminders(now=first - timedelta(minutes=20)) == 0
    assert registrations.send_reminders(now=second - timedelta(hours=20)) == 1
    assert registrations.send_reminders(now=second - timedelta(hours=19)) == 0
    assert registrations.send_reminders(now=second - timedelta(minutes=30)) == 1
    reminder = all_text(outbox()[-1])
    assert "Tuesday 2 April 2030" in reminder  # the date it is for, not the first


# --- all my registrations ---------------------------------------------------------------------

def test_all_my_registrations_go_to_the_inbox_only(client, app):
    one, two = webinar(title="One"), webinar(title="Two", start="2030-03-06T19:00",
                                             end="2030-03-06T20:00")
    sign_up(client, one)
    sign_up(client, two)
    registration = registration_of()
    page = client.get(f"/r/{registration.token}").get_data(as_text=True)
    assert "See all my registrations" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = client.post(f"/r/{registration.token}/mine", data={"csrf_token": token},
                         follow_redirects=True).get_data(as_text=True)
    assert "test/me/" not in answer and "\"/me/" not in answer  # in the mail only
    link = re.search(r"http://eventsite.test(/me/\S+)", all_text(outbox()[-1])).group(1)
    mine = client.get(link).get_data(as_text=True)
    assert "One" in mine and "Two" in mine and ZOOM not in mine
    assert mine.count("/r/") >= 2
    assert client.get("/me/forged-token").status_code == 404


# --- many clicks at once, through a real multi-worker server ----------------------------------

@pytest.mark.settings(MAIL_SEND_IMMEDIATELY=False)
def test_attendance_is_recorded_once_however_many_clicks_at_once(client, app, database_url):
    from tests.storm import Browser, gunicorn, together

    event = webinar(start=soon(5), end=soon(65))
    sign_up(client, event)
    secret = registration_of().join_secret
    with gunicorn(database_url) as base:
        visitors = [Browser(base) for _ in range(24)]
        first = together([lambda v=v: v.get(f"/j/{secret}")[0] for v in visitors])
        joined = registration_of().joined_at
        again = together([lambda v=v: v.get(f"/j/{secret}")[0] for v in visitors])
    assert first == [302] * 24 and again == [302] * 24
    assert joined is not None
    assert registration_of().joined_at == joined  # the first click's time, never overwritten


def test_the_personal_feed_of_series_dates_reads_alike_in_libical_and_icaljs(
        client, app, tmp_path):
    """One date of a series registered date by date (a RECURRENCE-ID entry of its own) and a
    whole series (its RRULE), across London's March change, in two independent readers."""
    by_date = webinar(title="By date", start="2030-03-26T19:00", end="2030-03-26T20:00",
                      recurrence={"rule": "FREQ=WEEKLY;BYDAY=TU;COUNT=3"},
                      registration={"per_occurrence": True})
    whole = webinar(title="Whole", start="2030-03-27T19:00", end="2030-03-27T20:00",
                    recurrence={"rule": "FREQ=WEEKLY;BYDAY=WE;COUNT=2"})
    token = csrf_token(client, f"/events/{by_date.slug}/2030-04-02")
    client.post(f"/events/{by_date.slug}/register", data={
        "csrf_token": token, "name": "Ana", "email": "ana@example.org", "consent": "y",
        "timezone": "Asia/Kolkata", "date": "2030-04-02"})
    sign_up(client, whole)
    feed = client.get(attendees.feed_url(attendees.attendee_for("ana@example.org")).replace(
        "http://eventsite.test", ""))
    path = tmp_path / "me.ics"
    path.write_bytes(feed.data)
    utc = [datetime(2030, 4, 2, 18), datetime(2030, 3, 27, 19), datetime(2030, 4, 3, 18)]
    expected = {(s.replace(tzinfo=UTC).timestamp(),
                 (s + timedelta(hours=1)).replace(tzinfo=UTC).timestamp()) for s in utc}
    from tests.readers import recurring_reader
    for name, reading in (("recurring-ical-events", recurring_reader([str(path)])),):
        assert {(s, e) for _uid, s, e in reading[str(path)]} == expected, name
    icaljs_events = icaljs(feed.data)["events"]
    assert {e["start_utc"] for e in icaljs_events} >= {"2030-04-02T18:00:00Z",
                                                       "2030-03-27T19:00:00Z"}
    libical = readers.libical([str(path)])[str(path)]["events"]
    assert {s for _uid, s, _e in libical} >= {utc[0].replace(tzinfo=UTC).timestamp(),
                                              utc[1].replace(tzinfo=UTC).timestamp()}
