"""Who a booking is with, as its messages say it (ADR 0017): "with Alex", and the room.

Only a studio of several people names them; a one-person studio's messages are word for word
as before people and rooms existed.
"""

from __future__ import annotations

from ..models import Resource, ResourceKind


def several_people() -> bool:
    return Resource.objects.filter(kind=ResourceKind.PERSON, active=True).count() > 1


def with_whom(booking) -> tuple[str, str]:
    """(the booking's people, its rooms) as names joined by commas; ("", "") in a one-person studio."""
    if booking.pk is None or not several_people():
        return "", ""
    held = sorted((c.resource for c in booking.claims.select_related("resource")), key=lambda r: (r.order, r.name))
    people = ", ".join(r.name for r in held if r.kind == ResourceKind.PERSON)
    rooms = ", ".join(r.name for r in held if r.kind == ResourceKind.ROOM)
    return people, rooms
