"""Column types shared by the models."""

import enum

from sqlalchemy import Enum


def enum_column(enum_class: type[enum.Enum]) -> Enum:
    """Store an enum by its value as a short string, the same on SQLite and PostgreSQL.

    A VARCHAR rather than a native PostgreSQL ENUM, so adding a member needs no migration.
    """
    return Enum(
        enum_class,
        native_enum=False,
        length=20,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
    )
