"""Hostile values pushed through every form field, sign-up field, URL parameter and import
key, then every page, admin page, feed, Atom entry, JSON-LD block, mail and CSV that shows
them read back: never a 500, nothing that would run in a browser, nothing half-saved."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ElementTree
from email import message_from_bytes, policy
from urllib.parse import quote

import icalendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventsite.extensions import db
from eventsite.models import Event, OutboxMessage, Registration, Speaker, Tag
from eventsite.services import mail
from eventsite.services.errors import ValidationError
from eventsite.services.events import check_event, create_event, parse_event
from tests.calendars import icaljs
from tests.factories import days_from_today, event_record, make_event, make_organiser, wall
from tests.hostile import PAYLOADS, html_problems
from tests.web import csrf_token, seed_webinar_form, sign_in

FORM_FIELDS = ["title", "summary", "description", "tags", "venue_name", "venue_address",
               "speakers-0-name", "speakers-0-affiliation", "organisations-0-name",
               "locations-1-name", "status_note", "timezone", "slug",
               "display_timezones", "capacity", "date"]
SAFE_STATUSES = {200, 302, 400, 404, 410, 422}


def rows() -> tuple[int, int, int]:
    db.session.expire_all()
    return tuple(db.session.scalar(db.select(db.func.count()).select_from(model))
                 for model in (Event, Speaker, Tag))


def event_form(token: str, **values) -> dict:
    fields = {"date": days_from_today(20).isoformat(), "registration_mode": "builtin",
              "capacity": "50", "registration_url": "", "registration_label": "",
              "action": "publish", **values}
    return seed_webinar_form(token, **fields)


def audit(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code in SAFE_STATUSES, (path, response.status_code)
    text = response.get_data(as_text=True)
    if response.mimetype == "text/html":
        assert html_problems(text) == [], path
    return text


@pytest.mark.settings(MAIL_SEND_IMMEDIATELY=False)
def test_every_event_form_field(client, app):
    make_organiser()
    sign_in(client)
    token = csrf_token(client, "/admin/events/new")
    tried = 0
    for payload in PAYLOADS:
        before = rows()
        everywhere = {name: payload for name in FORM_FIELDS[:11]}
        response = client.post("/admin/events/new", data=event_form(token, **everywhere))
        tried += 1
        assert response.status_code in (302, 400, 422), (payload, response.status_code)
        if response.status_code == 302:
            continue
        assert rows() == before, f"half-saved: {payload!r}"
        for name in FORM_FIELDS:  # refused: each field alone, so one refusal hides no other
            before = rows()
            response = client.post("/admin/events/new",
                                   data=event_form(token, **{name: payload}))
            tried += 1
            assert response.status_code in (302, 400, 422), (name, payload)
            if response.status_code != 302:
                assert rows() == before, f"half-saved: {name}={payload!r}"
                if response.status_code == 422:
                    assert html_problems(response.get_data(as_text=True)) == [], payload
    assert tried >= len(PAYLOADS) * 2

    saved = db.session.scalars(db.select(Event)).all()
    assert len(saved) > len(PAYLOADS)  # most hostile text is stored (escaped), not refused
    pages = ["/", "/events/past", "/admin/", "/events.atom", "/calendar.ics", "/api/events"]
    for event in saved:
        pages += [f"/events/{event.slug}", f"/admin/events/{event.id}/edit",
                  f"/events/{event.slug}.ics", f"/api/events/{event.slug}"]
        pages += [f"/tags/{quote(tag.name, safe='')}" for tag in event.tags]
    for path in pages:
        text = audit(client, path)
        if path.endswith(".ics"):
            icalendar.Calendar.from_ical(text)
        elif path.endswith(".atom"):
            ElementTree.fromstring(text.encode())
        elif path.startswith("/api/"):
            json.loads(text)
    parsed = icaljs(client.get("/calendar.ics").data)
    assert len(parsed["events"]) == len([e for e in saved if e.status.value != "draft"])


@pytest.mark.settings(MAIL_SEND_IMMEDIATELY=False, REGISTER_LIMIT="10000 per minute",
                      REGISTER_EMAIL_LIMIT="10000 per minute")
def test_every_sign_up_field(client, app):
    event = make_event(title="Open webinar", start=wall(days_from_today(9), 11),
                       end=wall(days_from_today(9), 12),
                       registration={"mode": "builtin", "capacity": 1000})
    token = csrf_token(client, f"/events/{event.slug}")
    addresses = [f"p{n}@example.org" for n in range(len(PAYLOADS))]
    addresses += ['"<script>alert(1)</script>"@example.org', "=1+2@example.org",
                  "+1@example.org", "-2@example.org", "@SUM(1)@example.org"]
    for n, payload in enumerate(PAYLOADS):
        for fields in ({"name": payload, "organisation": payload}, {"organisation": payload}):
            response = client.post(f"/events/{event.slug}/register", data={
                "csrf_token": token, "name": "Ana", "email": addresses[n],
                "organisation": "", "consent": "y", **fields})
            assert response.status_code in (302, 400, 422), (fields, response.status_code)
            if response.status_code == 302:
                break
    for email in addresses[len(PAYLOADS):]:
        response = client.post(f"/events/{event.slug}/register", data={
            "csrf_token": token, "name": "Bo", "email": email, "consent": "y"})
        assert response.status_code in (302, 422)

    make_organiser()
    sign_in(client)
    audit(client, f"/admin/events/{event.id}/registrations")
    table = client.get(f"/admin/events/{event.id}/registrations.csv").data.decode("utf-8-sig")
    for row in list(csv.reader(io.StringIO(table)))[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row
    assert any("=1+2@example.org" in cell for cell in table.splitlines())
    for registration in db.session.scalars(db.select(Registration)):
        audit(client, f"/r/{registration.token}")
    messages = db.session.scalars(db.select(OutboxMessage)).all()
    assert messages
    for stored in messages:
        message = message_from_bytes(mail.message_bytes(stored), policy=policy.default)
        assert "\n" not in str(message["Subject"]) and message["Bcc"] is None
        for part in message.walk():
            if part.get_content_type() == "text/html":
                assert html_problems(part.get_content(), allow_style=True) == []
            elif part.get_content_type() == "text/calendar":
                icalendar.Calendar.from_ical(part.get_content())


def test_every_url_parameter(client, app):
    event = make_event(title="Listed", tags=["Peace"])
    make_organiser()
    templates = ["/?page={}", "/events/past?page={}", "/api/events?page={}",
                 "/api/events?tag={}", "/api/events?from={}", "/api/events?to={}",
                 "/api/events?after={}", "/tags/{}", "/tags/{}.ics", "/events/{}",
                 "/events/{}.ics", "/speakers/{}", "/organisations/{}", "/api/events/{}",
                 "/r/{}", "/confirm/{}", "/auth/reset/{}", "/media/events/{}",
                 "/auth/sign-in?next={}", f"/events/{event.slug}?x={{}}",
                 "/search?q={}", "/search?q=listed&page={}", "/api/events?q={}",
                 "/api/events?q=listed&page={}", "/speakers?letter={}", "/tags?page={}",
                 "/calendar/2027/03?tz={}", "/calendar?tz={}", "/embed/events?tag={}",
                 "/embed/events?count={}", "/embed/events?accent={}",
                 "/embed/events/{}", "/oembed?url={}", "/oembed?url=x&maxwidth={}",
                 "/embed/theme.css?accent={}", "/sitemaps/events-{}.xml"]
    numbers = ["10000000000000000000", "-1", "0", "1e9", "NaN", "99999999999"]
    for template in templates:
        for value in PAYLOADS + numbers:
            path = template.format(quote(value, safe=""))
            response = client.get(path)
            assert response.status_code in SAFE_STATUSES, (path, response.status_code)
            if path.startswith("/api/"):
                assert response.is_json, path
            elif response.mimetype == "text/html":
                assert html_problems(response.get_data(as_text=True)) == [], path
    sign_in(client)
    for value in numbers:
        for path in (f"/admin/events/{value}/edit", f"/admin/events/{value}/registrations"):
            assert client.get(path).status_code in (404,), path


IMPORT_KEYS = ["title", "start", "end", "timezone", "slug", "summary", "description",
               "format", "status", "status_note", "tags", "display_timezones", "speakers",
               "organisations", "locations", "venue", "registration", "fold"]
WRONG_TYPES = [None, 1, 20261201, 1.5, True, False, [], {}, [1], {"a": 1}, 10**30, "no"]
NESTED = {"registration": ["mode", "capacity", "waitlist", "confirmation_required", "url",
                           "label", "opens", "closes"],
          "venue": ["name", "address"]}


def test_every_import_key(app):
    """Each key of an import record, given each payload and each wrong JSON type: created,
    or refused naming the field, and never anything half-saved."""
    tried = 0
    for key in IMPORT_KEYS:
        for value in PAYLOADS + WRONG_TYPES:
            tried += _import_one(event_record(**{key: value}), key)
    sample = PAYLOADS[:8] + PAYLOADS[-24:] + WRONG_TYPES  # every kind, fewer of each
    for outer, inner_keys in NESTED.items():
        for inner in inner_keys:
            for value in sample:
                tried += _import_one(event_record(**{outer: {"mode": "builtin", inner: value}}),
                                     outer)
    for key in ("speakers", "organisations", "locations"):
        for inner in ("name", "affiliation", "url", "role", "visibility"):
            for value in sample:
                tried += _import_one(event_record(**{key: [{"name": "X", inner: value}]}), key)
    assert tried > 1500


def _import_one(record: dict, key: str) -> int:
    before = rows()
    try:
        create_event(parse_event(record))
    except ValidationError as error:
        db.session.rollback()
        assert rows() == before, f"half-saved: {record!r}"
        assert any(name.split(".")[0].split("[")[0] == key for name in error.errors), (
            key, error.errors)
    return 1


def test_wrong_json_types_are_not_guessed():
    cases = {("registration", "waitlist"): "no", ("registration", "confirmation_required"): 1,
             ("start",): 20261201, ("venue",): "x"}
    for path, value in cases.items():
        record = event_record(registration={"mode": "builtin"})
        target = record
        for part in path[:-1]:
            target = target.setdefault(part, {})
        target[path[-1]] = value
        with pytest.raises(ValidationError) as refused:
            parse_event(record)
        assert ".".join(path) in refused.value.errors, refused.value.errors


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=30) | st.sampled_from(PAYLOADS),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=10), children, max_size=3), max_leaves=10)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(IMPORT_KEYS + ["start", "end", "registration"]),
                       json_values, max_size=6))
def test_any_json_record_is_read_or_refused(changes):
    record = {**event_record(), **changes}
    try:
        check_event(parse_event(record))
    except ValidationError as error:
        assert error.errors and all(isinstance(m, str) for m in error.errors.values())
