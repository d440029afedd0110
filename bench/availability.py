"""Availability latency with 500 busy intervals, as a ratio to a trivial endpoint; and the slot race.

Runs the real product (gunicorn, 1 worker so requests are not parallel) on a throwaway SQLite
database, or on PostgreSQL when DATABASE_URL is set. Measures, in ``--rounds`` rounds that each
take the /api/ping floor again: one day with 500 busy intervals, warm and cold (a block saved
before each request, what any booking does), and the month the booking page loads
(``availability-batch``, 31 dates, the page's service) with 500 busy intervals spread over it,
warm and cold. Usage: .venv/bin/python bench/availability.py [--rounds 3] [--requests 300]

``--team``: a studio of 5 people and 2 rooms instead (ADR 0017), each resource with its own 500
busy intervals over the day and 500 over the month; the service needs one of the people and one
of the rooms. The same four figures for "anyone", and again for one named person.
"""

from __future__ import annotations

import argparse
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


def _fresh_postgres_database(server_url: str, name: str = "booksync_bench_availability") -> str:
    """A new, empty database on the PostgreSQL server DATABASE_URL names (earlier runs leave bookings)."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(server_url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


if os.environ.get("DATABASE_URL", "").startswith("postgres"):
    os.environ["DATABASE_URL"] = _fresh_postgres_database(os.environ["DATABASE_URL"])
os.environ["DJANGO_SETTINGS_MODULE"] = "booksync.settings"
os.environ["OUTBOX_WAKE_WORKER"] = "0"

import django  # noqa: E402

django.setup()
from django.core.management import call_command  # noqa: E402

from tests.liveserver import NO_BOOKING_LIMITS, free_port, product_env, wait_until_up  # noqa: E402

REQUESTS = 300
BUSY_INTERVALS = 500
MONTH_DAYS = 31
RACERS = 50
ZONE = ZoneInfo("Europe/London")


def next_monday() -> date:
    day = date.today() + timedelta(days=7)
    while day.weekday() != 0:
        day += timedelta(days=1)
    return day


def month_days(day: date) -> list[date]:
    # Apart from the busy day (its blocks stay out of the month's search window).
    return [day + timedelta(days=3 + n) for n in range(MONTH_DAYS)]


TEAM_PEOPLE, TEAM_ROOMS = 5, 2


def prepare_team(day: date) -> None:
    """5 people and 2 rooms, one service that takes any of the people and any of the rooms; each
    resource has 500 short busy intervals over the day (13:00-17:00 free) and 500 over the month."""
    from booksync.bookings.demo import load_demo
    from booksync.bookings.models import Block, Resource, ResourceKind, Service

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    load_demo(team=False)
    Block.objects.all().delete()
    Resource.objects.all().delete()
    service = Service.objects.get(slug="portrait")
    service.needs_room = True
    service.save()
    resources = [Resource.objects.create(name=f"Person {n}", slug=f"person-{n}", kind=ResourceKind.PERSON, order=n)
                 for n in range(TEAM_PEOPLE)]
    resources += [Resource.objects.create(name=f"Room {n}", slug=f"room-{n}", kind=ResourceKind.ROOM, order=n)
                  for n in range(TEAM_ROOMS)]
    for resource in resources:
        resource.services.set([service])
    zone = ZONE
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    day_minutes = [m for m in range(24 * 60) if not 13 * 60 <= m < 17 * 60]
    month_minutes = [m for m in range(24 * 60) if not 12 * 60 <= m < 16 * 60]
    days = month_days(day)
    step = len(day_minutes) / BUSY_INTERVALS
    blocks = []
    for offset, resource in enumerate(resources):
        blocks += [Block(start=start + timedelta(minutes=day_minutes[(int(i * step) + offset) % len(day_minutes)]),
                         end=start + timedelta(minutes=day_minutes[(int(i * step) + offset) % len(day_minutes)] + 1),
                         reason="bench", resource=resource) for i in range(BUSY_INTERVALS)]
        blocks += [Block(start=(begin := datetime.combine(days[(i + offset) % MONTH_DAYS], datetime.min.time(), zone)
                                + timedelta(minutes=month_minutes[(i * 397 + 53 * offset) % len(month_minutes)])),
                         end=begin + timedelta(minutes=10 + (i * 7 + offset) % 31), reason="bench month",
                         resource=resource) for i in range(BUSY_INTERVALS)]
    Block.objects.bulk_create(blocks, batch_size=1000)
    far = start + timedelta(days=200)
    Block.objects.create(start=far, end=far + timedelta(hours=1), reason="bench change")


def prepare(day: date) -> None:
    from booksync.bookings.demo import load_demo
    from booksync.bookings.models import Block

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    load_demo(team=False)  # one person: the studio-wide figures as before people and rooms
    Block.objects.all().delete()
    zone = ZONE
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
    # The month: 500 blocks of 10 to 40 minutes spread over 31 days at varied times of day,
    # inside and outside opening hours; 12:00-16:00 stays free so every open day has slots.
    days = month_days(day)
    busy_minutes = [m for m in range(24 * 60) if not 12 * 60 <= m < 16 * 60]
    Block.objects.bulk_create(
        Block(start=(begin := datetime.combine(days[i % MONTH_DAYS], datetime.min.time(), zone)
                     + timedelta(minutes=busy_minutes[(i * 397) % len(busy_minutes)])),
              end=begin + timedelta(minutes=10 + (i * 7) % 31), reason="bench month")
        for i in range(BUSY_INTERVALS)
    )
    # Saved before each cold request: a change far from the measured days.
    far = start + timedelta(days=200)
    Block.objects.create(start=far, end=far + timedelta(hours=1), reason="bench change")


def timed_get(url: str, body: bytes | None = None) -> float:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    began = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
    return time.perf_counter() - began


def median_ms(url: str, body: bytes | None = None, before_each=None, requests: int = REQUESTS) -> float:
    for _ in range(20):  # warm up
        if before_each:
            before_each()
        timed_get(url, body)
    samples = []
    for _ in range(requests):
        if before_each:
            before_each()
        samples.append(timed_get(url, body))
    return statistics.median(samples) * 1000


def change_a_block() -> None:
    """What any booking does: a saved row bumps the busy-time version once the write commits,
    so the server's next request reads busy time again (its rules stay cached where they can)."""
    from booksync.bookings.models import Block

    block = Block.objects.get(reason="bench change")
    block.end += timedelta(seconds=1)
    block.save()


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} (min {min(values):.2f}, max {max(values):.2f})"


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

    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3, help="each figure is measured once per round")
    parser.add_argument("--requests", type=int, default=REQUESTS, help="requests per figure per round")
    parser.add_argument("--team", action="store_true", help="5 people and 2 rooms, 500 busy intervals each")
    args = parser.parse_args()
    day = next_monday()
    (prepare_team if args.team else prepare)(day)
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
        day_url = f"{base}/api/calendar/availability?date={day}&duration=60"
        month_url = f"{base}/api/calendar/availability-batch"
        month_body = json.dumps({"dates": [d.isoformat() for d in month_days(day)], "service": "portrait"}).encode()
        if args.team:
            team_figures(base, day, args)
            return
        names = ("ping", "day warm", "day cold", "month warm", "month cold")
        figures: dict[str, list[float]] = {name: [] for name in names}
        ratios: dict[str, list[float]] = {name: [] for name in names[1:]}
        n = args.requests
        for _ in range(args.rounds):
            measured = {
                "ping": median_ms(base + "/api/ping", requests=n),
                "day warm": median_ms(day_url, requests=n),
                "day cold": median_ms(day_url, before_each=change_a_block, requests=n),
                "month warm": median_ms(month_url, month_body, requests=n),
                "month cold": median_ms(month_url, month_body, before_each=change_a_block, requests=n),
            }
            for name, value in measured.items():
                figures[name].append(value)
                if name != "ping":
                    ratios[name].append(value / measured["ping"])
        slots = json.loads(urllib.request.urlopen(day_url).read())
        month = json.loads(urllib.request.urlopen(urllib.request.Request(
            month_url, data=month_body, headers={"Content-Type": "application/json"})).read())
        month_slots = sum(len(d["slots"]) for d in month["days"])
        goals = {"day warm": 1.5, "day cold": 2.5, "month warm": 2.0, "month cold": 4.0}
        what = {
            "day warm": f"GET availability, one day, {BUSY_INTERVALS} busy intervals",
            "day cold": "  the same day after a change (a block saved before each request)",
            "month warm": f"POST availability-batch, {MONTH_DAYS} dates, {BUSY_INTERVALS} busy intervals",
            "month cold": "  the same month after a change",
        }
        print(f"database: {'PostgreSQL' if 'postgres' in env['DATABASE_URL'] else 'SQLite'}; "
              f"{args.rounds} rounds of {n} requests per figure; medians per round, "
              f"shown as median of rounds (min, max)")
        print(f"day: {BUSY_INTERVALS} busy intervals, {len(slots['slots'])} free slots; month: "
              f"{BUSY_INTERVALS} busy intervals over {MONTH_DAYS} days, {month_slots} free slots")
        print(f"{'GET /api/ping (the floor)':<68} {spread(figures['ping'])} ms")
        for name in names[1:]:
            goal = goals[name]
            verdict = "ok" if statistics.median(ratios[name]) <= goal else "MISSED"
            print(f"{what[name]:<68} {spread(figures[name])} ms = {spread(ratios[name])}x the floor "
                  f"[goal <= {goal}x {verdict}]")
        outcome = race(base, day)
        print(f"race: {RACERS} concurrent bookings of one slot -> {dict(sorted(outcome.items()))} "
              f"(goal: exactly one 201, the rest 409)")
    finally:
        server.terminate()
        server.wait(timeout=15)


