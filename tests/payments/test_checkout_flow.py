"""Deposit → Checkout → webhook and success page: one confirmation, whatever the order (ADR 0018)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core import mail

from booksync.bookings.models import Booking, BookingStatus
from booksync.outbox.models import OutboxMessage
from booksync.payments.models import Payment, StripeEvent
from tests.conftest import london

from .conftest import post_event
from .helpers import book, deliver, emails, held_event, session_of, sides

pytestmark = pytest.mark.django_db


def _paid_booking_page_checks(page: str) -> None:
    assert "Deposit paid" in page and "£54.00" in page
    assert "£126.00, to pay at the studio" in page


def test_deposit_booking_holds_then_webhook_confirms_once(paying, stripe_emu, api_client, monday, emu,
                                                          notion_db, gcal):
    answer = book(api_client, london(monday, 10))
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["status"] == "awaiting_payment"
    payment = body["payment"]
    assert payment["status"] == "awaiting" and payment["amount_due"] == 5400 and payment["currency"] == "GBP"
    assert payment["checkout_url"].startswith(stripe_emu.url) and payment["hold_expires_at"]
    session = session_of(stripe_emu, body["id"])
    assert session["client_reference_id"] == body["id"] and session["amount_total"] == 5400
    booking = Booking.objects.get(pk=body["id"])
    assert 0 <= session["expires_at"] - booking.hold_expires_at.timestamp() < 15
    assert session["success_url"].endswith(f"/pay/done/{body['id']}/?session_id={{CHECKOUT_SESSION_ID}}")
    # Held: nothing is owed outside yet.
    assert not OutboxMessage.objects.filter(booking=booking).exclude(topic="payment").exists()
    deliver()
    assert mail.outbox == [] and sides(emu, notion_db, gcal, booking) == ([], [])

    stripe_emu.pay(session["id"])
    completed = held_event(stripe_emu, "checkout.session.completed", session["id"])
    assert post_event(api_client, completed).status_code == 200
    again = post_event(api_client, completed)  # Stripe delivers at least once
    assert again.status_code == 200 and again.json()["duplicate"] is True
    deliver()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED and booking.hold_expires_at is None
    [confirmation] = emails("confirmed")
    assert "Deposit paid: £54.00" in confirmation.body and "Balance: £126.00" in confirmation.body
    pages, events = sides(emu, notion_db, gcal, booking)
    assert len(pages) == 1 and len(events) == 1
    # The money, read back from the emulators.
    assert (pages[0]["Payment"], pages[0]["Paid"], pages[0]["Price"]) == ("Deposit paid", 54, 180)
    assert "Deposit paid · paid £54.00 · balance £126.00 at the studio" in events[0]["description"]

    # The customer comes back from Checkout after the webhook: the page reads the session, confirms nothing again.
    back = api_client.get(f"/pay/done/{booking.pk}/?session_id={session['id']}", follow=True)
    assert back.status_code == 200
    _paid_booking_page_checks(back.content.decode())
    # Expired after completed (out of order): ignored.
    stripe_emu.sessions[session["id"]]["status"] = "expired"
    expired = {**completed, "id": "evt_out_of_order", "type": "checkout.session.expired"}
    assert post_event(api_client, expired).status_code == 200
    deliver()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert len(emails("confirmed")) == 1
    pages, events = sides(emu, notion_db, gcal, booking)
    assert len(pages) == 1 and len(events) == 1
    assert StripeEvent.objects.get(pk="evt_out_of_order").outcome == "already paid"


def test_redirect_before_webhook_confirms_once(paying, stripe_emu, api_client, monday, emu, notion_db, gcal):
    body = book(api_client, london(monday, 11)).json()
    session = session_of(stripe_emu, body["id"])
    stripe_emu.pay(session["id"])
    back = api_client.get(f"/pay/done/{body['id']}/?session_id={session['id']}", follow=True)
    assert back.status_code == 200
    _paid_booking_page_checks(back.content.decode())
    assert Booking.objects.get(pk=body["id"]).status == BookingStatus.CONFIRMED
    # The webhook comes later, twice.
    completed = held_event(stripe_emu, "checkout.session.completed", session["id"])
    assert post_event(api_client, completed).status_code == 200
    assert post_event(api_client, completed).json().get("duplicate")
    deliver()
    booking = Booking.objects.get(pk=body["id"])
    assert len(emails("confirmed")) == 1
    pages, events = sides(emu, notion_db, gcal, booking)
    assert len(pages) == 1 and len(events) == 1
    assert StripeEvent.objects.get(pk=completed["id"]).outcome == "already applied"
    assert Payment.objects.get(booking=booking).amount_paid == 5400


@pytest.mark.parametrize("how", ["forged", "stale", "no signature", "no body", "not json", "not an event"])
def test_bad_webhooks_get_400_and_change_nothing(paying, stripe_emu, api_client, monday, how):
    body = book(api_client, london(monday, 12)).json()
    session = session_of(stripe_emu, body["id"])
    stripe_emu.pay(session["id"])
    completed = held_event(stripe_emu, "checkout.session.completed", session["id"])
    before = OutboxMessage.objects.count()
    if how == "forged":
        answer = post_event(api_client, completed, secret="whsec_someone_else")
    elif how == "stale":
        answer = post_event(api_client, completed, timestamp=int(time.time()) - 301)  # older than the SDK tolerance
    elif how == "no signature":
        answer = api_client.post("/api/webhooks/stripe", data=b"{}", content_type="application/json")
    elif how == "no body":
        from tests.emulators.stripe import sign

        answer = api_client.post("/api/webhooks/stripe", data=b"", content_type="application/json",
                                 HTTP_STRIPE_SIGNATURE=sign(b"", paying.STRIPE_WEBHOOK_SECRET))
    elif how == "not json":
        from tests.emulators.stripe import sign

        raw = b"this is not json"
        answer = api_client.post("/api/webhooks/stripe", data=raw, content_type="application/json",
                                 HTTP_STRIPE_SIGNATURE=sign(raw, paying.STRIPE_WEBHOOK_SECRET))
    else:
        answer = post_event(api_client, {"hello": "world"})
    assert answer.status_code == 400, answer.content
    assert answer.json()["error"] == "bad_request" and answer.json()["message"]
    assert StripeEvent.objects.count() == 0 and OutboxMessage.objects.count() == before
    deliver()
    assert Booking.objects.get(pk=body["id"]).status == BookingStatus.AWAITING_PAYMENT
    assert mail.outbox == []


def test_second_customer_gets_409_while_the_first_holds_the_slot(paying, stripe_emu, api_client, monday):
    first = book(api_client, london(monday, 14))
    second = book(api_client, london(monday, 14), email="bob@example.com", name="Bob")
    assert first.status_code == 201 and second.status_code == 409
    assert second.json()["error"] == "slot_unavailable"
    assert len(stripe_emu.sessions) == 1


def test_cancel_on_checkout_comes_back_with_the_slot_held_and_a_way_to_pay(paying, stripe_emu, api_client, monday):
    body = book(api_client, london(monday, 15)).json()
    session = session_of(stripe_emu, body["id"])
    back = api_client.get(session["cancel_url"].removeprefix(paying.SITE_URL))
    page = back.content.decode()
    assert back.status_code == 200 and "Your time is held" in page and "Pay now" in page
    pay = api_client.get(f"/pay/again/{body['id']}/?pay=1")
    assert pay.status_code == 302 and pay["Location"] == session["url"]
    assert book(api_client, london(monday, 15), email="bob@example.com").status_code == 409


def test_without_stripe_bookings_confirm_at_once_to_pay_at_the_studio(settings, studio, api_client, monday):
    settings.STRIPE_SECRET_KEY = ""
    settings.OUTBOX_WAKE_WORKER = False
    answer = book(api_client, london(monday, 10))
    assert answer.status_code == 201 and answer.json()["status"] == "confirmed"
    assert answer.json()["payment"] is None
    services = {s["slug"]: s for s in api_client.get("/api/services").json()}
    assert services["family"]["price"] == {"amount": 18000, "currency": "GBP"}
    assert services["family"]["payment_rule"] == "none" and services["family"]["amount_due_online"] == 0
    page = api_client.get(answer.json()["manage_url"].removeprefix(settings.SITE_URL)).content.decode()
    assert "To pay at the studio" in page and "£180.00" in page


def test_services_name_price_and_rule(paying, api_client):
    services = {s["slug"]: s for s in api_client.get("/api/services").json()}
    assert services["family"]["payment_rule"] == "deposit_percent" and services["family"]["amount_due_online"] == 5400
    assert services["mini"]["payment_rule"] == "full" and services["mini"]["amount_due_online"] == 6000
    assert services["portrait"]["payment_rule"] == "none" and services["portrait"]["price"]["amount"] == 12000


def test_portrait_is_paid_at_the_studio_even_with_stripe(paying, stripe_emu, api_client, monday):
    answer = book(api_client, london(monday, 10), service="portrait")
    assert answer.status_code == 201 and answer.json()["status"] == "confirmed"
    assert stripe_emu.sessions == {}
    assert timedelta(0) == timedelta(0)


def test_stripe_down_when_booking_answers_503_and_leaves_no_hold(paying, stripe_emu, api_client, monday):
    stripe_emu.add_fault(method="POST", path=r"^/v1/checkout/sessions$", status=500, times=1,
                         body={"error": {"type": "api_error", "message": "An unknown error occurred"}})
    refused = book(api_client, london(monday, 9))
    assert refused.status_code == 503 and refused.json()["error"] == "payment_unavailable", refused.content
    assert not Booking.objects.filter(status=BookingStatus.AWAITING_PAYMENT).exists()
    assert book(api_client, london(monday, 9)).status_code == 201  # the time was not kept
