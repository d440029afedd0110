"""Load: ≥ 10,000 concurrent booking attempts against 4 gunicorn processes on PostgreSQL.

Starts what it needs: a throwaway PostgreSQL cluster (scripts/pg.sh) unless
DATABASE_URL points at one, the Notion and Google Calendar emulators, and
`booksync serve --workers 4`. Client threads POST /api/bookings for starts
every half hour over many weekdays (so attempts overlap partially as well as
exactly), while one thread edits Notion pages and moves calendar events through
the emulators and another runs the incremental sync and the outbox, as the
worker would. Then a final full sync, and the figures:

attempts, 201s, 409s, other answers, error rate, double bookings (SQL: two
active bookings whose blocked times overlap; goal 0), lost updates (a 201
whose booking is not in the database, or a Notion edit not reflected after the
final sync; goal 0) and throughput.

    .venv/bin/python bench/load.py [--attempts 10000] [--threads 32] [--seconds 200]
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, Python puts bench/ first on sys.path; the repository root is what we need.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from datetime import date, datetime, timedelta  # noqa: E402
from urllib.parse import urlsplit, urlunsplit  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

import requests  # noqa: E402

from tests.emulators.google_calendar import GoogleCalendarEmulator  # noqa: E402
from tests.emulators.notion import NotionEmulator  # noqa: E402
from tests.integrations.notion_fixtures import SEED_SCHEMA  # noqa: E402

LONDON = ZoneInfo("Europe/London")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_postgres() -> tuple[str | None, str]:
    """(cluster dir to stop, server URL): DATABASE_URL if it is PostgreSQL, else a throwaway cluster."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        return None, url
    env = {**os.environ, "PGPORT_TEST": str(free_port())}
    out = subprocess.run(["bash", str(ROOT / "scripts/pg.sh"), "start"], capture_output=True, text=True, env=env,
                         check=True).stdout.split()
    return out[0], out[1]


def fresh_database(server_url: str, name: str) -> str:
    import psycopg

    parts = urlsplit(server_url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def slot_starts(days: int) -> list[datetime]:
    """Every half hour 09:00–15:30 on the next ``days`` weekdays from three days out (all inside opening hours)."""
    starts, day = [], date.today() + timedelta(days=3)
    while len(starts) < days * 14:
        if day.weekday() < 5 and day.weekday() != 2:  # Wednesday closes at lunch
            starts.extend(datetime(day.year, day.month, day.day, 9, tzinfo=LONDON) + timedelta(minutes=30 * i)
                          for i in range(14))
        day += timedelta(days=1)
    return starts


def wait_up(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}")
        try:
            requests.get(url + "/api/health", timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.3)
    raise SystemExit("the server did not come up")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=200.0, help="stop booking after this long in any case")
    parser.add_argument("--days", type=int, default=30, help="weekdays of slots to book over")
    args = parser.parse_args()

    pg_dir, server_url = start_postgres()
    data_dir = tempfile.mkdtemp(prefix="booksync-load-")
    emu, gcal = NotionEmulator().start(), GoogleCalendarEmulator(owner_email="studio@example.com",
                                                                 time_zone="Europe/London").start()
    server = None
    try:
        db_url = fresh_database(server_url, "booksync_load")
        database_id, data_source_id = emu.create_database("Bookings", SEED_SCHEMA)
        emu.advance(90)  # Notion rounds edit times to the minute: keep its clock ahead of ours
        os.environ.update({
            "DATABASE_URL": db_url, "DATA_DIR": data_dir, "DJANGO_SETTINGS_MODULE": "booksync.settings",
            "NO_PROXY": "127.0.0.1,localhost", "LOG_LEVEL": "ERROR", "OUTBOX_WAKE_WORKER": "false",
            "NOTION_API_KEY": emu.token, "NOTION_API_BASE_URL": emu.url, "NOTION_BOOKINGS_DATABASE_ID": database_id,
            "NOTION_REQUESTS_PER_SECOND": "1000", "NOTION_HTTP_TIMEOUT": "10",
            "GOOGLE_CLIENT_ID": gcal.client_id, "GOOGLE_CLIENT_SECRET": gcal.client_secret,
            "GOOGLE_REFRESH_TOKEN": gcal.refresh_token, "GOOGLE_CALENDAR_ID": "primary",
            "GOOGLE_API_BASE_URL": gcal.api_endpoint, "GOOGLE_TOKEN_URI": gcal.token_uri,
            "INVITES_VIA": "email", "CALENDAR_IMPORT": "booking",
            # One load generator plays thousands of customers: lift the abuse limits.
            "BOOKING_RATE_PER_CLIENT": "1000000/m", "BOOKING_RATE_PER_EMAIL": "1000000/m",
            "BOOKING_ACTIVE_PER_EMAIL": "1000000", "EMAILS_PER_RECIPIENT_PER_HOUR": "0",
        })
        import django

        django.setup()
        from django.core.management import call_command

        from booksync.bookings.demo import load_demo

        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)
        load_demo()

        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log = open(Path(data_dir) / "server.log", "wb")  # noqa: SIM115 - lives as long as the server
        server = subprocess.Popen([sys.executable, "-m", "booksync.cli", "serve", "--port", str(port),
                                   "--workers", str(args.workers)], env={**os.environ, "SITE_URL": url},
                                  stdout=log, stderr=subprocess.STDOUT)
        wait_up(url, server)
        figures = run_load(args, url, emu, gcal, data_source_id)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        emu.stop()
        gcal.stop()
        if pg_dir:
            subprocess.run(["bash", str(ROOT / "scripts/pg.sh"), "stop", pg_dir], check=False)
    print_figures(figures)
    return 0 if figures["double bookings"] == 0 and figures["lost updates"] == 0 else 1


