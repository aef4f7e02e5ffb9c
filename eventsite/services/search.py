"""Full-text search over the events visitors may see: one interface, two backends.

SQLite answers with an FTS5 table (Porter stemming, accents folded by unicode61's
remove_diacritics); PostgreSQL with a tsvector column under a text search configuration that
is English stemming after `unaccent`. Both index the same documents, written here: an event's
title, its people (speakers with their affiliations, organisations, tags), its summary and
description as plain text, and the CJK bigrams of all of these (domain/search.py).

The index is kept in step by the service layer inside the same transaction as the write: a
flush notes which listed events changed (or whose speakers, organisations or tags did), and
the commit rewrites their documents just before it goes to the database. `flask
rebuild-search` rewrites them all (after a bulk load that went around the ORM, say).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain

from sqlalchemy import DDL, event, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from eventsite.domain import search as terms
from eventsite.domain.paging import NumberedPages
from eventsite.domain.timezones import utcnow
from eventsite.extensions import db
from eventsite.models import (
    Event,
    EventOrganisation,
    EventSpeaker,
    Organisation,
    Speaker,
    Tag,
)
from eventsite.models.event import event_tags
from eventsite.services.listings import LISTED

# What a document holds of an event; a change to any of these rewrites it.
INDEXED_ATTRIBUTES = ("title", "summary", "description", "status", "starts_utc", "ends_utc",
                      "series_ends_utc", "tags")
CHUNK = 500
PENDING = "search_pending"  # Session.info key: ids of events whose documents are stale

# --- the schema (also created by the migration; the tests use create_all) ---------------------

SQLITE_SCHEMA = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_index USING fts5(title, people, body, cjk, "
    "starts_at UNINDEXED, ends_at UNINDEXED, "
    "tokenize = 'porter unicode61 remove_diacritics 2')",
)
POSTGRES_SCHEMA = (
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'eventsite_search') THEN
        CREATE TEXT SEARCH CONFIGURATION eventsite_search (COPY = english);
        ALTER TEXT SEARCH CONFIGURATION eventsite_search
            ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;
    END IF;
END $$""",
    "CREATE TABLE IF NOT EXISTS search_documents ("
    "event_id INTEGER PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE, "
    "title TEXT NOT NULL, people TEXT NOT NULL, body TEXT NOT NULL, "
    "starts_at BIGINT NOT NULL, ends_at BIGINT NOT NULL, document TSVECTOR NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ix_search_documents_document "
    "ON search_documents USING gin (document)",
)
SEARCH_TABLES = ("search_index", "search_documents")


def is_search_table(name: str) -> bool:
    """Tables (and FTS5's shadow tables) that belong to search, not to the models."""
    return name.startswith(SEARCH_TABLES)


def _install_schema() -> None:
    for statement in SQLITE_SCHEMA:
        event.listen(db.metadata, "after_create", DDL(statement).execute_if(dialect="sqlite"))
    for statement in POSTGRES_SCHEMA:
        event.listen(db.metadata, "after_create",
                     DDL(statement).execute_if(dialect="postgresql"))
    event.listen(db.metadata, "before_drop",
                 DDL("DROP TABLE IF EXISTS search_index").execute_if(dialect="sqlite"))
    event.listen(db.metadata, "before_drop",
                 DDL("DROP TABLE IF EXISTS search_documents").execute_if(dialect="postgresql"))


_install_schema()


# --- documents ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Document:
    event_id: int
    title: str
    people: str
    body: str
    cjk: str
    starts_at: int  # Unix seconds
    ends_at: int


def _epoch(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp())


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start:start + CHUNK]


