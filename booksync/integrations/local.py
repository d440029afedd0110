"""The embedded default calendar: the local database itself.

Bookings and blocks already live in the database, so the local calendar adds
no foreign busy time; it is published as an .ics feed (web/feeds.py).
"""

from __future__ import annotations

from booksync.scheduling import Interval


class LocalCalendar:
    name = "local"

    def busy(self, window: Interval, /, *, live: bool = False) -> list[Interval]:
        return []
