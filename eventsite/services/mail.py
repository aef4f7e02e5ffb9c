"""The outbox: messages are written in the same transaction as what caused them, and delivered
afterwards over SMTP (or into instance/outbox/ as .eml files when no server is configured).

A message is never lost because the mail server was down: a failed delivery stays in the
outbox and is retried with back-off by the mail worker (`flask send-mail --watch`, or
`flask send-mail` from cron). Web requests only write to the outbox; they never wait on SMTP.
"""

from __future__ import annotations

import smtplib
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from pathlib import Path

from flask import current_app
from sqlalchemy import func, or_, update
from sqlalchemy.exc import SQLAlchemyError

from eventsite.domain.timezones import utcnow
from eventsite.extensions import db
from eventsite.models import Broadcast, OutboxMessage, OutboxStatus

BACK_OFF = [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
            timedelta(hours=2), timedelta(hours=6), timedelta(hours=12)]
MAX_ATTEMPTS = 10


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str
    subtype: str
    params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Content:
    """A message's words and attachments, as a composer gives them."""
    text: str
    html: str | None = None
    attachments: tuple[Attachment, ...] = ()
    answer_to: str = ""
    sender_name: str = ""


# Composers of messages written as "what to send" (queue_later), by their kind: the mail
# worker calls them when it first takes such a message. services/registrations.py adds its own.
COMPOSERS: dict[str, Callable[[OutboxMessage], Content]] = {}


def queue_message(recipient: str, subject: str, text: str, html: str | None = None,
                  attachments: tuple[Attachment, ...] = (), answer_to: str = "",
                  sender_name: str = "") -> OutboxMessage:
    """Add a message, composed now, to the outbox in the current transaction (the caller
    commits)."""
    content = Content(text, html, attachments, answer_to, sender_name)
    row = OutboxMessage(recipient=recipient, subject=subject, message=_build(
        recipient, subject, content, utcnow(),
        make_msgid(domain=current_app.config["MAIL_DOMAIN"])))
    db.session.add(row)
    return row


def queue_later(recipient: str, subject: str, kind: str, params: dict,
                **about) -> OutboxMessage:
    """Add to the outbox, in the current transaction, what to send: `kind` and `params`
    (with `about`, e.g. registration=...), composed by COMPOSERS[kind] when the mail worker
    takes it. A web request then pays for one row, not for rendering a message."""
    row = OutboxMessage(recipient=recipient, subject=subject, kind=kind, params=params, **about)
    db.session.add(row)
    return row


def message_bytes(row: OutboxMessage) -> bytes:
    """The message as it is (or will be) sent: composed now if the worker has not done so.
    Its Date is when it was written and its Message-ID follows from the row, so composing
    it again gives the same message."""
    if row.message is not None:
        return row.message
    domain = current_app.config["MAIL_DOMAIN"]
    message_id = f"<{row.created_at:%Y%m%d%H%M%S.%f}.{row.id}.outbox@{domain}>"
    return _build(row.recipient, row.subject, COMPOSERS[row.kind](row), row.created_at,
                  message_id)


def compose_now(ids: list[int]) -> None:
    """Compose these messages now, in the current transaction (the caller commits), unless
    the mail worker has meanwhile. One that cannot be composed is left to the worker, which
    records why and retries."""
    for row in db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.id.in_(ids))):
        try:
            content = message_bytes(row)
        except Exception:  # noqa: BLE001 - the worker will record the error and retry
            current_app.logger.exception("outbox message %s could not be composed", row.id)
            continue
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id, OutboxMessage.message.is_(None))
            .values(message=content).execution_options(synchronize_session=False))
        db.session.expire(row)


