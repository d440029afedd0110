"""Per-resource no double booking under real concurrency: gunicorn processes, simultaneous requests (ADR 0017).

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

from booksync.bookings.models import BookingResource
from tests.conftest import london
from tests.liveserver import NO_BOOKING_LIMITS, running_server

pytestmark = [pytest.mark.dbspecific, pytest.mark.django_db(transaction=True)]


def overlapping_claims() -> int:
    """Pairs of active claims on one resource whose blocked ranges overlap (must be 0)."""
    table = BookingResource._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM {table} a JOIN {table} b ON a.resource_id = b.resource_id AND a.id < b.id "
            "AND a.blocked_start < b.blocked_end AND b.blocked_start < a.blocked_end WHERE a.active AND b.active")
        return cursor.fetchone()[0]


def race(url: str, start, service: str, attempts: int) -> tuple[Counter, list[dict]]:
    barrier = threading.Barrier(attempts)
    bodies: list[dict] = []

    def attempt(i: int) -> int:
        data = json.dumps({"service": service, "start": start.isoformat(), "name": f"Racer {i}",
                           "email": f"racer{i}@example.com"}).encode()
        request = urllib.request.Request(url + "/api/bookings", data=data, headers={"Content-Type": "application/json"})
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                bodies.append(json.loads(response.read()))
                return response.status
        except urllib.error.HTTPError as err:
            answer = json.loads(err.read())
            assert err.code == 409 and answer["error"] == "slot_unavailable", (err.code, answer)
            return err.code

    with ThreadPoolExecutor(max_workers=attempts) as pool:
        return Counter(pool.map(attempt, range(attempts))), bodies


def test_thirty_any_portraits_fill_both_photographers_and_ten_families_the_one_room(team_studio, monday):
    with running_server(workers=4, **NO_BOOKING_LIMITS) as url:
        statuses, winners = race(url, london(monday, 10), "portrait", 30)
        assert statuses == {201: 2, 409: 28}, statuses
        assert sorted(w["resources"][0]["slug"] for w in winners) == ["alex", "sam"]
        assert overlapping_claims() == 0

        statuses, winners = race(url, london(monday, 14), "family", 10)
        assert statuses == {201: 1, 409: 9}, statuses
        assert {r["slug"] for r in winners[0]["resources"]} == {"alex", "big-room"}
        assert overlapping_claims() == 0
    assert BookingResource.objects.filter(active=True).count() == 4


def test_the_database_refuses_two_claims_on_one_resource(team_studio, monday):
    """The constraint itself, bypassing the service (PostgreSQL: the exclusion constraint over resource and range)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no exclusion constraints; its guard is the IMMEDIATE transaction tested above")
    from django.db import IntegrityError, transaction

    from booksync.bookings import services
    from booksync.bookings.models import Booking, Service

    portrait = Service.objects.get(slug="portrait")
    first = services.book(services.BookingRequest(start=london(monday, 10), name="A", email="a@example.com",
                                                  service=portrait, resource="alex")).booking
    services.book(services.BookingRequest(start=london(monday, 10), name="S", email="s@example.com",
                                          service=portrait, resource="sam"))  # another person: allowed
    clone = Booking(start=first.start, end=first.end, blocked_start=first.blocked_start,
                    blocked_end=first.blocked_end, name="B", email="b@example.com", manage_salt="x",
                    manage_token_hash="y" * 64)
    clone.save()
    with pytest.raises(IntegrityError, match="booking_resource_no_overlap"), transaction.atomic():
        BookingResource.objects.create(booking=clone, resource=first.claims.get().resource,
                                       blocked_start=clone.blocked_start, blocked_end=clone.blocked_end)
