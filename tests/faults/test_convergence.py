"""Under 429s, 5xx, hangs, dropped connections and lost answers on every API, everything converges.

A seeded mixed workload (website bookings, reschedules, cancels, Notion edits
and new pages, calendar moves and deletes) runs while the three emulators fail
``FAULT_RATE`` of all requests; after each round the sync and the outbox run as
the worker would. Then the faults stop, a bounded number of clean rounds may
finish what is owed, and the three outside worlds are checked against the
database: one Notion page per booking, one live event per active booking and
none for a cancelled one, each owed email accepted by SendGrid exactly once,
and a last sync with nothing to do.

Environment knobs (``bench/faults.py`` turns them up): ``FAULT_RATE`` (0.25),
``FAULT_ROUNDS`` (4), ``FAULT_BOOKINGS`` (3 per round), ``FAULT_SEED`` (7),
``FAULT_REPORT`` (a path to write the figures to as JSON).
"""

from __future__ import annotations

import json
import os
import random
from collections import Counter

import pytest

from booksync.outbox.delivery import deliver_due
from booksync.outbox.models import OutboxMessage, OutboxState
from booksync.sync.engine import run_sync
from tests.faults.chaos import Chaos, fault_counts, inject, lose_answers, restore
from tests.faults.invariants import (
    calendar_problems,
    email_problems,
    notion_problems,
    outbox_problems,
)
from tests.faults.workload import Slots, Workload

FAULT_RATE = float(os.environ.get("FAULT_RATE", "0.25"))
ROUNDS = int(os.environ.get("FAULT_ROUNDS", "4"))
BOOKINGS_PER_ROUND = int(os.environ.get("FAULT_BOOKINGS", "3"))
SEED = int(os.environ.get("FAULT_SEED", "7"))
SETTLE_ROUNDS_UNDER_FAULTS = 3
CLEAN_ROUNDS = 3

pytestmark = pytest.mark.django_db


class Driver:
    """The worker's part, run in-process: a sync, then every owed effect delivered (backoff ignored)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.stats: Counter = Counter()

    def step(self, *, full: bool | None = None) -> dict:
        full = self.rng.random() < 0.3 if full is None else full
        result = run_sync(trigger="admin", full=full)
        summary = result["summary"]
        self.stats["syncs"] += 1
        self.stats["sync errors"] += summary["errors"]
        self.stats["sync actions"] += len(result["actions"])
        delivered = deliver_due(force=True)
        self.stats["deliveries"] += delivered["delivered"]
        self.stats["failed deliveries"] += delivered["failed"]
        return result

    @staticmethod
    def owed() -> int:
        return OutboxMessage.objects.filter(state__in=[OutboxState.PENDING, OutboxState.IN_FLIGHT]).count()

    def settle(self, rounds: int) -> int:
        """Full syncs until one changes nothing and nothing is owed; returns the rounds it took (0 = never)."""
        for n in range(1, rounds + 1):
            result = self.step(full=True)
            summary = result["summary"]
            if result["success"] and (summary["created"], summary["updated"], summary["deleted"]) == (0, 0, 0) \
                    and not self.owed():
                return n
        return 0


def test_mixed_workload_converges_under_faults(world, emu, notion_db, gcal, sendgrid, monday):
    rng = random.Random(SEED)
    chaos = Chaos(rate=FAULT_RATE)
    days = max(10, (ROUNDS * (BOOKINGS_PER_ROUND + 5) + 10) // 6 + 2)
    work = Workload(emu, notion_db.data_source_id, gcal, rng, Slots(monday, days, rng))
    driver = Driver(rng)

    # A few bookings already in sync, so the first round's edits have something to act on.
    for _ in range(3):
        work.website_booking()
    driver.step(full=True)

    inject(emu, "notion", chaos)
    inject(gcal, "google", chaos)
    inject(sendgrid, "sendgrid", chaos, path=r"^/v3/mail/send$")
    lost_notion = lose_answers(emu, rate=chaos.lost_answer_rate, seed=SEED)
    lost_google = lose_answers(gcal, rate=chaos.lost_answer_rate, path=r"/events", seed=SEED + 1)
    for _ in range(ROUNDS):
        work.round(BOOKINGS_PER_ROUND)
        driver.step()
    settled_under_faults = driver.settle(SETTLE_ROUNDS_UNDER_FAULTS)
    requests, faulted = fault_counts(emu, gcal, sendgrid)

    for emulator in (emu, gcal, sendgrid):
        restore(emulator)
    clean_rounds = driver.settle(CLEAN_ROUNDS)

    final = run_sync(trigger="admin", full=True)
    incremental = run_sync(trigger="admin", full=False)
    notion, notion_dupes = notion_problems(emu, notion_db.data_source_id)
    calendar, calendar_dupes = calendar_problems(gcal)
    email, email_dupes, email_missing = email_problems(sendgrid)
    stuck = outbox_problems()
    figures = {
        "fault_rate_configured": FAULT_RATE,
        "requests": requests,
        "faulted_requests": faulted,
        "fault_rate_injected": round(faulted / requests, 3) if requests else 0.0,
        "lost_answers": lost_notion["lost"] + lost_google["lost"],
        "workload": dict(work.done),
        "driver": dict(driver.stats),
        "outbox_attempts": sum(OutboxMessage.objects.values_list("attempts", flat=True)),
        "settled_under_faults_in_rounds": settled_under_faults,
        "clean_rounds_needed": clean_rounds,
        "final_sync": final["summary"],
        "duplicates": notion_dupes + calendar_dupes + email_dupes,
        "lost": email_missing + sum(1 for p in notion + calendar if "has no" in p),
        "emails_sent": len(sendgrid.messages),
        "problems": notion + calendar + email + stuck,
    }
    if os.environ.get("FAULT_REPORT"):
        with open(os.environ["FAULT_REPORT"], "w") as out:
            json.dump(figures, out, indent=2, default=str)

    assert faulted > 0 and work.done["website bookings"] > 0
    assert clean_rounds, f"not quiet after {CLEAN_ROUNDS} clean rounds: {figures}"
    assert final["success"], final["error_details"]
    assert (final["summary"]["created"], final["summary"]["updated"], final["summary"]["deleted"]) == (0, 0, 0)
    assert (incremental["summary"]["created"], incremental["summary"]["updated"],
            incremental["summary"]["deleted"]) == (0, 0, 0)
    assert figures["problems"] == []
    assert figures["duplicates"] == 0 and figures["lost"] == 0
