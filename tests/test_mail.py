"""The mail worker: per-message claims, nothing delivered inside a web request, the long-running
worker, `--now`, stable Message-IDs, and an organiser's message queued with its progress.
A real SMTP server (aiosmtpd), real `flask send-mail` processes."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from eventsite.extensions import db
from eventsite.models import OutboxMessage, OutboxStatus
from eventsite.services import events as event_service
from eventsite.services import mail, registrations
from tests.conftest import MailSink, free_port
from tests.factories import make_organiser
from tests.test_public import page_text
from tests.test_registration import registration_of, sign_up, webinar
from tests.web import csrf_token, sign_in

ROOT = Path(__file__).resolve().parent.parent


class SlowSink(MailSink):
    """An SMTP server that takes `delay` seconds to accept each message."""

    def __init__(self, delay: float):
        super().__init__()
        self.delay = delay

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)


def _serve(sink: MailSink, port: int):
    from aiosmtpd.controller import Controller

    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    return controller


def _flask(app, *args, **env) -> subprocess.Popen:
    environ = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
               "SITE_URL": app.config["SITE_URL"], "MAIL_USE_TLS": "0", **env}
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT,
                            env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def _queue(app, count: int) -> None:
    for n in range(count):
        mail.queue_message(f"p{n}@example.org", f"Note {n}", "Hello.")
    db.session.commit()


def test_overlapping_runs_longer_than_a_claim_deliver_each_message_once(app):
    """A claim runs from when its message is taken, not from the start of the run: a second
    run starting while the first is still busy never takes a message the first holds."""
    port = free_port()
    sink = SlowSink(delay=0.5)
    controller = _serve(sink, port)
    _queue(app, 8)
    env = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(port), "MAIL_CLAIM_SECONDS": "1.5"}
    try:
        first = _flask(app, "send-mail", **env)
        time.sleep(2.5)  # the first run is now well past one claim's length since it started
        second = _flask(app, "send-mail", **env)
        outputs = [process.communicate(timeout=60)[0] for process in (first, second)]
    finally:
        controller.stop()
    ids = Counter(message["Message-ID"] for message in sink.received)
    assert len(ids) == 8 and set(ids.values()) == {1}, outputs
    assert db.session.scalar(db.select(db.func.count()).where(
        OutboxMessage.status == OutboxStatus.SENT)) == 8


def test_a_sign_up_never_waits_for_the_mail_server(client, app):
    """A server that accepts the connection and then says nothing used to hold the request for
    MAIL_TIMEOUT; now the request only writes the outbox."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(5)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=silent.getsockname()[1],
                      MAIL_USE_TLS=False, MAIL_TIMEOUT=5)
    event = webinar()
    try:
        started = time.monotonic()
        assert sign_up(client, event).status_code == 302
        elapsed = time.monotonic() - started
    finally:
        silent.close()
    assert elapsed < 2
    (queued,) = db.session.scalars(db.select(OutboxMessage))
    assert queued.status is OutboxStatus.PENDING and queued.attempts == 0


def test_message_to_registrants_is_queued_and_shows_progress(client, app, smtp):
    event = webinar()
    for n in range(4):
        sign_up(client, event, email=f"p{n}@example.org", name=f"Person {n}")
    before = len(smtp.messages)  # the sign-up confirmations go out first
    smtp.refused.add("p3@example.org")
    make_organiser()
    sign_in(client)
    page = f"/admin/events/{event.id}/registrations"
    response = client.post(f"/admin/events/{event.id}/message", data={
        "csrf_token": csrf_token(client, page), "subject": "Slides", "body": "Online now."},
        follow_redirects=True)
    text = page_text(response)
    assert "queued for 4 registrants" in text
    assert "Slides" in text and "0 of 4" in text  # nothing delivered inside the request
    assert len(smtp.sink.received) == before
    assert len(smtp.messages) == before + 3  # the worker's pass
    text = page_text(client.get(page))
    assert "Slides" in text and "3 of 4" in text