def team_figures(base: str, day: date, args) -> None:
    """The four figures for "anyone" and for one named person, each round with its own ping floor."""
    month_url = f"{base}/api/calendar/availability-batch"
    dates = [d.isoformat() for d in month_days(day)]
    cases = {}
    for who, extra in (("anyone", ""), ("person-2", "&resource=person-2")):
        body = {"dates": dates, "service": "portrait", **({"resource": "person-2"} if extra else {})}
        cases[f"{who} day warm"] = (f"{base}/api/calendar/availability?date={day}&service=portrait{extra}", None, None)
        cases[f"{who} day cold"] = (cases[f"{who} day warm"][0], None, change_a_block)
        cases[f"{who} month warm"] = (month_url, json.dumps(body).encode(), None)
        cases[f"{who} month cold"] = (month_url, json.dumps(body).encode(), change_a_block)
    figures: dict[str, list[float]] = {name: [] for name in ("ping", *cases)}
    ratios: dict[str, list[float]] = {name: [] for name in cases}
    n = args.requests
    for _ in range(args.rounds):
        floor = median_ms(base + "/api/ping", requests=n)
        figures["ping"].append(floor)
        for name, (url, body, before) in cases.items():
            value = median_ms(url, body, before_each=before, requests=n)
            figures[name].append(value)
            ratios[name].append(value / floor)
    day_any = json.loads(urllib.request.urlopen(cases["anyone day warm"][0]).read())["slots"]
    day_one = json.loads(urllib.request.urlopen(cases["person-2 day warm"][0]).read())["slots"]
    print(f"team: {TEAM_PEOPLE} people, {TEAM_ROOMS} rooms, {BUSY_INTERVALS} busy intervals each on the day and "
          f"{BUSY_INTERVALS} each over {MONTH_DAYS} days; {args.rounds} rounds of {n} requests per figure")
    print(f"day: {len(day_any)} free slots for anyone, {len(day_one)} for person-2")
    print(f"{'GET /api/ping (the floor)':<40} {spread(figures['ping'])} ms")
    goals = {"day warm": 1.5, "day cold": 2.5, "month warm": 2.0, "month cold": 4.0}
    for name in cases:
        goal = next(g for k, g in goals.items() if name.endswith(k))
        verdict = "ok" if statistics.median(ratios[name]) <= goal else "MISSED"
        print(f"{name:<40} {spread(figures[name])} ms = {spread(ratios[name])}x the floor [goal <= {goal}x {verdict}]")


if __name__ == "__main__":
    main()