def run_load(args, url: str, emu, gcal, data_source_id: str) -> dict:
    from django.db import close_old_connections, connection

    from booksync.bookings.models import Booking
    from booksync.sync.engine import run_sync
    from booksync.sync.lock import SyncBusy
    from booksync.sync.models import BookingLink
    from booksync.sync.outbox import deliver_due

    starts = slot_starts(args.days)
    answers: Counter = Counter()
    accepted: list[str] = []
    lock = threading.Lock()
    next_attempt = iter(range(args.attempts))
    deadline = time.monotonic() + args.seconds
    stop = threading.Event()

    def client(n: int) -> None:
        rng = random.Random(n)
        session = requests.Session()
        while time.monotonic() < deadline:
            with lock:
                i = next(next_attempt, None)
            if i is None:
                return
            body = {"service": "portrait", "start": rng.choice(starts).isoformat(), "name": f"Load {i}",
                    "email": f"load{i}@example.com"}
            try:
                response = session.post(url + "/api/bookings", json=body, timeout=30)
                status = response.status_code
            except requests.RequestException:
                status = 0
            with lock:
                answers[status] += 1
                if status == 201:
                    accepted.append(response.json()["id"])

    notion_edits: dict[str, str] = {}  # page id → the notes a person last typed there
    edits: Counter = Counter()

    def editor() -> None:
        rng = random.Random(99)
        while not stop.is_set():
            links = list(BookingLink.objects.exclude(notion_page_id="").values_list("notion_page_id",
                                                                                      "calendar_event_id"))
            if links:
                page_id, event_id = rng.choice(links)
                note = f"edited in Notion #{edits['notion'] + 1}"
                emu.human_edit(page_id, {"Notes": {"rich_text": [{"text": {"content": note}}]}})
                notion_edits[page_id] = note
                edits["notion"] += 1
                if event_id and rng.random() < 0.5:
                    start = rng.choice(starts)  # may land on a taken time: booksync must refuse it
                    try:
                        gcal.human_move(event_id, start, start + timedelta(hours=1))
                        edits["calendar"] += 1
                    except KeyError:
                        pass
            stop.wait(0.3)
        close_old_connections()

    syncs: Counter = Counter()

    def syncer() -> None:
        while not stop.is_set():
            try:
                result = run_sync(trigger="schedule", full=False, wait_seconds=0)
                syncs["runs"] += 1
                syncs["actions"] += len(result["actions"])
                deliver_due(force=True)
            except SyncBusy:
                pass
            stop.wait(3)
        close_old_connections()

    helpers = [threading.Thread(target=editor), threading.Thread(target=syncer)]
    for thread in helpers:
        thread.start()
    began = time.monotonic()
    clients = [threading.Thread(target=client, args=(n,)) for n in range(args.threads)]
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join()
    elapsed = time.monotonic() - began
    stop.set()
    for thread in helpers:
        thread.join()

    for _ in range(3):  # the final reconcile: whatever the periodic syncs had not reached yet
        run_sync(trigger="admin", full=True)
        deliver_due(force=True)
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT count(*) FROM bookings_booking a JOIN bookings_booking b
              ON a.id < b.id AND a.blocked_start < b.blocked_end AND b.blocked_start < a.blocked_end
             WHERE a.status IN ('pending', 'confirmed') AND b.status IN ('pending', 'confirmed')""")
        double = cursor.fetchone()[0]
    present = set(map(str, Booking.objects.filter(pk__in=accepted).values_list("pk", flat=True)))
    missing_accepted = len(set(accepted) - present)
    by_page = dict(BookingLink.objects.exclude(notion_page_id="").values_list("notion_page_id", "booking__notes"))
    lost_edits = sum(1 for page_id, note in notion_edits.items() if by_page.get(page_id) != note)
    attempts = sum(answers.values())
    other = attempts - answers[201] - answers[409]
    return {
        "processes": args.workers, "client threads": args.threads, "attempts": attempts,
        "successes (201)": answers[201], "conflicts (409)": answers[409],
        "other answers": {k: v for k, v in answers.items() if k not in (201, 409)},
        "error rate": other / attempts if attempts else 0.0,
        "double bookings": double, "accepted missing from DB": missing_accepted,
        "Notion edits": edits["notion"], "Notion edits not reflected": lost_edits,
        "calendar moves": edits["calendar"], "periodic syncs": syncs["runs"], "sync actions": syncs["actions"],
        "lost updates": missing_accepted + lost_edits,
        "seconds": elapsed, "throughput (attempts/s)": attempts / elapsed if elapsed else 0.0,
        "bookings in DB": Booking.objects.count(), "slots offered": len(starts),
    }


def print_figures(figures: dict) -> None:
    print("\nbench/load.py — booking under load on PostgreSQL")
    for key, value in figures.items():
        shown = f"{value:.4f}" if key == "error rate" else f"{value:.1f}" if isinstance(value, float) else value
        print(f"  {key:28} {shown}")


if __name__ == "__main__":
    raise SystemExit(main())
