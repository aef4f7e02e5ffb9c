"""Counting the SQL statements a piece of work sends, to prove queries do not grow with data."""

from contextlib import contextmanager

from sqlalchemy import event as sa_event

from eventsite.extensions import db


@contextmanager
def counting_statements():
    """Collects every statement sent to the database inside the block."""
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", record)
