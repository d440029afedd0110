"""The outbox app's API: what a change owes, in one order, under keys built in one place (ADR 0014)."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core import mail
from django.db import connection

from booksync.bookings import services
from booksync.bookings.calendar_outage import flag_clash
from booksync.bookings.models import Service
from booksync.outbox import effects
from booksync.outbox.delivery import deliver_due, record
from booksync.outbox.models import OutboxMessage
from booksync.outbox.topics import ORDER
from tests.conftest import london

pytestmark = pytest.mark.django_db


def book(monday, hour=10, email="ann@example.com"):
    request = services.BookingRequest(start=london(monday, hour), name="Ann", email=email,
                                      service=Service.objects.get(slug="portrait"))
    return services.book(request).booking


def test_one_change_owes_its_effects_in_the_explicit_order(studio, monday, settings, studio_emails):
    settings.NOTION_TOKEN, settings.NOTION_DATABASE_ID = "secret-for-tests", "db"
    booking = book(monday)
    OutboxMessage.objects.all().delete()
    owed = effects.owe(booking, effects.studio_notice(booking, "created", subject="s", text="t"),
                       effects.push("notion", booking), effects.push("calendar", booking),
                       effects.email(booking, "confirmation"))
    assert [m.topic for m in owed] == ["email", "calendar", "notion", "studio"]
    assert [m.pk for m in owed] == sorted(m.pk for m in owed)
    assert [m.topic for m in owed] == [t for t in ORDER if t in {m.topic for m in owed}]


def test_owing_the_same_effect_twice_records_one_message(studio, monday):
    booking = book(monday)
    before = OutboxMessage.objects.count()
    again = effects.owe(booking, effects.email(booking, "confirmation"))
    assert OutboxMessage.objects.count() == before
    assert again[0].key == f"email:{booking.pk}:confirmation:{booking.sequence}"


def test_an_email_carries_its_sequence_in_the_payload(studio, monday):
    booking = book(monday)
    confirmation = OutboxMessage.objects.get(booking=booking, topic="email")
    assert confirmation.payload == {"kind": "confirmation", "sequence": booking.sequence}


def test_an_email_overtaken_by_a_later_change_is_skipped_by_its_payload_not_its_key(studio, monday):
    booking = book(monday)
    OutboxMessage.objects.all().delete()
    # A key the handler cannot read a sequence from: only the payload says which version it was owed for.
    record("email", "update", "email:opaque-key", booking=booking, payload={"kind": "update", "sequence": 0})
    booking.sequence = 1
    booking.save(update_fields=["sequence"])
    deliver_due(force=True)
    assert mail.outbox == []
    assert OutboxMessage.objects.get(key="email:opaque-key").delivery_status == "skipped"


def test_the_migration_moves_a_waiting_emails_sequence_from_its_key_into_its_payload(studio, monday):
    booking = book(monday)
    OutboxMessage.objects.all().delete()
    waiting = record("email", "update", f"email:{booking.pk}:update:4", booking=booking, payload={"kind": "update"})
    sent = record("email", "confirmation", f"email:{booking.pk}:confirmation:3", booking=booking,
                  payload={"kind": "confirmation"})
    OutboxMessage.objects.filter(pk=sent.pk).update(state="done")
    migration = importlib.import_module("booksync.outbox.migrations.0002_outboxapp_email_sequence")
    # The function reads only the editor's connection (no schema change: it runs inside the test's transaction).
    migration.sequence_into_payload(apps, SimpleNamespace(connection=connection))
    assert OutboxMessage.objects.get(pk=waiting.pk).payload == {"kind": "update", "sequence": 4}
    assert OutboxMessage.objects.get(pk=sent.pk).payload == {"kind": "confirmation"}  # done: left alone


def test_the_models_moved_app_but_kept_their_tables():
    model = apps.get_model("outbox", "OutboxMessage")
    assert model._meta.db_table == "sync_outboxmessage"
    assert apps.get_model("outbox", "AuditEntry")._meta.db_table == "sync_auditentry"
    with pytest.raises(LookupError):
        apps.get_model("sync", "OutboxMessage")


def test_a_clash_alert_takes_the_studio_path_to_the_notify_address_even_with_notices_off(studio, monday, settings):
    settings.STUDIO_NOTIFY_EMAIL = "frontdesk@studio.example"
    assert settings.STUDIO_NOTIFY is False  # notices of booking changes are off (tests/conftest.py)
    booking = book(monday)
    mail.outbox.clear()
    flag_clash(booking, [{"id": "x", "summary": "Walk-in", "start": booking.start.isoformat(),
                          "end": booking.end.isoformat()}])
    flag_clash(booking, [{"id": "x", "summary": "Walk-in", "start": booking.start.isoformat(),
                          "end": booking.end.isoformat()}])  # the same version: owed once
    [alert] = OutboxMessage.objects.filter(topic="studio")
    assert alert.key == f"studio:{booking.pk}:calendar_clash:v{booking.version}"
    deliver_due(force=True)
    [sent] = [m for m in mail.outbox if m.subject.startswith("Calendar clash")]
    assert sent.to == ["frontdesk@studio.example"] and "Walk-in" in sent.body
    assert sent.extra_headers["X-Booksync-Notice"] == "studio"
