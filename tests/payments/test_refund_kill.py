"""A worker SIGKILLed after Stripe made the refund but before booksync recorded it: the retry
sends the same Idempotency-Key, Stripe answers with the first refund, and one refund exists."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

import pytest

from booksync.outbox.delivery import deliver_due, release_stuck
from booksync.outbox.models import OutboxMessage, OutboxState
from booksync.payments.models import Payment, Refund
from tests.conftest import london
from tests.liveserver import product_env

from .conftest import post_event
from .helpers import book, deliver, held_event, post, session_of

pytestmark = [pytest.mark.django_db(transaction=True)]

DELIVER = ("import django; django.setup(); from booksync.outbox.delivery import deliver_due; "
           "deliver_due(force=True, topics=['payment'])")


@pytest.mark.parametrize("guard", ["refund list and key", "key alone"])
def test_refund_made_once_when_the_worker_dies_between_stripe_and_our_record(paying, stripe_emu, api_client,
                                                                              monday, tmp_path, guard):
    """Two guards: the retry first lists the payment's refunds (metadata purpose), then POSTs with the
    same Idempotency-Key. With the list hidden, the key alone keeps it to one refund."""
    stripe_emu.hide_refund_list = guard == "key alone"
    body = book(api_client, london(monday, 10)).json()
    session = session_of(stripe_emu, body["id"])
    stripe_emu.pay(session["id"])
    post_event(api_client, held_event(stripe_emu, "checkout.session.completed", session["id"]))
    deliver()
    from booksync.bookings.models import Booking
    from booksync.bookings.tokens import token_for

    booking = Booking.objects.get(pk=body["id"])
    assert post(api_client, f"/api/bookings/manage/{token_for(booking)}/cancel", {}).status_code == 200
    deliver_due(force=True, topics=["email", "calendar", "notion"])
    payment = Payment.objects.get(booking=booking)

    # Stripe makes the refund, then its answer is slow: the worker is killed while waiting for it.
    stripe_emu.slow_after = {r"^/v1/refunds$": 30.0}
    env = product_env(STRIPE_SECRET_KEY=paying.STRIPE_SECRET_KEY, STRIPE_API_BASE=stripe_emu.url,
                      STRIPE_WEBHOOK_SECRET=paying.STRIPE_WEBHOOK_SECRET, LOG_LEVEL="WARNING",
                      NOTION_API_KEY="", GOOGLE_REFRESH_TOKEN="", CALDAV_URL="")
    with open(tmp_path / "worker.log", "wb") as log:
        worker = subprocess.Popen([sys.executable, "-c", DELIVER], env=env, stdout=log, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    deadline = time.monotonic() + 30
    while not stripe_emu.refunds_for(payment.payment_intent) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert stripe_emu.refunds_for(payment.payment_intent), (tmp_path / "worker.log").read_text()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    message = OutboxMessage.objects.get(topic="payment", action="refund")
    assert message.state == OutboxState.IN_FLIGHT  # killed mid-delivery
    assert Refund.objects.get(payment=payment).state == Refund.State.OWED  # and booksync never recorded it

    # The next worker hands the dead claim back and delivers again.
    stripe_emu.slow_after = {}
    paying.OUTBOX_STUCK_AFTER_SECONDS = 0.1
    time.sleep(0.3)
    assert release_stuck() == 1
    deliver()
    message.refresh_from_db()
    assert message.state == OutboxState.DONE, message.last_error
    refunds = stripe_emu.refunds_for(payment.payment_intent)
    assert len(refunds) == 1 and refunds[0]["amount"] == 5400
    posts = stripe_emu.calls("POST", r"^/v1/refunds$")
    assert len(posts) == (2 if guard == "key alone" else 1)  # the second one replayed by the key
    assert Refund.objects.get(payment=payment).stripe_refund_id == refunds[0]["id"]
    print(f"[{guard}] refund POSTs seen by the emulator: {len(posts)}, refunds made: {len(refunds)}")
