"""Organiser accounts: sign-in, lock-out, cookies, CSRF, and /admin closed to visitors."""

import re

import pytest
from werkzeug.routing import AnyConverter, IntegerConverter

from eventsite.extensions import db
from eventsite.models import User
from eventsite.services import accounts
from tests.factories import PASSWORD, make_organiser
from tests.web import csrf_token, field_errors, sign_in


def test_sign_in_and_out(client, app):
    make_organiser()
    response = sign_in(client)
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"
    assert "Drafts" in client.get("/admin/").get_data(as_text=True)
    token = csrf_token(client, "/admin/")
    assert client.post("/auth/sign-out", data={"csrf_token": token}).status_code == 302
    assert client.get("/admin/").status_code == 302


def test_wrong_password_and_unknown_address_get_the_same_message(client, app):
    make_organiser()
    for email, password in (("ada@example.org", "wrong password"),
                            ("nobody@example.org", PASSWORD)):
        response = sign_in(client, email, password)
        assert response.status_code == 422
        assert field_errors(response)["password"] == accounts.REFUSED


def test_repeated_failures_lock_the_account(client, app):
    user = make_organiser()
    for _ in range(4):
        sign_in(client, password="wrong password")
    locked = sign_in(client, password="wrong password")
    assert field_errors(locked)["password"] == accounts.REFUSED
    # Even the right password is refused while the lock lasts, with the answer an unknown
    # address gets (a locked account reveals nothing either).
    refused = sign_in(client)
    assert refused.status_code == 422
    assert field_errors(refused)["password"] == accounts.REFUSED
    db.session.refresh(user)
    assert user.locked_until is not None


def test_disabled_accounts_cannot_sign_in(client, app):
    user = make_organiser()
    user.active = False
    db.session.commit()
    response = sign_in(client)
    assert "This account has been disabled" in field_errors(response)["password"]


@pytest.mark.settings(SIGN_IN_LIMIT="3 per minute")
def test_one_address_is_slowed_down(client, app):
    make_organiser()
    for _ in range(3):
        assert sign_in(client, password="wrong password").status_code == 422
    response = sign_in(client)
    assert response.status_code == 429
    assert "Please wait a minute, then try again." in response.get_data(as_text=True)


@pytest.mark.parametrize("target,expected", [
    ("/admin/speakers", "/admin/speakers"),
    ("https://evil.example/", "/admin/"),
    ("//evil.example/", "/admin/"),
    ("/\\evil.example", "/admin/"),
    ("javascript:alert(1)", "/admin/"),
])
def test_next_only_leads_to_our_own_pages(client, app, target, expected):
    make_organiser()
    response = sign_in(client, next=target)
    assert response.headers["Location"] == expected


def test_remember_me_and_cookie_flags(client, app):
    make_organiser()
    response = sign_in(client, remember="y")
    cookies = response.headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith("session="))
    remember = next(c for c in cookies if c.startswith("remember_token="))
    for cookie in (session, remember):
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert "Secure" not in cookie  # the test site is served over http


@pytest.mark.settings(SITE_URL="https://events.example", SESSION_COOKIE_SECURE=True,
                      REMEMBER_COOKIE_SECURE=True)
def test_cookies_are_secure_over_https(client, app):
    make_organiser()
    cookies = sign_in(client, remember="y").headers.getlist("Set-Cookie")
    assert all("Secure" in cookie for cookie in cookies)


def test_https_site_url_makes_cookies_secure():
    from eventsite.config import Config

    config = Config({"SITE_URL": "https://events.example"})
    assert config.SESSION_COOKIE_SECURE and config.REMEMBER_COOKIE_SECURE


def test_posts_without_a_csrf_token_are_refused(client, app):
    make_organiser()
    response = client.post("/auth/sign-in", data={"email": "ada@example.org",
                                                  "password": PASSWORD})
    assert response.status_code == 400
    sign_in(client)
    response = client.post("/admin/events/new", data={"title": "No token"})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)


