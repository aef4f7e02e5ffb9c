"""Search: an FTS5 table on SQLite; unaccent, a text search configuration and a tsvector
table on PostgreSQL (see eventsite/services/search.py). Events already in the database are
indexed by `flask rebuild-search` (README); new writes keep the index in step.

Revision ID: c7d15e4a0f21
Revises: af8815e5d7b1
Create Date: 2026-11-24 19:00:00
"""
from alembic import op

revision = 'c7d15e4a0f21'
down_revision = 'af8815e5d7b1'
branch_labels = None
depends_on = None

# Copied, not imported: a migration must keep meaning what it meant when written.
SQLITE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_index USING fts5(title, people, body, cjk, "
    "starts_at UNINDEXED, ends_at UNINDEXED, "
    "tokenize = 'porter unicode61 remove_diacritics 2')",
)
POSTGRES = (
    # unaccent is a trusted extension (PostgreSQL 13+): a database owner may create it.
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


def upgrade():
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE, "postgresql": POSTGRES}.get(dialect, ()):
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_index")
    elif dialect == "postgresql":
        op.execute("DROP TABLE IF EXISTS search_documents")
        op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS eventsite_search")
