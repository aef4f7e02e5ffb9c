"""Recordings after an event: the organiser adds them, pages, the archive filter, the API and
schema.org show public ones, registrants are told once (also under simultaneous saves)."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import update

from eventsite.domain.timezones import utcnow
from eventsite.extensions import db
from eventsite.models import Event, OutboxMessage
from eventsite.services import attendees
from tests.factories import PASSWORD, make_organiser
from tests.test_personal import ZOOM, all_text, outbox, registration_of, sign_up, soon, webinar
from tests.web import csrf_token, field_errors, sign_in

pytestmark = pytest.mark.usefixtures("private_links_audited")
VIDEO = "https://youtube.com/watch?v=recorded"


def held_yesterday(event: Event) -> None:
    """Move an event (registered for while it was ahead) into the past."""
    now = utcnow()
    db.session.execute(update(Event).where(Event.id == event.id).values(
        starts_utc=now - timedelta(days=1, hours=1), ends_utc=now - timedelta(days=1)))
    db.session.commit()
    db.session.expire_all()


def save(client, event, **data):
    page = f"/admin/events/{event.id}/registrations"
    return client.post(f"/admin/events/{event.id}/recording", data={
        "csrf_token": csrf_token(client, page), **data})


def test_a_public_recording_is_shown_listed_and_announced_once(client, app):
    event = webinar(title="Korea webinar", start=soon(60 * 24 * 3), end=soon(60 * 24 * 3 + 60),
                    capacity=2)
    for address in ("ana@example.org", "bo@example.org", "cy@example.org"):
        sign_up(client, event, address)
    attendees.set_choice("bo@example.org", "recordings", wanted=False)
    held_yesterday(event)
    make_organiser(is_admin=True)
    sign_in(client)
    visitor = app.test_client()
    before = {a: len(outbox(a)) for a in ("ana@example.org", "bo@example.org",
                                          "cy@example.org")}
    refused = save(client, event, recording_url="javascript:alert(1)", recording_public="y")
    assert refused.status_code == 422
    assert "recording_url" in field_errors(refused)
    db.session.expire_all()
    assert event.recording_url == ""
    assert save(client, event, recording_url=VIDEO, recording_public="y",
                slides_url="https://example.org/slides.pdf").status_code == 302
    assert save(client, event, recording_url=VIDEO, recording_public="y").status_code == 302
    notice = outbox("ana@example.org")[before["ana@example.org"]:]
    assert [m.subject for m in notice] == ["Recording online: Korea webinar"]
    assert VIDEO in all_text(notice[0]) and "/unsubscribe/" in all_text(notice[0])
    assert len(outbox("bo@example.org")) == before["bo@example.org"]  # opted out
    assert len(outbox("cy@example.org")) == before["cy@example.org"]  # waitlisted: no seat

    page = visitor.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "Watch the recording" in page and VIDEO in page
    past = visitor.get("/events/past").get_data(as_text=True)
    assert 'href="/events/past?recordings=1"' in past
    filtered = visitor.get("/events/past?recordings=1").get_data(as_text=True)
    assert "Korea webinar" in filtered
    api = visitor.get(f"/api/events/{event.slug}").get_json()
    assert api["recording"] == {"url": VIDEO, "slides_url": None}
    (jsonld,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert json.loads(jsonld)["recordedIn"]["url"] == VIDEO
    registration = registration_of("ana@example.org")
    assert visitor.get(f"/j/{registration.join_secret}").headers["Location"] == VIDEO


def test_a_registrants_only_recording_is_reached_through_the_personal_link(client, app):
    event = webinar(title="Private one", start=soon(60 * 24 * 3), end=soon(60 * 24 * 3 + 60))
    other = webinar(title="No recording", start=soon(60 * 24 * 4), end=soon(60 * 24 * 4 + 60))
    sign_up(client, event)
    held_yesterday(event)
    held_yesterday(other)
    make_organiser(is_admin=True)
    sign_in(client)
    assert save(client, event, recording_url=VIDEO).status_code == 302  # not public
    visitor = app.test_client()
    registration = registration_of()
    (notice,) = [m for m in outbox() if m.subject.startswith("Recording")]
    assert VIDEO not in all_text(notice) and ZOOM not in all_text(notice)
    assert attendees.join_url(registration) in all_text(notice)
    page = visitor.get(f"/events/{event.slug}").get_data(as_text=True)
    assert VIDEO not in page and "available to registrants" in page
    assert visitor.get(f"/api/events/{event.slug}").get_json()["recording"] is None
    assert "recordedIn" not in page
    assert visitor.get(f"/j/{registration.join_secret}").headers["Location"] == VIDEO
    assert VIDEO in visitor.get(f"/r/{registration.token}").get_data(as_text=True)
    filtered = visitor.get("/events/past?recordings=1").get_data(as_text=True)
    assert "Private one" in filtered and "No recording" not in filtered


@pytest.mark.settings(MAIL_SEND_IMMEDIATELY=False)
def test_the_notice_goes_once_when_the_recording_is_saved_many_times_at_once(
        client, app, database_url):
    from tests.storm import Browser, gunicorn, together

    event = webinar(title="Storm webinar", start=soon(60 * 24 * 3), end=soon(60 * 24 * 3 + 60))
    people = [f"p{n}@example.org" for n in range(6)]
    for address in people:
        sign_up(client, event, address)
    held_yesterday(event)
    make_organiser(is_admin=True)
    with gunicorn(database_url) as base:
        organisers = [Browser(base) for _ in range(12)]
        for organiser in organisers:
            organiser.sign_in("ada@example.org", PASSWORD)
        tokens = [o.token(f"/admin/events/{event.id}/registrations") for o in organisers]
        statuses = together([
            lambda o=o, t=t: o.post(f"/admin/events/{event.id}/recording", {
                "csrf_token": t, "recording_url": VIDEO, "recording_public": "y"})
            for o, t in zip(organisers, tokens, strict=True)])
    assert statuses == [302] * 12
    db.session.expire_all()
    notices = Counter(m.recipient for m in db.session.scalars(db.select(OutboxMessage))
                      if m.subject.startswith("Recording online"))
    assert notices == Counter({address: 1 for address in people}), notices