def _build(recipient: str, subject: str, content: Content, written: datetime,
           message_id: str) -> bytes:
    """The RFC 5322 message.

    A text/calendar attachment is the message's invitation (or cancellation), sent as Gmail
    and Outlook send theirs: multipart/mixed of multipart/alternative (the text, the HTML and
    the calendar part with its METHOD, where Outlook looks for it) and a copy of the file
    attached as application/ics, which other programs offer to open. Replies go to
    `answer_to` (an organiser writing to registrants), else MAIL_REPLY_TO, the organiser's
    address; `sender_name` shows who wrote it ('Ada via eventsite')."""
    config = current_app.config
    message = EmailMessage()
    sender = config["MAIL_FROM"]
    if content.sender_name:
        address = parseaddr(sender)[1]
        sender = formataddr((f"{content.sender_name} via {config['SITE_NAME']}", address))
    message["From"] = sender
    message["To"] = recipient
    if content.answer_to or reply_to():
        message["Reply-To"] = content.answer_to or reply_to()
    message["Subject"] = subject
    message["Date"] = format_datetime(written.replace(tzinfo=UTC))
    message["Message-ID"] = message_id
    message.set_content(content.text)
    if content.html:
        message.add_alternative(content.html, subtype="html")
    attachments = content.attachments
    invitations = [a for a in attachments if (a.maintype, a.subtype) == ("text", "calendar")]
    for invitation in invitations:
        message.add_alternative(invitation.content, maintype="text", subtype="calendar",
                                params=dict(invitation.params))
    for attachment in attachments:
        if attachment in invitations:
            attachment = Attachment(attachment.filename, attachment.content, "application", "ics")
        message.add_attachment(attachment.content, maintype=attachment.maintype,
                               subtype=attachment.subtype, filename=attachment.filename,
                               params=dict(attachment.params))
    # CRLF line ends, as SMTP wants them: smtplib sends bytes exactly as given.
    return message.as_bytes(policy=policy.SMTP)


def organizer_address() -> str:
    """The organiser's address: ORGANIZER_EMAIL, else the address mail is sent from."""
    config = current_app.config
    return config["ORGANIZER_EMAIL"] or parseaddr(config["MAIL_FROM"])[1] or \
        f"events@{config['MAIL_DOMAIN']}"


def reply_to() -> str:
    """Where replies to the site's messages go: MAIL_REPLY_TO, else the organiser's address."""
    return current_app.config.get("MAIL_REPLY_TO") or organizer_address()


def deliver_pending(limit: int = 200, ids: list[int] | None = None) -> tuple[int, int]:
    """Send what is due (or just `ids`). Returns (sent, failed this time).

    Each message is claimed on its own just before it is sent, its claim running from that
    moment: however long a run lasts, an overlapping run never takes a message this one holds,
    and a message whose sender died is free again MAIL_CLAIM_SECONDS after it was taken.
    """
    query = db.select(OutboxMessage.id).where(
        OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= utcnow())
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(ids))
    due = list(db.session.scalars(query.order_by(OutboxMessage.id).limit(limit)))
    db.session.commit()  # end the read: claims and outcomes are short transactions of their own
    sent = failed = 0
    with _Transport(current_app.config) as transport:
        for message_id in due:
            claimed = _claim(message_id)
            if claimed is None:
                continue  # another sender has it, or it was sent meanwhile
            if claimed.message is None:
                claimed = _compose(claimed)
                if claimed is None:
                    failed += 1
                    continue
            if _deliver(claimed, transport):
                sent += 1
            else:
                failed += 1
    return sent, failed


@dataclass(frozen=True)
class _Claimed:
    """A message taken for sending: what the claim returned, all that sending needs."""
    id: int
    recipient: str
    message: bytes | None  # None: written as "what to send", composed once taken
    attempts: int
    claim: datetime  # the claim's expiry, which also identifies it


def _compose(claimed: _Claimed) -> _Claimed | None:
    """Compose a claimed message written as "what to send", and keep it (so every attempt
    sends the same bytes). A composition that fails leaves the message pending with the
    error, retried with back-off like a delivery: nothing is lost to a bad template."""
    try:
        content = message_bytes(db.session.get(OutboxMessage, claimed.id))
    except SQLAlchemyError:
        # The database went away: not the message's fault. Give it back as soon as the
        # database answers (no attempt counted, no back-off), and let the run stop here.
        db.session.rollback()
        _record(claimed.id, claimed.claim, {"claimed_until": None})
        raise
    except Exception as error:  # noqa: BLE001 - whatever went wrong, the message must wait
        db.session.rollback()
        current_app.logger.exception("outbox message %s could not be composed", claimed.id)
        _record(claimed.id, claimed.claim,
                _failure(claimed.attempts, f"composing: {type(error).__name__}: {error}"))
        return None
    if not _record(claimed.id, claimed.claim, {"message": content}):
        return None  # its claim ran out meanwhile: another sender has it now
    return replace(claimed, message=content)