def test_a_message_keeps_its_message_id_through_retries(client, app, smtp):
    event = webinar()
    smtp.refused.add("ana@example.org")
    sign_up(client, event)
    sign_up(client, event, email="bo@example.org", name="Bo")
    assert [m["To"] for m in smtp.messages] == ["bo@example.org"]
    row = db.session.scalar(db.select(OutboxMessage).where(
        OutboxMessage.recipient == "ana@example.org"))
    assert row.attempts == 1 and row.status is OutboxStatus.PENDING
    smtp.refused.clear()
    mail.retry_now()
    (delivered,) = smtp.to("ana@example.org")
    stored = row.message.split(b"Message-ID: ")[1].split(b"\r\n")[0].decode()
    assert delivered["Message-ID"] == stored
    assert stored != smtp.to("bo@example.org")[0]["Message-ID"]


def test_the_watching_worker_delivers_within_seconds_and_stops_on_sigterm(client, app):
    port = free_port()
    sink = MailSink()
    controller = _serve(sink, port)
    worker = _flask(app, "send-mail", "--watch", "--interval", "0.2", "--max-seconds", "60",
                    MAIL_SERVER="127.0.0.1", MAIL_PORT=str(port))
    try:
        time.sleep(1)  # the worker is up and idle
        sign_up(client, webinar())
        deadline = time.monotonic() + 20
        while not sink.received and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [m["To"] for m in sink.received] == ["ana@example.org"]
        worker.send_signal(signal.SIGTERM)
        output = worker.communicate(timeout=20)[0]
    finally:
        worker.kill()
        controller.stop()
    assert worker.returncode == 0, output
    assert "Stopped: 1 sent, 0 failed" in output


def _database_flaps(url: str, times: int, down: float, up: float) -> None:
    """Take the test database away `times` times (refusing connections and dropping those
    open) for `down` seconds, back for `up`: what the deployment check does, repeated."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            for _ in range(times):
                connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
                connection.execute(text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"))
                time.sleep(down)
                connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
                time.sleep(up)
    finally:
        admin.dispose()


def test_the_watching_worker_delivers_everything_once_through_database_outages(app,
                                                                              is_postgres):
    """The database going away while messages are being taken and sent leaves none of them
    held (by a claim nobody will finish) or sent twice: the worker carries on when it comes
    back, within seconds, not after a claim runs out."""
    if not is_postgres:
        pytest.skip("taking the database away is a PostgreSQL operation")
    from eventsite.services import registrations

    port = free_port()
    sink = SlowSink(delay=0.005)
    controller = _serve(sink, port)
    event = webinar(capacity=50)  # 100 sign-ups' messages, composed by the worker when taken
    for n in range(20, 120):
        registrations.register(event, registrations.SignUp(f"P {n}", f"p{n}@example.org",
                                                           consent=True))
    _queue(app, 20)  # and 20 written whole
    assert db.session.scalar(db.select(db.func.count()).where(
        OutboxMessage.message.is_(None))) == 100
    db.session.remove()
    worker = _flask(app, "send-mail", "--watch", "--interval", "0.2", "--max-seconds", "90",
                    MAIL_SERVER="127.0.0.1", MAIL_PORT=str(port), MAIL_CLAIM_SECONDS="300")
    try:
        deadline = time.monotonic() + 20
        while len(sink.received) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        _database_flaps(app.config["SQLALCHEMY_DATABASE_URI"], times=6, down=0.3, up=0.7)
        deadline = time.monotonic() + 40
        while len(sink.received) < 120 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert worker.poll() is None, "the worker stopped"
    finally:
        worker.send_signal(signal.SIGTERM)
        output = worker.communicate(timeout=30)[0]
        controller.stop()
    counts = Counter(message["To"] for message in sink.received)
    assert len(counts) == 120 and set(counts.values()) == {1}, output[-3000:]
    for engine in db.engines.values():
        engine.dispose()
    assert db.session.scalar(db.select(db.func.count()).where(
        OutboxMessage.status == OutboxStatus.SENT)) == 120


# --- messages written as "what to send", composed by the worker ------------------------------

def _content(raw: bytes) -> list:
    """A message's headers and parts, as read (its MIME boundaries are drawn at random)."""
    message = message_from_bytes(raw, policy=policy.default)
    headers = sorted(item for item in message.items() if item[0] != "Content-Type")
    return [headers] + [(part.get_content_type(), part.get_content())
                        for part in message.walk() if not part.is_multipart()]


