"""Two worker processes, 20 bookings paid in full (the Mini session), every webhook delivered twice in random order, five
cancellations refunded meanwhile: at the end every side agrees and nothing is doubled (ADR 0018).

Run on SQLite and on PostgreSQL (``-m dbspecific`` with DATABASE_URL)."""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

from booksync.bookings.models import Booking, BookingStatus
from booksync.bookings.tokens import token_for
from booksync.outbox.models import OutboxMessage, OutboxState
from booksync.payments.models import Payment, StripeEvent
from tests.conftest import open_starts
from tests.liveserver import NO_BOOKING_LIMITS, product_env
from tests.messages.conftest import _sendgrid_server, sendgrid  # noqa: F401

from .conftest import WEBHOOK_SECRET, post_event
from .helpers import book, post, session_of

pytestmark = [pytest.mark.dbspecific, pytest.mark.django_db(transaction=True)]
BOOKINGS, CANCELLED = 20, 5
SEED = int(os.environ.get("PAYMENT_SEED", "22"))


def _worker_env(settings, emu, notion_db, gcal, sendgrid, stripe_emu) -> dict[str, str]:  # noqa: F811
    return product_env(
        NOTION_API_KEY=emu.token, NOTION_API_BASE_URL=emu.url, NOTION_BOOKINGS_DATABASE_ID=notion_db.database_id,
        NOTION_HTTP_TIMEOUT="5", NOTION_REQUESTS_PER_SECOND="500", NOTION_RATE_FILE=settings.NOTION_RATE_FILE,
        GOOGLE_CLIENT_ID=gcal.client_id, GOOGLE_CLIENT_SECRET=gcal.client_secret,
        GOOGLE_REFRESH_TOKEN=gcal.refresh_token, GOOGLE_CALENDAR_ID="primary",
        GOOGLE_API_BASE_URL=gcal.api_endpoint, GOOGLE_TOKEN_URI=gcal.token_uri, GOOGLE_HTTP_TIMEOUT="5",
        SENDGRID_API_KEY=sendgrid.api_key, SENDGRID_API_BASE_URL=f"{sendgrid.url}/v3/",
        SENDGRID_FROM_EMAIL=settings.DEFAULT_FROM_EMAIL, INVITES_VIA="email",
        STRIPE_SECRET_KEY=settings.STRIPE_SECRET_KEY, STRIPE_API_BASE=stripe_emu.url,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET, WORKER_PROCESSES="2", LOG_LEVEL="WARNING",
        OUTBOX_WAKE_WORKER="true", STUDIO_NOTIFY="false", **NO_BOOKING_LIMITS,
    )


