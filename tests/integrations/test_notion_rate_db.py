"""The Notion request budget in the database (PostgreSQL): one budget for every process of every machine.

Runs on SQLite in the main pass (where the budget stays a file) and again on PostgreSQL (`-m dbspecific`).
The checks count granted turns per window from the send times the budget itself handed out, so a slow
machine can make the test slower but never make it pass or fail.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection, connections, transaction

from booksync.integrations.notion_rate import DatabaseBucket, RateLimitWait, SharedBucket, budget

pytestmark = [pytest.mark.dbspecific, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
postgres_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the database budget is PostgreSQL's")

RATE, BURST, PER_PROCESS, PROCESSES = 20.0, 3, 15, 4

# A child process: one more web or worker process, possibly on another machine, taking turns.
CHILD = """
import json, sys, time
import django
django.setup()
from booksync.integrations.notion_rate import DatabaseBucket
rate, burst, count, name = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
bucket = DatabaseBucket(rate, burst=burst, max_wait=60, name=name)
print("ready", flush=True)
sys.stdin.readline()  # everyone starts together
granted = []
for _ in range(count):
    now, send_at = bucket.reserve()
    granted.append(send_at)
    time.sleep(max(send_at - now, 0))  # what take() does: the request goes out at its turn
print(json.dumps(granted), flush=True)
"""


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgresql://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _grants(names: list[str]) -> list[list[float]]:
    """Send times granted to one child process per entry of ``names`` (the budget row each one uses)."""
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "booksync.settings",
           "PYTHONPATH": str(ROOT)}
    children = [subprocess.Popen([sys.executable, "-c", CHILD, str(RATE), str(BURST), str(PER_PROCESS), name],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
                for name in names]
    try:
        for child in children:
            assert child.stdout.readline().strip() == "ready"
        for child in children:
            child.stdin.write("go\n")
            child.stdin.flush()
        return [json.loads(child.stdout.readline()) for child in children]
    finally:
        for child in children:
            child.stdin.close()
            child.wait(timeout=60)


def _most_in_any_window(times: list[float], window: float) -> int:
    """The largest number of grants inside any half-open window [t, t + window) of the given length."""
    times = sorted(times)
    most, first = 0, 0
    for last, t in enumerate(times):
        while times[first] <= t - window:
            first += 1
        most = max(most, last - first + 1)
    return most


def _allowed(window: float) -> int:
    # GCRA: at most one turn per 1/rate plus the burst, in any window.
    return int(window * RATE + 1e-9) + BURST


def test_the_budget_lives_in_the_database_on_postgresql_and_in_a_file_on_sqlite(tmp_path):
    chosen = budget(tmp_path / "rate.json", rate=RATE)
    assert isinstance(chosen, DatabaseBucket if connection.vendor == "postgresql" else SharedBucket)


@postgres_only
def test_processes_sharing_the_database_budget_never_exceed_the_rate_plus_the_burst():
    per_process = _grants(["notion:rate-budget:test"] * PROCESSES)
    granted = [t for times in per_process for t in times]
    assert len(granted) == PROCESSES * PER_PROCESS  # every request got a turn
    for window in (0.5, 1.0, 2.0):
        assert _most_in_any_window(granted, window) <= _allowed(window), window
    # The turns interleave: no process had the budget to itself while the others waited.
    order = sorted((t, n) for n, times in enumerate(per_process) for t in times)
    first_half = {n for _, n in order[: len(order) // 2]}
    assert first_half == set(range(PROCESSES))


@postgres_only
def test_the_window_check_catches_processes_with_budgets_of_their_own():
    """The same processes, each on a budget row of its own (what one file per machine amounts to)."""
    per_process = _grants([f"notion:rate-budget:own-{n}" for n in range(PROCESSES)])
    granted = [t for times in per_process for t in times]
    assert _most_in_any_window(granted, 1.0) > _allowed(1.0)


def _row_is_locked(name: str) -> bool:
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("BEGIN")
            try:
                cursor.execute("SELECT 1 FROM sync_syncstate WHERE name = %s FOR UPDATE NOWAIT", [name])
                return False
            except Exception:
                return True
            finally:
                cursor.execute("ROLLBACK")
    finally:
        other.close()


class Rollback(Exception):
    pass


@postgres_only
def test_a_turn_taken_inside_a_callers_transaction_is_committed_at_once_and_survives_its_rollback():
    bucket = DatabaseBucket(rate=1.0, burst=1, max_wait=60, name="notion:rate-budget:tx")
    with pytest.raises(Rollback), transaction.atomic():
        _, first = bucket.reserve()
        assert not _row_is_locked(bucket.name)  # nothing waits for the caller's transaction to end
        raise Rollback
    _, second = bucket.reserve()
    assert second - first >= 1.0 - 1e-6  # the rolled-back caller's turn still counts


@postgres_only
def test_a_retry_after_holds_back_the_database_budget():
    bucket = DatabaseBucket(rate=100.0, burst=3, max_wait=5, name="notion:rate-budget:hold")
    now, send_at = bucket.reserve()
    assert send_at == now
    bucket.hold(30)
    with pytest.raises(RateLimitWait):
        bucket.reserve()
