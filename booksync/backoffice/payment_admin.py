"""The money in the back office (ADR 0018): a column for the list, the diary and the CSV; the booking
page's payment timeline; "mark balance paid at the studio"; a refund with a confirmation step;
the dashboard's payments section (Stripe connected, failed refunds, payments after a release)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from booksync.bookings.models import Booking
from booksync.bookings.money import format_money, to_major, to_minor
from booksync.bookings.payment_text import payment_of, payment_text
from booksync.outbox.models import AuditEntry, OutboxMessage, OutboxState
from booksync.payments import studio as studio_payments
from booksync.payments.gateway import enabled
from booksync.payments.models import Payment, Refund

PAYMENT_ACTIONS = ("held", "checkout_started", "paid", "paid_late", "hold_released", "refunded", "refund_requested",
                   "balance_paid", "cancelled", "created")


def payment_cell(booking: Booking) -> str:
    """"Deposit paid £54.00 · balance £126.00" (the list, the diary, the CSV)."""
    return payment_text(booking).line


def timeline(booking: Booking) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(booking=booking, action__in=PAYMENT_ACTIONS).order_by("at", "id"))


def urls(admin_view) -> list:
    return [
        path("<uuid:booking_id>/payment/balance/", admin_view(balance_paid), name="bookings_booking_balance_paid"),
        path("<uuid:booking_id>/payment/refund/", admin_view(refund), name="bookings_booking_refund"),
    ]


def _change_url(booking_id) -> str:
    return reverse("admin:bookings_booking_change", args=[booking_id])


def balance_paid(request, booking_id):
    booking = get_object_or_404(Booking, pk=booking_id)
    get_object_or_404(Payment, booking=booking)
    if not request.user.has_perm("bookings.change_booking"):
        return redirect(_change_url(booking_id))
    money = payment_text(booking)
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        try:
            studio_payments.mark_balance_paid(booking_id, by=request.user.get_username(),
                                              how=request.POST.get("how", "cash or card")[:50])
        except studio_payments.PaymentRefused as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Balance of {money.remaining_text} marked paid at the studio.")
        return redirect(_change_url(booking_id))
    return TemplateResponse(request, "admin/bookings/booking/payment_confirm.html", {
        **admin.site.each_context(request), "title": "Mark the balance paid", "booking": booking,
        "money": money, "what": "balance", "question": f"Mark the balance of {money.remaining_text} paid at the "
                                                       "studio (cash or card)?"})


def refund(request, booking_id):
    """Step 1: the amount (default: everything refundable). Step 2: confirm. Then the outbox refunds."""
    booking = get_object_or_404(Booking, pk=booking_id)
    payment = get_object_or_404(Payment, booking=booking)
    if not request.user.has_perm("bookings.change_booking"):
        return redirect(_change_url(booking_id))
    error, amount = "", payment.refundable
    if request.method == "POST":
        try:
            amount = to_minor(Decimal(request.POST.get("amount", "").strip().replace(",", ".")), payment.currency)
        except (InvalidOperation, ValueError):
            error = "Give the amount as a number, e.g. 25.00."
        if not error and request.POST.get("confirm") == "yes":
            try:
                studio_payments.refund(booking_id, amount, by=request.user.get_username())
            except studio_payments.PaymentRefused as exc:
                error = exc.message
            else:
                messages.success(request, f"Refund of {format_money(amount, payment.currency)} sent to Stripe.")
                return redirect(_change_url(booking_id))
        elif not error and not 0 < amount <= payment.refundable:
            error = (f"At most {format_money(payment.refundable, payment.currency)} can be refunded."
                     if amount > 0 else "Give an amount above zero.")
    confirming = request.method == "POST" and not error
    major = to_major(amount, payment.currency)
    return TemplateResponse(request, "admin/bookings/booking/payment_confirm.html", {
        **admin.site.each_context(request), "title": "Refund", "booking": booking, "money": payment_text(booking),
        "what": "refund", "error": error, "confirming": confirming, "amount": major,
        "refundable": format_money(payment.refundable, payment.currency),
        "question": f"Refund {format_money(amount, payment.currency)} to the customer's card?" if confirming else ""},
        status=422 if error else 200)


def booking_panel(booking: Booking) -> str:
    """The booking page's Payment panel: the state, the timeline and the two buttons."""
    payment = payment_of(booking)
    if payment is None:
        return "Not required" if booking.service_id else "—"
    money = payment_text(booking)
    rows = "".join(format_html("<li>{} · {}</li>", entry.at.strftime("%Y-%m-%d %H:%M"),
                               entry.action.replace("_", " ")) for entry in timeline(booking))
    buttons = ""
    if money.remaining and money.state not in ("refunded",) and booking.is_active:
        buttons += format_html('<a class="button" href="{}">Mark balance paid at the studio</a> ',
                               reverse("admin:bookings_booking_balance_paid", args=[booking.pk]))
    if payment.refundable:
        buttons += format_html('<a class="button" href="{}">Refund…</a>',
                               reverse("admin:bookings_booking_refund", args=[booking.pk]))
    failed = payment.refunds.filter(state=Refund.State.FAILED)
    warning = "".join(format_html('<p class="errornote">Refund {} of {} failed: {}</p>', r.purpose,
                                  format_money(r.amount, payment.currency), r.reason) for r in failed)
    return format_html("<p><strong>{}</strong></p>{}<ol class=\"payment-timeline\">{}</ol><p>{}</p>",
                       money.line or money.label, format_html(warning) if warning else "",
                       format_html(rows) if rows else "", format_html(buttons) if buttons else "")


def dashboard_context() -> dict:
    """The sync dashboard's payments section."""
    failed_refunds = list(Refund.objects.filter(state=Refund.State.FAILED).select_related("payment__booking")[:50])
    failed_messages = OutboxMessage.objects.filter(topic="payment", state=OutboxState.FAILED).count()
    late = list(Payment.objects.filter(late=True).select_related("booking").order_by("-paid_at")[:50])
    return {"stripe_connected": enabled(), "failed_refunds": failed_refunds,
            "failed_payment_work": failed_messages, "late_payments": late}
