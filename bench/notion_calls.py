"""Notion API calls for a full read of 1,000 bookings and for a no-change incremental read.

Runs the Notion store in-process on a throwaway SQLite database against the
Notion emulator (real notion-client, real HTTP) and counts requests in the
emulator's request log. The incremental read is shown as a ratio to the full
read. Usage: .venv/bin/python bench/notion_calls.py
"""

from __future__ import annotations

import sys
from pathlib import Path

# This folder holds bench/calendar.py, which would shadow the standard library's calendar module.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import os  # noqa: E402
import tempfile  # noqa: E402
from collections import Counter  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = Path(tempfile.mkdtemp(prefix="booksync-bench-"))
os.environ.setdefault("DATA_DIR", str(DATA))
os.environ["DATABASE_URL"] = f"sqlite:///{DATA / 'bench.sqlite3'}"
os.environ["DJANGO_SETTINGS_MODULE"] = "booksync.settings"
os.environ["OUTBOX_WAKE_WORKER"] = "0"

import django  # noqa: E402

django.setup()
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from tests.emulators.notion import NotionEmulator  # noqa: E402
from tests.integrations.notion_fixtures import SEED_SCHEMA, page_properties  # noqa: E402

BOOKINGS = 1000


def describe(calls) -> str:
    kinds = Counter(f"{c.method} {c.path.split('/')[2]}{'/query' if c.path.endswith('/query') else ''}"
                    for c in calls)
    return ", ".join(f"{n}× {kind}" for kind, n in sorted(kinds.items()))


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    emu = NotionEmulator().start()
    database_id, data_source_id = emu.create_database("Bookings", SEED_SCHEMA)
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=3)
    for i in range(BOOKINGS):
        at = start + timedelta(hours=i)
        emu.human_create(data_source_id, page_properties(f"Client {i}", at, at + timedelta(hours=1),
                                                         email=f"client{i}@example.com"))
    settings.NOTION_API_KEY = emu.token
    settings.NOTION_API_BASE_URL = emu.url
    settings.NOTION_BOOKINGS_DATABASE_ID = database_id
    settings.NOTION_REQUESTS_PER_SECOND = 1000.0  # counting calls, not pacing them

    from booksync.integrations.notion import notion_bookings

    store = notion_bookings()
    store.clock = emu.now
    emu.advance(3600)  # the bookings were entered an hour before this process starts
    emu.reset_log()
    full = store.changes(None)
    full_calls = emu.calls()
    assert len(full.records) == BOOKINGS, len(full.records)

    emu.advance(600)  # ten quiet minutes later
    emu.reset_log()
    quiet = store.changes(full.cursor)
    quiet_calls = emu.calls()
    assert quiet.records == []
    emu.stop()

    print(f"Notion API calls (emulator request log), {BOOKINGS} bookings, page_size 100")
    print(f"  full read, cold process:      {len(full_calls):3d}  ({describe(full_calls)})")
    print(f"  incremental read, no changes: {len(quiet_calls):3d}  ({describe(quiet_calls)})")
    print(f"  ratio incremental / full:     {len(quiet_calls) / len(full_calls):.2f}")


if __name__ == "__main__":
    main()
