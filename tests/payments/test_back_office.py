"""The money in the back office: list, CSV, diary, timeline, balance paid, refunds with a confirmation, dashboard."""

from __future__ import annotations

import csv
import io

import pytest

from booksync.outbox.models import AuditEntry
from booksync.payments.models import Payment
from tests.conftest import london

from .conftest import post_event
from .helpers import book, deliver, held_event, session_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(paying, stripe_emu, api_client, monday):
    body = book(api_client, london(monday, 10)).json()
    session = session_of(stripe_emu, body["id"])
    stripe_emu.pay(session["id"])
    post_event(api_client, held_event(stripe_emu, "checkout.session.completed", session["id"]))
    deliver()
    return Payment.objects.get(booking_id=body["id"]).booking


def test_list_csv_diary_and_timeline_show_the_money(paid, staff_client, monday):
    listing = staff_client.get("/admin/bookings/booking/").content.decode()
    assert "Deposit paid · paid £54.00 · balance £126.00 at the studio" in listing
    rows = list(csv.DictReader(io.StringIO(staff_client.get("/admin/bookings/booking/export.csv").content.decode())))
    [row] = [r for r in rows if r["booking id"] == str(paid.pk)]
    assert (row["payment"], row["price"], row["paid"], row["currency"]) == ("Deposit paid", "180.00", "54.00", "GBP")
    diary = staff_client.get(f"/admin/diary/?date={monday}").content.decode()
    assert "paid £54.00" in diary
    page = staff_client.get(f"/admin/bookings/booking/{paid.pk}/change/").content.decode()
    assert "held" in page and "paid" in page and "Mark balance paid at the studio" in page and "Refund…" in page


def test_mark_balance_paid_asks_first_and_is_audited(paid, staff_client):
    url = f"/admin/bookings/booking/{paid.pk}/payment/balance/"
    ask = staff_client.get(url).content.decode()
    assert "Mark the balance of £126.00 paid" in ask
    assert Payment.objects.get(booking=paid).paid_at_studio == 0
    staff_client.post(url, {"confirm": "yes", "how": "card"})
    payment = Payment.objects.get(booking=paid)
    assert payment.paid_at_studio == 12600 and payment.summary().state == "paid"
    entry = AuditEntry.objects.get(booking=paid, action="balance_paid")
    assert entry.detail["amount"] == 12600 and entry.detail["by"] == "owner" and entry.detail["how"] == "card"


def test_partial_refund_is_refused_above_what_remains_then_confirmed_and_made(paid, staff_client, stripe_emu):
    url = f"/admin/bookings/booking/{paid.pk}/payment/refund/"
    too_much = staff_client.post(url, {"amount": "60.00"})
    assert too_much.status_code == 422 and "At most £54.00 can be refunded" in too_much.content.decode()
    ask = staff_client.post(url, {"amount": "20.00"})
    assert ask.status_code == 200 and "Refund £20.00 to the customer" in ask.content.decode()
    assert stripe_emu.refunds == {}  # nothing yet: the studio confirms first
    staff_client.post(url, {"amount": "20.00", "confirm": "yes"})
    deliver()
    payment = Payment.objects.get(booking=paid)
    [refund] = stripe_emu.refunds_for(payment.payment_intent)
    assert refund["amount"] == 2000 and refund["metadata"]["purpose"] == "studio-1"
    assert payment.summary().state == "partly_refunded" and payment.refundable == 3400
    over = staff_client.post(url, {"amount": "40.00", "confirm": "yes"})
    assert over.status_code == 422 and len(stripe_emu.refunds) == 1


def test_dashboard_shows_stripe_connected(paid, staff_client):
    page = staff_client.get("/admin/sync/syncrun/dashboard/").content.decode()
    assert "Stripe:</strong> <span class=\"dash-ok\">connected" in page and "No failed refunds." in page
