"""A worker that lost its claim records nothing; one that takes a sent message over does not send again (ADR 0016).

In one process, by hand: the claim is handed back (as the claim watch does when a worker stopped
past the stale time) and taken by another worker; the first worker's finish is refused.
The two-process version with a real pause is tests/faults/test_claim_recheck.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from booksync.outbox import delivery
from booksync.outbox.models import OutboxMessage, OutboxState
from tests.sync.test_scenarios import book_on_website

pytestmark = pytest.mark.django_db


def hand_back(message_id: int) -> None:
    OutboxMessage.objects.filter(pk=message_id).update(claimed_at=timezone.now() - timedelta(hours=1))
    assert delivery.release_stuck() == 1


def test_a_worker_whose_claim_was_taken_over_sends_nothing_and_records_nothing(studio, monday, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    book_on_website(monday, 10)
    message = OutboxMessage.objects.get(topic="email")
    assert delivery.claim(message.pk, timezone.now())
    stopped = OutboxMessage.objects.get(pk=message.pk)  # worker A, about to send, stops here
    hand_back(message.pk)
    assert delivery.claim(message.pk, timezone.now())  # worker B takes it
    holder = OutboxMessage.objects.get(pk=message.pk)
    assert delivery.deliver_one(stopped) is False  # A wakes: its claim is gone
    assert mail.outbox == []
    now = OutboxMessage.objects.get(pk=message.pk)
    assert (now.state, now.claim_token, now.sent_at) == (OutboxState.IN_FLIGHT, holder.claim_token, None)
    assert delivery.deliver_one(holder) is True  # B finishes it
    assert len(mail.outbox) == 1


def test_a_message_sent_before_its_claim_was_lost_is_not_sent_again(studio, monday, settings, monkeypatch):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    book_on_website(monday, 10)
    message = OutboxMessage.objects.get(topic="email")
    assert delivery.claim(message.pk, timezone.now())
    first = OutboxMessage.objects.get(pk=message.pk)
    # A sends and records the send, then stops before "done" past the stale time: its claim is handed back.
    monkeypatch.setattr(delivery, "_test_pause", lambda m: hand_back(m.pk))
    assert delivery.deliver_one(first) is False  # its "done" is refused
    monkeypatch.undo()
    assert len(mail.outbox) == 1
    again = OutboxMessage.objects.get(pk=message.pk)
    assert again.state == OutboxState.PENDING and again.sent_at is not None
    assert delivery.deliver_due(force=True, topics=["email"])["delivered"] == 1  # B: found sent, marked done
    assert len(mail.outbox) == 1
    assert OutboxMessage.objects.get(pk=message.pk).state == OutboxState.DONE
