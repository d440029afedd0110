"""Google push: channels are opened, renewed and stopped; a verified notification updates availability."""

from __future__ import annotations

import json
import urllib.request
from datetime import timedelta

import pytest
from django.utils import timezone

from booksync.integrations.google_push import channel_token
from booksync.sync.calendar_channels import renew_channels, watch
from booksync.sync.models import CalendarChannel
from tests.conftest import london
from tests.liveserver import running_server

from .google_fixtures import slot_starts

WEBHOOK = "/api/webhooks/google"


def notify(client, channel_id: str, token: str, state: str = "exists"):
    return client.post(WEBHOOK, b"", content_type="application/octet-stream",
                       HTTP_X_GOOG_CHANNEL_ID=channel_id, HTTP_X_GOOG_CHANNEL_TOKEN=token,
                       HTTP_X_GOOG_RESOURCE_STATE=state, HTTP_X_GOOG_MESSAGE_NUMBER="2")


def test_renew_keeps_one_live_channel_and_stops_the_old(google_settings, gcal):
    first = renew_channels()
    assert first["opened"] == 1 and CalendarChannel.objects.count() == 1
    assert renew_channels()["opened"] == 0  # still a week to go
    channel = CalendarChannel.objects.get()
    assert gcal.channels[channel.channel_id].token == channel_token(channel.channel_id)
    assert gcal.channels[channel.channel_id].address.endswith(WEBHOOK)
    # A day before expiry a new channel takes over and the old one is stopped at Google.
    CalendarChannel.objects.update(expires_at=timezone.now() + timedelta(hours=3))
    second = renew_channels()
    assert second == {**second, "opened": 1, "stopped": 1}
    assert gcal.channels[channel.channel_id].stopped
    live = CalendarChannel.objects.filter(stopped_at__isnull=True)
    assert [c.channel_id for c in live] == [second["channel"]]


def test_a_wrong_channel_token_is_refused_and_changes_nothing(google_settings, gcal, studio, monday, api_client):
    channel = watch()
    slot_starts(api_client, monday)
    gcal.human_insert("primary", london(monday, 10), london(monday, 11), "Dentist")
    freebusy_calls = len(gcal.calls("POST", r"/freeBusy$"))
    assert notify(api_client, channel.channel_id, "forged").status_code == 401
    assert notify(api_client, "unknown-channel", channel_token("unknown-channel")).status_code == 401
    assert "10:00" in slot_starts(api_client, monday)  # the cache was not dropped
    assert len(gcal.calls("POST", r"/freeBusy$")) == freebusy_calls
    # The genuine notification drops the cache: the next read asks Google.
    assert notify(api_client, channel.channel_id, channel_token(channel.channel_id)).status_code == 200
    assert "10:00" not in slot_starts(api_client, monday)


@pytest.mark.django_db(transaction=True)
def test_push_notification_updates_availability_of_a_running_server(google_settings, gcal, studio, monday):
    """The real product (gunicorn) serves availability; the emulator delivers push over HTTP."""
    env = {
        "GOOGLE_CLIENT_ID": gcal.client_id, "GOOGLE_CLIENT_SECRET": gcal.client_secret,
        "GOOGLE_REFRESH_TOKEN": gcal.refresh_token, "GOOGLE_CALENDAR_ID": "primary",
        "GOOGLE_API_BASE_URL": gcal.api_endpoint, "GOOGLE_TOKEN_URI": gcal.token_uri,
        "OUTBOX_WAKE_WORKER": "false",
    }
    with running_server(workers=2, **env) as url:
        google_settings.SITE_URL = url
        watch()

        def starts() -> set[str]:
            with urllib.request.urlopen(f"{url}/api/calendar/availability?date={monday}&duration=60") as resp:
                return {slot["start"][11:16] for slot in json.loads(resp.read())["slots"]}

        assert "10:00" in starts()
        gcal.human_insert("primary", london(monday, 10), london(monday, 11), "Dentist")
        assert "10:00" in starts()  # served from the cache: Google has not told us yet
        assert gcal.fire_push() == 1
        gcal.flush_push()
        assert [d.status for d in gcal.push_log if d.state == "exists"] == [200]
        assert "10:00" not in starts()
