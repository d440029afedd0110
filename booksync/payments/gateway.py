"""The Stripe gateway as configured (ADR 0018): none without STRIPE_SECRET_KEY."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

from booksync.integrations.stripe_pay import StripeGateway


def enabled() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


def gateway() -> StripeGateway:
    return StripeGateway(settings.STRIPE_SECRET_KEY, api_base=settings.STRIPE_API_BASE)


def checkout_origins() -> list[str]:
    """Where the booking form's redirect may lead (the page's CSP form-action): Stripe's hosted
    Checkout, or the API host itself when STRIPE_API_BASE points at an emulator."""
    if not enabled():
        return []
    base = urlsplit(settings.STRIPE_API_BASE or "https://api.stripe.com")
    if base.hostname == "api.stripe.com":
        return ["https://checkout.stripe.com"]
    return [f"{base.scheme}://{base.netloc}"]
