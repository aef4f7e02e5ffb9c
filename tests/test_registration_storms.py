"""Registration changes pressed many times at once through gunicorn (4 processes x 4
threads) on the suite's database, then the invariants checked in the rows and the outbox:

- confirmed rows <= capacity, and the stored counter equals the confirmed rows;
- no seat stays free while someone waits;
- each person gets one message per thing that happened to them.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from eventsite.extensions import db
from eventsite.models import Event, OutboxMessage, Registration, RegistrationStatus
from eventsite.services import mail, registrations
from tests.factories import PASSWORD, days_from_today, make_event, make_organiser, wall
from tests.storm import Browser, gunicorn, together

pytestmark = [pytest.mark.settings(MAIL_SEND_IMMEDIATELY=False),
              pytest.mark.usefixtures("private_links_audited")]
CONFIRM_LINK = re.compile(r"http://eventsite\.test(/\S*confirm\S*)")


def full_event(capacity: int, seated: int, waiting: int, **registration):
    event = make_event(title="Storm webinar", start=wall(days_from_today(5), 11),
                       end=wall(days_from_today(5), 12),
                       registration={"mode": "builtin", "capacity": capacity, **registration},
                       locations=[{"name": "Zoom", "url": "https://zoom.us/j/555",
                                   "visibility": "registrants"}])
    for n in range(seated + waiting):
        registrations.register(event, registrations.SignUp(f"Person {n}", f"p{n}@example.org",
                                                           consent=True))
    return event


def person(email: str) -> Registration:
    return db.session.scalar(db.select(Registration).where(Registration.email == email))


def check_invariants(event_id: int) -> dict[str, int]:
    db.session.expire_all()
    event = db.session.get(Event, event_id)
    rows = Counter(db.session.scalars(
        db.select(Registration.status).where(Registration.event_id == event_id)))
    confirmed = rows[RegistrationStatus.CONFIRMED]
    assert confirmed <= event.capacity, (confirmed, event.capacity)
    assert event.confirmed_count == confirmed, (event.confirmed_count, confirmed)
    if rows[RegistrationStatus.WAITLISTED]:
        assert confirmed == event.capacity, "a seat is free while someone waits"
    return {status.value: n for status, n in rows.items()}


def mails() -> Counter:
    """(recipient, subject prefix) -> messages written."""
    db.session.expire_all()
    return Counter((m.recipient, m.subject.split(":")[0])
                   for m in db.session.scalars(db.select(OutboxMessage)))


def cancel_presses(base: str, tokens: list[str], times: int = 1) -> list:
    """A press of Cancel (confirmed) on each registration's page, `times` each, each from its
    own browser: the actions, ready to run together."""
    presses = []
    for token in tokens:
        for _ in range(times):
            browser = Browser(base)
            form_token = browser.token(f"/r/{token}")
            presses.append(lambda b=browser, tok=token, t=form_token: b.post(
                f"/r/{tok}/cancel", {"csrf_token": t, "confirmed": "1"}))
    return presses


def sign_up_presses(base: str, page: str, slug: str, count: int, **fields: str) -> list:
    """`count` newcomers (new0@..., new1@...) each pressing Register once on `page`."""
    presses = []
    for n in range(count):
        browser = Browser(base)
        token = browser.token(page)
        presses.append(lambda b=browser, t=token, n=n: b.post(f"/events/{slug}/register", {
            "csrf_token": t, "name": f"New {n}", "email": f"new{n}@example.org",
            "consent": "y", **fields}))
    return presses


def test_one_registration_cancelled_twenty_times_at_once(app, database_url):
    event = full_event(capacity=5, seated=5, waiting=3)
    token = person("p0@example.org").token
    before = mails()
    with gunicorn(database_url) as base:
        statuses = together(cancel_presses(base, [token], times=20))
    assert statuses == [302] * 20
    assert check_invariants(event.id) == {"confirmed": 5, "waitlisted": 2, "cancelled": 1}
    sent = mails() - before
    assert sent == Counter({("p0@example.org", "Cancelled"): 1,
                            ("p5@example.org", "You have a seat"): 1}), sent


def test_one_confirmation_clicked_ten_times_at_once(app, database_url):
    event = full_event(capacity=3, seated=0, waiting=0, confirmation_required=True)
    registrations.register(event, registrations.SignUp("Ana", "ana@example.org", consent=True))
    (message,) = db.session.scalars(db.select(OutboxMessage))
    link = CONFIRM_LINK.search(mail.message_bytes(message).decode()).group(1)
    with gunicorn(database_url) as base:
        visitors = [Browser(base) for _ in range(10)]
        tokens = [v.token(link) for v in visitors]
        statuses = together([lambda v=v, t=t: v.post(link, {"csrf_token": t})
                             for v, t in zip(visitors, tokens, strict=True)])
    assert statuses == [302] * 10
    assert check_invariants(event.id) == {"confirmed": 1}
    assert mails() == Counter({("ana@example.org", "Please confirm"): 1,
                               ("ana@example.org", "You are registered"): 1})


def test_cancellations_racing_new_sign_ups(app, database_url):
    event = full_event(capacity=5, seated=5, waiting=5)
    seated = [person(f"p{n}@example.org").token for n in range(3)]
    before = mails()
    with gunicorn(database_url) as base:
        actions = cancel_presses(base, seated, times=3) + sign_up_presses(
            base, f"/events/{event.slug}", event.slug, 15)
        statuses = together(actions)
    assert statuses == [302] * len(actions)
    rows = check_invariants(event.id)
    assert rows["cancelled"] == 3 and rows["confirmed"] == 5
    sent = mails() - before
    for n in range(3):
        assert sent[(f"p{n}@example.org", "Cancelled")] == 1
    assert max(sent.values()) == 1, sent  # nobody told anything twice
    assert sum(n for (_, kind), n in sent.items() if kind == "You have a seat") == 3
    for n in range(15):  # each newcomer hears exactly once where they stand
        assert sum(v for (who, _), v in sent.items() if who == f"new{n}@example.org") == 1


def test_organiser_promotions_racing_a_capacity_edit(app, database_url):
    event = full_event(capacity=4, seated=4, waiting=6)
    make_organiser()
    waiting = [person(f"p{n}@example.org").id for n in range(4, 10)]
    before = mails()
    with gunicorn(database_url) as base:
        organiser = Browser(base)
        organiser.sign_in("ada@example.org", PASSWORD)
        form = organiser.form(f"/admin/events/{event.id}/edit")
        form.update({"capacity": ["5"], "action": ["save"]})
        token = form["csrf_token"][0]
        actions = [lambda rid=rid: organiser.post(f"/admin/registrations/{rid}/promote",
                                                  {"csrf_token": token})
                   for rid in waiting for _ in range(2)]
        actions.append(lambda: organiser.post(f"/admin/events/{event.id}/edit", form))
        statuses = together(actions)
    assert statuses == [302] * len(actions)
    assert check_invariants(event.id) == {"confirmed": 5, "waitlisted": 5}
    sent = mails() - before
    assert sent == Counter({("p4@example.org", "You have a seat"): 1}) or (
        sum(sent.values()) == 1 and set(k for _, k in sent) == {"You have a seat"}), sent


def test_capacity_edits_racing_cancellations(app, database_url):
    event = full_event(capacity=5, seated=5, waiting=5)
    make_organiser()
    seated = [person(f"p{n}@example.org").token for n in range(3)]
    before = mails()
    with gunicorn(database_url) as base:
        organiser = Browser(base)
        organiser.sign_in("ada@example.org", PASSWORD)
        form = organiser.form(f"/admin/events/{event.id}/edit")
        edits = [{**form, "capacity": [str(c)], "action": ["save"]}
                 for c in (6, 7, 8)]
        actions = [lambda f=f: organiser.post(f"/admin/events/{event.id}/edit", f)
                   for f in edits]
        statuses = together(actions + cancel_presses(base, seated))
    # An edit to fewer seats than are taken by then is refused (422, next to the field).
    assert set(statuses[:3]) <= {302, 422} and 302 in statuses[:3]
    assert statuses[3:] == [302] * 3
    rows = check_invariants(event.id)
    assert rows["cancelled"] == 3
    sent = mails() - before
    assert max(sent.values()) == 1, sent
    promoted = sum(n for (_, kind), n in sent.items() if kind == "You have a seat")
    assert promoted == rows["confirmed"] - 2  # everyone seated now but the two who stayed


def test_a_series_dates_cancellations_sign_ups_and_capacity_edit_at_once(app, database_url):
    """A series registered date by date: each date keeps its own seats through cancellations
    (each pressed several times), new sign-ups and a capacity edit, all at once."""
    from datetime import date, timedelta

    from eventsite.models import OccurrenceSeats

    first = date.today() + timedelta(days=(1 - date.today().weekday()) % 7 or 7)
    second = first + timedelta(days=7)
    event = make_event(title="Storm series", timezone="Europe/London",
                       start=f"{first}T19:00", end=f"{first}T20:00",
                       recurrence={"rule": "FREQ=WEEKLY;BYDAY=TU;COUNT=3"},
                       registration={"mode": "builtin", "capacity": 3, "per_occurrence": True},
                       locations=[{"name": "Zoom", "url": "https://zoom.us/j/555",
                                   "visibility": "registrants"}])
    for day, count in ((first, 6), (second, 5)):
        for n in range(count):
            registrations.register(event, registrations.SignUp(
                f"Person {n}", f"{day}-{n}@example.org", consent=True), day=day)
    leaving = [f"{first}-0@example.org", f"{first}-1@example.org", f"{second}-2@example.org"]
    tokens = [db.session.scalar(db.select(Registration.token).where(
        Registration.email == address)) for address in leaving]
    make_organiser()
    before = mails()
    with gunicorn(database_url) as base:
        organiser = Browser(base)
        organiser.sign_in("ada@example.org", PASSWORD)
        form = organiser.form(f"/admin/events/{event.id}/edit")
        form.update({"capacity": ["4"], "action": ["save"]})
        actions = cancel_presses(base, tokens, times=4) + sign_up_presses(
            base, f"/events/{event.slug}/{second}", event.slug, 8, date=str(second))
        actions.append(lambda: organiser.post(f"/admin/events/{event.id}/edit", form))
        statuses = together(actions)
    assert statuses == [302] * len(actions)
    db.session.expire_all()
    event = db.session.get(Event, event.id)
    assert event.capacity == 4
    for day in (first, second):
        rows = Counter(db.session.scalars(db.select(Registration.status).where(
            Registration.event_id == event.id,
            Registration.occurrence_key == day.isoformat())))
        confirmed = rows[RegistrationStatus.CONFIRMED]
        counter = db.session.scalar(db.select(OccurrenceSeats.confirmed_count).where(
            OccurrenceSeats.event_id == event.id, OccurrenceSeats.day == day))
        assert counter == confirmed <= 4, (day, counter, rows)
        if rows[RegistrationStatus.WAITLISTED]:
            assert confirmed == 4, f"a seat is free on {day} while someone waits: {rows}"
    sent = mails() - before
    for address in leaving:
        assert sent[(address, "Cancelled")] == 1
    assert max(sent.values()) == 1, sent  # nobody told anything twice
    for n in range(8):  # each newcomer hears exactly once where they stand
        assert sum(v for (who, _), v in sent.items() if who == f"new{n}@example.org") == 1