def test_a_message_composed_by_the_worker_says_what_it_said_when_written(client, app, smtp):
    """A sign-up writes only what to send; when the worker composes it, after the person has
    cancelled and the event has moved, it still says what it would have said then: the seat
    and its join link, the invitation at the old time."""
    event = webinar()
    sign_up(client, event)
    (row,) = db.session.scalars(db.select(OutboxMessage))
    assert row.message is None and row.kind == "registration"
    as_written = mail.message_bytes(row)  # composed as at sign-up (not kept)
    ana = registration_of("ana@example.org")
    (join,) = registrations.join_links(ana)
    registrations.cancel(ana)
    moved = event.starts_local + timedelta(hours=1)
    event_service.update_event(event, event_service.event_input_from(
        event, starts_local=moved, ends_local=moved + timedelta(hours=2)))
    first, *later = smtp.to("ana@example.org")
    assert first["Subject"] == "You are registered: Korea webinar"
    db.session.expire_all()
    assert _content(db.session.get(OutboxMessage, row.id).message) == _content(as_written)
    words = "".join(str(content) for _, content in _content(as_written)[1:])
    assert join.url in words and "METHOD:REQUEST" in words
    assert [m["Subject"] for m in later] == ["Cancelled: Korea webinar"]


def test_messages_composed_by_several_workers_at_once_go_once_each(app):
    """Four `flask send-mail` runs at once over 30 uncomposed sign-up messages: each is
    composed and delivered exactly once, with one Message-ID of its own."""
    event = webinar(capacity=10)
    for n in range(30):
        registrations.register(event, registrations.SignUp(f"Person {n}", f"p{n}@example.org",
                                                           consent=True))
    assert db.session.scalar(db.select(db.func.count()).where(
        OutboxMessage.message.is_(None))) == 30
    port = free_port()
    sink = SlowSink(delay=0.05)
    controller = _serve(sink, port)
    env = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(port)}
    try:
        workers = [_flask(app, "send-mail", **env) for _ in range(4)]
        outputs = [process.communicate(timeout=120)[0] for process in workers]
    finally:
        controller.stop()
    assert sorted(m["To"] for m in sink.received) == sorted(
        f"p{n}@example.org" for n in range(30)), outputs
    assert len({m["Message-ID"] for m in sink.received}) == 30
    subjects = Counter(m["Subject"].split(":")[0] for m in sink.received)
    assert subjects == {"You are registered": 10, "On the waitlist": 20}
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).where(
        OutboxMessage.status == OutboxStatus.SENT)) == 30


def test_a_message_that_cannot_be_composed_waits_with_the_error_and_is_retried(
        client, app, smtp):
    """Composition fails (here: what to send names a state no registration has): that message
    stays pending with the error and a later attempt; the others go; once the cause is
    mended, `--now` and the next pass deliver it, once."""
    event = webinar()
    sign_up(client, event)
    sign_up(client, event, email="bo@example.org", name="Bo")
    broken = db.session.scalar(db.select(OutboxMessage).where(
        OutboxMessage.recipient == "ana@example.org"))
    good_params = dict(broken.params)
    db.session.execute(db.update(OutboxMessage).where(OutboxMessage.id == broken.id)
                       .values(params={**good_params, "status": "no-such-state"}))
    db.session.commit()
    assert [m["To"] for m in smtp.messages] == ["bo@example.org"]
    db.session.expire_all()
    waiting = db.session.get(OutboxMessage, broken.id)
    assert waiting.status is OutboxStatus.PENDING and waiting.message is None
    assert waiting.attempts == 1 and waiting.claimed_until is None
    assert waiting.last_error.startswith("composing: ValueError")
    assert waiting.next_attempt_at > datetime.now(UTC).replace(tzinfo=None)
    assert mail.deliver_pending() == (0, 0)  # not due yet
    waiting.params = good_params
    db.session.commit()
    mail.retry_now()
    assert [m["Subject"] for m in smtp.to("ana@example.org")] == [
        "You are registered: Korea webinar"]
    assert len(smtp.messages) == 2
