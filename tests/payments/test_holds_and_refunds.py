"""Holds that end, payments that come late, refunds by the policy: each made once (ADR 0018)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from booksync.bookings.models import HOLD_RELEASED, Booking, BookingResource, BookingStatus, Studio
from booksync.bookings.services import release_due_holds
from booksync.outbox.models import OutboxMessage, OutboxState
from booksync.payments.models import Payment, Refund
from booksync.sync.engine import run_sync
from tests.conftest import london

from .conftest import post_event
from .helpers import book, deliver, emails, held_event, post, session_of, sides

pytestmark = pytest.mark.django_db


def _end_hold(booking_id) -> None:
    """The hold's time passes (a short hold in the test)."""
    Booking.objects.filter(pk=booking_id).update(hold_expires_at=timezone.now() - timedelta(seconds=1))


def _paid(api_client, stripe_emu, start, **kwargs) -> Booking:
    body = book(api_client, start, **kwargs).json()
    session = session_of(stripe_emu, body["id"])
    stripe_emu.pay(session["id"])
    assert post_event(api_client, held_event(stripe_emu, "checkout.session.completed", session["id"])).status_code == 200
    deliver()
    booking = Booking.objects.get(pk=body["id"])
    assert booking.status == BookingStatus.CONFIRMED
    return booking


def test_short_hold_frees_the_slot_and_expires_the_session(paying, stripe_emu, api_client, monday):
    paying.PAYMENT_HOLD_MINUTES = 1
    body = book(api_client, london(monday, 10)).json()
    session = session_of(stripe_emu, body["id"])
    # Stripe cannot end a session sooner than 30 minutes: booksync ends this one itself.
    assert session["expires_at"] - timezone.now().timestamp() > 29 * 60
    _end_hold(body["id"])
    assert release_due_holds() == 1
    booking = Booking.objects.get(pk=body["id"])
    assert booking.status == BookingStatus.CANCELLED and booking.cancel_reason == HOLD_RELEASED
    deliver()
    assert stripe_emu.sessions[session["id"]]["status"] == "expired"
    assert len(stripe_emu.calls("POST", r"/expire$")) == 1
    # The expiry's own event comes back: nothing more happens.
    assert post_event(api_client, held_event(stripe_emu, "checkout.session.expired", session["id"])).status_code == 200
    deliver()
    assert len(stripe_emu.calls("POST", r"/expire$")) == 1
    # The slot is free: another customer books it.
    assert book(api_client, london(monday, 10), service="portrait", email="bob@example.com").status_code == 201
    assert mail.outbox == [email for email in mail.outbox if "bob@" in email.to[0]]


def test_a_new_booking_does_not_wait_for_the_sweep(paying, stripe_emu, api_client, monday):
    first = book(api_client, london(monday, 11)).json()
    _end_hold(first["id"])
    second = book(api_client, london(monday, 11), email="bob@example.com", name="Bob")
    assert second.status_code == 201, second.content
    assert Booking.objects.get(pk=first["id"]).cancel_reason == HOLD_RELEASED


def test_late_payment_onto_a_taken_slot_is_refunded_once_and_the_customer_told(paying, stripe_emu, api_client,
                                                                               monday, emu, notion_db, gcal):
    body = book(api_client, london(monday, 12)).json()
    session = session_of(stripe_emu, body["id"])
    _end_hold(body["id"])
    release_due_holds()  # the expiry is owed to Stripe but has not reached it yet
    assert book(api_client, london(monday, 12), service="portrait", email="bob@example.com").status_code == 201
    stripe_emu.pay(session["id"])  # the customer paid in those seconds
    completed = held_event(stripe_emu, "checkout.session.completed", session["id"])
    assert post_event(api_client, completed).status_code == 200
    deliver()
    assert post_event(api_client, completed).status_code == 200  # again
    deliver()
    payment = Payment.objects.get(booking_id=body["id"])
    [refund] = stripe_emu.refunds_for(payment.payment_intent)
    assert refund["amount"] == 5400 and refund["metadata"] == {"booking": body["id"], "purpose": "late"}
    assert payment.late and payment.summary().state == "refunded"
    booking = Booking.objects.get(pk=body["id"])
    assert booking.status == BookingStatus.CANCELLED
    [told] = emails("refunded")
    assert "A refund of £54.00" in told.body and "Pick another time" in told.body
    assert emails("confirmed") == []
    assert sides(emu, notion_db, gcal, booking) == ([], [])  # the hold was never shown outside
    # The same Idempotency-Key was used once; a rerun of the refund message changes nothing.
    assert len(stripe_emu.calls("POST", r"^/v1/refunds$")) == 1


