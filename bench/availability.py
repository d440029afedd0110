"""Availability latency with 500 busy intervals, as a ratio to a trivial endpoint; and the slot race.

Runs the real product (gunicorn, 1 worker so requests are not parallel) on a throwaway SQLite
database, or on PostgreSQL when DATABASE_URL is set. Usage: .venv/bin/python bench/availability.py
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = Path(tempfile.mkdtemp(prefix="booksync-bench-"))
os.environ.setdefault("DATA_DIR", str(DATA))
os.environ["DJANGO_SETTINGS_MODULE"] = "booksync.settings"
os.environ["OUTBOX_WAKE_WORKER"] = "0"

import django  # noqa: E402

django.setup()
from django.core.management import call_command  # noqa: E402

from tests.liveserver import NO_BOOKING_LIMITS, free_port, product_env, wait_until_up  # noqa: E402

REQUESTS = 300
BUSY_INTERVALS = 500
RACERS = 50


def next_monday() -> date:
    day = date.today() + timedelta(days=7)
    while day.weekday() != 0:
        day += timedelta(days=1)
    return day


def prepare(day: date) -> None:
    from booksync.bookings.demo import load_demo
    from booksync.bookings.models import Block

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    load_demo()
    Block.objects.all().delete()
    zone = ZoneInfo("Europe/London")
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    # 500 short blocks over the day except 13:00-17:00, so the afternoon still has free slots:
    # many small intervals are the expensive case for reading and merging busy time.
    busy_minutes = [m for m in range(24 * 60) if not 13 * 60 <= m < 17 * 60]
    step = len(busy_minutes) / BUSY_INTERVALS
    Block.objects.bulk_create(
        Block(start=start + timedelta(minutes=busy_minutes[int(i * step)]),
              end=start + timedelta(minutes=busy_minutes[int(i * step)] + 1), reason="bench")
        for i in range(BUSY_INTERVALS)
    )


def timed_get(url: str) -> float:
    began = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as response:
        response.read()
    return time.perf_counter() - began


def median_ms(url: str, before_each=None) -> float:
    for _ in range(20):  # warm up
        timed_get(url)
    samples = []
    for _ in range(REQUESTS):
        if before_each:
            before_each()
        samples.append(timed_get(url))
    return statistics.median(samples) * 1000


def invalidate_picker_cache() -> None:
    """What any booking or rules change does: every process must read busy time again."""
    import uuid

    from django.core.cache import cache

    from booksync.bookings.busy_cache import VERSION_KEY

    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


def race(base: str, day: date) -> Counter:
    start = datetime(day.year, day.month, day.day, 10, tzinfo=ZoneInfo("Europe/London")) + timedelta(days=1)

    def attempt(i: int) -> int:
        body = json.dumps({"service": "portrait", "start": start.isoformat(), "name": f"R{i}",
                           "email": f"r{i}@example.com"}).encode()
        request = urllib.request.Request(base + "/api/bookings", data=body, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as err:
            return err.code

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        return Counter(pool.map(attempt, range(RACERS)))


def main() -> None:
    import subprocess

    day = next_monday()
    prepare(day)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # The 50-racer check comes from one address: lift the abuse limits (bench/abuse.py measures them).
    env = product_env(SITE_URL=base, OUTBOX_WAKE_WORKER="0", **NO_BOOKING_LIMITS)
    if "DATABASE_URL" in os.environ:
        env["DATABASE_URL"] = os.environ["DATABASE_URL"]
    server = subprocess.Popen([sys.executable, "-m", "booksync.cli", "serve", "--port", str(port), "--workers", "1"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(base, process=server)
        baseline = median_ms(base + "/api/ping")
        availability = median_ms(f"{base}/api/calendar/availability?date={day}&duration=60")
        cold = median_ms(f"{base}/api/calendar/availability?date={day}&duration=60",
                         before_each=invalidate_picker_cache)
        slots = json.loads(urllib.request.urlopen(f"{base}/api/calendar/availability?date={day}&duration=60").read())
        print(f"database: {'PostgreSQL' if 'postgres' in env['DATABASE_URL'] else 'SQLite'}")
        print(f"busy intervals on the day: {BUSY_INTERVALS}; free slots found: {len(slots['slots'])}")
        print(f"baseline GET /api/ping median: {baseline:.2f} ms over {REQUESTS} requests")
        print(f"GET /api/calendar/availability median: {availability:.2f} ms over {REQUESTS} requests")
        print(f"ratio availability / baseline: {availability / baseline:.2f}x (goal <= 1.5x)")
        print(f"after a change (picker cache invalidated before each request): {cold:.2f} ms, "
              f"{cold / baseline:.2f}x the baseline")
        outcome = race(base, day)
        print(f"race: {RACERS} concurrent bookings of one slot -> {dict(sorted(outcome.items()))} "
              f"(goal: exactly one 201, the rest 409)")
    finally:
        server.terminate()
        server.wait(timeout=15)


if __name__ == "__main__":
    main()
