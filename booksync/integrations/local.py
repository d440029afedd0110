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

    def busy_by_calendar(self, window: Interval, calendars: list[str], /, *,
                         live: bool = False) -> dict[str, list[Interval]]:
        # A resource's own local calendar is its .ics feed of what booksync holds: nothing foreign.
        return {"": [], **{calendar: [] for calendar in calendars}}
