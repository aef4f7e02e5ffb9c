"""`flask import-events`, `flask seed-demo` and `flask recompute-utc`."""

import json
from datetime import datetime

from eventsite.extensions import db
from eventsite.models import Event, Speaker
from eventsite.services.listings import count_events
from tests.factories import event_record, make_event


def write(tmp_path, records, name="events.json"):
    path = tmp_path / name
    path.write_text(json.dumps(records), encoding="utf-8")
    return str(path)


def test_import_a_file(runner, tmp_path):
    records = [
        event_record(title="One", speakers=[{"name": "Dr Kiyul Chung",
                                             "affiliation": "Tsinghua University"}],
                     locations=[{"name": "Zoom", "url": "https://zoom.us/j/1",
                                 "visibility": "registrants"}],
                     registration={"url": "https://eventbrite.com/e/1", "label": "Eventbrite"},
                     organisations=[{"name": "IMG", "url": "https://img.example",
                                     "role": "co-sponsor"}],
                     tags=["Korea"], format="hybrid", display_timezones=["Asia/Tokyo"]),
        event_record(title="Two", speakers=[{"name": "dr kiyul  chung", "role": "chair"}]),
    ]
    result = runner.invoke(args=["import-events", write(tmp_path, records)])
    assert result.exit_code == 0, result.output
    assert "Imported 2 events." in result.output
    events = db.session.scalars(db.select(Event).order_by(Event.id)).all()
    assert [e.title for e in events] == ["One", "Two"]
    # Speakers are matched by name, not duplicated.
    assert db.session.scalar(db.select(db.func.count(Speaker.id))) == 1
    assert events[1].speaker_links[0].speaker.affiliation == "Tsinghua University"
    assert events[0].registration_label == "Eventbrite"
    assert events[0].display_timezones == ["Asia/Tokyo"]


def test_a_bad_record_leaves_the_database_untouched(runner, tmp_path):
    make_event(title="Already here")
    records = [
        event_record(title="Fine", speakers=[{"name": "New Person"}]),
        event_record(title="Broken", start="2026-03-08T02:30", end="2026-03-08T04:00"),
    ]
    result = runner.invoke(args=["import-events", write(tmp_path, records)])
    assert result.exit_code != 0
    assert ("Nothing imported: event 2 (“Broken”): start: 2:30am on Sunday 8 March 2026 "
            "does not exist in America/New_York") in result.output
    db.session.expire_all()
    assert [e.title for e in db.session.scalars(db.select(Event))] == ["Already here"]
    assert db.session.scalar(db.select(Speaker).where(Speaker.name == "New Person")) is None


def test_every_kind_of_fault_names_its_field(runner, tmp_path):
    cases = [
        ({"title": ""}, "title: is required"),
        ({"end": "2026-01-01T09:00", "start": "2026-01-01T10:00"}, "end: must be after the start"),
        ({"timezone": "Mars/Base"}, "timezone: “Mars/Base” is not a known time zone"),
        ({"start": "next tuesday"}, "start: “next tuesday” is not a date and time"),
        ({"start": "2026-01-01T10:00+02:00"}, "start: must be a local wall time without an offset"),
        ({"registration": {"url": "javascript:alert(1)"}},
         "registration.url: must be a web address starting with http:// or https://"),
        ({"speakers": [{"name": "A"}, {"name": "B", "role": "juggler"}]},
         "speakers[1].role: “juggler” is not one of: speaker, chair, moderator, host"),
        ({"title": "x" * 201}, "title: is too long (201 characters; at most 200)"),
        ({"slug": "Bad Slug"}, "slug: may hold only lower-case letters, digits and single hyphens"),
        ({"start": "2026-11-01T01:30", "end": "2026-11-01T03:00"},
         "start: 1:30am on Sunday 1 November 2026 happens twice"),
    ]
    for fields, message in cases:
        result = runner.invoke(args=["import-events", write(tmp_path, [event_record(**fields)])])
        assert result.exit_code != 0
        assert message in result.output, (fields, result.output)
    assert count_events() == 0


def test_a_fold_can_be_resolved_explicitly(runner, tmp_path):
    record = event_record(start="2026-11-01T01:30", end="2026-11-01T03:00", fold="later")
    assert runner.invoke(args=["import-events", write(tmp_path, [record])]).exit_code == 0
    event = db.session.scalar(db.select(Event))
    assert event.starts_utc == datetime(2026, 11, 1, 6, 30)


