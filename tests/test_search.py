"""Search: the same expectations on SQLite (FTS5) and PostgreSQL (tsvector), whichever the
suite runs on (TEST_DATABASE_URL)."""

from datetime import timedelta

import pytest

from eventsite.domain.search import MARK_START, parse_query
from eventsite.extensions import db
from eventsite.models import Speaker
from eventsite.services import events as event_service
from eventsite.services import search
from eventsite.services.speakers import update_speaker
from tests.factories import days_from_today, make_event, make_seed_webinar, wall
from tests.sql import counting_statements


def titles(words: str, **kwargs) -> list[str]:
    return [hit.event.title for hit in search.search(words, **kwargs).hits]


def on(days: int, hour: int = 11) -> dict:
    day = days_from_today(days)
    return {"start": wall(day, hour), "end": wall(day, hour + 1)}


@pytest.fixture
def site(app):
    """A small site: the seed webinar (past) and a few upcoming events."""
    make_seed_webinar()
    make_event(title="Peaceful talks at the Café Müller", summary="An evening of diplomacy.",
               description="朝鲜半岛的和平与统一。한국의 평화를 위한 대화.", tags=["Diplomacy"],
               speakers=[{"name": "Zoë Ångström", "affiliation": "Université de Genève"}],
               **on(3))
    make_event(title="Gardening for beginners", summary="Soil, seeds and patience.", **on(5))
    make_event(title="A draft about peace", status="draft", **on(6))


def test_stemmed_english_finds_other_forms_of_a_word(site):
    assert titles("talk") == ["Peaceful talks at the Café Müller"]
    assert set(titles("peace")) == {"Peaceful talks at the Café Müller",
                                    "Korea's Struggle for Independence, Peace and Reunification"}
    assert titles("struggles") == ["Korea's Struggle for Independence, Peace and Reunification"]


def test_accents_are_folded_both_ways(site):
    assert titles("cafe muller") == ["Peaceful talks at the Café Müller"]
    assert titles("Zoe Angstrom") == ["Peaceful talks at the Café Müller"]
    assert titles("universite geneve") == ["Peaceful talks at the Café Müller"]
    make_event(title="Sao Paulo meetup", **on(8))
    assert titles("São Paulo") == ["Sao Paulo meetup"]


def test_chinese_and_korean_words_inside_longer_text(site):
    expected = ["Peaceful talks at the Café Müller"]
    assert titles("和平") == expected  # peace, two characters inside a run of nine
    assert titles("朝鲜半岛") == expected  # a phrase
    assert titles("한국") == expected  # Korea, with a particle glued on (한국의)
    assert titles("평화") == expected
    assert titles("半岛和平") == []  # the characters are there, but not in this order


def test_speakers_organisations_and_tags_are_searched(site):
    korea = ["Korea's Struggle for Independence, Peace and Reunification"]
    assert titles("Radhika Desai") == korea
    assert titles("Tsinghua") == korea  # an affiliation
    assert titles("International Manifesto Group") == korea
    assert titles("diplomacy") == ["Peaceful talks at the Café Müller"]  # a tag (and summary)


def test_drafts_are_never_found_and_cancelled_events_are(site):
    assert "A draft about peace" not in titles("peace")
    event = make_event(title="Harp recital", **on(9))
    event_service.cancel_event(event, "The harpist is ill.")
    assert titles("harp") == ["Harp recital"]


def test_upcoming_first_then_past_each_by_relevance(app):
    make_event(title="Korea in the news", **on(-30))  # past, title match
    make_event(title="Weekly digest", summary="Also some Korea news", **on(-20))  # past
    make_event(title="Other digest", summary="A line on Korea", **on(20))  # upcoming, body
    make_event(title="Korea tomorrow", **on(40))  # upcoming, title: ranks first
    results = search.search("korea")
    assert [(h.event.title, h.past) for h in results.hits] == [
        ("Korea tomorrow", False), ("Other digest", False),
        ("Korea in the news", True), ("Weekly digest", True)]
    assert results.total == 4


def test_pages(app):
    for n in range(7):
        make_event(title=f"Lecture {n} on rivers", **on(n + 1))
    first = search.search("rivers", page=1, per_page=3)
    third = search.search("rivers", page=3, per_page=3)
    assert (first.total, first.pages, first.has_next, first.has_prev) == (7, 3, True, False)
    assert len(first.hits) == 3 and len(third.hits) == 1 and not third.has_next
    seen = [t for page in (1, 2, 3) for t in titles("rivers", page=page, per_page=3)]
    assert sorted(seen) == sorted(f"Lecture {n} on rivers" for n in range(7))


def test_every_word_must_match_unless_none_has_them_all(site):
    assert titles("peace gardening") != []  # no event has both: any of them, and said so
    assert search.search("peace gardening").any_term
    assert not search.search("peaceful talks").any_term
    assert titles("the and of") == []  # nothing but common words


