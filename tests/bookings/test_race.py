"""No double booking, enforced by the database: many concurrent requests for one slot, one winner.

Runs on SQLite in the main pass and again on PostgreSQL (`-m dbspecific`).
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client

from booksync.bookings.models import Booking
from booksync.outbox.models import OutboxMessage
from tests.conftest import london
from tests.liveserver import NO_BOOKING_LIMITS, running_server

pytestmark = [pytest.mark.dbspecific, pytest.mark.django_db(transaction=True)]
ATTEMPTS = 50


def _body(start, i, service="portrait"):
    body = {"service": service, "start": start.isoformat(), "name": f"Racer {i}", "email": f"racer{i}@example.com"}
    if service == "family":
        body["answers"] = {"people": 2}  # the demo's Family session asks how many (required; ADR 0019)
    return body


def test_threads_racing_for_one_slot(studio, monday, settings):
    settings.BOOKING_RATE_PER_CLIENT = "100000/m"  # every racer comes from one test address
    start = london(monday, 10)
    barrier = threading.Barrier(ATTEMPTS)
    results: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def attempt(i: int) -> None:
        client = Client()
        barrier.wait()
        try:
            response = client.post("/api/bookings", json.dumps(_body(start, i)), content_type="application/json")
            with lock:
                results.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(ATTEMPTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = Counter(status for status, _ in results)
    assert statuses == {201: 1, 409: ATTEMPTS - 1}, statuses
    assert all(body["error"] == "slot_unavailable" for status, body in results if status == 409)
    assert Booking.objects.active().count() == 1
    assert OutboxMessage.objects.filter(topic="email").count() == 1


def test_processes_racing_for_one_slot(studio, monday):
    # Different but pairwise overlapping starts too: 90-minute sessions at 10:30, 11:00 and 11:30.
    starts = [london(monday, 11), london(monday, 10, 30), london(monday, 11, 30)]
    with running_server(workers=4, **NO_BOOKING_LIMITS) as url:
        def attempt(i: int) -> int:
            data = json.dumps(_body(starts[i % 3], i, service="family")).encode()
            request = urllib.request.Request(url + "/api/bookings", data=data,
                                             headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    return response.status
            except urllib.error.HTTPError as err:
                assert json.loads(err.read())["error"] == "slot_unavailable"
                return err.code

        with ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
            statuses = Counter(pool.map(attempt, range(ATTEMPTS)))
    assert statuses[201] == 1 and statuses[409] == ATTEMPTS - 1, statuses
    winners = list(Booking.objects.active())
    assert len(winners) == 1


def test_database_refuses_overlap_even_without_the_service(studio, monday):
    """The constraint itself, bypassing the service's check (PostgreSQL: exclusion constraint)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no exclusion constraints; its guard is the IMMEDIATE transaction tested above")
    from django.db import IntegrityError, transaction

    from booksync.bookings import services
    from booksync.bookings.models import Service

    first = services.book(services.BookingRequest(start=london(monday, 10), name="A", email="a@example.com",
                                                  service=Service.objects.get(slug="portrait"))).booking
    clone = Booking(start=first.start, end=first.end, blocked_start=first.blocked_start, blocked_end=first.blocked_end,
                    name="B", email="b@example.com", manage_salt="x", manage_token_hash="y" * 64)
    clone.save()
    # Since ADR 0017 the constraint is per person or room: the studio's one person cannot be held twice.
    from booksync.bookings.models import BookingResource

    with pytest.raises(IntegrityError, match="booking_resource_no_overlap"), transaction.atomic():
        BookingResource.objects.create(booking=clone, resource=first.claims.get().resource,
                                       blocked_start=clone.blocked_start, blocked_end=clone.blocked_end)


def test_picker_cache_follows_changes_made_by_another_process(studio, monday):
    """A booking made through one server process must vanish from another process's slot picker."""
    with running_server(workers=2) as url:
        def starts() -> set[str]:
            # Several reads so both gunicorn workers have cached the day.
            found = set()
            for _ in range(6):
                with urllib.request.urlopen(f"{url}/api/calendar/availability?date={monday}&duration=60") as r:
                    found = {s["start"][11:16] for s in json.loads(r.read())["slots"]}
            return found

        assert "10:00" in starts()
        from booksync.bookings import services
        from booksync.bookings.models import Service

        services.book(services.BookingRequest(start=london(monday, 10), name="A", email="a@example.com",
                                              service=Service.objects.get(slug="portrait")))
        assert "10:00" not in starts()