def test_late_payment_onto_a_free_slot_is_booked_again(paying, stripe_emu, api_client, monday, emu, notion_db, gcal):
    body = book(api_client, london(monday, 13)).json()
    session = session_of(stripe_emu, body["id"])
    _end_hold(body["id"])
    release_due_holds()
    stripe_emu.pay(session["id"])
    assert post_event(api_client, held_event(stripe_emu, "checkout.session.completed", session["id"])).status_code == 200
    deliver()
    booking = Booking.objects.get(pk=body["id"])
    assert booking.status == BookingStatus.CONFIRMED
    assert len(emails("confirmed")) == 1 and stripe_emu.refunds == {}
    pages, events = sides(emu, notion_db, gcal, booking)
    assert len(pages) == 1 and len(events) == 1


def test_customer_cancel_inside_the_window_refunds_in_full_as_the_page_said(paying, stripe_emu, api_client, monday):
    booking = _paid(api_client, stripe_emu, london(monday, 14))
    token_url = booking_manage(api_client, booking)
    manage = api_client.get(f"/api/bookings/manage/{token_url}").json()
    assert manage["payment"]["refundable_now"] is True and manage["payment"]["refund_if_cancelled_now"] == 5400
    page = api_client.get(f"/manage/{token_url}/cancel/").content.decode()
    assert "£54.00 will be refunded" in page
    assert post(api_client, f"/api/bookings/manage/{token_url}/cancel", {}).status_code == 200
    deliver()
    payment = Payment.objects.get(booking=booking)
    [refund] = stripe_emu.refunds_for(payment.payment_intent)
    assert refund["amount"] == 5400 and refund["metadata"]["purpose"] == "cancel"
    [cancelled] = emails("cancelled")
    assert "A refund of £54.00" in cancelled.body


def test_customer_cancel_outside_the_window_keeps_the_deposit_as_the_page_said(paying, stripe_emu, api_client,
                                                                              monday):
    booking = _paid(api_client, stripe_emu, london(monday, 15))
    studio = Studio.load()
    studio.refund_window_hours = 24 * 60  # the session is closer than that
    studio.save()
    token_url = booking_manage(api_client, booking)
    manage = api_client.get(f"/api/bookings/manage/{token_url}").json()
    assert manage["payment"]["refundable_now"] is False and manage["payment"]["refund_if_cancelled_now"] == 0
    page = api_client.get(f"/manage/{token_url}/cancel/").content.decode()
    assert "the £54.00 paid is kept" in page
    assert post(api_client, f"/api/bookings/manage/{token_url}/cancel", {}).status_code == 200
    deliver()
    assert stripe_emu.refunds == {} and not Refund.objects.exists()
    [cancelled] = emails("cancelled")
    assert "the £54.00 paid is kept" in cancelled.body


def test_a_studio_cancel_in_notion_refunds_in_full(paying, stripe_emu, api_client, monday, emu, notion_db, gcal):
    paying.STUDIO_REFUND_CHECK = True
    booking = _paid(api_client, stripe_emu, london(monday, 16), service="mini")
    studio = Studio.load()
    studio.refund_window_hours = 24 * 60  # a customer would get nothing back now; the studio's cancel refunds all
    studio.save()
    [page_id] = [p for p in emu.page_ids(notion_db.data_source_id)
                 if emu.plain(p).get("Booking ID") == str(booking.pk)]
    emu.human_edit(page_id, {"Status": {"status": {"name": "Cancelled"}}})
    run_sync(trigger="admin", full=True)
    deliver()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    payment = Payment.objects.get(booking=booking)
    [refund] = stripe_emu.refunds_for(payment.payment_intent)
    assert refund["amount"] == 6000 and payment.summary().state == "refunded"
    pages, events = sides(emu, notion_db, gcal, booking)
    assert pages[0]["Payment"] == "Refunded" and pages[0]["Paid"] == 60


def test_refund_retried_after_a_stripe_500_is_made_once(paying, stripe_emu, api_client, monday):
    booking = _paid(api_client, stripe_emu, london(monday, 10))
    stripe_emu.add_fault(method="POST", path=r"^/v1/refunds$", status=500, times=1,
                         body={"error": {"type": "api_error", "message": "An unknown error occurred"}})
    token_url = booking_manage(api_client, booking)
    post(api_client, f"/api/bookings/manage/{token_url}/cancel", {})
    deliver()
    message = OutboxMessage.objects.get(topic="payment", action="refund")
    assert message.state == OutboxState.DONE and message.attempts == 2, message.last_error
    payment = Payment.objects.get(booking=booking)
    assert len(stripe_emu.refunds_for(payment.payment_intent)) == 1
    assert len(stripe_emu.calls("POST", r"^/v1/refunds$")) == 2


