"""The link ledger: reading it into the planner's terms and writing what a side agreed to."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q

from booksync.bookings.models import Booking

from .models import BookingLink, SyncState
from .plan import ANSWER, CALENDAR, NOTION, Link, project
from .snapshot import local_record

# Where the last incremental look at local changes began (ISO time), and how far before it the
# next one looks again: a row's updated_at is stamped when it is saved, but a transaction may
# commit minutes later, and machines' clocks differ a little.
LOCAL_SWEEP = "ledger:local-sweep"
SETTLE = timedelta(minutes=10)
_CHUNK = 500  # ids per IN (...) query: SQLite caps the parameters of one statement


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
    for key, value in out.items():
        if key.startswith(ANSWER) and isinstance(value, list):
            out[key] = tuple(value)  # several choices: the planner compares tuples
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
        calendar_name=link.calendar_name if link else "",
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
        if link is None and booking.only_here:
            continue  # a hold awaiting its payment, or one released unpaid: no side ever hears of it (ADR 0018)
        links.append(link_of(booking, link))
    return links


def _as_uuid(text: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(text))
    except ValueError:
        return None


def load_links_for_records(side: str, records: Iterable[Any]) -> list[Link]:
    """The links records read from ``side`` can match (by their id there or a Booking ID),
    without reading every booking."""
    records = list(records)
    id_field = "link__notion_page_id__in" if side == NOTION else "link__calendar_event_id__in"
    external_ids = [record.external_id for record in records if record.external_id]
    # A Booking ID a person typed may be anything; only a UUID can name one of our bookings.
    booking_ids = [found for r in records if (found := _as_uuid(r.booking_id)) is not None]
    # Two lookups, each by its own index: an OR across the join makes the database scan every booking.
    wanted = [Q(**{id_field: external_ids[i:i + _CHUNK]}) for i in range(0, len(external_ids), _CHUNK)]
    wanted += [Q(pk__in=booking_ids[i:i + _CHUNK]) for i in range(0, len(booking_ids), _CHUNK)]
    links: dict[str, Link] = {}
    for condition in wanted:
        for link in load_links(Booking.objects.select_related("link").filter(condition)):
            links[link.booking_id] = link
    return list(links.values())


def load_links_for_pages(records: Iterable[Any]) -> list[Link]:
    """The links a few Notion records can match (by page id or Booking ID)."""
    return load_links_for_records(NOTION, records)


def with_links_for(side: str, records: Iterable[Any], links: list[Link]) -> list[Link]:
    """``links`` plus those the records read from ``side`` can match (each booking once)."""
    known = {link.booking_id for link in links}
    return links + [link for link in load_links_for_records(side, records) if link.booking_id not in known]


def links_for_incremental(sides: Iterable[str]) -> list[Link]:
    """The links whose booking may owe ``sides`` a push: changed since the last incremental look
    (or their ledger row did), or linked without a Notion page. Everything on the first run.

    What an incremental run reads from the sides brings its own links (``with_links_for``); the
    daily full run still compares every booking with the ledger, and finds a booking that did not
    change since but never reached a side (its push is the outbox's to retry meanwhile).
    Each question is asked on its own index: an OR across the join would scan every booking.
    """
    mark = SyncState.get(LOCAL_SWEEP)
    if mark is None:
        return load_links()
    since = datetime.fromisoformat(mark) - SETTLE
    # order_by(): the models' default ordering would make the database walk another index.
    ids = set(Booking.objects.filter(updated_at__gte=since).order_by().values_list("pk", flat=True))
    ids.update(BookingLink.objects.filter(updated_at__gte=since).order_by().values_list("booking_id", flat=True))
    if NOTION in set(sides):
        # Every booking gets a page, so an empty page id is rare and the index finds it at once. (The
        # calendar has no such question: cancelled bookings rightly have no event, and there are many.)
        ids.update(BookingLink.objects.filter(notion_page_id="").order_by().values_list("booking_id", flat=True))
    ordered = sorted(ids)
    return [link for i in range(0, len(ordered), _CHUNK)
            for link in load_links(Booking.objects.select_related("link").filter(pk__in=ordered[i:i + _CHUNK]))]


def mark_local_sweep(started_at: datetime) -> None:
    """Every booking changed before ``started_at`` has been compared with what the sides were told."""
    SyncState.put(LOCAL_SWEEP, started_at.isoformat())


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


def remember_written(side: str, booking: Booking, *, answers_shown: frozenset[str] | None = None) -> dict[str, Any]:
    """After a push: the side now shows the booking exactly as booksync holds it.

    ``answers_shown``: the question keys whose column the side has; the others are left out of
    the base, so a column added later (empty) does not read as a person clearing the answer."""
    projected = project(side, local_record(booking))
    if answers_shown is not None:
        projected = {k: v for k, v in projected.items()
                     if not k.startswith(ANSWER) or k.removeprefix(ANSWER) in answers_shown}
    base = base_to_json(projected)
    field = "notion_base" if side == NOTION else "calendar_base"
    BookingLink.objects.filter(booking=booking).update(**{field: base})
    return base


__all__ = ["CALENDAR", "NOTION", "link_of", "links_for_incremental", "load_links", "load_links_for_records",
           "mark_local_sweep", "remember", "remember_written", "with_links_for"]
