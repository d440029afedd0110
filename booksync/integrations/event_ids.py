"""Deterministic calendar event ids for bookings.

Google lets the client choose an event id (base32hex: 0-9 and a-v, 5-1024
characters). Deriving it from the booking's UUID makes a retried insert
collide with the first one (409) instead of creating a duplicate. A deleted
event keeps its id reserved for ever, so a booking whose event was deleted
gets a new id by appending its *generation*.
"""

from __future__ import annotations

import base64
import uuid


def event_id_for(booking_id: uuid.UUID | str, generation: int = 0) -> str:
    """The event id of generation ``generation`` of a booking (26 characters for generation 0)."""
    raw = uuid.UUID(str(booking_id)).bytes
    base = base64.b32hexencode(raw).decode().rstrip("=").lower()
    return base if generation == 0 else f"{base}{generation}"
