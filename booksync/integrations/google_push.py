"""Google Calendar push, the HTTP side: opening and stopping watch channels, and their secret token.

A channel's secret token is an HMAC of its id under SECRET_KEY, so a forged
notification can be refused without touching anything. What booksync keeps
of a channel, its renewal and the notifications it brings live in
``sync/calendar_channels.py``.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings

from .google_api import execute
from .google_calendar import GoogleCalendar
from .ports import NotFound

WEBHOOK_PATH = "/api/webhooks/google"
CHANNEL_LIFETIME = timedelta(days=7)  # Google's maximum for events.watch


@dataclass(frozen=True)
class ChannelInfo:
    """A channel Google opened: what stopping it needs, and when it ends."""

    channel_id: str
    resource_id: str
    calendar_id: str
    expires_at: datetime


def channel_token(channel_id: str) -> str:
    """The secret Google echoes in X-Goog-Channel-Token for ``channel_id``."""
    return hmac.new(settings.SECRET_KEY.encode(), f"gcal-channel:{channel_id}".encode(), hashlib.sha256).hexdigest()


def open_channel(calendar: GoogleCalendar, now: datetime) -> ChannelInfo:
    """Ask Google to push changes of the calendar's events to our webhook (events.watch)."""
    channel_id = uuid.uuid4().hex
    body = {
        "id": channel_id,
        "type": "web_hook",
        "address": settings.SITE_URL + WEBHOOK_PATH,
        "token": channel_token(channel_id),
        "expiration": str(int((now + CHANNEL_LIFETIME).timestamp() * 1000)),
    }
    answer = execute(calendar.events.watch(calendarId=calendar.calendar_id, body=body), "watch events")
    expires = datetime.fromtimestamp(int(answer.get("expiration") or body["expiration"]) / 1000, UTC)
    return ChannelInfo(channel_id, answer["resourceId"], calendar.calendar_id, expires)


def stop_channel(calendar: GoogleCalendar, channel_id: str, resource_id: str) -> None:
    """Ask Google to stop a channel; one already unknown there counts as stopped."""
    with contextlib.suppress(NotFound):
        execute(calendar.service.channels().stop(body={"id": channel_id, "resourceId": resource_id}),
                "stop channel")
