"""Translation between booking views and Google Calendar event resources (no HTTP here)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from .ports import BookingView, SideRecord

BOOKING_ID_PROPERTY = "bookingId"
ORIGIN_PROPERTY = "booksync"  # marks events booksync wrote, whatever their id


def invites_by_calendar() -> bool:
    """INVITES_VIA=calendar: Google invites the customer; otherwise our email carries the .ics."""
    return settings.INVITES_VIA == "calendar"


def send_updates() -> str:
    return "all" if invites_by_calendar() else "none"


def _stamp(value: datetime, zone: str) -> dict[str, str]:
    return {"dateTime": value.astimezone(ZoneInfo(zone)).isoformat(), "timeZone": zone}


def event_body(booking: BookingView) -> dict[str, Any]:
    """The event for ``booking``: what, where, when, and who is invited (per INVITES_VIA)."""
    invited = invites_by_calendar() and bool(booking.email)
    zone = booking.studio.zone
    body: dict[str, Any] = {
        "summary": booking.title,
        # The attendee reads this description: the manage link only when the customer is invited here.
        "description": booking.shared_description if invited else booking.description,
        "start": _stamp(booking.start, zone),
        "end": _stamp(booking.end, zone),
        "extendedProperties": {"private": {BOOKING_ID_PROPERTY: booking.booking_id, ORIGIN_PROPERTY: "1"}},
        "transparency": "opaque",
    }
    if booking.studio.address:
        body["location"] = booking.studio.address
    # With email invites the customer must not be an attendee, or they would get two invitations.
    body["attendees"] = (
        [{"email": booking.email, "displayName": booking.name}] if invites_by_calendar() and booking.email else []
    )
    return body


def _when(value: dict[str, Any] | None, calendar_zone: str) -> datetime | None:
    if not value:
        return None
    if value.get("dateTime"):
        parsed = datetime.fromisoformat(value["dateTime"].replace("Z", "+00:00"))
        if parsed.tzinfo is None:  # a floating time: it is in the event's zone
            parsed = parsed.replace(tzinfo=ZoneInfo(value.get("timeZone") or calendar_zone))
        return parsed.astimezone(UTC)
    if value.get("date"):
        # All-day events cover whole days of the calendar's own zone (end exclusive).
        day = date.fromisoformat(value["date"])
        return datetime.combine(day, time(0), tzinfo=ZoneInfo(calendar_zone)).astimezone(UTC)
    return None


def to_record(event: dict[str, Any], calendar_zone: str) -> SideRecord:
    """An event as the sync sees it. Cancelled events may carry nothing but their id."""
    private = (event.get("extendedProperties") or {}).get("private") or {}
    deleted = event.get("status") == "cancelled"
    start, end = _when(event.get("start"), calendar_zone), _when(event.get("end"), calendar_zone)
    problem = ""
    if not deleted and (start is None or end is None):
        problem = "the event has no start or end"
    elif start and end and end <= start:
        problem = "the event ends before it starts"
    guests = [a for a in event.get("attendees") or [] if not a.get("self") and not a.get("organizer")]
    updated = event.get("updated")
    return SideRecord(
        external_id=event["id"],
        booking_id=private.get(BOOKING_ID_PROPERTY),
        start=start,
        end=end,
        name=(guests[0].get("displayName") if guests else "") or event.get("summary", ""),
        email=guests[0].get("email", "") if guests else "",
        notes=event.get("description", ""),
        source="calendar",
        deleted=deleted,
        edited_at=datetime.fromisoformat(updated.replace("Z", "+00:00")) if updated else None,
        problem=problem,
        transparent=event.get("transparency") == "transparent",
        extra={"summary": event.get("summary", ""), "all_day": bool((event.get("start") or {}).get("date")),
               "ours": private.get(ORIGIN_PROPERTY) == "1"},
    )
