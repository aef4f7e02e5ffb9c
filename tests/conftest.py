"""Fixtures: an app on a real database (SQLite by default, TEST_DATABASE_URL for PostgreSQL),
a test client, a CLI runner, and a live server plus Chromium for the browser tests."""

from __future__ import annotations

import os
import shutil
import threading
import zoneinfo
from contextlib import contextmanager

import pytest
from sqlalchemy import MetaData, create_engine, text
from werkzeug.serving import make_server

from eventsite import create_app
from eventsite.config import TestConfig
from eventsite.extensions import db

CHROMIUM = "/usr/bin/chromium"

# zoneinfo is the tests' oracle (and icalendar's zone provider when it parses): it must read
# the same IANA release as pytz. The system's copy may be older, and rules do change (Cuba's and
# Morocco's did in 2026); the `tzdata` package tracks releases as pytz does.
zoneinfo.reset_tzpath(to=[])


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """PostgreSQL when TEST_DATABASE_URL says so (an unreachable server fails the run),
    emptied of whatever an earlier run left; otherwise a new SQLite file."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'eventsite-test.sqlite3'}"
    engine = create_engine(url)
    with engine.begin() as connection:
        existing = MetaData()
        existing.reflect(connection)
        existing.drop_all(connection)
    engine.dispose()
    return url


def make_app(database_url: str, **settings):
    config = TestConfig(database_url)
    for key, value in settings.items():
        setattr(config, key, value)
    return create_app(config)


def empty_all_tables() -> None:
    """Delete every row but the site's change counter, which always exists."""
    for table in reversed(db.metadata.sorted_tables):
        if table.name != "site_state":
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def app(database_url, request, tmp_path):
    """A fresh app with the schema in place and every table empty."""
    marker = request.node.get_closest_marker("settings")
    settings = {"UPLOAD_FOLDER": str(tmp_path / "uploads"), **(marker.kwargs if marker else {})}
    application = make_app(database_url, **settings)
    with application.app_context():
        db.create_all()
        empty_all_tables()
        yield application
        db.session.rollback()
        empty_all_tables()
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def is_postgres(database_url) -> bool:
    return database_url.startswith("postgresql")


def reset_schema() -> None:
    """Drop every table, Alembic's version table included."""
    db.drop_all()
    db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.session.commit()


# --- the browser ------------------------------------------------------------------------------

def pytest_configure(config):
    config.addinivalue_line("markers", "settings(**kw): app settings for this test")


def pytest_collection_modifyitems(config, items):
    if shutil.which(CHROMIUM) or os.path.exists(CHROMIUM):
        return
    if os.environ.get("REQUIRE_BROWSER") == "1":
        for item in items:
            if "browser" in item.keywords:
                item.add_marker(pytest.mark.xfail(
                    reason=f"REQUIRE_BROWSER=1 but {CHROMIUM} is missing", strict=True,
                    run=False))
        raise pytest.UsageError(f"REQUIRE_BROWSER=1 but there is no Chromium at {CHROMIUM}")
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, as ../shared/TESTING.md describes (Playwright's download can't run)."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"],
    }


@pytest.fixture
def live_server(app):
    """The app served over real HTTP on a free localhost port, in a thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


# --- a real SMTP server -----------------------------------------------------------------------

class MailSink:
    """Collects what an aiosmtpd server receives, parsed."""

    def __init__(self):
        self.received = []
        self.peers = []  # the client's (address, port) for each message: one per connection
        self.refused: set[str] = set()  # addresses answered "550"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refused:
            return "550 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        from email import message_from_bytes, policy

        self.received.append(message_from_bytes(envelope.content, policy=policy.default))
        self.peers.append(session.peer)
        return "250 OK"


class Inbox:
    """What a test reads of the SMTP server. Web requests only write to the outbox and the mail
    worker delivers; so reading first runs one pass of the worker (`deliver`, the function
    `flask send-mail` runs), as `send-mail --watch` would within seconds."""

    def __init__(self, sink: MailSink, deliver=None):
        self.sink, self.deliver = sink, deliver
        self.peers, self.refused = sink.peers, sink.refused

    @property
    def messages(self) -> list:
        if self.deliver:
            self.deliver()
        return self.sink.received

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def smtp_server(port: int, deliver=None):
    from aiosmtpd.controller import Controller

    sink = MailSink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield Inbox(sink, deliver)
    finally:
        controller.stop()


@pytest.fixture
def smtp(app):
    """A real SMTP server on localhost that the app delivers to (through the mail worker's
    delivery pass, run when the test reads the inbox)."""
    from eventsite.services.mail import deliver_pending

    port = free_port()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False,
                      MAIL_TIMEOUT=5)
    with smtp_server(port, deliver=lambda: deliver_pending(limit=1000)) as sink:
        yield sink


# --- registrants-only links reach only people with a seat ------------------------------------

def private_link_leaks() -> list[str]:
    """Every outbox message that holds a registrants-only link although its recipient held
    no seat when it was written (by the registration's own confirmed/cancelled stamps)."""
    from email import message_from_bytes, policy

    from flask import current_app

    from eventsite.models import LocationVisibility, OutboxMessage, Registration
    from eventsite.services import mail

    leaks = []
    personal = current_app.config["PERSONAL_JOIN_LINKS"]
    db.session.expire_all()
    by_address: dict[str, list] = {}
    for registration in db.session.scalars(db.select(Registration)):
        by_address.setdefault(registration.email, []).append(registration)
    for stored in db.session.scalars(db.select(OutboxMessage)):
        message = message_from_bytes(mail.message_bytes(stored), policy=policy.default)
        text = "".join(str(part.get_content()) for part in message.walk()
                       if not part.is_multipart())
        text = text.replace("\r\n ", "").replace("\n ", "")  # unfold calendar lines
        for registration in by_address.get(stored.recipient, []):
            private = [loc.url for loc in registration.event.locations
                       if loc.visibility is LocationVisibility.REGISTRANTS and loc.url]
            seated = (registration.confirmed_at is not None
                      and registration.confirmed_at <= stored.created_at
                      and (registration.cancelled_at is None
                           or registration.cancelled_at > stored.created_at))
            if not seated and any(url in text for url in private):
                leaks.append(f"{stored.subject!r} to {stored.recipient} "
                             f"({registration.status.value})")
            elif personal and any(url in text for url in private):
                # With personal join links on, nobody is given the room's address itself.
                leaks.append(f"{stored.subject!r} to {stored.recipient} holds the raw link")
    return leaks


@pytest.fixture
def private_links_audited(app):
    """After the test: no message it wrote gave a registrants-only link to someone seatless."""
    yield
    assert private_link_leaks() == []