def test_two_workers_twenty_paid_bookings_webhooks_in_random_order(paying, stripe_emu, sendgrid, api_client,  # noqa: F811
                                                                   monday, emu, notion_db, gcal, tmp_path):
    rng = random.Random(SEED)
    paying.EMAIL_BACKEND = "anymail.backends.sendgrid.EmailBackend"
    paying.NOTION_RATE_FILE = str(tmp_path / "notion-rate.json")
    for name, value in NO_BOOKING_LIMITS.items():
        setattr(paying, name, value if not value.isdigit() else int(value))
    starts = open_starts(monday, BOOKINGS)
    ids = []
    for number, start in enumerate(starts):
        answer = book(api_client, start, service="mini", email=f"customer{number}@example.com",
                      name=f"Customer {number}")
        assert answer.status_code == 201, answer.content
        ids.append(answer.json()["id"])
    for booking_id in ids:
        stripe_emu.pay(session_of(stripe_emu, booking_id)["id"])
    events = [event for event in stripe_emu.release_held()]
    deliveries = events * 2
    rng.shuffle(deliveries)

    paying.OUTBOX_WAKE_WORKER = True  # each webhook wakes the workers, as in production
    log = tmp_path / "worker.log"
    with open(log, "ab") as out:
        worker = subprocess.Popen([sys.executable, "-m", "booksync.cli", "worker"],
                                  env=_worker_env(paying, emu, notion_db, gcal, sendgrid, stripe_emu),
                                  stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        cancelled: list[str] = []
        paid_so_far: set[str] = set()
        for index, event in enumerate(deliveries):
            assert post_event(api_client, event).status_code == 200
            if event["type"] == "checkout.session.completed":
                paid_so_far.add(event["data"]["object"]["metadata"]["booking"])
            if index == len(deliveries) // 2:  # halfway: five customers whose payment has come in cancel
                cancelled = rng.sample(sorted(paid_so_far), CANCELLED)
                # They cancel once their confirmation has reached them (an email still owed for a booking
                # cancelled since is skipped, by design: it would announce a booking that is gone).
                _wait_for(lambda ids=tuple(cancelled): Booking.objects.filter(
                    pk__in=ids, status=BookingStatus.CONFIRMED).count() == CANCELLED and not OutboxMessage.objects
                    .filter(booking_id__in=ids).exclude(state=OutboxState.DONE).exists(), log)
                for booking_id in cancelled:
                    booking = Booking.objects.get(pk=booking_id)
                    assert post(api_client, f"/api/bookings/manage/{token_for(booking)}/cancel", {}).status_code == 200
        _wait_for(lambda: not OutboxMessage.objects.exclude(state=OutboxState.DONE).exists()
                  and OutboxMessage.objects.filter(topic="payment", action="refund").count() == CANCELLED, log)
        _wait_for(lambda: not OutboxMessage.objects.exclude(state=OutboxState.DONE).exists(), log)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            worker.wait(timeout=15)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGKILL)

    # Payment state: 20 paid once, 5 refunded once.
    assert StripeEvent.objects.count() == len(events)
    for booking_id in ids:
        payment = Payment.objects.get(booking_id=booking_id)
        booking = payment.booking
        refunds = stripe_emu.refunds_for(payment.payment_intent)
        assert payment.amount_paid == 6000
        if booking_id in cancelled:
            assert booking.status == BookingStatus.CANCELLED and payment.summary().state == "refunded"
            assert [r["amount"] for r in refunds] == [6000]
        else:
            assert booking.status == BookingStatus.CONFIRMED and payment.summary().state == "paid"
            assert refunds == []
    # Notion: one page each, showing the money as booksync holds it.
    pages = [emu.plain(p) for p in emu.page_ids(notion_db.data_source_id)]
    by_booking = Counter(page["Booking ID"] for page in pages)
    assert sorted(by_booking) == sorted(ids) and set(by_booking.values()) == {1}
    for page in pages:
        refunded = page["Booking ID"] in cancelled
        assert page["Payment"] == ("Refunded" if refunded else "Paid"), page
        assert page["Paid"] == 60 and page["Price"] == 60
        assert page["Status"] == ("Cancelled" if refunded else "Confirmed")
    # Calendar: one event per confirmed booking, none for the cancelled, each naming the deposit.
    events_now = gcal.events()
    for booking_id in ids:
        mine = [e for e in events_now if booking_id in json.dumps(e)]
        if booking_id in cancelled:
            assert mine == []
        else:
            assert len(mine) == 1 and "Paid · paid £60.00" in mine[0]["description"]
    # Emails: one confirmation per booking, one cancellation per cancelled one, nothing else.
    subjects = Counter((m.to[0], (m.subject or "").split(":")[0]) for m in sendgrid.messages)
    for number, booking_id in enumerate(ids):
        address = f"customer{number}@example.com"
        assert subjects[(address, "Your booking is confirmed")] == 1, subjects
        assert subjects[(address, "Your booking is cancelled")] == (1 if booking_id in cancelled else 0)
    assert sum(subjects.values()) == BOOKINGS + CANCELLED
    print(f"\n{BOOKINGS} bookings, {len(deliveries)} webhook deliveries ({len(events)} events), "
          f"{CANCELLED} refunds on the emulator: {len(stripe_emu.refunds)}; emails {sum(subjects.values())}; "
          f"Notion pages {len(pages)}; calendar events {len(events_now)}")


def _wait_for(condition, log, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    stuck = list(OutboxMessage.objects.exclude(state=OutboxState.DONE).values_list("key", "state", "last_error")[:10])
    raise AssertionError(f"timed out; not done: {stuck}\n{log.read_text()[-3000:]}")
