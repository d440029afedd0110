"""The rate limits count every attempt even when they arrive at once, in several processes.

Runs on SQLite and again on PostgreSQL (``-m dbspecific``): the counter's
increment is one transaction (web/counter_cache.py); Django's plain
DatabaseCache would lose counts between processes.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import caches

from tests.conftest import open_starts
from tests.liveserver import running_server

pytestmark = [pytest.mark.dbspecific, pytest.mark.django_db(transaction=True)]
ATTEMPTS = 40
LIMIT = 5


def test_parallel_booking_attempts_from_one_client_are_all_counted(studio, monday):
    # Every start is open (Wednesday closes for lunch), so the limit is the only refusal.
    starts = open_starts(monday, ATTEMPTS)
    caches["ratelimit"].clear()
    # A daily window: the test's two seconds almost never straddle the window's edge.
    with running_server(workers=4, BOOKING_RATE_PER_CLIENT=f"{LIMIT}/d", OUTBOX_WAKE_WORKER="false") as url:
        def attempt(i: int) -> int:
            body = {"service": "portrait", "start": starts[i].isoformat(), "name": f"P{i}",
                    "email": f"parallel{i}@example.com"}
            request = urllib.request.Request(url + "/api/bookings", data=json.dumps(body).encode(),
                                             headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    return response.status
            except urllib.error.HTTPError as err:
                return err.code

        with ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
            statuses = Counter(pool.map(attempt, range(ATTEMPTS)))
    caches["ratelimit"].clear()
    assert statuses[201] == LIMIT and statuses[429] == ATTEMPTS - LIMIT, statuses


def test_counts_survive_the_shared_caches_churn(studio, settings):
    """The shared default cache culls a third of its entries past 300; the counters live apart."""
    from django.core.cache import cache
    from django.test import RequestFactory
    from django_ratelimit.core import get_usage

    request = RequestFactory().post("/api/bookings")
    for _ in range(3):
        get_usage(request, group="churn", key="ip", rate="10/d", increment=True)
    for n in range(1000):
        cache.set(f"busy-day-{n}", n)
    assert get_usage(request, group="churn", key="ip", rate="10/d", increment=False)["count"] == 3
    caches["ratelimit"].clear()


INCREMENTS = 150
PROCESSES = 4
_COUNT = (
    "import django; django.setup()\n"
    "from django.core.cache import caches\n"
    "counter = caches['ratelimit']\n"
    "for _ in range({n}): counter.incr('race-counter')\n"
)


def test_increments_from_several_processes_are_never_lost():
    """The claim itself, without the booking around it: processes incrementing one counter at once."""
    import subprocess
    import sys

    from tests.liveserver import product_env

    counter = caches["ratelimit"]
    counter.set("race-counter", 0, timeout=600)
    code = _COUNT.format(n=INCREMENTS)
    workers = [subprocess.Popen([sys.executable, "-c", code], env=product_env()) for _ in range(PROCESSES)]
    assert [w.wait(timeout=240) for w in workers] == [0] * PROCESSES
    assert counter.get("race-counter") == INCREMENTS * PROCESSES
    counter.clear()
