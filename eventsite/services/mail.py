"""The outbox: messages are written in the same transaction as what caused them, and delivered
afterwards over SMTP (or into instance/outbox/ as .eml files when no server is configured).

A message is never lost because the mail server was down: a failed delivery stays in the
outbox and is retried with back-off by `flask send-mail`, which a deployment runs from cron.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import current_app
from sqlalchemy import or_, update

from eventsite.domain.timezones import utcnow
from eventsite.extensions import db
from eventsite.models import OutboxMessage, OutboxStatus

BACK_OFF = [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
            timedelta(hours=2), timedelta(hours=6), timedelta(hours=12)]
MAX_ATTEMPTS = 10
CLAIM_FOR = timedelta(minutes=5)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str
    subtype: str
    params: tuple[tuple[str, str], ...] = ()


def queue_message(recipient: str, subject: str, text: str, html: str | None = None,
                  attachments: tuple[Attachment, ...] = ()) -> OutboxMessage:
    """Add a message to the outbox in the current transaction (the caller commits)."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow().replace(tzinfo=UTC))
    message["Message-ID"] = make_msgid(domain=config["MAIL_DOMAIN"])
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    for attachment in attachments:
        message.add_attachment(attachment.content, maintype=attachment.maintype,
                               subtype=attachment.subtype, filename=attachment.filename,
                               params=dict(attachment.params))
    # CRLF line ends, as SMTP wants them: smtplib sends bytes exactly as given.
    row = OutboxMessage(recipient=recipient, subject=subject,
                        message=message.as_bytes(policy=policy.SMTP))
    db.session.add(row)
    return row


def deliver_pending(limit: int = 200, ids: list[int] | None = None) -> tuple[int, int]:
    """Send what is due (or just `ids`). Returns (sent, failed this time)."""
    now = utcnow()
    query = db.select(OutboxMessage.id).where(
        OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(ids))
    due = list(db.session.scalars(query.order_by(OutboxMessage.id).limit(limit)))
    sent = failed = 0
    with _Transport(current_app.config) as transport:
        for message_id in due:
            if not _claim(message_id, now):
                continue  # another sender has it
            if _deliver(db.session.get(OutboxMessage, message_id), transport, now):
                sent += 1
            else:
                failed += 1
    return sent, failed


def _deliver(row: OutboxMessage, transport: _Transport, now: datetime) -> bool:
    """Send one claimed message and record how it went; False if it is to be retried."""
    try:
        transport.send(row)
    except (OSError, smtplib.SMTPException) as error:
        row.attempts += 1
        row.last_error = f"{type(error).__name__}: {error}"[:2000]
        if row.attempts >= MAX_ATTEMPTS:
            row.status = OutboxStatus.FAILED
        else:
            row.next_attempt_at = now + BACK_OFF[min(row.attempts, len(BACK_OFF)) - 1]
        delivered = False
    else:
        row.status, row.sent_at = OutboxStatus.SENT, utcnow()
        row.attempts += 1
        delivered = True
    row.claimed_until = None
    db.session.commit()
    return delivered


def _claim(message_id: int, now: datetime) -> bool:
    """Take a message for sending, unless another process holds it: one conditional UPDATE."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.PENDING,
               or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now))
        .values(claimed_until=now + CLAIM_FOR))
    db.session.commit()
    return result.rowcount == 1


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

    def send(self, row: OutboxMessage) -> None:
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
    """Try the messages just committed at once, so people are not kept waiting for cron.
    Whatever fails stays in the outbox for `flask send-mail`."""
    if current_app.config["MAIL_SEND_IMMEDIATELY"] and messages:
        deliver_pending(ids=[message.id for message in messages])
