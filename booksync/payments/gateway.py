"""The Stripe gateway as configured (ADR 0018): none without STRIPE_SECRET_KEY."""

from __future__ import annotations

from django.conf import settings

from booksync.integrations.stripe_pay import StripeGateway


def enabled() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


def gateway() -> StripeGateway:
    return StripeGateway(settings.STRIPE_SECRET_KEY, api_base=settings.STRIPE_API_BASE)
