"""Google Calendar push: watch channels, their renewal, and the notifications they send.

A notification carries no data, only "this calendar changed": we drop the
cached busy time (so the slot picker is right at once) and wake the worker,
which reads the change feed. Each channel's secret token is an HMAC of its id
under SECRET_KEY, checked in constant time, so a forged notification is
refused without touching anything. Channels live at most a week; the worker
runs ``renew_channels`` (hourly is plenty) to open a new one a day before the
old expires and stop the old ones.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.utils import timezone

from .google_api import execute
from .ports import NotFound

log = logging.getLogger("booksync.google.push")

WEBHOOK_PATH = "/api/webhooks/google"
CHANNEL_LIFETIME = timedelta(days=7)  # Google's maximum for events.watch
RENEW_BEFORE = timedelta(days=1)
CHANGED_TASK = "booksync.sync.tasks.calendar_changed"


def channel_token(channel_id: str) -> str:
    """The secret Google echoes in X-Goog-Channel-Token for ``channel_id``."""
    return hmac.new(settings.SECRET_KEY.encode(), f"gcal-channel:{channel_id}".encode(), hashlib.sha256).hexdigest()


def watch(calendar=None, *, now: datetime | None = None):
    """Open a push channel on the calendar's events and record it. Returns the CalendarChannel."""
    from booksync.sync.models import CalendarChannel

    from .google_calendar import google_calendar

    calendar = calendar or google_calendar()
    now = now or timezone.now()
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
    return CalendarChannel.objects.create(channel_id=channel_id, resource_id=answer["resourceId"],
                                          calendar_id=calendar.calendar_id, expires_at=expires)


def stop(channel, calendar=None) -> None:
    """Ask Google to stop a channel (already unknown there counts as stopped) and mark it."""
    from .google_calendar import google_calendar

    calendar = calendar or google_calendar()
    with contextlib.suppress(NotFound):
        execute(calendar.service.channels().stop(body={"id": channel.channel_id, "resourceId": channel.resource_id}),
                "stop channel")
    channel.stopped_at = timezone.now()
    channel.save(update_fields=["stopped_at"])


def renew_channels(now: datetime | None = None) -> dict:
    """Worker task: keep exactly one live channel that outlives the next day; stop the rest."""
    from booksync.sync.models import CalendarChannel

    from .registry import calendar_provider

    if calendar_provider() != "google":
        return {"skipped": "Google Calendar is not configured"}
    from .google_calendar import google_calendar

    now = now or timezone.now()
    calendar = google_calendar()
    live = CalendarChannel.objects.filter(stopped_at__isnull=True, calendar_id=calendar.calendar_id,
                                          expires_at__gt=now)
    keeper = live.filter(expires_at__gt=now + RENEW_BEFORE).first()
    opened = 0
    if keeper is None:
        keeper = watch(calendar, now=now)
        opened = 1
    stopped = 0
    for channel in CalendarChannel.objects.filter(stopped_at__isnull=True).exclude(pk=keeper.pk):
        if channel.expires_at > now:  # an expired channel is already dead at Google's end
            stop(channel, calendar)
        else:
            channel.stopped_at = now
            channel.save(update_fields=["stopped_at"])
        stopped += 1
    return {"opened": opened, "stopped": stopped, "channel": keeper.channel_id, "expires_at": keeper.expires_at}


def _wake_change_feed() -> None:
    from django_q.tasks import async_task

    try:
        async_task(CHANGED_TASK, task_name="calendar_changed")
    except Exception:  # the periodic incremental sync reads the change anyway
        log.warning("could not wake the worker for a calendar change; the periodic sync will see it", exc_info=True)


def handle_notification(headers: Mapping[str, str]) -> int:
    """Answer one push notification with an HTTP status; only a verified one changes anything."""
    from booksync.sync.models import CalendarChannel

    channel_id = headers.get("X-Goog-Channel-ID", "")
    supplied = headers.get("X-Goog-Channel-Token", "")
    # Compare before looking the channel up, so timing says nothing about which ids exist.
    token_ok = hmac.compare_digest(channel_token(channel_id).encode(), supplied.encode())
    channel = CalendarChannel.objects.filter(channel_id=channel_id).first() if channel_id else None
    if not token_ok or channel is None:
        return 401
    if headers.get("X-Goog-Resource-State") == "sync":
        return 200  # the handshake right after watch(): nothing changed yet
    from .google_calendar import GoogleCalendar

    GoogleCalendar(channel.calendar_id).forget_busy()
    _wake_change_feed()
    return 200
