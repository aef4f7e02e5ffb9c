"""Faults answered kindly: the database away gives 503 + Retry-After (the site's page, JSON
under /api) and the page cache serves what it holds; /healthz; rate limits shared through
Redis, and per process with a warning when Redis is unreachable, never a 500."""

import logging
import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine

from eventsite.config import Config
from eventsite.extensions import db
from eventsite.services import mail
from tests.conftest import free_port
from tests.factories import make_event, make_organiser
from tests.test_public import page_text
from tests.test_registration import sign_up, webinar
from tests.web import csrf_token, sign_in


@contextmanager
def database_away(app):
    """The app's database stops answering: its engine now points at a port where nothing
    listens (connections are refused, as when PostgreSQL is stopped), until the block ends."""
    engines = db.engines
    working = engines[None]
    engines[None] = create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/gone",
                                  pool_pre_ping=True)
    db.session.remove()
    try:
        yield
    finally:
        engines[None].dispose()
        engines[None] = working
        db.session.remove()


def _assert_503_page(response):
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "text/html" in response.content_type
    text = page_text(response)
    assert "Back in a moment" in text and "Nothing you sent has been lost" in text


def test_pages_forms_and_api_answer_503_while_the_database_is_away(client, app):
    slug = make_event(title="Kept talk").slug
    make_organiser()
    token = csrf_token(client)
    with database_away(app):
        for url in ("/", "/events/past", f"/events/{slug}", "/calendar.ics"):
            response = client.get(url)
            assert response.status_code == 503, url
            assert response.headers["Retry-After"] == "5"
        _assert_503_page(client.get("/events/past?page=2"))
        _assert_503_page(client.post("/auth/sign-in", data={
            "csrf_token": token, "email": "ada@example.org", "password": "x"}))
        response = client.get("/api/events")
        assert response.status_code == 503 and response.headers["Retry-After"] == "5"
        assert response.get_json() == {"error": {"status": 503, "message": (
            "The site's database is not answering. Please try again in a few seconds.")}}
    assert client.get("/").status_code == 200  # back at once


def test_a_signed_in_organiser_gets_the_503_page_too(client, app):
    make_organiser()
    sign_in(client)
    assert client.get("/admin/").status_code == 200
    with database_away(app):
        _assert_503_page(client.get("/admin/"))
    assert client.get("/admin/").status_code == 200


@pytest.mark.settings(PAGE_CACHE_SECONDS=60)
def test_the_page_cache_serves_what_it_holds_while_the_database_is_away(client, app):
    make_event(title="Cached talk")
    stored = {url: client.get(url) for url in ("/", "/api/events", "/calendar.ics")}
    assert all(response.status_code == 200 for response in stored.values())
    with database_away(app):
        for url, before in stored.items():
            response = client.get(url)
            assert response.status_code == 200, url
            assert response.get_data() == before.get_data()
            etag = response.headers["ETag"]
            assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
        # What it never stored is a 503, not gunicorn's bare "Internal Server Error".
        _assert_503_page(client.get("/events/past"))
    assert "Cached talk" in page_text(client.get("/"))


def test_healthz_reports_the_database_and_the_mail_backlog(client, app):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["status"] == "ok" and body["database"]["ok"] is True
    assert body["mail"] == {"pending": 0, "oldest_pending": None, "oldest_pending_seconds": 0}
    sign_up(client, webinar())  # one confirmation waits for the mail worker
    mail_state = client.get("/healthz").get_json()["mail"]
    assert mail_state["pending"] == 1 and mail_state["oldest_pending"].endswith("Z")
    with database_away(app):
        response = client.get("/healthz")
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert response.get_json()["database"] == {"ok": False, "error": "OperationalError"}
    assert mail.backlog().pending == 1


def test_redis_is_one_setting():
    config = Config({"REDIS_URL": "redis://127.0.0.1:6379/0", "REDIS_PREFIX": "site-a"})
    assert config.RATELIMIT_STORAGE_URI == "redis://127.0.0.1:6379/0"
    assert config.RATELIMIT_KEY_PREFIX == "site-a"
    assert Config({}).RATELIMIT_STORAGE_URI == "memory://"


PREFIX = f"w16test-{uuid.uuid4().hex[:8]}"


@pytest.mark.settings(RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
                      RATELIMIT_KEY_PREFIX=PREFIX, SIGN_IN_LIMIT="3 per minute",
                      RATELIMIT_STORAGE_OPTIONS={"socket_connect_timeout": 0.5})
def test_sign_in_counters_live_in_redis_under_the_sites_prefix(client, app):
    redis = pytest.importorskip("redis").Redis.from_url("redis://127.0.0.1:6379/0")
    try:
        make_organiser()
        for _ in range(3):
            assert sign_in(client, password="wrong password").status_code == 422
        keys = redis.keys(f"LIMITS:LIMITER/{PREFIX}/*")
        assert keys, "no counter in Redis"
        assert sign_in(client).status_code == 429
        redis.delete(*keys)  # the count is the one in Redis: every instance reads it there
        assert sign_in(client).status_code == 302
    finally:
        if keys := redis.keys(f"LIMITS:LIMITER/{PREFIX}/*"):
            redis.delete(*keys)


@pytest.mark.settings(SIGN_IN_LIMIT="3 per minute",
                      RATELIMIT_STORAGE_OPTIONS={"socket_connect_timeout": 0.5,
                                                 "socket_timeout": 0.5})
def test_unreachable_redis_falls_back_to_counting_per_process(database_url, caplog):
    from tests.conftest import empty_all_tables, make_app

    app = make_app(database_url, RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{free_port()}/0",
                   SIGN_IN_LIMIT="3 per minute", RATELIMIT_KEY_PREFIX=PREFIX)
    with app.app_context():
        db.create_all()
        empty_all_tables()
        try:
            client = app.test_client()
            make_organiser()
            event = webinar()
            with caplog.at_level(logging.WARNING):
                statuses = [sign_in(client, password="wrong password").status_code
                            for _ in range(3)]
                assert statuses == [422, 422, 422]
                assert sign_in(client).status_code == 429  # still limited, in this process
                assert sign_up(client, event).status_code == 302
            assert "Rate limit storage unreachable" in caplog.text
        finally:
            empty_all_tables()
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()
