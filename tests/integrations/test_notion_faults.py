"""Notion misbehaving: 429 storms, outages and hung requests lose nothing and never double a page;
the shared rate budget keeps every process together under Notion's 3 requests per second."""

from __future__ import annotations

import multiprocessing
import time

import pytest

from booksync.bookings.models import Service
from booksync.bookings.services import BookingRequest, book
from booksync.integrations.notion_http import make_client
from booksync.integrations.notion_rate import SharedBucket
from booksync.outbox.delivery import deliver_due
from booksync.outbox.models import OutboxMessage, OutboxState
from booksync.sync.models import BookingLink
from tests.conftest import london

pytestmark = pytest.mark.usefixtures("notion_settings")


def make_booking(day, hour=10):
    request = BookingRequest(start=london(day, hour), name=f"Client {hour}", email=f"c{hour}@example.com",
                             service=Service.objects.get(slug="portrait"))
    return book(request).booking


def deliver_until_done(rounds=6) -> int:
    """Deliver (ignoring backoff, as time passing would) until nothing is pending; returns the rounds used."""
    for used in range(1, rounds + 1):
        deliver_due(force=True, topics=["notion"])
        if not OutboxMessage.objects.filter(topic="notion", state=OutboxState.PENDING).exists():
            return used
    return rounds


def pages_for(emu, ds_id, booking) -> list[str]:
    return [p for p in emu.page_ids(ds_id) if emu.plain(p)["Booking ID"] == str(booking.pk)]


def test_a_short_429_storm_is_absorbed_within_the_call(studio, monday, emu, notion_db):
    booking = make_booking(monday)
    emu.rate_limit_storm(4, retry_after=0)
    assert deliver_until_done() == 1
    assert len(emu.calls(path=".")) and sum(1 for c in emu.calls() if c.status == 429) == 4
    assert len(pages_for(emu, notion_db.data_source_id, booking)) == 1


def test_a_long_429_storm_is_retried_by_the_outbox_without_loss(studio, monday, emu, notion_db):
    bookings = [make_booking(monday, hour) for hour in (9, 11, 13)]
    emu.rate_limit_storm(40, retry_after=0)
    rounds = deliver_until_done()
    assert rounds > 1  # the storm outlasted the in-call retries: the outbox tried again later
    for booking in bookings:
        assert len(pages_for(emu, notion_db.data_source_id, booking)) == 1
    assert not OutboxMessage.objects.filter(topic="notion").exclude(state=OutboxState.DONE).exists()


def test_an_outage_then_recovery_creates_the_page_exactly_once(studio, monday, emu, notion_db):
    booking = make_booking(monday)
    emu.add_notion_fault(503, "service_unavailable", path=r"/v1/pages$", method="POST", times=3)
    deliver_due(force=True, topics=["notion"])
    message = OutboxMessage.objects.get(topic="notion", booking=booking)
    assert message.state == OutboxState.PENDING and "503" in message.last_error  # owed, not lost
    assert deliver_until_done() == 3
    assert len(pages_for(emu, notion_db.data_source_id, booking)) == 1
    assert BookingLink.objects.get(booking=booking).notion_page_id


def test_reads_ride_out_a_brief_5xx_and_a_dropped_connection(studio, monday, emu, notion_db):
    booking = make_booking(monday)
    emu.add_notion_fault(502, "internal_server_error", path=r"/query$", times=1)
    emu.add_fault(kind="drop", path=r"/query$", times=1)
    assert deliver_until_done() == 1
    assert len(pages_for(emu, notion_db.data_source_id, booking)) == 1


def test_a_hung_request_times_out_and_is_retried(studio, monday, emu, notion_db):
    booking = make_booking(monday)
    emu.add_fault(kind="hang", seconds=3, path=r"/v1/pages$", method="POST", times=1)
    deliver_due(force=True, topics=["notion"])
    assert "did not answer" in OutboxMessage.objects.get(topic="notion", booking=booking).last_error
    assert deliver_until_done() == 1
    assert len(pages_for(emu, notion_db.data_source_id, booking)) == 1


def test_a_permanent_refusal_parks_the_message_with_the_fix(studio, monday, emu, notion_db, settings):
    settings.NOTION_API_KEY = "ntn_wrong"
    booking = make_booking(monday)
    deliver_due(force=True, topics=["notion"])
    message = OutboxMessage.objects.get(topic="notion", booking=booking)
    assert message.state == OutboxState.FAILED and "NOTION_API_KEY" in message.last_error


def test_the_shared_budget_keeps_us_under_notions_limit(studio, monday, emu, notion_db, settings):
    settings.NOTION_REQUESTS_PER_SECOND = 2.5
    emu.enforce_rate_limit(3.0)
    bookings = [make_booking(monday, hour) for hour in (9, 10, 11, 12)]
    assert deliver_until_done() == 1
    assert emu.rate_limited_count == 0
    for booking in bookings:
        assert len(pages_for(emu, notion_db.data_source_id, booking)) == 1


def test_a_retry_after_holds_back_every_client(studio, emu, settings):
    settings.NOTION_REQUESTS_PER_SECOND = 100.0
    emu.rate_limit_storm(1, retry_after=1)
    first, second = make_client(), make_client()  # two workers sharing the budget file
    first.users.me()  # 429 → everyone holds for 1 s → retried
    started = time.monotonic()
    second.users.me()
    assert time.monotonic() - started < 1.0  # the hold was over by the time the first call returned
    assert [c.status for c in emu.calls()] == [429, 200, 200]


def _take_many(path: str, count: int, out) -> None:
    bucket = SharedBucket(path, rate=20.0, burst=1)
    for _ in range(count):
        bucket.take()
        out.put(time.time())


def test_the_budget_is_shared_between_processes(tmp_path):
    path = str(tmp_path / "bucket.json")
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    workers = [ctx.Process(target=_take_many, args=(path, 5, out)) for _ in range(2)]
    for worker in workers:
        worker.start()
    stamps = sorted(out.get(timeout=10) for _ in range(10))
    for worker in workers:
        worker.join(timeout=10)
    # 10 turns at 20/s take 0.45 s when both processes share one budget (0.2 s with one each).
    assert stamps[-1] - stamps[0] > 0.4
