"""Stripe through the official SDK: Checkout Sessions, refunds, webhook verification (ADR 0018).

An adapter: it sees no Django model, only plain values, and turns Stripe's errors into the
ports' named errors, so no caller sees a status code. ``STRIPE_API_BASE`` points the SDK at an
emulator (``stripe.StripeClient(base_addresses=…)``); the SDK itself is never patched. The SDK
does not retry (``max_network_retries=0``): the outbox retries, with the same Idempotency-Key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import stripe

from .ports import NotAuthorised, PermanentError, RateLimited, TransientError, retry_after_seconds

# Currencies Stripe accepts payments in (https://docs.stripe.com/currencies, "Presentment currencies").
STRIPE_CURRENCIES = frozenset(["usd", "aed", "afn", "all", "amd", "ang", "aoa", "ars", "aud", "awg", "azn", "bam", "bbd", "bdt", "bgn", "bhd", "bif", "bmd", "bnd", "bob", "brl", "bsd", "bwp", "byn", "bzd", "cad", "cdf", "chf", "clp", "cny", "cop", "crc", "cve", "czk", "djf", "dkk", "dop", "dzd", "egp", "etb", "eur", "fjd", "fkp", "gbp", "gel", "gip", "gmd", "gnf", "gtq", "gyd", "hkd", "hnl", "htg", "huf", "idr", "ils", "inr", "isk", "jmd", "jod", "jpy", "kes", "kgs", "khr", "kmf", "krw", "kwd", "kyd", "kzt", "lak", "lbp", "lkr", "lrd", "lsl", "mad", "mdl", "mga", "mkd", "mmk", "mnt", "mop", "mur", "mvr", "mwk", "mxn", "myr", "mzn", "nad", "ngn", "nio", "nok", "npr", "nzd", "omr", "pab", "pen", "pgk", "php", "pkr", "pln", "pyg", "qar", "ron", "rsd", "rub", "rwf", "sar", "sbd", "scr", "sek", "sgd", "shp", "sle", "sos", "srd", "std", "szl", "thb", "tjs", "tnd", "top", "try", "ttd", "twd", "tzs", "uah", "ugx", "uyu", "uzs", "vnd", "vuv", "wst", "xaf", "xcd", "xof", "xpf", "yer", "zar", "zmw"])


@dataclass(frozen=True)
class SessionInfo:
    id: str
    url: str
    status: str  # open | complete | expired
    payment_status: str  # unpaid | paid | no_payment_required
    amount_total: int
    currency: str
    payment_intent: str
    booking_id: str
    expires_at: int


@dataclass(frozen=True)
class RefundInfo:
    id: str
    amount: int
    status: str
    purpose: str


class WebhookRefused(Exception):
    """A webhook whose signature, timestamp or body does not verify (answered 400)."""


def _session(obj: Any) -> SessionInfo:
    metadata = obj.get("metadata") or {}
    intent = obj.get("payment_intent") or ""
    if not isinstance(intent, str):
        intent = intent.get("id", "")
    return SessionInfo(
        id=obj["id"], url=obj.get("url") or "", status=obj.get("status") or "",
        payment_status=obj.get("payment_status") or "", amount_total=int(obj.get("amount_total") or 0),
        currency=(obj.get("currency") or "").upper(), payment_intent=intent,
        booking_id=metadata.get("booking") or obj.get("client_reference_id") or "",
        expires_at=int(obj.get("expires_at") or 0))


def session_from_event(obj: Any) -> SessionInfo:
    return _session(obj)


class StripeGateway:
    def __init__(self, api_key: str, *, api_base: str = "", timeout: float = 20.0) -> None:
        base = {"api": api_base.rstrip("/")} if api_base else None
        self.client = stripe.StripeClient(api_key, base_addresses=base,  # type: ignore[arg-type]
                                          max_network_retries=0,
                                          http_client=stripe.RequestsClient(timeout=timeout))

    # -- calls ---------------------------------------------------------------------------
    def create_checkout(self, *, booking_id: str, amount: int, currency: str, item_name: str, email: str,
                        success_url: str, cancel_url: str, expires_at: int, idempotency_key: str,
                        locale: str = "auto") -> SessionInfo:
        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": [{"quantity": 1, "price_data": {
                "currency": currency.lower(), "unit_amount": amount, "product_data": {"name": item_name}}}],
            "success_url": success_url, "cancel_url": cancel_url, "expires_at": expires_at,
            "client_reference_id": booking_id, "metadata": {"booking": booking_id},
            "payment_intent_data": {"metadata": {"booking": booking_id}}, "locale": locale,
        }
        if email:
            params["customer_email"] = email
        return _session(self._call(self.client.v1.checkout.sessions.create, params=params,
                                   options={"idempotency_key": idempotency_key}))

    def retrieve_session(self, session_id: str) -> SessionInfo:
        return _session(self._call(self.client.v1.checkout.sessions.retrieve, session_id))

    def expire_session(self, session_id: str) -> SessionInfo:
        """Expire an open session; one no longer open is answered as it is (already paid or expired)."""
        current = self.retrieve_session(session_id)
        if current.status != "open":
            return current
        try:
            return _session(self._call(self.client.v1.checkout.sessions.expire, session_id))
        except PermanentError:
            return self.retrieve_session(session_id)  # it completed or expired meanwhile

    def refund(self, *, payment_intent: str, amount: int, booking_id: str, purpose: str,
               idempotency_key: str) -> RefundInfo:
        refund = self._call(self.client.v1.refunds.create, params={
            "payment_intent": payment_intent, "amount": amount,
            "metadata": {"booking": booking_id, "purpose": purpose}}, options={"idempotency_key": idempotency_key})
        return RefundInfo(refund["id"], int(refund["amount"]), refund["status"], purpose)

    def refunds_for(self, payment_intent: str) -> list[RefundInfo]:
        listed = self._call(self.client.v1.refunds.list, params={"payment_intent": payment_intent, "limit": 100})
        return [RefundInfo(r["id"], int(r["amount"]), r["status"], (r.get("metadata") or {}).get("purpose", ""))
                for r in listed["data"]]

    def check(self) -> None:
        """One read call (the doctor's): raises NotAuthorised for a wrong key."""
        self._call(self.client.v1.balance.retrieve)

    @staticmethod
    def verify(payload: bytes, signature: str, secret: str) -> dict:
        """The event, verified on the raw body with the SDK's tolerance; WebhookRefused otherwise."""
        if not payload:
            raise WebhookRefused("The request has no body.")
        if not signature:
            raise WebhookRefused("The Stripe-Signature header is missing.")
        try:
            event = stripe.Webhook.construct_event(payload, signature, secret)
        except stripe.SignatureVerificationError as exc:
            raise WebhookRefused(f"The signature does not verify: {exc.user_message or exc}") from None
        except ValueError as exc:  # not JSON
            raise WebhookRefused(f"The body is not a JSON event: {exc}") from None
        data = event.to_dict()
        if not isinstance(data.get("id"), str) or not isinstance(data.get("type"), str) or \
                not isinstance((data.get("data") or {}).get("object"), dict):
            raise WebhookRefused("The body is not a Stripe event (id, type, data.object).")
        return data

    # -- errors ------------------------------------------------------------------------------
    @staticmethod
    def _call(method: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            answer = method(*args, **kwargs)
            return answer.to_dict() if hasattr(answer, "to_dict") else answer
        except stripe.RateLimitError as exc:
            raise RateLimited(f"Stripe: {exc.user_message or exc}",
                              retry_after_seconds((exc.headers or {}).get("retry-after"))) from None
        except stripe.AuthenticationError as exc:
            raise NotAuthorised(f"Stripe refused the key: {exc.user_message or exc}") from None
        except stripe.APIConnectionError as exc:
            raise TransientError(f"Stripe cannot be reached: {exc.user_message or exc}") from None
        except stripe.IdempotencyError as exc:
            raise PermanentError(f"Stripe: {exc.user_message or exc}") from None
        except stripe.InvalidRequestError as exc:
            if exc.http_status == 429:
                raise RateLimited(f"Stripe: {exc.user_message or exc}") from None
            raise PermanentError(f"Stripe refused the request: {exc.user_message or exc}") from None
        except stripe.StripeError as exc:
            if exc.http_status and exc.http_status >= 500 or exc.http_status in (409, None):
                raise TransientError(f"Stripe answered {exc.http_status}: {exc.user_message or exc}") from None
            raise PermanentError(f"Stripe answered {exc.http_status}: {exc.user_message or exc}") from None