def test_the_index_follows_every_write(site):
    event = make_event(title="Bread baking", **on(10))
    assert titles("bread") == ["Bread baking"]
    event_service.update_event(event, event_service.event_input_from(event, title="Cheese"))
    assert titles("bread") == [] and titles("cheese") == ["Cheese"]
    speaker = db.session.scalar(db.select(Speaker).where(Speaker.name == "Zoë Ångström"))
    update_speaker(speaker, "Zoë Renamed", speaker.affiliation, "", speaker.slug)
    assert titles("renamed") == ["Peaceful talks at the Café Müller"]
    draft = event_service.duplicate_event(event)  # a draft copy: not listed
    assert titles("cheese") == ["Cheese"]
    event_service.delete_draft(draft)
    assert titles("cheese") == ["Cheese"]


def test_a_rolled_back_write_leaves_the_index_alone(site):
    event = make_event(title="Pottery", **on(10))
    event.title = "Sculpture"
    db.session.flush()
    db.session.rollback()
    assert titles("pottery") == ["Pottery"] and titles("sculpture") == []


def test_rebuild_command_restores_the_index(site, runner, is_postgres):
    table = "search_documents" if is_postgres else "search_index"
    db.session.execute(db.text(f"DELETE FROM {table}"))
    db.session.commit()
    assert titles("peace") == []
    result = runner.invoke(args=["rebuild-search"])
    assert result.exit_code == 0, result.output
    assert "3 events" in result.output  # the draft is not indexed
    assert len(titles("peace")) == 2


def test_highlights_are_escaped_before_marking(app):
    make_event(title="<script>alert(1)</script> & peace", summary="Peace <b>now</b>", **on(2))
    hit = search.search("peace").hits[0]
    assert MARK_START in hit.title
    from eventsite.display import highlighted

    html = str(highlighted(hit.title))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<mark>peace</mark>" in html and "&amp;" in html


def test_search_page(client, site):
    page = client.get("/search?q=peace").get_data(as_text=True)
    assert "2 events match “peace”." in page
    assert page.index("Upcoming") < page.index("Past")
    assert "<mark>Peace</mark>ful" not in page and "<mark>Peaceful</mark>" in page
    empty = client.get("/search?q=xylophone").get_data(as_text=True)
    assert "No events match “xylophone”" in empty
    assert client.get("/search").status_code == 200  # the form alone


def test_search_page_escapes_the_query(client, site):
    page = client.get("/search?q=<img src=x onerror=alert(1)>").get_data(as_text=True)
    assert "<img src=x" not in page and "&lt;img src=x" in page


def test_api_search(client, site):
    body = client.get("/api/events?q=peace&per_page=1").get_json()
    assert body["total"] == 2 and len(body["events"]) == 1 and body["previous"] is None
    assert body["next"].endswith("/api/events?q=peace&per_page=1&page=2")
    assert body["events"][0]["title"] == "Peaceful talks at the Café Müller"  # upcoming first
    assert client.get("/api/events?q=和平").get_json()["total"] == 1


def test_query_count_does_not_grow_with_events(app):
    def statements() -> int:
        db.session.expunge_all()
        with counting_statements() as sent:
            assert search.search("seminar").hits
        return len(sent)

    make_event(title="Seminar 0", speakers=[{"name": "A B"}], tags=["x"],
               organisations=[{"name": "Org 0"}], **on(1))
    few = statements()
    for n in range(1, 15):
        make_event(title=f"Seminar {n}", speakers=[{"name": f"Speaker {n}"}],
                   tags=[f"t{n}"], organisations=[{"name": f"Org {n}"}], **on(n % 4 - 2))
    assert statements() == few


def test_query_parsing():
    query = parse_query("The webinar on KOREA's peace -- 和平, 한국의 평화!")
    assert query.words == ("webinar", "korea", "peace")
    assert query.phrases == (("和平",), ("한국", "국의"), ("평화",))
    assert not parse_query("the of !!")
    assert len(parse_query(" ".join(f"w{n}" for n in range(50))).words) == 12


def test_past_and_upcoming_split_is_by_end_time(app):
    ongoing = make_event(title="Marathon reading", **on(0, 0))
    hit = search.search("marathon", now=ongoing.starts_utc + timedelta(minutes=30)).hits[0]
    assert hit.past is False
    hit = search.search("marathon", now=ongoing.ends_utc + timedelta(minutes=1)).hits[0]
    assert hit.past is True


def test_migration_creates_a_working_index(app):
    from flask_migrate import upgrade

    from tests.conftest import reset_schema

    reset_schema()
    upgrade()
    make_event(title="Migrated search", **on(2))
    assert titles("migrated") == ["Migrated search"]
    db.session.rollback()  # end the search's read before the tables are dropped
    reset_schema()
    db.create_all()


WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def test_a_series_is_upcoming_until_its_last_date(app):
    first = days_from_today(-14)
    make_event(title="Weekly choir", start=wall(first, 19), end=wall(first, 20),
               timezone="Europe/London",
               recurrence={"rule": f"FREQ=WEEKLY;BYDAY={WEEKDAYS[first.weekday()]};COUNT=5"})
    assert [hit.past for hit in search.search("choir").hits] == [False]
