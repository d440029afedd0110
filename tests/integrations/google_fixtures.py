"""Fixtures for the Google Calendar tests: a running emulator and settings pointing at it.

Import the fixtures into a test module (``from .google_fixtures import gcal, google_settings``);
the SDK talks real HTTP to the emulator, nothing is patched.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.emulators.google_calendar import GoogleCalendarEmulator


@pytest.fixture
def gcal() -> Iterator[GoogleCalendarEmulator]:
    """A fresh Google Calendar emulator whose primary calendar is in the studio's zone."""
    emulator = GoogleCalendarEmulator(owner_email="studio@example.com", time_zone="Europe/London")
    emulator.start()
    yield emulator
    emulator.stop()


def point_at_google(settings, gcal: GoogleCalendarEmulator) -> None:
    """Google settings for the emulator (OAuth refresh token)."""
    settings.GOOGLE_CLIENT_ID = gcal.client_id
    settings.GOOGLE_CLIENT_SECRET = gcal.client_secret
    settings.GOOGLE_REFRESH_TOKEN = gcal.refresh_token
    settings.GOOGLE_SERVICE_ACCOUNT_FILE = ""
    settings.GOOGLE_CALENDAR_ID = "primary"
    settings.GOOGLE_API_BASE_URL = gcal.api_endpoint
    settings.GOOGLE_TOKEN_URI = gcal.token_uri
    settings.GOOGLE_HTTP_TIMEOUT = 1.0
    settings.CALDAV_URL = ""
    settings.OUTBOX_WAKE_WORKER = False


@pytest.fixture
def google_settings(settings, gcal: GoogleCalendarEmulator, db):
    """Configure booksync for the emulator, without Notion, starting with an empty busy cache."""
    from django.core.cache import cache

    point_at_google(settings, gcal)
    settings.NOTION_API_KEY = ""
    cache.clear()  # the database cache outlives transactional tests
    return settings


def post_json(client, url: str, body: dict, **headers):
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def slot_starts(client, day, duration: int = 60) -> set[str]:
    """The HH:MM starts /api/calendar/availability offers on ``day``."""
    response = client.get(f"/api/calendar/availability?date={day}&duration={duration}")
    assert response.status_code == 200, response.content
    return {slot["start"][11:16] for slot in response.json()["slots"]}