def _failure(attempts: int, error: str) -> dict:
    """What a failed attempt records: the error, and when to try again (or that it failed)."""
    values: dict = {"claimed_until": None, "attempts": OutboxMessage.attempts + 1,
                    "last_error": error[:2000]}
    if attempts + 1 >= MAX_ATTEMPTS:
        values["status"] = OutboxStatus.FAILED
    else:
        values["next_attempt_at"] = utcnow() + BACK_OFF[min(attempts + 1, len(BACK_OFF)) - 1]
    return values


def _deliver(row: _Claimed, transport: _Transport) -> bool:
    """Send one claimed message and record how it went; False if it is to be retried."""
    try:
        transport.send(row)
    except (OSError, smtplib.SMTPException) as error:
        values = _failure(row.attempts, f"{type(error).__name__}: {error}")
        delivered = False
    else:
        values = {"claimed_until": None, "attempts": OutboxMessage.attempts + 1,
                  "status": OutboxStatus.SENT, "sent_at": utcnow()}
        delivered = True
    # Recorded only while it is still ours and still pending: a sender whose claim ran out
    # (it hung past MAIL_CLAIM_SECONDS) does not overwrite what the next sender recorded.
    if not _record(row.id, row.claim, values):
        current_app.logger.warning("outbox message %s: its claim ran out while it was being "
                                   "sent; another sender's outcome stands", row.id)
    return delivered


def _record(message_id: int, claim: datetime, values: dict) -> int:
    """Write a delivery's outcome. A database that went away just after the message left is
    waited for (up to half a claim, at most a minute): an outcome not written would leave the
    message to be sent again when its claim runs out."""
    give_up = time.monotonic() + min(current_app.config["MAIL_CLAIM_SECONDS"] / 2, 60)
    while True:
        try:
            result = db.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id,
                       OutboxMessage.status == OutboxStatus.PENDING,
                       OutboxMessage.claimed_until == claim)
                .values(values).execution_options(synchronize_session=False))
            db.session.commit()
            return result.rowcount
        except SQLAlchemyError:
            db.session.rollback()
            if time.monotonic() > give_up:
                raise
            current_app.logger.warning("outbox message %s was sent; waiting for the database "
                                       "to record it", message_id)
            time.sleep(1)


def _claim(message_id: int) -> _Claimed | None:
    """Take a message for sending, unless another process holds it: one conditional UPDATE
    that also returns the message. Nothing else is read between taking a message and sending
    it, so a database that goes away in between cannot leave a message taken but unsent (held
    until its claim ran out)."""
    now = utcnow()
    until = now + timedelta(seconds=current_app.config["MAIL_CLAIM_SECONDS"])
    taken = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.PENDING,
               OutboxMessage.next_attempt_at <= now,
               or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now))
        .values(claimed_until=until)
        .returning(OutboxMessage.id, OutboxMessage.recipient, OutboxMessage.message,
                   OutboxMessage.attempts)
        .execution_options(synchronize_session=False)).one_or_none()
    db.session.commit()
    return None if taken is None else _Claimed(*taken, claim=until)


