"""The real worker (django-q2 qcluster) SIGKILLed at random points, restarted, killed again: no doubles.

Every API answers slowly (latency faults), so when the whole process group is
killed, syncs and outbox deliveries are in flight: a page create sent but not
linked, an event inserted but not recorded, the sync lock held, messages left
"in flight". After the last kill the work is finished in-process, as the next
worker's sweep would (with OUTBOX_STUCK_AFTER_SECONDS shortened: the default
10 minutes is the production grace period), and the outside worlds are checked.

The one allowed exception is email: SendGrid has no idempotency key, so a
worker killed after SendGrid accepted a message but before the outbox marked it
done sends it again on retry. Only messages that were demonstrably interrupted
(claimed more than once) may appear once extra; the figure is printed.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django_q.tasks import async_task

from booksync.outbox.models import OutboxMessage
from booksync.sync.engine import run_sync
from tests.faults.invariants import (
    calendar_problems,
    email_problems,
    notion_problems,
    outbox_problems,
)
from tests.faults.test_convergence import Driver
from tests.faults.workload import Slots, Workload
from tests.liveserver import product_env

pytestmark = [pytest.mark.dbspecific, pytest.mark.django_db(transaction=True)]

KILLS = int(os.environ.get("WORKER_KILLS", "4"))
SEED = int(os.environ.get("FAULT_SEED", "11"))
LATENCY = 0.15  # seconds per API request: enough that a kill lands mid-call


def worker_env(settings, emu, notion_db, gcal, sendgrid) -> dict[str, str]:
    return product_env(
        NOTION_API_KEY=emu.token, NOTION_API_BASE_URL=emu.url, NOTION_BOOKINGS_DATABASE_ID=notion_db.database_id,
        NOTION_HTTP_TIMEOUT="2", NOTION_REQUESTS_PER_SECOND="500", NOTION_RATE_FILE=settings.NOTION_RATE_FILE,
        GOOGLE_CLIENT_ID=gcal.client_id, GOOGLE_CLIENT_SECRET=gcal.client_secret,
        GOOGLE_REFRESH_TOKEN=gcal.refresh_token, GOOGLE_CALENDAR_ID="primary",
        GOOGLE_API_BASE_URL=gcal.api_endpoint, GOOGLE_TOKEN_URI=gcal.token_uri, GOOGLE_HTTP_TIMEOUT="2",
        SENDGRID_API_KEY=sendgrid.api_key, SENDGRID_API_BASE_URL=f"{sendgrid.url}/v3/",
        SENDGRID_FROM_EMAIL=settings.DEFAULT_FROM_EMAIL, INVITES_VIA="email", CALENDAR_IMPORT="booking",
        WORKER_PROCESSES="2", LOG_LEVEL="WARNING",
    )


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:
        # Its own session: the kill takes the cluster's sentinel, pusher, monitor and workers at once.
        return subprocess.Popen([sys.executable, "-m", "booksync.cli", "worker"], env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def kill(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def test_worker_killed_mid_task_leaves_no_duplicates(world, emu, notion_db, gcal, sendgrid, monday, tmp_path):
    world.OUTBOX_WAKE_WORKER = True  # bookings enqueue a delivery task, as in production
    rng = random.Random(SEED)
    work = Workload(emu, notion_db.data_source_id, gcal, rng, Slots(monday, 12, rng))
    env = worker_env(world, emu, notion_db, gcal, sendgrid)
    log = tmp_path / "worker.log"
    for emulator in (emu, gcal, sendgrid):
        emulator.add_fault(kind="latency", seconds=LATENCY, times=None)

    for _ in range(3):
        work.website_booking()
    for _ in range(KILLS):
        work.round(bookings=3)
        async_task("booksync.sync.tasks.run_sync", "admin", True, task_name="fault-test sync")
        worker = start_worker(env, log)
        time.sleep(rng.uniform(2.0, 6.0))  # a random point in its work (not a timing assertion)
        kill(worker)

    # Claimed more than once, or still claimed by a dead worker: SendGrid may have accepted it already.
    interrupted = {(str(m.booking_id), m.payload.get("kind") or m.action)
                   for m in OutboxMessage.objects.filter(topic="email")
                   if m.attempts > 1 or m.state == "in_flight"}
    in_flight_at_last_kill = OutboxMessage.objects.filter(state="in_flight").count()
    for emulator in (emu, gcal, sendgrid):
        emulator.clear_faults()
    world.OUTBOX_WAKE_WORKER = False
    world.OUTBOX_STUCK_AFTER_SECONDS = 0  # every worker that claimed something is dead now
    driver = Driver(rng)
    settled = driver.settle(4)
    if not settled:
        print("not quiet:", run_sync(trigger="admin", full=True)["actions"])

    final = run_sync(trigger="admin", full=True)
    notion, notion_dupes = notion_problems(emu, notion_db.data_source_id)
    calendar, calendar_dupes = calendar_problems(gcal)
    email, email_dupes, email_missing = email_problems(sendgrid, allowed_duplicates=frozenset(interrupted))
    print(f"\nworker kills: {KILLS}, messages in flight at the last kill: {in_flight_at_last_kill}, "
          f"email kinds interrupted mid-delivery: {len(interrupted)}, emails sent: {len(sendgrid.messages)}, "
          f"work done: {dict(work.done)}")
    assert sendgrid.messages, f"the worker never delivered anything; see {log}"
    assert settled, "not quiet after 4 in-process rounds"
    assert (final["summary"]["created"], final["summary"]["updated"], final["summary"]["deleted"]) == (0, 0, 0)
    assert notion + calendar + email + outbox_problems() == []
    assert notion_dupes == calendar_dupes == email_dupes == email_missing == 0
