"""Google Calendar push channels as booksync keeps them: recorded, renewed, and their notifications.

A notification carries no data, only "this calendar changed": we drop the
cached busy time (so the slot picker is right at once) and wake the worker,
which reads the change feed. Each channel's token is checked in constant time
(``google_push.channel_token``). Channels live at most a week; the worker runs
``renew_channels`` (hourly is plenty) to open a new one a day before the old
expires and stop the old ones. The HTTP side is ``integrations/google_push.py``.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from django.utils import timezone
from django_q.tasks import async_task

from booksync.integrations.google_calendar import GoogleCalendar, google_calendar
from booksync.integrations.google_push import channel_token, open_channel, stop_channel
from booksync.integrations.registry import calendar_provider

from .models import CalendarChannel

log = logging.getLogger("booksync.google.push")

RENEW_BEFORE = timedelta(days=1)
CHANGED_TASK = "booksync.sync.tasks.calendar_changed"


def watch(calendar: GoogleCalendar | None = None, *, now: datetime | None = None) -> CalendarChannel:
    """Open a push channel on the calendar's events and record it."""
    calendar = calendar or google_calendar()
    opened = open_channel(calendar, now or timezone.now())
    return CalendarChannel.objects.create(channel_id=opened.channel_id, resource_id=opened.resource_id,
                                          calendar_id=opened.calendar_id, expires_at=opened.expires_at)


def stop(channel: CalendarChannel, calendar: GoogleCalendar | None = None) -> None:
    """Ask Google to stop a channel (already unknown there counts as stopped) and mark it."""
    stop_channel(calendar or google_calendar(), channel.channel_id, channel.resource_id)
    channel.stopped_at = timezone.now()
    channel.save(update_fields=["stopped_at"])


def renew_channels(now: datetime | None = None) -> dict:
    """Worker task: keep exactly one live channel per calendar (the studio's and each resource's own,
    ADR 0017) that outlives the next day; stop the rest (those of a calendar no longer used too)."""
    if calendar_provider() != "google":
        return {"skipped": "Google Calendar is not configured"}
    now = now or timezone.now()
    studio_calendar = google_calendar()
    keepers: dict[str, CalendarChannel] = {}
    opened = 0
    for cid in studio_calendar.calendars():
        calendar = studio_calendar if cid == studio_calendar.calendar_id else GoogleCalendar(cid)
        keeper = CalendarChannel.objects.filter(stopped_at__isnull=True, calendar_id=cid,
                                                expires_at__gt=now + RENEW_BEFORE).first()
        if keeper is None:
            keeper = watch(calendar, now=now)
            opened += 1
        keepers[cid] = keeper
    stopped = 0
    kept = [k.pk for k in keepers.values()]
    for channel in CalendarChannel.objects.filter(stopped_at__isnull=True).exclude(pk__in=kept):
        if channel.expires_at > now:  # an expired channel is already dead at Google's end
            stop(channel, GoogleCalendar(channel.calendar_id))
        else:
            channel.stopped_at = now
            channel.save(update_fields=["stopped_at"])
        stopped += 1
    first = keepers[studio_calendar.calendar_id]
    return {"opened": opened, "stopped": stopped, "channel": first.channel_id, "expires_at": first.expires_at,
            "channels": {cid: k.channel_id for cid, k in keepers.items()}}


def _wake_change_feed() -> None:
    try:
        async_task(CHANGED_TASK, task_name="calendar_changed")
    except Exception:  # the periodic incremental sync reads the change anyway
        log.warning("could not wake the worker for a calendar change; the periodic sync will see it", exc_info=True)


def handle_notification(headers: Mapping[str, str]) -> int:
    """Answer one push notification with an HTTP status; only a verified one changes anything."""
    channel_id = headers.get("X-Goog-Channel-ID", "")
    supplied = headers.get("X-Goog-Channel-Token", "")
    # Compare before looking the channel up, so timing says nothing about which ids exist.
    token_ok = hmac.compare_digest(channel_token(channel_id).encode(), supplied.encode())
    channel = CalendarChannel.objects.filter(channel_id=channel_id).first() if channel_id else None
    if not token_ok or channel is None:
        return 401
    if headers.get("X-Goog-Resource-State") == "sync":
        return 200  # the handshake right after watch(): nothing changed yet
    GoogleCalendar(channel.calendar_id).forget_busy()
    _wake_change_feed()
    return 200


def no_channel_problem() -> list[str]:
    """The doctor's check: with Google, a push channel should be open (else changes wait for the periodic sync)."""
    if calendar_provider() != "google":
        return []
    if not CalendarChannel.objects.filter(stopped_at__isnull=True).exists():
        return ["no Google push channel is open, so calendar changes wait for the periodic sync. "
                "Fix: make sure the worker runs renew_channels and SITE_URL is public HTTPS."]
    return []