def documents(connection: Connection, ids: list[int]) -> list[Document]:
    """The documents of the listed events among `ids`, in four column queries."""
    people: dict[int, list[str]] = defaultdict(list)
    for event_id, name, affiliation in connection.execute(
            select(EventSpeaker.event_id, Speaker.name, Speaker.affiliation)
            .join(Speaker, Speaker.id == EventSpeaker.speaker_id)
            .where(EventSpeaker.event_id.in_(ids)).order_by(EventSpeaker.position)):
        people[event_id] += [name, affiliation]
    for event_id, name in connection.execute(
            select(EventOrganisation.event_id, Organisation.name)
            .join(Organisation, Organisation.id == EventOrganisation.organisation_id)
            .where(EventOrganisation.event_id.in_(ids)).order_by(EventOrganisation.position)):
        people[event_id].append(name)
    for event_id, name in connection.execute(
            select(event_tags.c.event_id, Tag.name).join(Tag, Tag.id == event_tags.c.tag_id)
            .where(event_tags.c.event_id.in_(ids))):
        people[event_id].append(name)
    found = []
    for row in connection.execute(
            select(Event.id, Event.title, Event.summary, Event.description, Event.starts_utc,
                   Event.ends_utc, Event.series_ends_utc)
            .where(Event.id.in_(ids), Event.status.in_(LISTED))):
        title = terms.clean(row.title)
        who = terms.clean("; ".join(part for part in people[row.id] if part))
        body = terms.clean(" ".join(filter(None, (
            row.summary, terms.markdown_text(row.description or "")))))
        found.append(Document(row.id, title, who, body, terms.cjk_text(f"{title} {who} {body}"),
                              # a series is upcoming until its last date is over
                              _epoch(row.starts_utc),
                              _epoch(max(row.ends_utc, row.series_ends_utc or row.ends_utc))))
    return found


def reindex(connection: Connection, ids: Iterable[int]) -> None:
    """Rewrite the documents of these events (removing those no longer listed)."""
    backend = _backend(connection)
    for chunk in _chunks(ids):
        backend.delete(connection, chunk)
        docs = documents(connection, chunk)
        if docs:
            backend.insert(connection, docs)


def rebuild() -> int:
    """Rewrite every document from the events table; returns how many events are indexed."""
    connection = db.session.connection()
    backend = _backend(connection)
    backend.clear(connection)
    count, last = 0, 0
    while True:
        ids = list(db.session.scalars(select(Event.id).where(Event.id > last)
                                      .order_by(Event.id).limit(CHUNK)))
        if not ids:
            break
        docs = documents(connection, ids)
        if docs:
            backend.insert(connection, docs)
        count, last = count + len(docs), ids[-1]
    backend.optimise(connection)
    db.session.commit()
    return count


# --- keeping in step with writes ----------------------------------------------------------------

def _changed(obj: Event) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in INDEXED_ATTRIBUTES)


@event.listens_for(Session, "after_flush")
def _note_changes(session: Session, _context) -> None:
    """Collect the events whose documents this flush made stale."""
    ids: set[int] = set()
    speakers, organisations, tags = set(), set(), set()
    for obj in chain(session.new, session.deleted):
        if isinstance(obj, Event):
            ids.add(obj.id)
        elif isinstance(obj, EventSpeaker | EventOrganisation):
            ids.add(obj.event_id)
    for obj in session.dirty:
        if isinstance(obj, Event):
            if _changed(obj):
                ids.add(obj.id)
        elif isinstance(obj, EventSpeaker | EventOrganisation):
            ids.add(obj.event_id)
        elif isinstance(obj, Speaker):
            speakers.add(obj.id)
        elif isinstance(obj, Organisation):
            organisations.add(obj.id)
        elif isinstance(obj, Tag):
            tags.add(obj.id)
    connection = session.connection() if speakers or organisations or tags else None
    for column, key, chosen in (
            (EventSpeaker.event_id, EventSpeaker.speaker_id, speakers),
            (EventOrganisation.event_id, EventOrganisation.organisation_id, organisations),
            (event_tags.c.event_id, event_tags.c.tag_id, tags)):
        if chosen:
            ids.update(connection.scalars(select(column).where(key.in_(chosen))))
    ids.discard(None)
    if ids:
        session.info.setdefault(PENDING, set()).update(ids)


@event.listens_for(Session, "before_commit")
def _write_changes(session: Session) -> None:
    """Rewrite the stale documents in the transaction that made them stale."""
    if session.new or session.dirty or session.deleted:
        session.flush()
    ids = session.info.pop(PENDING, None)
    if ids:
        reindex(session.connection(), ids)


@event.listens_for(Session, "after_rollback")
def _forget_changes(session: Session) -> None:
    session.info.pop(PENDING, None)


# --- the backends -------------------------------------------------------------------------------

