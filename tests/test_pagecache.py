"""Anonymous pages served whole before Flask, and never a stale or personal one."""

import re
import urllib.request

from eventsite.extensions import db
from eventsite.services import events as event_service
from tests.factories import make_event, make_organiser
from tests.sql import counting_statements
from tests.test_public import page_text
from tests.web import sign_in

TOKEN = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')


def test_a_repeated_anonymous_page_costs_no_query(client, app):
    make_event(title="Cached talk")
    first = client.get("/")
    with counting_statements() as statements:
        second = client.get("/")
    assert second.data == first.data and statements == []
    assert client.get("/", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert client.head("/").data == b""


def test_an_edit_shows_at_once(client, app):
    event = make_event(title="Old title")
    assert "Old title" in page_text(client.get("/"))
    event_service.update_event(event, event_service.event_input_from(event, title="New title"))
    text = page_text(client.get("/"))
    assert "New title" in text and "Old title" not in text


def test_a_rolled_back_change_leaves_the_cache_alone(client, app):
    event = make_event(title="Steady")
    client.get("/")
    event.title = "Never saved"
    db.session.flush()
    db.session.rollback()
    assert "Steady" in page_text(client.get("/"))


def test_organisers_never_get_a_visitors_page(client, app):
    make_event(title="Seen by both")
    client.get("/")  # cached for visitors
    make_organiser()
    sign_in(client)
    assert "Organise" in page_text(client.get("/"))
    assert "Organise" not in page_text(app.test_client().get("/"))  # a new visitor


def test_pages_with_a_registration_form_are_never_shared(app, live_server):
    event = make_event(registration={"mode": "builtin", "capacity": 5})
    tokens = []
    for _ in range(2):  # two visitors, through a real server (one app context per request)
        with urllib.request.urlopen(f"{live_server}/events/{event.slug}") as response:
            assert response.headers["Set-Cookie"].startswith("session=")
            tokens.append(TOKEN.search(response.read().decode()).group(1))
    assert tokens[0] != tokens[1]  # each visitor has a token of their own
