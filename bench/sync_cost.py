"""What a sync costs as the studio grows: local work at 1,000 / 10,000 / 50,000 bookings, API calls
per run, Notion's request rate against its documented limit, webhook latency.

Runs booksync against the Notion and Google Calendar emulators (started in this
process; real notion-client and googleapiclient over loopback HTTP) on a
throwaway SQLite database, counting requests in the emulators' request logs.
Like the services, the emulators answer change queries (Notion's
last_edited_time filter, Google's sync token) from an index of what changed,
so their answering time does not grow with the number of records they hold:

1. a first full sync that imports N pages typed into Notion by hand, with the
   real rate limiter (NOTION_REQUESTS_PER_SECOND as configured) and the
   emulator enforcing Notion's documented limit (3 req/s on average, bursts of
   3, 429 + Retry-After beyond): Notion requests per second as a share of
   3 req/s, the busiest 10-second window, and the 429s Notion answered;
2. bookings seeded consistently on all three sides (bookings, pages built with
   the adapter's own property builder, events with the adapter's own event
   body, link ledger with its snapshots) up to each size in SYNC_COST_SIZES
   (default 1,000, 10,000, 50,000); at each size the seeded records are read
   once by an incremental sync, then three no-change incremental syncs, a
   webhook run for one unchanged page and the periodic sweep are measured:
   wall time (median of three, with the spread), database queries and API
   calls; the largest size is compared with the smallest (goal: within 1.5x);
3. at 10,000 bookings, with the Notion budget raised (calls count here, not
   time): the bootstrap full sync finds nothing to do, the no-change
   incremental sync's calls, the naive full scan of the same data, and k = 10
   Date moves made by a person in Notion (reads and writes apart);
4. the real product as subprocesses (gunicorn via ``booksync serve`` and the
   django-q2 ``booksync worker``, default rate limit, Notion's limit enforced)
   at the largest size: signed ``page.properties_updated`` webhooks after a
   person moves a page's Date, timed until the Google event shows the new
   start (p50/p95).

Usage: .venv/bin/python bench/sync_cost.py  (about 10 minutes with 50,000 bookings)
"""

from __future__ import annotations

import sys
from pathlib import Path

# Keep this folder off sys.path so no bench script can shadow a standard-library module.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import gc  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from dataclasses import replace  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = Path(tempfile.mkdtemp(prefix="booksync-bench-"))
os.environ["DATA_DIR"] = str(DATA)
os.environ["DATABASE_URL"] = f"sqlite:///{DATA / 'bench.sqlite3'}"
os.environ["DJANGO_SETTINGS_MODULE"] = "booksync.settings"
os.environ["OUTBOX_WAKE_WORKER"] = "0"  # in-process runs deliver the outbox themselves
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
os.environ.setdefault("LOG_LEVEL", "WARNING")  # the figures, not the sync log

import django  # noqa: E402

django.setup()
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from tests.emulators.google_calendar import GoogleCalendarEmulator  # noqa: E402
from tests.emulators.notion import NotionEmulator  # noqa: E402
from tests.integrations.notion_fixtures import SEED_SCHEMA, page_properties  # noqa: E402

SIZES = [int(n) for n in os.environ.get("SYNC_COST_SIZES", "1000,10000,50000").split(",")]
CALL_COUNT_SIZE = 10000 if 10000 in SIZES else SIZES[0]  # where the API-call figures are taken
CHANGES = 10
FIRST_SYNC_PAGES = int(os.environ.get("SYNC_COST_FIRST_PAGES", "75"))
WEBHOOK_ROUNDS = 20
SPACING = timedelta(hours=3)  # one 1-hour session every 3 hours: a +1 h move never collides
CEILING = 3.0  # Notion's documented average limit, requests per second per integration
NOTION_BURST = 3  # the emulator's strict mode: a token bucket of 3 at 3/s (bursts "allowed", size undocumented)
REPEATS = 3
FAST_BUDGET = 1000.0  # NOTION_REQUESTS_PER_SECOND for the call-counting parts


