"""``POST /api/webhooks/stripe``: verify on the raw body, record once, answer at once (ADR 0018).

The work is an outbox message (``payment:event:<id>``) recorded with the event row in one
transaction and done by the worker after commit, retried like any other effect.
"""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.db import IntegrityError, transaction

from booksync.bookings import services
from booksync.bookings.models import Booking
from booksync.integrations.stripe_pay import StripeGateway, WebhookRefused
from booksync.outbox import effects

from .models import StripeEvent

log = logging.getLogger("booksync.payments")


def receive(raw: bytes, signature: str) -> tuple[int, dict]:
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        return 403, {"error": "forbidden", "message": "Stripe webhooks are not configured (STRIPE_WEBHOOK_SECRET)."}
    try:
        event = StripeGateway.verify(raw, signature, secret)
    except WebhookRefused as exc:
        log.warning("refused a Stripe webhook: %s", exc)
        return 400, {"error": "bad_request", "message": str(exc)}
    booking = _booking_named(event)
    try:
        with transaction.atomic():
            StripeEvent.objects.create(id=event["id"][:255], type=event["type"][:100], payload=event)
            effects.owe(booking, effects.payment_work(booking, "event", event["id"][:200], event_id=event["id"][:255]))
    except IntegrityError:
        return 200, {"ok": True, "duplicate": True}
    services_sweep()
    return 200, {"ok": True}


def services_sweep() -> None:
    """Holds past their time are released on every webhook too (besides the minute schedule)."""
    try:
        services.release_due_holds()
    except Exception:  # never fail the webhook's answer for the sweep
        log.exception("releasing due holds after a webhook failed")


def _booking_named(event: dict) -> Booking | None:
    obj = event.get("data", {}).get("object", {})
    named = (obj.get("metadata") or {}).get("booking") or obj.get("client_reference_id") or ""
    try:
        return Booking.objects.filter(pk=uuid.UUID(str(named))).first()
    except ValueError:
        return None
