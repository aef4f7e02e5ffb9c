"""Where a page of a listing starts: a page number (bounded) or a keyset cursor, the
(start instant, id) of the event next to it. A cursor makes page 5,000 cost what page 2
costs: the database seeks to it in the start-time index instead of skipping earlier rows."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

MAX_PAGE = 10_000  # 200,000 events deep at 20 a page; the pager itself links by cursor

Cursor = tuple[datetime, int]

_CURSOR = re.compile(r"(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)(?:\.(\d{6}))?-(\d{1,18})")


@dataclass(frozen=True)
class Position:
    """Page `page`, or the page just after / just before the event at a cursor."""

    page: int = 1
    after: Cursor | None = None
    before: Cursor | None = None


def encode_cursor(starts_utc: datetime, event_id: int) -> str:
    """A short, URL-safe token such as `20261201T160000-42`."""
    d = starts_utc
    text = f"{d.year:04d}{d.month:02d}{d.day:02d}T{d.hour:02d}{d.minute:02d}{d.second:02d}"
    if d.microsecond:
        text += f".{d.microsecond:06d}"
    return f"{text}-{event_id}"


def decode_cursor(token: str) -> Cursor | None:
    """The (start, id) a token names; None when it is not one of ours."""
    match = _CURSOR.fullmatch(token)
    if not match:
        return None
    year, month, day, hour, minute, second, micro, event_id = match.groups()
    try:
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second),
                          int(micro or 0))
    except ValueError:
        return None
    if int(event_id) > 2**63 - 1:
        return None
    return moment, int(event_id)


class NumberedPages:
    """Page-number navigation for a result that knows `total`, `page` and `per_page` (the
    attributes the pager macro reads, as Flask-SQLAlchemy's Pagination names them)."""

    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return -(-self.total // self.per_page)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1
