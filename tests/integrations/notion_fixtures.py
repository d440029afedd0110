"""Fixtures for the Notion tests: a running emulator, a bookings database in it, and settings pointing at it.

The real ``notion_client`` talks HTTP to the emulator; nothing is patched.
Import them into a test module: ``from .notion_fixtures import emu, notion_db, notion_settings``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest

from tests.emulators.notion import NotionEmulator

# The seed's database, as a studio would have made it by hand (Status as Notion's status type).
SEED_SCHEMA = {
    "Name": {"title": {}},
    "Email": {"email": {}},
    "Phone": {"phone_number": {}},
    "Service": {"select": {"options": [{"name": "Portrait session"}, {"name": "Family session"}]}},
    "Date": {"date": {}},
    "Status": {"status": {"options": [{"name": n} for n in
                                      ("Pending", "Confirmed", "No-show", "Cancelled", "Completed")]}},
    "Notes": {"rich_text": {}},
    "Source": {"select": {"options": [{"name": n} for n in ("Website", "Notion", "Calendar", "Admin")]}},
    "Booking ID": {"rich_text": {}},
    "Calendar Event ID": {"rich_text": {}},
    "Sync Error": {"rich_text": {}},
    # The demo's Family session questions (ADR 0019), as `booksync notion init` adds them.
    "How many people?": {"number": {"format": "number"}},
    "What is the occasion?": {"select": {"options": [{"name": n} for n in
                                                     ("Birthday", "New baby", "Wedding anniversary", "Just because")]}},
}


@dataclass
class NotionDB:
    database_id: str
    data_source_id: str


@pytest.fixture
def emu() -> Iterator[NotionEmulator]:
    emulator = NotionEmulator()
    emulator.start()
    yield emulator
    emulator.stop()


@pytest.fixture
def notion_db(emu: NotionEmulator) -> NotionDB:
    return NotionDB(*emu.create_database("Bookings", SEED_SCHEMA))


def point_at_notion(settings, emu: NotionEmulator, notion_db: NotionDB, tmp_path) -> None:
    """Notion settings for the emulator, with a fast private rate budget (tests of the limit set their own)."""
    settings.NOTION_API_KEY = emu.token
    settings.NOTION_API_BASE_URL = emu.url
    settings.NOTION_BOOKINGS_DATABASE_ID = notion_db.database_id
    settings.NOTION_PROPERTY_NAMES = ""
    settings.NOTION_HTTP_TIMEOUT = 1.0
    settings.NOTION_REQUESTS_PER_SECOND = 200.0
    settings.NOTION_MAX_WAIT_SECONDS = 5.0
    settings.NOTION_RATE_FILE = str(tmp_path / "notion-rate.json")
    settings.OUTBOX_WAKE_WORKER = False


@pytest.fixture
def notion_settings(settings, emu: NotionEmulator, notion_db: NotionDB, tmp_path, db):
    """Point booksync at the emulator, with no outside calendar."""
    from django.core.cache import cache

    from booksync.integrations.notion import forget_stores

    point_at_notion(settings, emu, notion_db, tmp_path)
    settings.GOOGLE_REFRESH_TOKEN = ""
    settings.GOOGLE_SERVICE_ACCOUNT_FILE = ""
    settings.CALDAV_URL = ""
    cache.clear()  # the database cache outlives transactional tests
    forget_stores()
    yield settings
    forget_stores()


def page_properties(name: str, start: datetime | None, end: datetime | None, *, email: str | None = None,
                    status: str = "Confirmed", service: str = "Portrait session", notes: str = "") -> dict:
    """A row as a person would fill it in the Notion app (API write form)."""
    props: dict = {
        "Name": {"title": [{"text": {"content": name}}]},
        "Status": {"status": {"name": status}},
        "Service": {"select": {"name": service}},
        "Email": {"email": email},
    }
    if notes:
        props["Notes"] = {"rich_text": [{"text": {"content": notes}}]}
    if start is not None:
        props["Date"] = {"date": {"start": start.isoformat(), "end": end.isoformat() if end else None}}
    return props
