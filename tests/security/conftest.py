"""Shared helpers for the security tests (issue 13)."""

from __future__ import annotations

import json

import pytest

ADMIN_TOKEN = "security-admin-token-0123456789"


def post_json(client, url, body, **headers):
    raw = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(url, raw, content_type="application/json", headers=headers)


def booking_body(start, *, email="ann@example.com", name="Ann", service="portrait", **extra) -> dict:
    body = {"start": start.isoformat(), "name": name, "email": email, **extra}
    if service:
        body["service"] = service
    return body


@pytest.fixture
def quiet_outbox(settings, tmp_path):
    """Emails land in a fresh folder; the worker is not woken (tests deliver by hand)."""
    settings.EMAIL_BACKEND = "booksync.integrations.mail.OutboxFolderBackend"
    settings.EMAIL_OUTBOX_DIR = tmp_path / "outbox"
    settings.OUTBOX_WAKE_WORKER = False
    return settings.EMAIL_OUTBOX_DIR


@pytest.fixture
def no_booking_limits(settings):
    settings.BOOKING_RATE_PER_CLIENT = "100000/m"
    settings.BOOKING_RATE_PER_EMAIL = "100000/m"
    settings.BOOKING_ACTIVE_PER_EMAIL = 100000
