"""Google Calendar: API calls per booking, and slot-picker latency with cached versus live busy time.

Runs booksync in-process (Django's test client, a throwaway SQLite database)
against the Google Calendar emulator, which adds LATENCY to every request to
mimic a real network round trip. Both latencies are measured in the same run.
Usage: .venv/bin/python bench/calendar.py
"""

from __future__ import annotations

import os
import sys

# This file is named like the standard library's `calendar`, which `email` and
# `http.cookiejar` import: take bench/ off the path before anything imports it.
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]

import json  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from datetime import date, datetime, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.emulators.google_calendar import GoogleCalendarEmulator  # noqa: E402

LATENCY = 0.050  # seconds added by the emulator to every request
BOOKINGS = 5
PICKS = 30

emulator = GoogleCalendarEmulator(owner_email="studio@example.com", time_zone="Europe/London").start()
os.environ.update({
    "DATA_DIR": tempfile.mkdtemp(prefix="booksync-bench-calendar-"),
    "DJANGO_SETTINGS_MODULE": "booksync.settings",
    "OUTBOX_WAKE_WORKER": "0",
    "GOOGLE_CLIENT_ID": emulator.client_id,
    "GOOGLE_CLIENT_SECRET": emulator.client_secret,
    "GOOGLE_REFRESH_TOKEN": emulator.refresh_token,
    "GOOGLE_CALENDAR_ID": "primary",
    "GOOGLE_API_BASE_URL": emulator.api_endpoint,
    "GOOGLE_TOKEN_URI": emulator.token_uri,
    "INVITES_VIA": "calendar",
})
os.environ.pop("DATABASE_URL", None)

import django  # noqa: E402

django.setup()
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from booksync.integrations.google_calendar import google_calendar  # noqa: E402
from booksync.outbox.delivery import deliver_due  # noqa: E402


def next_monday() -> date:
    day = date.today() + timedelta(days=7)
    while day.weekday() != 0:
        day += timedelta(days=1)
    return day


def post(client: Client, url: str, body: dict):
    return client.post(url, json.dumps(body), content_type="application/json")


def api_calls(since: int) -> Counter:
    """Requests the emulator saw since index ``since``, by kind (token refreshes apart)."""
    kinds: Counter = Counter()
    for entry in emulator.log[since:]:
        if entry.path == "/token":
            kinds["token"] += 1
        elif entry.path.endswith("/freeBusy"):
            kinds["freeBusy"] += 1
        else:
            kinds[f"events.{ {'POST': 'insert', 'PATCH': 'patch', 'DELETE': 'delete', 'GET': 'get'}[entry.method] }"] += 1
    return kinds


def measure_calls(client: Client, day: date) -> dict[str, Counter]:
    zone = ZoneInfo("Europe/London")
    per_step: dict[str, Counter] = {"book": Counter(), "reschedule": Counter(), "cancel": Counter()}
    for n in range(BOOKINGS):
        start = datetime(day.year, day.month, day.day, 9 + n, tzinfo=zone)
        mark = len(emulator.log)
        made = post(client, "/api/bookings", {"service": "mini", "start": start.isoformat(),
                                              "name": f"Bench {n}", "email": f"bench{n}@example.com"}).json()
        deliver_due(force=True, topics=["calendar"])
        per_step["book"] += api_calls(mark)
        token = made["manage_url"].rstrip("/").rsplit("/", 1)[-1]
        mark = len(emulator.log)
        post(client, f"/api/bookings/manage/{token}/reschedule", {"start": (start + timedelta(days=1)).isoformat()})
        deliver_due(force=True, topics=["calendar"])
        per_step["reschedule"] += api_calls(mark)
        mark = len(emulator.log)
        post(client, f"/api/bookings/manage/{token}/cancel", {})
        deliver_due(force=True, topics=["calendar"])
        per_step["cancel"] += api_calls(mark)
    return per_step


def pick_latency(client: Client, day: date, *, live: bool) -> float:
    """Median ms of GET /api/calendar/availability; ``live`` drops the busy cache before each."""
    url = f"/api/calendar/availability?date={day}&duration=60"
    client.get(url)  # warm up (and fill the cache)
    timings = []
    for _ in range(PICKS):
        if live:
            google_calendar().forget_busy()
        began = time.perf_counter()
        assert client.get(url).status_code == 200
        timings.append((time.perf_counter() - began) * 1000)
    return statistics.median(timings)


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    from booksync.bookings.demo import load_demo

    load_demo()
    emulator.add_fault(kind="latency", seconds=LATENCY, path=".*", times=None)
    client = Client()
    day = next_monday()
    print(f"Google Calendar emulator adds {LATENCY * 1000:.0f} ms to every request (a real network's round trip).")
    steps = measure_calls(client, day)
    print(f"API calls per booking, averaged over {BOOKINGS} bookings (INVITES_VIA=calendar):")
    for step, kinds in steps.items():
        total = sum(v for k, v in kinds.items() if k != "token") / BOOKINGS
        detail = ", ".join(f"{k} {v / BOOKINGS:g}" for k, v in sorted(kinds.items()))
        print(f"  {step:<10} {total:.1f} calls  ({detail})")
    cached = pick_latency(client, day, live=False)
    live = pick_latency(client, day, live=True)
    print(f"Slot picker (GET /api/calendar/availability), median of {PICKS}:")
    print(f"  cached busy time: {cached:7.1f} ms")
    print(f"  live freeBusy:    {live:7.1f} ms")
    print(f"  ratio live/cached: {live / cached:.1f}x")
    emulator.stop()


if __name__ == "__main__":
    main()
