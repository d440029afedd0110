"""The month the booking page loads: one read of busy time, the same slots as day by day, cached until a change."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from booksync.bookings import tokens
from booksync.bookings.availability import busy_for, slots_for_days
from booksync.bookings.models import Block, Booking, BookingStatus, Service, WeeklyHours
from booksync.bookings.rules import studio_rules
from booksync.scheduling import Interval, free_slots
from booksync.web.schemas import AvailabilityOut, BatchOut
from tests.conftest import london

pytestmark = pytest.mark.dbspecific


def add_booking(start, *, before=timedelta(0), after=timedelta(0), status=BookingStatus.CONFIRMED) -> Booking:
    """A booking row as any door leaves it (the booking rules themselves are tested elsewhere)."""
    service = Service.objects.get(slug="portrait")
    booking = Booking(service=service, service_name=service.name, start=start, end=start + timedelta(hours=1),
                      blocked_start=start - before, blocked_end=start + timedelta(hours=1) + after,
                      status=status, name="Ann", email="ann@example.com")
    booking.manage_salt = tokens.new_salt()
    booking.manage_token_hash = tokens.token_hash(tokens.derive(booking.pk, booking.manage_salt))
    booking.save()
    return booking


def month_of(monday):
    return [monday + timedelta(days=n) for n in range(31)]


def batch(client, days, **body):
    response = client.post("/api/calendar/availability-batch",
                           json.dumps({"dates": [str(d) for d in days], **(body or {"duration": 60})}),
                           content_type="application/json")
    assert response.status_code == 200, response.content
    BatchOut.model_validate_json(response.content)  # the documented shape
    return {d["date"]: [s["start"] for s in d["slots"]] for d in response.json()["days"]}


def day(client, when, **query):
    params = "&".join(f"{k}={v}" for k, v in (query or {"duration": 60}).items())
    response = client.get(f"/api/calendar/availability?date={when}&{params}")
    assert response.status_code == 200, response.content
    AvailabilityOut.model_validate_json(response.content)
    return [s["start"] for s in response.json()["slots"]]


def busy_month(studio, monday):
    """Bookings (one cancelled), blocks and buffers spread over the month, one block ending mid-second."""
    studio.buffer_before_minutes, studio.buffer_after_minutes = 10, 20
    studio.save()
    for n in range(0, 31, 2):
        add_booking(london(monday + timedelta(days=n), 9 + n % 7, 30 * (n % 2)), before=timedelta(minutes=10),
                    after=timedelta(minutes=20), status=BookingStatus.CANCELLED if n == 4 else BookingStatus.CONFIRMED)
    for n in range(1, 31, 3):
        start = london(monday + timedelta(days=n), 12, 15)
        Block.objects.create(start=start, end=start + timedelta(minutes=50), reason="errand")
    odd = london(monday + timedelta(days=1), 15)
    Block.objects.create(start=odd - timedelta(minutes=20), end=odd + timedelta(microseconds=500_000), reason="odd")


def test_the_month_is_the_union_of_its_days(studio, monday, api_client):
    busy_month(studio, monday)
    days = month_of(monday)
    month = batch(api_client, days)
    assert sum(map(len, month.values())) > 100
    for when in days:
        assert month[str(when)] == day(api_client, when)
    # And both equal the pure core's per-day answer on the bookings and blocks as intervals.
    rules, now = studio_rules(), timezone.now()
    busy = busy_for(Interval(london(monday, 0) - timedelta(days=2), london(days[-1], 0) + timedelta(days=2)))
    for when in days:
        expected = [s.start for s in free_slots(rules, when, timedelta(hours=1), busy, now)]
        assert [datetime.fromisoformat(s) for s in month[str(when)]] == expected
    # The block that ends half a second after 15:00 still takes the 15:00 slot (ends round up)...
    tuesday = str(monday + timedelta(days=1))
    assert not any(s.startswith(f"{tuesday}T15:00") for s in month[tuesday])
    # ...and the cancelled booking frees its time.
    assert month[str(monday + timedelta(days=4))][:1] == [london(monday + timedelta(days=4), 9).isoformat()
                                                          .replace("+00:00", "Z")]


def test_one_read_of_busy_time_for_the_month_warm_or_cold(studio, monday, api_client):
    busy_month(studio, monday)
    days = month_of(monday)
    batch(api_client, days, service="portrait")  # rules and the service's length are now kept
    Block.objects.create(start=london(monday, 7), end=london(monday, 8), reason="a change")  # cold again
    with CaptureQueriesContext(connection) as cold:
        batch(api_client, days, service="portrait")
    with CaptureQueriesContext(connection) as warm:
        batch(api_client, days, service="portrait")
    reads = [q["sql"] for q in cold.captured_queries if "bookings_block" in q["sql"]]
    assert len(reads) == 1 and "bookings_booking" in reads[0]  # bookings and blocks, one query
    assert len(cold.captured_queries) == 2  # the cache versions, then busy time
    assert len(warm.captured_queries) == 1  # the cache versions only


@pytest.mark.parametrize("change", ["booking", "block", "hours", "service"])
def test_every_kind_of_change_shows_at_once(studio, monday, api_client, change):
    days = month_of(monday)
    before = batch(api_client, days, service="portrait")
    assert before[str(monday)][0].startswith(f"{monday}T09:00")
    if change == "booking":
        add_booking(london(monday, 9))
    elif change == "block":
        Block.objects.create(start=london(monday, 9), end=london(monday, 10), reason="dentist")
    elif change == "hours":
        WeeklyHours.objects.filter(studio=studio, weekday=0).update(start=london(monday, 10).time())
        WeeklyHours.objects.filter(studio=studio, weekday=0).first().save()  # a save, as the admin does
    else:
        Service.objects.filter(slug="portrait").update(duration_minutes=480)
        Service.objects.get(slug="portrait").save()
    after = batch(api_client, days, service="portrait")
    assert after[str(monday)][0].startswith(f"{monday}T10:00") if change != "service" else \
        after[str(monday)] == [f"{monday}T09:00:00Z" if london(monday, 9).utcoffset() == timedelta(0)
                               else london(monday, 9).isoformat()]


def test_rescheduling_frees_its_own_time_in_the_month(studio, monday, api_client):
    start = london(monday, 9)
    own = add_booking(start)
    rules = studio_rules()
    plain = slots_for_days(rules, [monday], timedelta(hours=1))[monday]
    freed = slots_for_days(rules, [monday], timedelta(hours=1), exclude_booking_id=own.pk)[monday]
    assert start not in [s.start for s in plain] and start in [s.start for s in freed]
    assert all(s.start.tzinfo == rules.tz and s.duration() == timedelta(hours=1) for s in freed)
    assert freed[0].start_utc == start.astimezone(UTC)
