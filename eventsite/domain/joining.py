"""When a personal join link (/j/<secret>) leads into the room.

Pure: the service hands in the registration's dates as UTC instants (one for an event or for
one date of a series, each scheduled date for a whole-series registration) and the minutes
the room opens before the start. The window is counted on instants, so it is the same in
every zone and across clock changes: 15 minutes before 7pm London is 6:45pm London whether
or not the clocks changed that week.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Phase(StrEnum):
    EARLY = "early"  # the room is not open yet: say when it opens
    OPEN = "open"  # redirect to the room
    OVER = "over"  # every date is over: the recording, if there is one


@dataclass(frozen=True)
class Window:
    phase: Phase
    starts_utc: datetime | None  # the date concerned (the next, the open, or the last one)
    ends_utc: datetime | None
    opens_utc: datetime | None  # when the room opens for it


def join_window(dates: Iterable[tuple[datetime, datetime]], now: datetime,
                opens_before: timedelta) -> Window:
    """Where the link leads at `now` (naive UTC) for these (start, end) dates."""
    last = None
    for starts, ends in sorted(dates):
        opens = starts - opens_before
        if now < opens:
            return Window(Phase.EARLY, starts, ends, opens)
        if now < ends:
            return Window(Phase.OPEN, starts, ends, opens)
        last = (starts, ends, opens)
    if last is None:
        return Window(Phase.OVER, None, None, None)
    return Window(Phase.OVER, *last)
