"""The product's default Notion budget against Notion's documented limit (the emulator's strict mode):
an average of three requests per second with a burst of three, 429 + Retry-After beyond it.

Two worker processes share the budget file and send as fast as it lets them; Notion must never
answer 429. The check is on what the emulator answered, never on how long it took.
"""

from __future__ import annotations

import multiprocessing

import pytest

from booksync.config import VARIABLES
from booksync.integrations.notion_http import BURST, make_client
from booksync.integrations.notion_rate import SharedBucket

pytestmark = pytest.mark.usefixtures("notion_settings")

DEFAULT_RATE = float(next(v.default for v in VARIABLES if v.name == "NOTION_REQUESTS_PER_SECOND"))
NOTION_RATE, NOTION_BURST = 3.0, 3  # developers.notion.com/reference/request-limits


def _send(count: int, out) -> None:
    client = make_client()
    for _ in range(count):
        client.users.me()
    out.put(count)


def test_the_default_budget_never_draws_a_429_from_notions_limit(emu, settings):
    settings.NOTION_REQUESTS_PER_SECOND = DEFAULT_RATE
    assert DEFAULT_RATE >= 0.9 * NOTION_RATE  # close to Notion's allowance, not far below it
    emu.enforce_rate_limit(NOTION_RATE, burst=NOTION_BURST)
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    workers = [ctx.Process(target=_send, args=(12, out)) for _ in range(2)]
    for worker in workers:
        worker.start()
    assert sum(out.get(timeout=60) for _ in workers) == 24
    for worker in workers:
        worker.join(timeout=10)
    calls = emu.calls()
    assert [c.status for c in calls] == [200] * 24
    assert emu.rate_limited_count == 0


def test_granted_turns_stay_inside_notions_allowance(tmp_path):
    """Whatever the timing, the budget never grants more than Notion's average plus a smaller burst."""
    bucket = SharedBucket(tmp_path / "budget.json", DEFAULT_RATE, burst=BURST, max_wait=1e9)
    granted = [bucket.reserve()[1] for _ in range(60)]  # 60 requests asking at once, as a backlog does
    for window in (0.5, 1.0, 2.0, 10.0):
        most = max(sum(1 for t in granted if start <= t < start + window) for start in granted)
        assert most <= BURST + DEFAULT_RATE * window
        assert most <= NOTION_BURST + NOTION_RATE * window - 1  # at least one request of slack
    assert len(granted) / (granted[-1] - granted[0]) >= 0.9 * NOTION_RATE
