"""When a Notion verification handshake may be accepted: Notion configured, and an admin expecting one.

A handshake plants the key that every later event is checked against, and it
carries no proof of where it came from. So none is taken unless an admin has
just opened a short window for it (the sync dashboard's button or
``booksync notion expect-verification``) while creating the subscription in
Notion. The first handshake inside the window is kept and closes it; any
other is refused and logged.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from booksync.integrations.registry import notion_enabled

from .models import SyncState

log = logging.getLogger("booksync.webhooks")
TOKEN_STATE = "notion_verification_token"
WINDOW_STATE = "notion_verification_window_until"


def open_window(now: datetime | None = None, minutes: int | None = None) -> datetime:
    """Accept the next handshake until the returned instant."""
    now = now or timezone.now()
    until = now + timedelta(minutes=minutes or settings.NOTION_VERIFICATION_WINDOW_MINUTES)
    SyncState.put(WINDOW_STATE, until.isoformat())
    log.info("opened the Notion verification window until %s", until.isoformat())
    return until


def window_closes_at(now: datetime | None = None) -> datetime | None:
    """When the open window closes, or None when no window is open."""
    raw = SyncState.get(WINDOW_STATE)
    if not raw:
        return None
    until = datetime.fromisoformat(raw)
    return until if until > (now or timezone.now()) else None


def close_window() -> None:
    SyncState.objects.filter(name=WINDOW_STATE).delete()


def refusal(now: datetime | None = None) -> str:
    """Why a handshake cannot be accepted now ("" when it can)."""

    if not notion_enabled():
        return "Notion is not configured (NOTION_API_KEY, NOTION_BOOKINGS_DATABASE_ID)."
    if window_closes_at(now) is None:
        return ("No verification is expected: open the window on the sync dashboard or with "
                "`booksync notion expect-verification`, then create the subscription in Notion.")
    return ""


def accept(token: str) -> None:
    """Keep ``token`` as the signing key (replacing any earlier one) and close the window."""
    SyncState.put(TOKEN_STATE, token)
    close_window()
    log.info("stored the Notion webhook verification token; paste it into Notion to activate the subscription")