def retry_now() -> int:
    """Make every message waiting out its back-off due at once (after an outage is over)."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING,
               OutboxMessage.next_attempt_at > utcnow())
        .values(next_attempt_at=utcnow()).execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount


@dataclass(frozen=True)
class Backlog:
    pending: int
    oldest: datetime | None  # when the oldest message still waiting was written


def backlog() -> Backlog:
    """How much mail is waiting, and since when (for /healthz and the worker's log)."""
    count, oldest = db.session.execute(
        db.select(func.count(OutboxMessage.id), func.min(OutboxMessage.created_at))
        .where(OutboxMessage.status == OutboxStatus.PENDING)).one()
    return Backlog(count, oldest)


def watch(stop: threading.Event, interval: float = 2.0, limit: int = 200,
          max_seconds: float | None = None) -> tuple[int, int]:
    """Deliver as messages fall due until `stop` is set (or `max_seconds` pass): the
    long-running worker. A database or mail server that is away is waited out, not fatal."""
    deadline = None if max_seconds is None else time.monotonic() + max_seconds
    sent = failed = 0
    pause = interval
    while not stop.is_set() and (deadline is None or time.monotonic() < deadline):
        try:
            run_sent, run_failed = deliver_pending(limit=limit)
        except Exception as error:  # noqa: BLE001 — the worker outlives whatever went wrong
            if isinstance(error, SQLAlchemyError):
                current_app.logger.warning("send-mail: database unavailable (%s); retrying "
                                           "in %.0f s", type(error).__name__, pause)
            else:
                current_app.logger.exception("send-mail: a run failed; retrying in %.0f s",
                                             pause)
            _forget_the_session()
            stop.wait(pause)
            pause = min(pause * 2, 10)
            continue
        pause = interval
        sent, failed = sent + run_sent, failed + run_failed
        if run_sent + run_failed < limit:  # caught up: wait for more
            stop.wait(interval)
    return sent, failed


def _forget_the_session() -> None:
    """After a failed run: drop the session's transaction and connection, whatever state the
    connection was left in (a rollback on a connection the server dropped can fail too)."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001
        current_app.logger.warning("send-mail: the failed run's rollback failed too")
    db.session.remove()


# The server turned down this message (its address, sender or content); the session stays up.
_REFUSED = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


class _Transport:
    """Where a run of deliveries goes: one SMTP session for the whole run (a message to every
    registrant of a webinar is hundreds of messages; each need not cost a TLS handshake and a
    login), opened at the first message and again after any failure. Without MAIL_SERVER,
    .eml files in MAIL_OUTBOX_FOLDER."""

    def __init__(self, config):
        self.config = config
        self.client: smtplib.SMTP | None = None

    def __enter__(self) -> _Transport:
        return self

    def __exit__(self, *exc_info) -> None:
        self._close()

    def send(self, row: _Claimed) -> None:
        if not self.config["MAIL_SERVER"]:
            folder = Path(self.config["MAIL_OUTBOX_FOLDER"])
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{row.id:08d}.eml").write_bytes(row.message)
            return
        try:
            if self.client is None:
                self.client = self._connect()
            self.client.sendmail(self.config["MAIL_FROM"], [row.recipient], row.message)
        except _REFUSED:
            raise  # this message only: smtplib has reset the session for the next one
        except BaseException:
            self._close()  # whatever state the session is in, the next message starts afresh
            raise

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        context = ssl.create_default_context()
        if config["MAIL_USE_SSL"]:
            client = smtplib.SMTP_SSL(config["MAIL_SERVER"], config["MAIL_PORT"],
                                      timeout=config["MAIL_TIMEOUT"], context=context)
        else:
            client = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"],
                                  timeout=config["MAIL_TIMEOUT"])
        try:
            if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
                client.starttls(context=context)
            if config["MAIL_USERNAME"]:
                client.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        except BaseException:
            client.close()
            raise
        return client

    def _close(self) -> None:
        if self.client is not None:
            client, self.client = self.client, None
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()


def deliver_now(messages: list[OutboxMessage]) -> None:
    """With MAIL_SEND_IMMEDIATELY (development without a mail worker), try the messages just
    committed at once. Off by default: in production `flask send-mail --watch` delivers within
    seconds, and a web request never waits on a mail server."""
    if current_app.config["MAIL_SEND_IMMEDIATELY"] and messages:
        deliver_pending(ids=[message.id for message in messages])


def start_broadcast(event_id: int, subject: str) -> Broadcast:
    """A new message to an event's registrants (the caller adds its rows and commits)."""
    broadcast = Broadcast(event_id=event_id, subject=subject)
    db.session.add(broadcast)
    return broadcast


@dataclass(frozen=True)
class BroadcastProgress:
    broadcast: Broadcast
    sent: int
    waiting: int  # not yet delivered, including those waiting to retry
    failed: int


def broadcast_progress(event_id: int, limit: int = 10) -> list[BroadcastProgress]:
    """The latest messages to an event's registrants, newest first, with how far each got."""
    broadcasts = list(db.session.scalars(
        db.select(Broadcast).where(Broadcast.event_id == event_id)
        .order_by(Broadcast.id.desc()).limit(limit)))
    counts: dict[tuple[int, OutboxStatus], int] = {}
    if broadcasts:
        rows = db.session.execute(
            db.select(OutboxMessage.broadcast_id, OutboxMessage.status,
                      func.count(OutboxMessage.id))
            .where(OutboxMessage.broadcast_id.in_([b.id for b in broadcasts]))
            .group_by(OutboxMessage.broadcast_id, OutboxMessage.status))
        counts = {(broadcast_id, status): n for broadcast_id, status, n in rows}
    return [BroadcastProgress(b, counts.get((b.id, OutboxStatus.SENT), 0),
                              counts.get((b.id, OutboxStatus.PENDING), 0),
                              counts.get((b.id, OutboxStatus.FAILED), 0)) for b in broadcasts]
