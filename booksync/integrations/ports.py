"""The interfaces the core needs from the outside world, one per kind of service.

The booking service and the sync engine depend on these Protocols only; each
provider lives in its own module (local.py, google_calendar.py, caldav.py,
notion.py, mail.py) and converts to and from its own types inside it.
"""

from __future__ import annotations

from typing import Protocol

from booksync.scheduling import Interval


class BusySource(Protocol):
    """Where foreign busy time comes from (a calendar beyond our own bookings)."""

    name: str

    def busy(self, window: Interval, *, live: bool = False) -> list[Interval]:
        """Busy intervals overlapping ``window``.

        ``live=True`` asks the provider itself (used when a booking is made);
        otherwise a cache may answer (the slot picker).
        """
        ...


class IntegrationError(Exception):
    """An outside call failed. ``retryable`` tells the outbox whether to try again later."""

    retryable = True


class PermanentError(IntegrationError):
    """Trying again will not help (invalid address, 4xx other than 429): a human must look."""

    retryable = False
