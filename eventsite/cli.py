"""Thin command-line entry points (`flask --app app <command>`) over the services."""

from __future__ import annotations

import io
import signal
import sys
import threading
from pathlib import Path

import click
from flask import Flask

from eventsite.domain.jsonstream import JSONStreamError, iter_json_array
from eventsite.services import accounts, listings, mail, registrations
from eventsite.services import events as event_service
from eventsite.services.errors import ValidationError


@click.command("import-events")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_events_command(file: Path) -> None:
    """Import events from a JSON file: all of them, or none if any is at fault."""
    place = {"line": 0}

    with file.open("rb") as raw, io.TextIOWrapper(raw, encoding="utf-8") as text, \
            click.progressbar(length=file.stat().st_size, label="Importing events",
                              file=None) as bar:
        def records():
            """The file's events one at a time, the bar following the bytes read."""
            read = 0
            for record, line in iter_json_array(text):
                place["line"] = line
                bar.update(raw.tell() - read)
                read = raw.tell()
                yield record

        try:
            count = event_service.import_events(records())
        except JSONStreamError as error:
            raise click.ClickException(f"Nothing imported: {file}, line {error.line}, column "
                                       f"{error.column}: {error.message}") from None
        except event_service.ImportRefused as error:
            raise click.ClickException(f"Nothing imported: {error} (line {place['line']} of "
                                       f"{file})") from None
    click.echo(f"Imported {count} event{'s' if count != 1 else ''}.")


@click.command("recompute-utc")
def recompute_utc_command() -> None:
    """Re-derive UTC start/end from wall time and zone, e.g. after a tzdata update."""
    result = event_service.recompute_utc()
    for event in result.moved:
        click.echo(f"moved: {event.slug} now starts {event.starts_utc:%Y-%m-%d %H:%M} UTC")
    for event, problem in result.invalid:
        click.echo(f"needs attention: {event.slug}: {problem}", err=True)
    click.echo(f"{len(result.moved)} event(s) moved, {len(result.invalid)} need attention.")


@click.command("rebuild-search")
def rebuild_search_command() -> None:
    """Rewrite the search index from the events (after a bulk load around the app, say)."""
    from eventsite.services import search

    count = search.rebuild()
    click.echo(f"Search index rebuilt: {count} event{'s' if count != 1 else ''}.")


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Load the demo events into an empty database (does nothing otherwise)."""
    from eventsite.demo import demo_records

    if listings.count_events():
        click.echo("The database already holds events; demo data not loaded.")
        return
    count = event_service.import_events(demo_records())
    click.echo(f"Loaded {count} demo events.")


@click.command("create-organiser")
@click.argument("email")
@click.option("--name", required=True, help="The organiser's name, as shown to colleagues.")
@click.option("--admin", is_flag=True, help="May also add and disable organisers.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_organiser_command(email: str, name: str, admin: bool, password_stdin: bool) -> None:
    """Create an organiser account who can sign in at /auth/sign-in."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = accounts.create_organiser(email, name, password, is_admin=admin)
    except ValidationError as error:
        raise click.ClickException("; ".join(f"{field}: {message}" for field, message
                                             in error.errors.items())) from None
    role = "administrator" if user.is_admin else "organiser"
    click.echo(f"Created {role} {user.name} <{user.email}>.")


@click.command("send-mail")
@click.option("--watch", is_flag=True,
              help="Keep running, delivering messages as they fall due (the mail worker).")
@click.option("--now", "retry_now", is_flag=True,
              help="Retry at once the messages waiting out a back-off (after an outage).")
@click.option("--interval", default=2.0, show_default=True, type=click.FloatRange(0.1, 3600),
              help="With --watch: seconds between looks at the outbox.")
@click.option("--max-seconds", type=click.FloatRange(0), default=None,
              help="With --watch: stop after this long (default: until SIGTERM or Ctrl-C).")
def send_mail_command(watch: bool, retry_now: bool, interval: float,
                      max_seconds: float | None) -> None:
    """Deliver what is due in the outbox: once (e.g. every minute from cron), or --watch."""
    if retry_now:
        click.echo(f"{mail.retry_now()} waiting message(s) made due now.")
    if not watch:
        sent, failed = mail.deliver_pending(limit=1000)
        click.echo(f"{sent} sent, {failed} failed (to be retried later).")
        return
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):  # finish the message in hand, then stop
        signal.signal(signum, lambda *_: stop.set())
    click.echo(f"Delivering mail as it falls due (every {interval:g} s); SIGTERM stops.")
    sent, failed = mail.watch(stop, interval=interval, max_seconds=max_seconds)
    click.echo(f"Stopped: {sent} sent, {failed} failed (to be retried later).")


@click.command("send-reminders")
def send_reminders_command() -> None:
    """Remind registrants a day and an hour before each event; safe to run as often as you like."""
    count = registrations.send_reminders()
    click.echo(f"{count} reminder{'s' if count != 1 else ''} queued.")


def register(app: Flask) -> None:
    for command in (import_events_command, recompute_utc_command, seed_demo_command,
                    create_organiser_command, send_mail_command, send_reminders_command,
                    rebuild_search_command):
        app.cli.add_command(command)