def admin_urls(app):
    """Every rule under /admin, with its arguments filled in."""
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin"):
            continue
        values = {}
        for name, converter in rule._converters.items():
            if isinstance(converter, IntegerConverter):
                values[name] = 1
            elif isinstance(converter, AnyConverter):
                values[name] = re.search(r"\(\?:([^|)]+)", converter.regex).group(1)
            else:
                values[name] = "x"
        with app.test_request_context():
            from flask import url_for

            yield url_for(rule.endpoint, **values), rule.methods


def test_every_admin_page_sends_visitors_to_sign_in(client, app):
    make_organiser()
    token = csrf_token(client)  # a visitor's valid token: the refusal must not be CSRF's
    urls = list(admin_urls(app))
    assert len(urls) >= 10
    for url, methods in urls:
        for method in {"GET", "POST"} & methods:
            response = client.open(url, method=method, data={"csrf_token": token})
            assert response.status_code == 302, (method, url)
            assert response.headers["Location"].startswith("/auth/sign-in?next="), url
            assert b"<table" not in response.data


def test_only_administrators_manage_organisers(client, app):
    make_organiser(is_admin=False)
    sign_in(client)
    assert client.get("/admin/organisers").status_code == 403


def test_administrator_adds_and_disables_an_organiser(client, app):
    make_organiser(is_admin=True)
    sign_in(client)
    token = csrf_token(client, "/admin/organisers")
    response = client.post("/admin/organisers", data={
        "csrf_token": token, "email": "Bo@Example.org", "name": "Bo", "password": "short"})
    assert field_errors(response) == {"password": "Password must be at least 10 characters"}
    response = client.post("/admin/organisers", data={
        "csrf_token": token, "email": "Bo@Example.org", "name": "Bo", "password": PASSWORD})
    assert response.status_code == 302
    bo = db.session.scalar(db.select(User).where(User.email == "bo@example.org"))
    client.post(f"/admin/organisers/{bo.id}/disable", data={"csrf_token": token})
    db.session.refresh(bo)
    assert bo.active is False
    token = csrf_token(client, "/admin/")
    client.post("/auth/sign-out", data={"csrf_token": token})
    assert "disabled" in field_errors(sign_in(client, "bo@example.org"))["password"]


def test_create_organiser_command(runner):
    result = runner.invoke(args=["create-organiser", "Chair@Example.org", "--name", "Chair",
                                 "--admin", "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "Created administrator Chair <chair@example.org>." in result.output
    again = runner.invoke(args=["create-organiser", "chair@example.org", "--name", "C",
                                "--password-stdin"], input=PASSWORD + "\n")
    assert again.exit_code != 0 and "chair@example.org already has an account" in again.output
    bad = runner.invoke(args=["create-organiser", "not-an-address", "--name", "X",
                              "--password-stdin"], input="short\n")
    assert bad.exit_code != 0
    assert "email:" in bad.output and "password: must be at least 10 characters" in bad.output


def test_two_app_instances_share_counters_through_redis(database_url, tmp_path):
    """With RATELIMIT_STORAGE_URI set to Redis, the limit holds across instances."""
    import uuid

    from tests.conftest import make_app

    settings = {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
                "RATELIMIT_KEY_PREFIX": f"eventsite-test-{uuid.uuid4().hex}",
                "SIGN_IN_LIMIT": "3 per minute", "UPLOAD_FOLDER": str(tmp_path)}
    first, second = make_app(database_url, **settings), make_app(database_url, **settings)
    with first.app_context():
        db.create_all()
    statuses = []
    for instance in (first, second, first, second):
        with instance.app_context():
            client = instance.test_client()
            statuses.append(sign_in(client, password="wrong password").status_code)
    for instance in (first, second):
        with instance.app_context():
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()
    assert statuses == [422, 422, 422, 429]
