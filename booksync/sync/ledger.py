"""The link ledger: reading it into the planner's terms and writing what a side agreed to."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from booksync.bookings.models import Booking

from .models import BookingLink
from .plan import CALENDAR, NOTION, Link, project
from .snapshot import local_record


def base_to_json(base: Mapping[str, Any]) -> dict[str, Any]:
    """A base as the ledger stores it (JSON: times as ISO text)."""
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in base.items()}


def base_from_json(data: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if data is None:
        return None
    out = dict(data)
    for key in ("start", "end"):
        if isinstance(out.get(key), str):
            out[key] = datetime.fromisoformat(out[key])
    return out


def link_of(booking: Booking, link: BookingLink | None) -> Link:
    return Link(
        booking_id=str(booking.pk),
        booking=local_record(booking),
        booking_edited_at=booking.updated_at,
        notion_id=link.notion_page_id if link else "",
        notion_base=base_from_json(link.notion_base) if link else None,
        calendar_id=link.calendar_event_id if link else "",
        calendar_base=base_from_json(link.calendar_base) if link else None,
    )


def load_links(bookings: Iterable[Booking] | None = None) -> list[Link]:
    """Every booking (or the given ones) with what the ledger knows of it."""
    if bookings is None:
        bookings = Booking.objects.select_related("link").all()
    links = []
    for booking in bookings:
        try:
            link = booking.link
        except BookingLink.DoesNotExist:
            link = None
        links.append(link_of(booking, link))
    return links


def _as_uuid(text: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(text))
    except ValueError:
        return None


def load_links_for_pages(records: Iterable[Any]) -> list[Link]:
    """The links a few Notion records can match (by page id or Booking ID), without reading every booking."""
    from django.db.models import Q

    records = list(records)
    page_ids = [record.external_id for record in records]
    # A Booking ID a person typed may be anything; only a UUID can name one of our bookings.
    booking_ids = [found for r in records if (found := _as_uuid(r.booking_id)) is not None]
    wanted = Booking.objects.select_related("link").filter(Q(link__notion_page_id__in=page_ids) | Q(pk__in=booking_ids))
    return load_links(wanted)


def remember(side: str, booking_id: str, external_id: str, base: Mapping[str, Any]) -> None:
    """Record that ``side`` shows ``base`` for the booking (the base of the next three-way merge)."""
    link, _ = BookingLink.objects.get_or_create(booking_id=booking_id)
    if side == NOTION:
        link.notion_page_id = external_id or link.notion_page_id
        link.notion_base = base_to_json(base)
    else:
        link.calendar_event_id = external_id or link.calendar_event_id
        link.calendar_base = base_to_json(base)
    link.save()


def remember_written(side: str, booking: Booking) -> dict[str, Any]:
    """After a push: the side now shows the booking exactly as booksync holds it."""
    base = base_to_json(project(side, local_record(booking)))
    field = "notion_base" if side == NOTION else "calendar_base"
    BookingLink.objects.filter(booking=booking).update(**{field: base})
    return base


__all__ = ["CALENDAR", "NOTION", "link_of", "load_links", "remember", "remember_written"]