def test_duplicate_slugs_are_refused(runner, tmp_path):
    make_event(title="First", slug="taken")
    result = runner.invoke(args=["import-events", write(tmp_path, [event_record(slug="taken")])])
    assert "slug: “taken” is already used" in result.output
    twice = [event_record(slug="same"), event_record(slug="same")]
    result = runner.invoke(args=["import-events", write(tmp_path, twice)])
    assert "event 2" in result.output and "“same” is already used" in result.output
    assert count_events() == 1


def test_derived_slugs_stay_unique(runner, tmp_path):
    records = [event_record(title="Same title"), event_record(title="Same title")]
    assert runner.invoke(args=["import-events", write(tmp_path, records)]).exit_code == 0
    assert sorted(db.session.scalars(db.select(Event.slug))) == ["same-title", "same-title-2"]


def test_not_json_or_not_a_list(runner, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{nope", encoding="utf-8")
    result = runner.invoke(args=["import-events", str(path)])
    assert result.exit_code != 0 and "line 1, column 1: an import file must hold a JSON list" \
        in result.output
    result = runner.invoke(args=["import-events", write(tmp_path, {"title": "x"})])
    assert result.exit_code != 0
    assert "Nothing imported:" in result.output and "must hold a JSON list of events" \
        in result.output
    path.write_text(f'[{json.dumps(event_record())},\n {{"title": tru}}]', encoding="utf-8")
    result = runner.invoke(args=["import-events", str(path)])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert f"Nothing imported: {path}, line 2, column 12: Expecting value" in result.output


def test_seed_demo_fills_an_empty_database_once(runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0 and "Loaded 5 demo events." in first.output
    second = runner.invoke(args=["seed-demo"])
    assert "already holds events" in second.output
    assert count_events() == 5


def test_recompute_utc_follows_the_wall_time(runner):
    event = make_event(start="2021-11-21T11:00", end="2021-11-21T13:00")
    # As if the instants had been derived under older zone rules.
    event.starts_utc = datetime(2021, 11, 21, 15)
    revision = event.revision
    db.session.commit()
    result = runner.invoke(args=["recompute-utc"])
    assert result.exit_code == 0
    assert "1 event(s) moved" in result.output
    db.session.refresh(event)
    assert event.starts_utc == datetime(2021, 11, 21, 16)
    assert event.revision == revision + 1


def test_an_event_lasts_at_most_a_month(runner, tmp_path):
    record = event_record(start="2027-01-01T10:00", end="2027-02-15T10:00")
    result = runner.invoke(args=["import-events", write(tmp_path, [record])])
    assert result.exit_code != 0
    assert "end: is too far after the start: an event lasts at most 31 days" in result.output


def test_a_fault_after_earlier_batches_were_written_still_saves_nothing(runner, tmp_path,
                                                                        monkeypatch):
    from eventsite.services import events as event_service

    monkeypatch.setattr(event_service, "IMPORT_BATCH", 3)
    records = [event_record(title=f"Talk {n}", speakers=[{"name": "Ada Lovelace"}],
                            tags=["Peace"]) for n in range(8)]
    records.append(event_record(title="Broken", timezone="Mars/Base"))
    result = runner.invoke(args=["import-events", write(tmp_path, records)])
    assert "Nothing imported: event 9 (“Broken”)" in result.output and "(line 1 of" in result.output
    assert count_events() == 0
    assert db.session.scalar(db.select(Speaker)) is None
    result = runner.invoke(args=["import-events", write(tmp_path, records[:-1])])
    assert "Imported 8 events." in result.output
    # One speaker and one tag across every batch; derived slugs stay unique across batches.
    assert [s.name for s in db.session.scalars(db.select(Speaker))] == ["Ada Lovelace"]
    assert len(set(db.session.scalars(db.select(Event.slug)))) == 8


def test_deep_nesting_and_other_bytes_are_refused_with_their_place(runner, tmp_path):
    path = tmp_path / "deep.json"
    path.write_text(f'[{json.dumps(event_record())},\n  {{"title": {"[" * 100_000}', "utf-8")
    result = runner.invoke(args=["import-events", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{path}, line 2, column 3: this event is nested too deeply" in result.output
    path.write_bytes(b'[{"title": "caf\xe9"}]')
    result = runner.invoke(args=["import-events", str(path)])
    assert result.exit_code == 1 and "the file is not UTF-8 text" in result.output
    assert count_events() == 0


def test_a_number_of_thousands_of_digits_is_refused_with_its_place(runner, tmp_path):
    path = tmp_path / "long.json"
    record = json.dumps(event_record(registration={"mode": "builtin", "capacity": 1}))
    path.write_text("[" + record.replace('"capacity": 1', '"capacity": ' + "9" * 5000) + "]",
                    "utf-8")
    result = runner.invoke(args=["import-events", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "a number here is too long to read" in result.output