def booking_manage(api_client, booking: Booking) -> str:
    from booksync.bookings.tokens import token_for

    return token_for(booking)


@pytest.mark.dbspecific
def test_the_database_itself_refuses_a_booking_over_a_held_slot(paying, stripe_emu, api_client, monday):
    """PostgreSQL's per-resource exclusion constraint counts awaiting_payment as taking time: a
    held booking's claim is active (ACTIVE_STATUSES), so nobody else can claim its person."""
    from django.db import IntegrityError, connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no exclusion constraints; its guard is the IMMEDIATE transaction")
    held = Booking.objects.get(pk=book(api_client, london(monday, 9)).json()["id"])
    assert held.status == BookingStatus.AWAITING_PAYMENT
    clone = Booking(start=held.start, end=held.end, blocked_start=held.blocked_start, blocked_end=held.blocked_end,
                    name="B", email="b@example.com", manage_salt="x", manage_token_hash="z" * 64)
    clone.save()
    claim = held.claims.get()
    assert claim.active
    with pytest.raises(IntegrityError, match="booking_resource_no_overlap"), transaction.atomic():
        BookingResource.objects.create(booking=clone, resource=claim.resource,
                                       blocked_start=clone.blocked_start, blocked_end=clone.blocked_end)


def test_studio_notice_names_what_was_paid_and_a_reschedule_keeps_the_payment(paying, stripe_emu, api_client,
                                                                              monday, studio_emails):
    booking = _paid(api_client, stripe_emu, london(monday, 10))
    notices = [m for m in mail.outbox if m.subject.startswith("New booking")]
    assert len(notices) == 1 and "Payment: Deposit paid · paid £54.00 · balance £126.00 at the studio" in \
        notices[0].body
    token = booking_manage(api_client, booking)
    moved = post(api_client, f"/api/bookings/manage/{token}/reschedule", {"start": london(monday, 14).isoformat()})
    assert moved.status_code == 200, moved.content
    deliver()
    payment = Payment.objects.get(booking=booking)
    assert payment.amount_paid == 5400 and not Refund.objects.exists() and stripe_emu.refunds == {}
    assert moved.json()["payment"]["status"] == "deposit_paid"
    post(api_client, f"/api/bookings/manage/{token}/cancel", {})
    deliver()
    [cancel_notice] = [m for m in mail.outbox if m.subject.startswith("Booking cancelled")]
    assert "Payment: Deposit paid · paid £54.00 · balance £126.00 at the studio · refund owed £54.00" in \
        cancel_notice.body


def test_the_doctor_asks_for_the_money_columns_once_stripe_is_configured(settings):
    from booksync.integrations.notion_schema import DEFAULT_NAMES, Schema, schema_problems
    from tests.integrations.notion_fixtures import SEED_SCHEMA

    schema = Schema.from_data_source({"id": "ds", "properties": {
        name: {"type": next(iter(value))} for name, value in SEED_SCHEMA.items()}}, DEFAULT_NAMES)
    def money_problems() -> list[str]:
        return [p for p in schema_problems(schema, DEFAULT_NAMES) if any(
            f"property {column!r}" in p for column in ("Payment", "Paid", "Price"))]

    settings.STRIPE_SECRET_KEY = ""
    assert money_problems() == []
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    assert len(money_problems()) == 3


def test_a_studio_cancel_in_the_admin_or_diary_refunds_in_full(paying, stripe_emu, api_client, monday, emu,
                                                               notion_db, gcal):
    from booksync.bookings.studio_edits import cancel_booking

    booking = _paid(api_client, stripe_emu, london(monday, 11))
    studio = Studio.load()
    studio.refund_window_hours = 24 * 60  # the customer could not get it back now; the studio's cancel refunds all
    studio.save()
    cancel_booking(booking.pk, by="owner")  # the door the admin's and the diary's cancel go through
    deliver()
    payment = Payment.objects.get(booking=booking)
    assert [r["amount"] for r in stripe_emu.refunds_for(payment.payment_intent)] == [5400]
    pages, events = sides(emu, notion_db, gcal, booking)
    assert pages[0]["Payment"] == "Refunded" and pages[0]["Status"] == "Cancelled" and events == []
