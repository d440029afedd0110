"""The upgrade to people and rooms (ADR 0017): a database of the previous release becomes a one-person studio.

The bookings are made and synced to Notion and Google (the emulators), so the database holds bookings,
links with event ids and outbox rows; then the schema is taken back to the previous release's
(bookings 0006: no people, no claims) and migrated forward again, as an upgrade would.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from booksync.bookings import services
from booksync.bookings.busy.cache import bump
from booksync.bookings.models import Booking, BookingResource, Resource, Service
from booksync.outbox.delivery import deliver_due
from booksync.outbox.models import OutboxMessage
from booksync.sync.engine import run_sync
from booksync.sync.models import BookingLink
from tests.conftest import london

pytestmark = [pytest.mark.dbspecific, pytest.mark.django_db(transaction=True)]

PREVIOUS = [("bookings", "0006_picker_versions")]


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def latest() -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    # Every app's leaf: stepping bookings back also unapplies the migrations that depend on it
    # (payments, sync), and the rest of the session runs on this database.
    return list(executor.loader.graph.leaf_nodes())


def sync() -> dict:
    result = run_sync(trigger="admin", full=True)
    assert result["success"], result["error_details"]
    return result["summary"]


def test_an_install_of_the_previous_release_becomes_one_person_with_nothing_to_sync(both, monday):
    portrait = Service.objects.get(slug="portrait")
    made = [services.book(services.BookingRequest(start=london(monday + timedelta(days=i // 3), 10 + 2 * (i % 3)),
                                                  name=f"Old {i}", email=f"old{i}@example.com", service=portrait))
            .booking for i in range(6)]
    deliver_due()
    services.cancel(made[-1], actor="admin")
    deliver_due()
    sync()
    events = dict(BookingLink.objects.values_list("booking_id", "calendar_event_id"))
    assert len(events) == 6 and all(events.values())
    outbox = OutboxMessage.objects.count()

    # Back to the previous release's schema: no people, no claims, the studio-wide constraint.
    BookingResource.objects.all().delete()
    Resource.objects.all().delete()
    migrate(PREVIOUS)
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    assert "bookings_resource" not in tables and "bookings_bookingresource" not in tables

    migrate(latest())
    bump()
    person = Resource.objects.get()
    assert (person.slug, person.name, person.kind, person.calendar) == ("studio", both_studio_name(), "person", "")
    assert set(person.services.values_list("slug", flat=True)) == set(Service.objects.values_list("slug", flat=True))
    claims = {c.booking_id: c for c in BookingResource.objects.all()}
    assert set(claims) == {b.pk for b in made}
    for booking in Booking.objects.all():
        claim = claims[booking.pk]
        assert (claim.resource_id, claim.blocked_start, claim.blocked_end, claim.active) == (
            person.pk, booking.blocked_start, booking.blocked_end, booking.is_active)
    assert dict(BookingLink.objects.values_list("booking_id", "calendar_event_id")) == events
    assert OutboxMessage.objects.count() == outbox

    summary = sync()
    assert (summary["created"], summary["updated"], summary["errors"]) == (0, 0, 0), summary
    # And the one person still refuses a second booking of a taken hour.
    with pytest.raises(services.SlotUnavailable):
        services.book(services.BookingRequest(start=made[0].start, name="New", email="new@example.com",
                                              service=portrait))


def both_studio_name() -> str:
    from booksync.bookings.models import Studio

    return Studio.load().name
