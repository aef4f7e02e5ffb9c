"""A one-row change counter: what feeds and caches key on to know whether anything changed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, event, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from eventsite.domain.timezones import utcnow
from eventsite.extensions import db


class SiteState(db.Model):
    __tablename__ = "site_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=0)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


# The row exists from the moment the table does (create_all; the migration inserts it too).
event.listen(SiteState.__table__, "after_create", DDL(
    "INSERT INTO site_state (id, version, changed_at) VALUES (1, 0, CURRENT_TIMESTAMP)"))

# Everything a page, feed or API answer shows of an event; set in models/__init__.py.
TRACKED: tuple[type, ...] = ()


@event.listens_for(Session, "before_flush")
def _count_changes(session: Session, _context, _instances) -> None:
    """Bump the counter in the same transaction as any write to what feeds show, so no
    write path (service, command, shell) can leave a feed stale."""
    touched = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(obj, TRACKED) for obj in touched):
        session.execute(update(SiteState).where(SiteState.id == 1).values(
            version=SiteState.version + 1, changed_at=utcnow()))
        session.info["site_changed"] = True


_local_commits = 0  # changes committed by this process: caches here need not wait to see them


@event.listens_for(Session, "after_commit")
def _note_local_change(session: Session) -> None:
    global _local_commits
    if session.info.pop("site_changed", False):
        _local_commits += 1


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop("site_changed", None)


def local_commits() -> int:
    return _local_commits
