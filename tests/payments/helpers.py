"""Shared steps of the payment tests."""

from __future__ import annotations

import json

from django.core import mail

from booksync.bookings.models import Booking
from booksync.outbox.delivery import deliver_due


def post(client, url, body, **headers):
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def book(client, start, service="family", email="ann@example.com", name="Ann Customer", **headers):
    body = {"service": service, "start": start.isoformat(), "name": name, "email": email}
    if service == "family":  # the demo's Family session asks how many people come (ADR 0019)
        body["answers"] = {"people": 4}
    return post(client, "/api/bookings", body, **headers)


def deliver() -> None:
    """What the worker would do now: every due message, twice over (a handler may owe more)."""
    for _ in range(4):
        deliver_due(force=True)


def emails(kind_word: str, to: str = "ann@example.com") -> list:
    return [m for m in mail.outbox if kind_word in m.subject and to in m.to[0]]


def session_of(stripe_emu, booking_id) -> dict:
    [session] = [s for s in stripe_emu.sessions.values() if s["metadata"].get("booking") == str(booking_id)]
    return session


def held_event(stripe_emu, type_: str, session_id: str) -> dict:
    found = [e for e in stripe_emu.events.values()
             if e["type"] == type_ and e["data"]["object"].get("id") == session_id]
    assert found, f"no {type_} for {session_id}"
    return found[-1]


def sides(emu, notion_db, gcal, booking: Booking) -> tuple[list, list]:
    """(Notion pages, calendar events) that name the booking."""
    pages = [emu.plain(p) for p in emu.page_ids(notion_db.data_source_id)]
    pages = [p for p in pages if p.get("Booking ID") == str(booking.pk)]
    events = [e for e in gcal.events() if str(booking.pk) in json.dumps(e)]
    return pages, events
