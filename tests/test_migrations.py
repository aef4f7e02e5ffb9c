"""`flask db upgrade` on an empty database gives exactly the models' schema."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import inspect

from eventsite.extensions import db
from eventsite.services.search import is_search_table
from tests.conftest import reset_schema


def test_upgrade_from_empty_matches_the_models(app):
    reset_schema()
    assert inspect(db.engine).get_table_names() == []

    upgrade()

    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True,
            "include_name": lambda name, type_, _parents: not (
                type_ == "table" and is_search_table(name or ""))})
        differences = compare_metadata(context, db.metadata)
    assert differences == []
    tables = set(inspect(db.engine).get_table_names())
    assert {"events", "speakers", "event_speakers", "organisations", "locations",
            "tags"} <= tables