class SQLiteBackend:
    """FTS5: rowid is the event id; bm25 with the title weighing most."""

    WEIGHTS = "10.0, 4.0, 1.0, 2.0"

    def insert(self, connection, docs: list[Document]) -> None:
        connection.execute(text(
            "INSERT INTO search_index (rowid, title, people, body, cjk, starts_at, ends_at) "
            "VALUES (:event_id, :title, :people, :body, :cjk, :starts_at, :ends_at)"),
            [doc.__dict__ for doc in docs])

    def delete(self, connection, ids: list[int]) -> None:
        connection.execute(text("DELETE FROM search_index WHERE rowid IN :ids")
                           .bindparams(_expanding("ids")), {"ids": ids})

    def clear(self, connection) -> None:
        connection.execute(text("DELETE FROM search_index"))

    def optimise(self, connection) -> None:
        connection.execute(text("INSERT INTO search_index (search_index) VALUES ('optimize')"))

    @staticmethod
    def match(query: terms.SearchQuery, any_term: bool) -> str:
        """An FTS5 expression built only from our own quoting: every word is a quoted string
        (which FTS5 stems like the indexed text); every CJK run a phrase in the CJK column."""
        parts = [f'"{word}"' for word in query.words]
        for phrase in query.phrases:
            if len(phrase) == 1 and len(phrase[0]) == 1:
                parts.append(f'cjk : "{phrase[0]}"*')
            else:
                parts.append('cjk : "' + " ".join(phrase) + '"')
        return (" OR " if any_term else " AND ").join(parts)

    def ranked(self, connection, query, any_term, now: int, window: int) -> list[tuple]:
        # FTS5 walks the doclist newest id first and stops at the window; only those rows
        # are scored and sorted.
        return connection.execute(text(
            f"SELECT id, ends_at < :now FROM (SELECT rowid AS id, starts_at, ends_at, "
            f"bm25(search_index, {self.WEIGHTS}) AS score FROM search_index "
            f"WHERE search_index MATCH :match ORDER BY rowid DESC LIMIT :window) "
            f"ORDER BY ends_at < :now, score, starts_at, id"),
            {"match": self.match(query, any_term), "now": now, "window": window}).all()

    def highlights(self, connection, query, any_term, ids: list[int]) -> dict[int, tuple]:
        # One rowid per branch: FTS5 seeks each directly (an IN list would scan the matches).
        branch = ("SELECT rowid, highlight(search_index, 0, :start, :end), "
                  "snippet(search_index, 2, :start, :end, '…', 30) FROM search_index "
                  "WHERE search_index MATCH :match AND rowid = :id{n}")
        rows = connection.execute(
            text(" UNION ALL ".join(branch.format(n=n) for n in range(len(ids)))),
            {"match": self.match(query, any_term), "start": terms.MARK_START,
             "end": terms.MARK_END, **{f"id{n}": event_id for n, event_id in enumerate(ids)}})
        return {row[0]: (row[1], row[2]) for row in rows}


class PostgresBackend:
    """A weighted tsvector (title A, people B, body C, CJK bigrams D) with a GIN index."""

    CONFIG = "eventsite_search"

    def insert(self, connection, docs: list[Document]) -> None:
        connection.execute(text(
            "INSERT INTO search_documents (event_id, title, people, body, starts_at, ends_at, "
            "document) VALUES (:event_id, :title, :people, :body, :starts_at, :ends_at, "
            f"setweight(to_tsvector('{self.CONFIG}', :title), 'A') || "
            f"setweight(to_tsvector('{self.CONFIG}', :people), 'B') || "
            f"setweight(to_tsvector('{self.CONFIG}', :body), 'C') || "
            "setweight(to_tsvector('simple', :cjk), 'D'))"),
            [doc.__dict__ for doc in docs])

    def delete(self, connection, ids: list[int]) -> None:
        connection.execute(text("DELETE FROM search_documents WHERE event_id IN :ids")
                           .bindparams(_expanding("ids")), {"ids": ids})

    def clear(self, connection) -> None:
        connection.execute(text("DELETE FROM search_documents"))

    def optimise(self, connection) -> None:
        connection.execute(text("ANALYZE search_documents"))

    def tsquery(self, query: terms.SearchQuery, any_term: bool) -> tuple[str, dict]:
        """SQL for the tsquery, with every visitor's word a bound parameter."""
        parts, params = [], {}
        for n, word in enumerate(query.words):
            parts.append(f"plainto_tsquery('{self.CONFIG}', :w{n})")
            params[f"w{n}"] = word
        for n, phrase in enumerate(query.phrases):
            if len(phrase) == 1 and len(phrase[0]) == 1:  # one character: a prefix of bigrams
                parts.append(f"to_tsquery('simple', :p{n} || ':*')")
            else:
                parts.append(f"phraseto_tsquery('simple', :p{n})")
            params[f"p{n}"] = " ".join(phrase)
        return (" || " if any_term else " && ").join(parts), params

    def ranked(self, connection, query, any_term, now: int, window: int) -> list[tuple]:
        # Rank only the window: ts_rank reads each document, and a common word matches
        # the whole archive (the planner walks the primary key backwards and stops).
        sql, params = self.tsquery(query, any_term)
        return connection.execute(text(
            f"SELECT id, ends_at < :now FROM (SELECT event_id AS id, starts_at, ends_at, "
            f"document, q.query FROM search_documents, (SELECT {sql} AS query) AS q "
            f"WHERE document @@ q.query ORDER BY event_id DESC LIMIT :window) AS w "
            f"ORDER BY ends_at < :now, ts_rank(document, query) DESC, starts_at, id"),
            {**params, "now": now, "window": window}).all()

    def highlights(self, connection, query, any_term, ids: list[int]) -> dict[int, tuple]:
        sql, params = self.tsquery(query, any_term)
        marks = f"StartSel={terms.MARK_START}, StopSel={terms.MARK_END}"
        rows = connection.execute(text(
            f"SELECT event_id, "
            f"ts_headline('{self.CONFIG}', title, q.query, 'HighlightAll=true, {marks}'), "
            f"ts_headline('{self.CONFIG}', body, q.query, 'MaxFragments=2, MaxWords=30, "
            f"MinWords=12, FragmentDelimiter=\" … \", {marks}') "
            f"FROM search_documents, (SELECT {sql} AS query) AS q "
            f"WHERE event_id IN :ids").bindparams(_expanding("ids")), {**params, "ids": ids})
        return {row[0]: (row[1], row[2]) for row in rows}


