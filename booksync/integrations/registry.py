"""Which providers this deployment uses, chosen by settings (never by code changes)."""

from __future__ import annotations

from django.conf import settings

from .caldav import caldav_calendar
from .google_calendar import google_calendar
from .local import LocalCalendar
from .notion import notion_bookings
from .ports import BusySource, CalendarStore, NotConfigured, NotionStore


def calendar_provider() -> str:
    if settings.GOOGLE_REFRESH_TOKEN or settings.GOOGLE_SERVICE_ACCOUNT_FILE:
        return "google"
    if settings.CALDAV_URL:
        return "caldav"
    return "local"


def notion_enabled() -> bool:
    return bool(settings.NOTION_API_KEY and settings.NOTION_BOOKINGS_DATABASE_ID)


def notion_store() -> NotionStore:
    """The Notion bookings database (integrations/notion.py)."""
    if not notion_enabled():
        raise NotConfigured("Notion is not configured: set NOTION_API_KEY and NOTION_BOOKINGS_DATABASE_ID.")

    return notion_bookings()


def calendar_store() -> CalendarStore:
    """The outside calendar that holds booking events (Google or CalDAV)."""
    provider = calendar_provider()
    if provider == "google":
        return google_calendar()
    if provider == "caldav":
        return caldav_calendar()
    raise NotConfigured("No outside calendar is configured (GOOGLE_* or CALDAV_* settings).")


def busy_source() -> BusySource:
    """The calendar whose foreign events block availability (the local one adds none)."""
    return LocalCalendar() if calendar_provider() == "local" else calendar_store()


def enabled_sides() -> list[str]:
    """The sides this installation syncs, Notion first (the source of truth); each is also the
    outbox topic of the pushes a booking change owes it."""
    sides = []
    if notion_enabled():
        sides.append("notion")
    if calendar_provider() != "local":
        sides.append("calendar")
    return sides