# --- helpers ---------------------------------------------------------------------------------
def notion_kind(entry) -> str:
    return "write" if entry.method == "PATCH" or (entry.method == "POST" and entry.path == "/v1/pages") else "read"


def google_kind(entry) -> str:
    if entry.path == "/token":
        return "auth"
    if entry.method in ("PATCH", "PUT", "DELETE") or (entry.method == "POST" and entry.path.endswith("/events")):
        return "write"
    return "read"


def split(calls, kind) -> dict[str, int]:
    out = {"read": 0, "write": 0, "auth": 0}
    for entry in calls:
        out[kind(entry)] += 1
    return out


def zeros(summary: dict) -> bool:
    return (summary["created"], summary["updated"], summary["deleted"], summary["errors"]) == (0, 0, 0, 0)


def brief(summary: dict) -> str:
    return "created={created} updated={updated} deleted={deleted} errors={errors}".format(**summary)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(share * (len(ordered) - 1))))
    return ordered[rank]


def parse_stamp(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


class Bench:
    def __init__(self) -> None:
        self.notion = NotionEmulator().start()
        self.google = GoogleCalendarEmulator(owner_email="studio@example.com", time_zone="Europe/London").start()
        self.database_id, self.data_source_id = self.notion.create_database("Bookings", SEED_SCHEMA)
        self.rows: list[tuple[str, str, str]] = []  # (booking id, page id, event id) of the seeded bookings

    # -- configuration ----------------------------------------------------------------------
    def configure(self, notion_rate: float) -> None:
        from django.core.cache import cache

        from booksync.integrations.notion import forget_stores

        for name, value in self.product_env().items():
            if name in ("OUTBOX_WAKE_WORKER", "NOTION_REQUESTS_PER_SECOND"):
                continue
            setattr(settings, name, value)
        settings.NOTION_PROPERTY_NAMES = ""
        settings.NOTION_HTTP_TIMEOUT = 10.0
        settings.GOOGLE_HTTP_TIMEOUT = 10.0
        settings.NOTION_REQUESTS_PER_SECOND = notion_rate
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        settings.OUTBOX_WAKE_WORKER = False
        cache.delete("booksync:sync-lock")
        forget_stores()

    def product_env(self) -> dict[str, str]:
        return {
            "NOTION_API_KEY": self.notion.token,
            "NOTION_API_BASE_URL": self.notion.url,
            "NOTION_BOOKINGS_DATABASE_ID": self.database_id,
            "NOTION_RATE_FILE": str(DATA / "notion-rate.json"),
            "GOOGLE_CLIENT_ID": self.google.client_id,
            "GOOGLE_CLIENT_SECRET": self.google.client_secret,
            "GOOGLE_REFRESH_TOKEN": self.google.refresh_token,
            "GOOGLE_CALENDAR_ID": "primary",
            "GOOGLE_API_BASE_URL": self.google.api_endpoint,
            "GOOGLE_TOKEN_URI": self.google.token_uri,
            "GOOGLE_SERVICE_ACCOUNT_FILE": "",
            "CALDAV_URL": "",
            "INVITES_VIA": "email",
            "CALENDAR_IMPORT": "booking",
            "OUTBOX_WAKE_WORKER": "1",
        }

    def sync(self, *, full: bool) -> tuple[dict, list, list]:
        """One in-process run_sync; returns its summary and the Notion and Google requests it made."""
        from booksync.integrations.notion import notion_bookings
        from booksync.sync.engine import run_sync

        notion_bookings().clock = self.notion.now  # cursors in the emulator's (advanced) time
        self.notion.reset_log()
        self.google.reset_log()
        result = run_sync(trigger="admin", full=full)
        return result["summary"], self.notion.calls(), self.google.calls()

    # -- part 1: the first sync of a new installation ----------------------------------------
    def first_sync(self) -> dict:
        from booksync.bookings.models import Booking

        monday = datetime.now(UTC).date() + timedelta(days=7 - datetime.now(UTC).weekday())
        for i in range(FIRST_SYNC_PAGES):
            start = datetime(monday.year, monday.month, monday.day, 9, tzinfo=UTC) + i * SPACING
            self.notion.human_create(self.data_source_id, page_properties(
                f"Walk-in {i}", start, start + timedelta(hours=1), email=f"walkin{i}@example.com"))
        began = time.time()
        summary, notion_calls, google_calls = self.sync(full=True)
        ended = time.time()
        assert summary["created"] == FIRST_SYNC_PAGES and summary["errors"] == 0, summary
        assert Booking.objects.count() == FIRST_SYNC_PAGES
        stamps = [c.at for c in notion_calls]
        span = max(stamps[-1] - stamps[0], 1e-9)
        window = 10.0
        peak = max(sum(1 for t in stamps[i:] if t < s + window) for i, s in enumerate(stamps))
        return {"summary": summary, "notion": len(notion_calls), "google": split(google_calls, google_kind),
                "notion_split": split(notion_calls, notion_kind), "span": span, "wall": ended - began,
                "rate": len(notion_calls) / span, "peak": peak / window}

    # -- part 2: 10,000 bookings on every side -------------------------------------------------
    def seed(self, count: int) -> float:
        from booksync.bookings import tokens
        from booksync.bookings.booking_view import booking_view
        from booksync.bookings.models import Booking, BookingSource, BookingStatus, Service, Studio
        from booksync.bookings.services import blocked_interval
        from booksync.integrations.event_ids import event_id_for
        from booksync.integrations.google_events import event_body
        from booksync.integrations.notion import notion_bookings
        from booksync.integrations.notion_pages import booking_properties, changed_fields
        from booksync.sync.ledger import base_to_json
        from booksync.sync.models import BookingLink
        from booksync.sync.plan import CALENDAR, NOTION, project
        from booksync.sync.push import _notion_hash
        from booksync.sync.snapshot import fingerprint, local_record

        began = time.perf_counter()
        studio = Studio.load()
        services = list(Service.objects.order_by("position"))
        latest = Booking.objects.order_by("-end").values_list("end", flat=True).first() or datetime.now(UTC)
        first = (latest + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
        bookings = []
        for i in range(count):
            service = services[i % len(services)]
            start = first + i * SPACING
            end = start + timedelta(hours=1)
            blocked = blocked_interval(studio, start, end)
            cancelled = i % 20 == 7  # one in twenty cancelled: a page, but no event
            booking = Booking(
                id=uuid.uuid4(), service=service, service_name=service.name, start=start, end=end,
                blocked_start=blocked.start, blocked_end=blocked.end,
                status=BookingStatus.CANCELLED if cancelled else BookingStatus.CONFIRMED,
                cancelled_at=start - timedelta(days=1) if cancelled else None,
                source=BookingSource.WEBSITE, name=f"Customer {i}",
                email=f"customer{i}@example.com" if i % 10 else "",
                phone=f"+44 7700 9{i:05d}" if i % 3 == 0 else "",
                notes="Bring the dog" if i % 7 == 0 else "", sequence=1 if cancelled else 0,
            )
            booking.manage_salt = tokens.new_salt()
            booking.manage_token_hash = tokens.token_hash(tokens.derive(booking.pk, booking.manage_salt))
            bookings.append(booking)
        Booking.objects.bulk_create(bookings, batch_size=500)
        bookings = list(Booking.objects.filter(pk__in=[b.pk for b in bookings]).select_related("service"))

        # Google: the adapter's own event body under the adapter's own event id, through the batch endpoint.
        service_api = self.google.build_service()
        etags: dict[str, str] = {}

        def inserted(request_id, response, exception) -> None:
            if exception is not None:
                raise exception
            etags[response["id"]] = response["etag"]

        live = [b for b in bookings if b.is_active]
        for offset in range(0, len(live), 1000):
            batch = self.google.new_batch(inserted)
            for booking in live[offset:offset + 1000]:
                body = {**event_body(booking_view(booking, studio=studio)), "id": event_id_for(booking.pk)}
                batch.add(service_api.events().insert(calendarId="primary", body=body, sendUpdates="none"))
            batch.execute()

        # Notion: the adapter's own property builder, written as our integration would have.
        store = notion_bookings()
        schema = store.schema()
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(studio.timezone)
        links = []
        for booking in bookings:
            event_id = event_id_for(booking.pk) if booking.is_active else ""
            desired = replace(local_record(booking), extra={"calendar_event_id": event_id})
            properties = booking_properties(desired, changed_fields(None, desired), schema, zone)
            page_id = self.notion.human_create(self.data_source_id, properties, user_id=self.notion.bot_id)
            link = BookingLink(
                booking=booking, notion_page_id=page_id, calendar_event_id=event_id, calendar_generation=0,
                calendar_etag=etags.get(event_id, ""), calendar_written_hash=fingerprint(CALENDAR, booking),
                notion_base=base_to_json(project(NOTION, local_record(booking))),
                calendar_base=base_to_json(project(CALENDAR, local_record(booking))),
            )
            link.notion_written_hash = _notion_hash(booking, link)
            links.append(link)
            self.rows.append((str(booking.pk), page_id, event_id))
        BookingLink.objects.bulk_create(links, batch_size=500)
        # Seeded rows stand for history: last touched an hour before the syncs that follow (as their
        # Notion pages are), not "changed a moment ago", which an incremental sync would rightly read.
        hour_ago = datetime.now(UTC) - timedelta(hours=1)
        Booking.objects.filter(updated_at__gt=hour_ago).update(updated_at=hour_ago)
        BookingLink.objects.filter(updated_at__gt=hour_ago).update(updated_at=hour_ago)
        return time.perf_counter() - began

    def move_by_person(self, index: int) -> tuple[str, str, datetime]:
        """A person moves seeded booking ``index`` one hour later in Notion; (page, event, new start)."""
        from booksync.bookings.models import Booking

        booking_id, page_id, event_id = self.rows[index]
        booking = Booking.objects.get(pk=booking_id)
        start, end = booking.start + timedelta(hours=1), booking.end + timedelta(hours=1)
        self.notion.human_edit(page_id, {"Date": {"date": {"start": start.isoformat(), "end": end.isoformat()}}})
        return page_id, event_id, start

    def active_index(self, after: int) -> int:
        return next(i for i in range(after, len(self.rows)) if self.rows[i][2])

    # -- part 4: the real product -------------------------------------------------------------
    def webhook_latency(self) -> dict:
        from django.db import connection
        from django_q.models import Schedule

        from booksync.sync.notion_handshake import open_window
        from tests.liveserver import free_port, wait_until_up

        # The scheduled syncs would poll with the worker's real clock against cursors written in the
        # emulator's advanced clock; pause them so only the webhook path is timed.
        paused = Schedule.objects.filter(func__in=["booksync.sync.tasks.periodic_sync",
                                                   "booksync.sync.tasks.daily_sync_if_due"])
        paused.update(next_run=datetime.now(UTC) + timedelta(days=1))
        open_window()  # as `booksync notion expect-verification` would, before the subscription is made
        connection.close()
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, **self.product_env(), "SITE_URL": base, "SECRET_KEY": settings.SECRET_KEY,
               "LOG_LEVEL": "WARNING"}
        env.pop("NOTION_REQUESTS_PER_SECOND", None)  # the product's default budget
        exe = [sys.executable, "-m", "booksync.cli"]
        with open(DATA / "server.log", "wb") as server_log, open(DATA / "worker.log", "wb") as worker_log:
            server = subprocess.Popen([*exe, "serve", "--port", str(port), "--workers", "2"], env=env,
                                      stdout=server_log, stderr=subprocess.STDOUT, cwd=ROOT)
            worker = subprocess.Popen([*exe, "worker"], env=env, stdout=worker_log, stderr=subprocess.STDOUT,
                                      cwd=ROOT)
        url = base + "/api/webhooks/notion"
        try:
            wait_until_up(base, process=server)
            answer = self.notion.post(url, self.notion.build_verification())
            assert answer.status == 200, answer.body
            timings, index = [], self.active_index(200)
            for round_number in range(WEBHOOK_ROUNDS + 1):  # the first round warms the worker up
                page_id, event_id, start = self.move_by_person(index)
                message = self.notion.build_event("page.properties_updated", page_id)
                began = time.perf_counter()
                answer = self.notion.post(url, message)
                assert answer.status == 200, answer.body
                deadline = began + 60
                while parse_stamp(self.google.event(event_id)["start"]["dateTime"]) != start:
                    if time.perf_counter() > deadline or worker.poll() is not None:
                        raise RuntimeError(f"event {event_id} not moved in 60 s (see {DATA / 'worker.log'})")
                    time.sleep(0.01)
                if round_number:
                    timings.append(time.perf_counter() - began)
                index = self.active_index(index + 1)
        finally:
            for process in (server, worker):
                process.terminate()
            for process in (server, worker):
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
        return {"timings": timings}


def measured(action) -> tuple[float, float, int, object]:
    """Run ``action`` once: (wall seconds, CPU seconds of this thread, database queries, its result).

    The emulators serve from other threads of this process, so this thread's CPU time is the
    sync's own work without theirs (an emulator scanning 50,000 pages is not our cost)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        wall, cpu = time.perf_counter(), time.thread_time()
        result = action()
        cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
    return wall, cpu, len(queries.captured_queries), result


def spread(values: list[float], scale: float = 1000.0, unit: str = "ms") -> str:
    values = [v * scale for v in values]
    return f"{statistics.median(values):.0f} {unit} ({min(values):.0f}-{max(values):.0f})"


def local_work(bench: Bench, size: int) -> dict:
    """No-change incremental sync, a webhook run for one unchanged page and the sweep, REPEATS times each."""

    def answering() -> float:
        """Seconds the emulators spent answering since their logs were reset (remote work, not ours)."""
        return sum(entry.seconds for entry in bench.notion.calls() + bench.google.calls())

    def figures(runs: list, remote: list[float], calls: list[int], ok: bool) -> dict:
        return {"wall": [r[0] for r in runs], "local": [r[0] - t for r, t in zip(runs, remote, strict=True)],
                "cpu": [r[1] for r in runs], "queries": [r[2] for r in runs], "calls": calls, "ok": ok}

    # The emulators keep every seeded page and event in this process; the product's processes hold
    # none of them. Freezing what exists keeps the garbage collector from walking that heap during
    # the measured runs (its pauses would land on whichever thread allocates).
    gc.collect()
    gc.freeze()
    try:
        return _local_work(bench, size, answering, figures)
    finally:
        gc.unfreeze()


def _local_work(bench: Bench, size: int, answering, figures) -> dict:
    from booksync.sync import tasks
    from booksync.sync.models import WebhookDelivery

    out: dict[str, dict] = {}
    runs, remote = [], []
    for _ in range(REPEATS):
        bench.notion.advance(600)
        runs.append(measured(lambda: bench.sync(full=False)))
        remote.append(answering())
    calls = [len(r[3][1]) + len(r[3][2]) - split(r[3][2], google_kind)["auth"] for r in runs]
    out["no-change incremental sync"] = figures(runs, remote, calls, all(zeros(r[3][0]) for r in runs))
    runs, remote = [], []
    for n in range(REPEATS):
        page_id = bench.rows[bench.active_index(n * 7)][1]
        WebhookDelivery.objects.create(source="notion", delivery_id=f"bench-{size}-{n}-{uuid.uuid4()}",
                                       kind="page.properties_updated", entity_id=page_id)
        bench.notion.reset_log()
        bench.google.reset_log()
        runs.append(measured(tasks.process_webhooks))
        remote.append(answering())
    calls = [len(bench.notion.calls())] * len(runs)
    out["webhook run, one unchanged page"] = figures(runs, remote, calls,
                                                     all(r[3] and zeros(r[3]["summary"]) for r in runs))
    runs = [measured(tasks.sweep) for _ in range(REPEATS)]
    out["periodic sweep, nothing due"] = figures(runs, [0.0] * len(runs), [0] * len(runs), True)
    return out


def main() -> None:
    wall = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    from django.core import mail

    from booksync.bookings.demo import load_demo
    from booksync.bookings.models import Booking

    load_demo()
    bench = Bench()
    rows: list[tuple[str, str, str]] = []

    # 1. The first full sync with the real limiter, against Notion's documented limit.
    default_rate = float(os.environ.get("NOTION_REQUESTS_PER_SECOND", settings.NOTION_REQUESTS_PER_SECOND))
    bench.configure(default_rate)
    bench.notion.enforce_rate_limit(CEILING, burst=NOTION_BURST)
    first = bench.first_sync()
    limited = bench.notion.rate_limited_count
    bench.notion.enforce_rate_limit(0)
    share = first["rate"] / CEILING
    allowance = CEILING * 10 + NOTION_BURST
    rows.append((f"first full sync, {FIRST_SYNC_PAGES} hand-made pages imported",
                 f"Notion {first['notion']} req ({first['notion_split']['read']} r / "
                 f"{first['notion_split']['write']} w) in {first['span']:.1f} s = {first['rate']:.2f} req/s",
                 ""))
    rows.append(("  as a share of Notion's 3 req/s", f"{share:.0%}",
                 f">= 90 % {'ok' if share >= 0.9 else 'MISSED'}"))
    rows.append(("  429s from Notion's limit (3/s, burst 3)", f"{limited}", f"0 {'ok' if limited == 0 else 'MISSED'}"))
    rows.append(("  busiest 10-s window", f"{first['peak'] * 10:.0f} requests (Notion allows {allowance:.0f})",
                 f"<= {allowance:.0f} {'ok' if first['peak'] * 10 <= allowance else 'MISSED'}"))

    # 2. Local work at each size; 3. the call counts at 10,000.
    bench.configure(FAST_BUDGET)
    scale: dict[int, dict] = {}
    for size in SIZES:
        seed_seconds = 0.0
        while len(bench.rows) < size:
            seed_seconds += bench.seed(min(10000, size - len(bench.rows)))
        bench.notion.advance(3600)  # the bookings were written an hour before this sync
        absorb, _, _ = bench.sync(full=False)  # reads the newly seeded records once
        rows.append((f"seeded up to {size} bookings ({seed_seconds:.0f} s); incremental sync reading them",
                     brief(absorb), f"all 0 {'ok' if zeros(absorb) else 'MISSED'}"))
        scale[size] = local_work(bench, size)
        for what, figures in scale[size].items():
            rows.append((f"  {what} at {size}",
                         f"wall {spread(figures['wall'])} ({spread(figures['local'])} without the emulators' "
                         f"answering), CPU {spread(figures['cpu'])}, "
                         f"{statistics.median(figures['queries']):.0f} queries, "
                         f"{statistics.median(figures['calls']):.0f} API calls", "" if figures["ok"] else "MISSED"))
        if size == CALL_COUNT_SIZE:
            call_counts(bench, rows, mail)
    small, large = min(SIZES), max(SIZES)
    if small != large:
        for what in scale[small]:
            a, b = scale[small][what], scale[large][what]
            ratio = statistics.median(b["local"]) / statistics.median(a["local"])
            goal = "<= 1.5x " + ("ok" if ratio <= 1.5 else "MISSED") if what.startswith("no-change") else ""
            rows.append((f"{what}: {large} / {small} bookings",
                         f"wall {statistics.median(b['wall']) / statistics.median(a['wall']):.2f}x, "
                         f"without the emulators' answering {ratio:.2f}x, "
                         f"CPU {statistics.median(b['cpu']) / statistics.median(a['cpu']):.2f}x, "
                         f"queries {statistics.median(b['queries']):.0f} vs {statistics.median(a['queries']):.0f}",
                         goal))

    # 4. Webhook delivery → calendar updated, through the real server and worker.
    bench.notion.enforce_rate_limit(CEILING, burst=NOTION_BURST)
    latency = bench.webhook_latency()
    limited = bench.notion.rate_limited_count
    bench.notion.enforce_rate_limit(0)
    timings = latency["timings"]
    p50, p95 = statistics.median(timings), percentile(timings, 0.95)
    rows.append((f"webhook -> calendar updated (serve + worker), n={len(timings)}, {len(bench.rows)} bookings",
                 f"p50 {p50:.2f} s, p95 {p95:.2f} s, max {max(timings):.2f} s; {limited} 429s",
                 f"p95 <= 2 s {'ok' if p95 <= 2 else 'MISSED'}"))

    bench.notion.stop()
    bench.google.stop()
    width = max(len(r[0]) for r in rows)
    print(f"booksync sync cost: up to {Booking.objects.count()} bookings in SQLite, Notion + Google Calendar "
          f"emulators (loopback)")
    print(f"first full sync and webhooks: NOTION_REQUESTS_PER_SECOND={default_rate:g} (the default), the Notion "
          f"emulator enforcing {CEILING:g} req/s with bursts of {NOTION_BURST}; elsewhere raised to "
          f"{FAST_BUDGET:g} (those parts count work, not time)")
    print(f"times: median of {REPEATS} (min-max); 'without the emulators' answering' subtracts the time the "
          f"emulators spent on the run's requests (their work stands for Notion's and Google's); CPU is the "
          f"syncing thread's own; Google's OAuth token refreshes are not counted as API calls")
    print()
    for label, figure, goal in rows:
        print(f"{label:<{width}}  {figure}{'  [' + goal + ']' if goal else ''}")
    print(f"\ntotal bench time {time.perf_counter() - wall:.0f} s; data in {DATA}")


def call_counts(bench: Bench, rows: list, mail) -> None:
    """The API calls of a sync with nothing to do, of the naive full scan, and of k Date moves."""
    bench.notion.advance(600)
    bootstrap, _, _ = bench.sync(full=True)
    rows.append((f"bootstrap full sync at {len(bench.rows)} bookings", brief(bootstrap),
                 f"all 0 {'ok' if zeros(bootstrap) else 'MISSED'}"))
    bench.notion.advance(600)
    quiet, quiet_n, quiet_g = bench.sync(full=False)
    quiet_total = len(quiet_n) + len(quiet_g) - split(quiet_g, google_kind)["auth"]
    rows.append(("no-change incremental sync",
                 f"{quiet_total} calls: Notion {len(quiet_n)}, Google {len(quiet_g)} ({brief(quiet)})",
                 f"<= 3 {'ok' if quiet_total <= 3 and zeros(quiet) else 'MISSED'}"))
    bench.notion.advance(600)
    scan, scan_n, scan_g = bench.sync(full=True)
    scan_total = len(scan_n) + len(scan_g) - split(scan_g, google_kind)["auth"]
    rows.append(("naive full scan (run_sync full=True), same data",
                 f"{scan_total} calls: Notion {len(scan_n)}, Google {len(scan_g)} ({brief(scan)})", "baseline"))
    rows.append(("  ratio no-change / full scan", f"{quiet_total / scan_total:.3f} ({quiet_total}/{scan_total})", ""))
    bench.notion.advance(600)
    moved, index = [], bench.active_index(0)
    for _ in range(CHANGES):
        moved.append(bench.move_by_person(index))
        index = bench.active_index(index + 1)
    bench.notion.advance(60)
    emails_before = len(getattr(mail, "outbox", []))
    changed, changed_n, changed_g = bench.sync(full=False)
    emails = len(mail.outbox) - emails_before
    n_split, g_split = split(changed_n, notion_kind), split(changed_g, google_kind)
    writes = n_split["write"] + g_split["write"]
    all_moved = all(parse_stamp(bench.google.event(e)["start"]["dateTime"]) == s for _, e, s in moved)
    rows.append((f"k = {CHANGES} Date moves in Notion, incremental sync",
                 f"reads: Notion {n_split['read']}, Google {g_split['read']}; writes: Notion {n_split['write']}, "
                 f"Google {g_split['write']}; {emails} reschedule emails, not API calls ({brief(changed)})",
                 f"writes <= {CHANGES + 3} {'ok' if writes <= CHANGES + 3 and all_moved else 'MISSED'}"))
    bench.notion.advance(600)
    after, after_n, after_g = bench.sync(full=False)
    rows.append(("  the sync right after", f"{len(after_n) + len(after_g)} calls ({brief(after)})",
                 f"all 0 {'ok' if zeros(after) else 'MISSED'}"))


if __name__ == "__main__":
    main()