def _expanding(name: str):
    from sqlalchemy import bindparam

    return bindparam(name, expanding=True)


_BACKENDS = {"sqlite": SQLiteBackend(), "postgresql": PostgresBackend()}


def _backend(connection: Connection):
    try:
        return _BACKENDS[connection.dialect.name]
    except KeyError:
        raise NotImplementedError(f"search on {connection.dialect.name}") from None


# --- searching ----------------------------------------------------------------------------------

# Matches considered, newest first: ranking all of them would cost as much as the archive is
# large ("peace" on a peace organisation's site). A visitor sees at most this many results
# (50 pages of 20) and is asked for more words when there are more.
WINDOW = 1000


@dataclass
class Hit:
    event: Event
    title: str  # with highlight markers (domain/search.py), not yet escaped
    snippet: str
    past: bool


@dataclass
class Results(NumberedPages):
    """One page of results, shaped like a pagination for the templates and the API."""

    text: str
    hits: list[Hit]
    total: int  # at most WINDOW
    page: int
    per_page: int
    any_term: bool = False  # no event had every word: these have some of them

    @property
    def more(self) -> bool:
        """More events match than were ranked: the visitor should add words."""
        return self.total >= WINDOW

    @property
    def items(self) -> list[Event]:
        return [hit.event for hit in self.hits]



def search(words: str, page: int = 1, per_page: int = 20, now: datetime | None = None) -> Results:
    """Listed events matching `words`: upcoming ones first, then past ones, each by relevance.

    Every word must match; when no event has them all, events with any of them are given
    (and said to be). A fixed number of queries, and a bounded cost, however many events
    there are: the newest WINDOW matches are ranked."""
    query = terms.parse_query(words)
    if not query:
        return Results(words, [], 0, page, per_page)
    connection = db.session.connection()
    backend = _backend(connection)
    moment = _epoch(now or utcnow())
    any_term = False
    ranked = backend.ranked(connection, query, False, moment, WINDOW)
    if not ranked and query.terms > 1:
        any_term = True
        ranked = backend.ranked(connection, query, True, moment, WINDOW)
    shown = ranked[(page - 1) * per_page:page * per_page]
    results = Results(words, [], len(ranked), page, per_page, any_term)
    if not shown:
        return results
    ids = [row[0] for row in shown]
    marked = backend.highlights(connection, query, any_term, ids)
    events = {e.id: e for e in db.session.scalars(select(Event).where(Event.id.in_(ids)))}
    for event_id, past in shown:
        found = events.get(event_id)
        if found is None:
            continue
        title, snippet = marked.get(event_id, (found.title, found.summary))
        results.hits.append(Hit(found, terms.mark_runs(title, query.runs),
                                terms.mark_runs(snippet or "", query.runs), bool(past)))
    return results
