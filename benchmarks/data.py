"""Databases full of plausible events, written in bulk (the import path would take minutes).

Wall times are turned into UTC by the time domain, exactly as the services do.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta

from sqlalchemy import insert, text

from eventsite import create_app
from eventsite.config import Config
from eventsite.domain.timezones import to_utc, utcnow
from eventsite.extensions import db
from eventsite.models import (
    Event,
    EventOrganisation,
    EventSpeaker,
    Location,
    Organisation,
    Speaker,
    Tag,
)
from eventsite.models.event import event_tags

ZONES = ["America/New_York", "Europe/London", "Asia/Shanghai", "America/Los_Angeles",
         "Europe/Paris", "Asia/Kolkata"]
CHUNK = 5000


def bench_app(database_url: str, instance_path: str):
    config = Config({"DATABASE_URL": database_url, "SECRET_KEY": "benchmark",
                     "SITE_URL": "http://127.0.0.1"})
    import os
    os.environ["INSTANCE_PATH"] = instance_path
    return create_app(config)


def populate(database_url: str, instance_path: str, total: int, upcoming: int,
             seed: int = 1) -> None:
    """Replace the schema with `total` events, `upcoming` of them still to come, each with
    three speakers (one a chair), two tags, an organisation and two locations."""
    rng = random.Random(seed)
    app = bench_app(database_url, instance_path)
    now = utcnow()
    with app.app_context():
        db.drop_all()
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        db.create_all()
        speakers = [{"id": i, "name": f"Speaker {i}", "slug": f"speaker-{i}",
                     "affiliation": f"University {i % 40}, Department {i % 7}", "bio": "",
                     "created_at": now} for i in range(1, 501)]
        tags = [{"id": i, "name": f"topic-{i}"} for i in range(1, 31)]
        organisations = [{"id": i, "name": f"Organisation {i}", "slug": f"organisation-{i}",
                          "website": f"https://org{i}.example"} for i in range(1, 21)]
        db.session.execute(insert(Speaker), speakers)
        db.session.execute(insert(Tag), tags)
        db.session.execute(insert(Organisation), organisations)

        past = total - upcoming
        rows, links, tag_links, org_links, places = [], [], [], [], []
        for n in range(total):
            event_id = n + 1
            zone = ZONES[n % len(ZONES)]
            if n < past:  # spread over the years before now, newest last
                day = now - timedelta(days=1 + (past - n) * 3650 / max(past, 1))
            else:
                day = now + timedelta(days=1 + (n - past) * 365 / max(upcoming, 1))
            wall = datetime(day.year, day.month, day.day, 10 + n % 10, 30 * (n % 2))
            starts = to_utc(wall, zone)
            rows.append({
                "id": event_id, "uid": uuid.UUID(int=rng.getrandbits(128)).hex,
                "slug": f"event-{event_id}", "title": f"Webinar number {event_id}: on peace",
                "summary": "A discussion with speakers from three continents. " * 2,
                "description": "**Markdown** description with [a link](https://example.org).",
                "starts_local": wall, "ends_local": wall + timedelta(hours=2), "timezone": zone,
                "starts_utc": starts, "ends_utc": starts + timedelta(hours=2),
                "display_timezones": None, "format": "online", "status": "published",
                "status_note": "", "venue_name": "", "venue_address": "",
                "registration_mode": "external",
                "registration_url": f"https://www.eventbrite.com/e/{event_id}",
                "registration_label": "Eventbrite", "revision": 0,
                "created_at": now, "updated_at": now,
            })
            chosen = rng.sample(range(1, 501), 3)
            links += [{"event_id": event_id, "speaker_id": s, "position": p,
                       "role": "chair" if p == 2 else "speaker"} for p, s in enumerate(chosen)]
            tag_links += [{"event_id": event_id, "tag_id": t}
                          for t in rng.sample(range(1, 31), 2)]
            org_links.append({"event_id": event_id, "organisation_id": 1 + n % 20,
                              "role": "host", "position": 0})
            places += [{"event_id": event_id, "name": "Zoom", "url": "https://zoom.us/j/1",
                        "visibility": "registrants", "position": 0},
                       {"event_id": event_id, "name": "YouTube",
                        "url": "https://youtube.com/watch?v=x", "visibility": "public",
                        "position": 1}]
            if len(rows) >= CHUNK:
                _flush(rows, links, tag_links, org_links, places)
        _flush(rows, links, tag_links, org_links, places)
        if db.engine.dialect.name == "postgresql":
            for table in ("events", "speakers", "tags", "organisations"):
                db.session.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"))
        db.session.commit()
        # The bulk inserts went around the ORM: index them as `flask rebuild-search` does.
        from eventsite.services import search

        search.rebuild()
        # Planner statistics, as a maintained production database has them.
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
        db.engine.dispose()


def _flush(rows, links, tag_links, org_links, places) -> None:
    for model, batch in ((Event, rows), (EventSpeaker, links), (event_tags, tag_links),
                         (EventOrganisation, org_links), (Location, places)):
        if batch:
            db.session.execute(insert(model), batch)
            batch.clear()


def add_registration_event(database_url: str, instance_path: str, capacity: int) -> str:
    """An upcoming event taking registrations here; returns its slug."""
    from eventsite.services.events import create_event, parse_event

    app = bench_app(database_url, instance_path)
    with app.app_context():
        day = (utcnow() + timedelta(days=7)).date()
        event = create_event(parse_event({
            "title": "A popular webinar", "start": f"{day}T11:00", "end": f"{day}T12:00",
            "timezone": "Europe/London",
            "registration": {"mode": "builtin", "capacity": capacity}}))
        slug = event.slug
        db.session.remove()
        db.engine.dispose()
    return slug


def registration_counts(database_url: str, instance_path: str, slug: str) -> tuple[int, int]:
    """(confirmed, waitlisted) for the event."""
    from eventsite.models import Registration, RegistrationStatus

    app = bench_app(database_url, instance_path)
    with app.app_context():
        event_id = db.session.scalar(db.select(Event.id).where(Event.slug == slug))
        counts = dict(db.session.execute(
            db.select(Registration.status, db.func.count(Registration.id))
            .where(Registration.event_id == event_id).group_by(Registration.status)).all())
        db.engine.dispose()
    return (counts.get(RegistrationStatus.CONFIRMED, 0),
            counts.get(RegistrationStatus.WAITLISTED, 0))
