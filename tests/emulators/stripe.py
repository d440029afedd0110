"""Loopback emulator of the parts of Stripe's API v1 booksync uses, written from Stripe's reference.

What it serves (docs/stripe.md names the source of each behaviour):

- ``POST /v1/checkout/sessions`` (form-encoded, nested keys in brackets), ``GET …/{id}``,
  ``POST …/{id}/expire`` (only while ``open``); ``expires_at`` must lie 30 min – 24 h ahead.
  Each session has a hosted page ``GET /c/pay/{id}`` with **Pay** and **Cancel** for browser
  tests; Pay makes a succeeded PaymentIntent, completes the session and redirects to the
  success URL with ``{CHECKOUT_SESSION_ID}`` replaced; Cancel goes to the cancel URL.
- ``GET /v1/payment_intents/{id}``; ``POST /v1/refunds`` (``payment_intent``, ``amount``,
  ``metadata``; more than remains is refused), ``GET /v1/refunds?payment_intent=…``,
  ``GET /v1/refunds/{id}``; ``GET /v1/events/{id}``, ``GET /v1/balance`` (the doctor's read).
- The error envelope ``{"error": {"type", "code", "message", "param"}}``; 401 without the key.
- ``Idempotency-Key`` on POST: the first executed answer is saved and replayed (header
  ``Idempotent-Replayed: true``); the same key with other parameters or another path is a 400
  ``idempotency_error``. A request that fails validation saves nothing.
- 429s and 5xx through the base class's faults (``rate_limit()``); ``slow_after`` makes a
  request do its work and then stall before answering (the window where a client is killed
  after Stripe acted but before it recorded the answer).
- Events (``checkout.session.completed`` / ``expired``, ``payment_intent.succeeded``,
  ``charge.refunded``, ``refund.created``), delivered to registered endpoints as JSON signed
  with ``Stripe-Signature: t=…,v1=HMAC-SHA256(secret, "t.body")``, retried with backoff while
  the endpoint answers non-2xx. ``hold_events=True`` keeps them for the test to deliver
  (twice, out of order, late).
- A clock the test can move (``advance``): sessions past ``expires_at`` expire and emit their event.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import requests

from .base import Emulator, Request, Response

DEFAULT_API_KEY = "sk_test_emulator_booksync"
API_VERSION = "2025-03-31.basil"
MIN_EXPIRY, MAX_EXPIRY = 30 * 60, 24 * 3600
# Currencies Stripe settles in that the tests use; an unknown code is refused as Stripe does.
CURRENCIES = {"gbp", "eur", "usd", "jpy", "chf", "sek", "nok", "dkk", "aud", "cad", "nzd", "krw", "pln"}
ZERO_DECIMAL = {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd",
                "vuv", "xaf", "xof", "xpf"}


def error(status: int, type_: str, message: str, *, code: str | None = None, param: str | None = None,
          headers: dict[str, str] | None = None) -> Response:
    body: dict[str, Any] = {"type": type_, "message": message}
    if code:
        body["code"] = code
    if param:
        body["param"] = param
    return Response(status, {"error": body}, headers=headers or {})


def decode_form(body: bytes) -> dict[str, Any]:
    """``a[b][0][c]=1`` → ``{"a": {"b": [{"c": "1"}]}}`` (Stripe's nested form encoding)."""
    result: dict[str, Any] = {}
    for raw_key, value in parse_qsl(body.decode(), keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+|\[\]", raw_key)
        node = result
        for index, part in enumerate(parts[:-1]):
            if parts[index + 1] == "[]":
                parts[index + 1] = str(len(node.get(part, {})))
            node = node.setdefault(part, {})
        node[parts[-1]] = value

    def listify(value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        items = {key: listify(item) for key, item in value.items()}
        if items and all(key.isdigit() for key in items):
            return [items[key] for key in sorted(items, key=int)]
        return items

    return listify(result)


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header for ``payload``."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


@dataclass
class Delivery:
    event_id: str
    url: str
    status: int
    at: float


@dataclass
class Endpoint:
    url: str
    secret: str = field(default_factory=lambda: "whsec_" + secrets.token_hex(16))


class StripeEmulator(Emulator):
    name = "stripe"

    def __init__(self, api_key: str = DEFAULT_API_KEY, seed: int = 0) -> None:
        super().__init__(seed)
        self.api_key = api_key
        self.sessions: dict[str, dict] = {}
        self.intents: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.events: dict[str, dict] = {}
        self.idempotency: dict[str, tuple[str, str, str, Response]] = {}
        self.endpoints: list[Endpoint] = []
        self.deliveries: list[Delivery] = []
        self.held: list[dict] = []
        self.hold_events = False
        self.retry_seconds = 0.2
        self.max_delivery_attempts = 5
        self.clock_offset = 0.0
        self.slow_after: dict[str, float] = {}  # POST path regex → seconds to stall after doing the work
        self._ids = 0
        # Tests: answer refund lists empty, so only the Idempotency-Key can stop a second refund.
        self.hide_refund_list = False

    # -- test helpers ---------------------------------------------------------------
    def now(self) -> int:
        return int(time.time() + self.clock_offset)

    def advance(self, seconds: float) -> None:
        with self.lock:
            self.clock_offset += seconds
        self._expire_due()

    def add_endpoint(self, url: str, secret: str | None = None) -> Endpoint:
        endpoint = Endpoint(url, secret) if secret else Endpoint(url)
        self.endpoints.append(endpoint)
        return endpoint

    def rate_limit(self, path: str = ".*", times: int = 1) -> None:
        self.add_fault(path=path, status=429, times=times, body={"error": {
            "type": "invalid_request_error", "code": "rate_limit",
            "message": "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits."}})

    def refunds_for(self, intent_id: str) -> list[dict]:
        with self.lock:
            return [r for r in self.refunds.values() if r["payment_intent"] == intent_id]

    def events_of(self, type_: str) -> list[dict]:
        with self.lock:
            return [e for e in self.events.values() if e["type"] == type_]

    def pay(self, session_id: str) -> dict:
        """What the hosted page's Pay button does; returns the completed session."""
        with self.lock:
            session = self.sessions[session_id]
            if session["status"] != "open":
                raise ValueError(f"session is {session['status']}")
            intent = self._new_intent(session)
            session.update(status="complete", payment_status="paid", payment_intent=intent["id"])
            completed = self._event("checkout.session.completed", dict(session))
            succeeded = self._event("payment_intent.succeeded", dict(intent))
        self._send(completed)
        self._send(succeeded)
        return session

    def deliver(self, event: dict, *, endpoint: Endpoint | None = None, timestamp: int | None = None,
                secret: str | None = None) -> requests.Response:
        """POST one event once (for tests: twice, late, out of order, forged)."""
        endpoint = endpoint or self.endpoints[0]
        payload = json.dumps(event).encode()
        header = sign(payload, secret or endpoint.secret, timestamp)
        answer = requests.post(endpoint.url, data=payload, timeout=10,
                               headers={"Content-Type": "application/json; charset=utf-8",
                                        "Stripe-Signature": header, "User-Agent": "Stripe/1.0"})
        with self.lock:
            self.deliveries.append(Delivery(event["id"], endpoint.url, answer.status_code, time.time()))
        return answer

    def release_held(self) -> list[dict]:
        with self.lock:
            held, self.held = self.held, []
        return held

    # -- ids, objects, events ---------------------------------------------------------
    def _id(self, prefix: str) -> str:
        with self.lock:
            self._ids += 1
            return f"{prefix}_{self._ids:06d}{secrets.token_hex(6)}"

    def _new_intent(self, session: dict) -> dict:
        intent = {"id": self._id("pi"), "object": "payment_intent", "amount": session["amount_total"],
                  "amount_received": session["amount_total"], "currency": session["currency"],
                  "status": "succeeded", "metadata": dict(session.get("_intent_metadata") or {}),
                  "latest_charge": self._id("ch"), "created": self.now(), "livemode": False}
        self.intents[intent["id"]] = intent
        return intent

    def _event(self, type_: str, obj: dict) -> dict:
        event = {"id": self._id("evt"), "object": "event", "api_version": API_VERSION, "created": self.now(),
                 "type": type_, "livemode": False, "pending_webhooks": len(self.endpoints),
                 "data": {"object": {k: v for k, v in obj.items() if not k.startswith("_")}},
                 "request": {"id": None, "idempotency_key": None}}
        self.events[event["id"]] = event
        return event

    def _send(self, event: dict) -> None:
        if self.hold_events:
            with self.lock:
                self.held.append(event)
            return
        for endpoint in list(self.endpoints):
            threading.Thread(target=self._deliver_with_retries, args=(event, endpoint), daemon=True).start()

    def _deliver_with_retries(self, event: dict, endpoint: Endpoint) -> None:
        delay = self.retry_seconds
        for _ in range(self.max_delivery_attempts):
            try:
                answer = self.deliver(event, endpoint=endpoint)
                if 200 <= answer.status_code < 300:
                    return
            except requests.RequestException:
                with self.lock:
                    self.deliveries.append(Delivery(event["id"], endpoint.url, 0, time.time()))
            time.sleep(delay)
            delay *= 2

    def _expire_due(self) -> None:
        now = self.now()
        due = []
        with self.lock:
            for session in self.sessions.values():
                if session["status"] == "open" and session["expires_at"] <= now:
                    session["status"] = "expired"
                    due.append(self._event("checkout.session.expired", dict(session)))
        for event in due:
            self._send(event)

    # -- HTTP ---------------------------------------------------------------------------
    def _authorised(self, request: Request) -> bool:
        auth = request.header("authorization") or ""
        scheme, _, value = auth.partition(" ")
        if scheme.lower() == "bearer":
            return hmac.compare_digest(value.strip(), self.api_key)
        if scheme.lower() == "basic":
            try:
                user = base64.b64decode(value).decode().split(":", 1)[0]
            except (ValueError, UnicodeDecodeError):
                return False
            return hmac.compare_digest(user, self.api_key)
        return False

    def route(self, request: Request) -> Response:
        self._expire_due()
        if request.path.startswith("/c/pay/"):
            return self._hosted(request)
        if not request.path.startswith("/v1/"):
            return error(404, "invalid_request_error", f"Unrecognized request URL ({request.method}: {request.path}).")
        if not self._authorised(request):
            return error(401, "invalid_request_error", "Invalid API Key provided: " + (
                (request.header("authorization") or "none")[-4:]), code="api_key_invalid")
        params = decode_form(request.body) if request.method == "POST" else {}
        key = request.header("idempotency-key") if request.method == "POST" else None
        if key:
            if len(key) > 255:
                return error(400, "invalid_request_error", "Idempotency-Key must be at most 255 characters.")
            digest = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()
            with self.lock:
                saved = self.idempotency.get(key)
            if saved:
                method, path, saved_digest, response = saved
                if (method, path, saved_digest) != (request.method, request.path, digest):
                    return error(400, "idempotency_error",
                                 "Keys for idempotent requests can only be used with the same parameters they were "
                                 f"first used with. Try using a key other than '{key}' if you meant to execute a "
                                 "different request.")
                return Response(response.status, response.body, {**response.headers, "Idempotent-Replayed": "true"})
        response, executed = self._api(request, params)
        if key and executed:
            with self.lock:
                self.idempotency[key] = (request.method, request.path, digest, response)
        for pattern, seconds in self.slow_after.items():
            if executed and request.method == "POST" and re.search(pattern, request.path):
                self._record(request, response.status, faulted=False)  # it happened, whether or not the client hears
                time.sleep(seconds)
        return response

    def _api(self, request: Request, params: dict) -> tuple[Response, bool]:
        """(response, whether the endpoint executed: validation failures save no idempotent result)."""
        method, path = request.method, request.path
        if method == "POST" and path == "/v1/checkout/sessions":
            return self._create_session(params)
        if match := re.fullmatch(r"/v1/checkout/sessions/([^/]+)(/expire)?", path):
            with self.lock:
                session = self.sessions.get(match[1])
            if session is None:
                return error(404, "invalid_request_error", f"No such checkout.session: '{match[1]}'",
                             code="resource_missing", param="session"), False
            if match[2] and method == "POST":
                return self._expire(session), True
            if method == "GET":
                return Response(200, self._public(session)), True
        if method == "GET" and (match := re.fullmatch(r"/v1/payment_intents/([^/]+)", path)):
            intent = self.intents.get(match[1])
            if intent is None:
                return error(404, "invalid_request_error", f"No such payment_intent: '{match[1]}'",
                             code="resource_missing", param="intent"), False
            return Response(200, intent), True
        if method == "POST" and path == "/v1/refunds":
            return self._refund(params)
        if method == "GET" and path == "/v1/refunds":
            intent_id = request.arg("payment_intent")
            data = [r for r in self.refunds.values() if intent_id is None or r["payment_intent"] == intent_id]
            if self.hide_refund_list:
                data = []
            return Response(200, {"object": "list", "data": data, "has_more": False, "url": "/v1/refunds"}), True
        if method == "GET" and (match := re.fullmatch(r"/v1/(refunds|events)/([^/]+)", path)):
            store = self.refunds if match[1] == "refunds" else self.events
            found = store.get(match[2])
            if found is None:
                return error(404, "invalid_request_error", f"No such {match[1][:-1]}: '{match[2]}'",
                             code="resource_missing", param="id"), False
            return Response(200, found), True
        if method == "GET" and path == "/v1/balance":
            return Response(200, {"object": "balance", "available": [{"amount": 0, "currency": "gbp"}],
                                  "pending": [], "livemode": False}), True
        return error(404, "invalid_request_error", f"Unrecognized request URL ({method}: {path})."), False

    def _public(self, session: dict) -> dict:
        return {k: v for k, v in session.items() if not k.startswith("_")}

    def _create_session(self, params: dict) -> tuple[Response, bool]:
        def invalid(message: str, param: str, code: str = "parameter_invalid") -> tuple[Response, bool]:
            return error(400, "invalid_request_error", message, code=code, param=param), False

        mode = params.get("mode")
        if mode not in ("payment", "setup", "subscription"):
            return invalid("Missing required param: mode.", "mode", "parameter_missing")
        if not params.get("success_url") and params.get("ui_mode", "hosted") == "hosted":
            return invalid("Missing required param: success_url.", "success_url", "parameter_missing")
        items = params.get("line_items")
        if not isinstance(items, list) or not items:
            return invalid("Missing required param: line_items.", "line_items", "parameter_missing")
        total, currency = 0, None
        for index, item in enumerate(items):
            data = (item or {}).get("price_data") or {}
            item_currency = str(data.get("currency", "")).lower()
            if item_currency not in CURRENCIES:
                return invalid(f"Invalid currency: {item_currency or '(none)'}. Stripe currently supports these "
                               "currencies: " + ", ".join(sorted(CURRENCIES)), f"line_items[{index}][price_data][currency]")
            try:
                unit, quantity = int(data.get("unit_amount", "")), int(item.get("quantity", "1"))
            except ValueError:
                return invalid("Invalid integer: unit_amount", f"line_items[{index}][price_data][unit_amount]")
            if unit < 0 or quantity < 1:
                return invalid("This value must be greater than or equal to 0.",
                               f"line_items[{index}][price_data][unit_amount]")
            if not (data.get("product_data") or {}).get("name"):
                return invalid("Missing required param: line_items[0][price_data][product_data][name].",
                               f"line_items[{index}][price_data][product_data][name]", "parameter_missing")
            if currency and item_currency != currency:
                return invalid("All line items must have the same currency.", "line_items")
            currency = item_currency
            total += unit * quantity
        now = self.now()
        expires_at = params.get("expires_at")
        if expires_at is not None:
            try:
                expires_at = int(expires_at)
            except ValueError:
                return invalid("Invalid integer: expires_at", "expires_at")
            if expires_at + 5 < now + MIN_EXPIRY:  # a few seconds of clock skew allowed
                return invalid("The `expires_at` timestamp must be at least 30 minutes from Checkout Session "
                               "creation.", "expires_at")
            if expires_at > now + MAX_EXPIRY:
                return invalid("The `expires_at` timestamp must be less than 24 hours from Checkout Session "
                               "creation.", "expires_at")
        else:
            expires_at = now + MAX_EXPIRY
        session_id = self._id("cs_test")
        session = {
            "id": session_id, "object": "checkout.session", "mode": mode, "status": "open",
            "payment_status": "unpaid", "amount_total": total, "amount_subtotal": total, "currency": currency,
            "client_reference_id": params.get("client_reference_id"), "customer_email": params.get("customer_email"),
            "metadata": params.get("metadata") or {}, "success_url": params.get("success_url"),
            "cancel_url": params.get("cancel_url"), "expires_at": expires_at, "created": now,
            "payment_intent": None, "url": f"{self.url}/c/pay/{session_id}", "livemode": False,
            "_intent_metadata": (params.get("payment_intent_data") or {}).get("metadata") or {},
            "_items": items,
        }
        with self.lock:
            self.sessions[session_id] = session
        return Response(200, self._public(session)), True

    def _expire(self, session: dict) -> Response:
        with self.lock:
            if session["status"] != "open":
                return error(400, "invalid_request_error", "Only Checkout Sessions with a status in [\"open\"] can "
                             f"be expired. This Checkout Session has a status of \"{session['status']}\".")
            session["status"] = "expired"
            event = self._event("checkout.session.expired", dict(session))
        self._send(event)
        return Response(200, self._public(session))

    def _refund(self, params: dict) -> tuple[Response, bool]:
        intent = self.intents.get(params.get("payment_intent") or "")
        if intent is None:
            return error(400, "invalid_request_error", f"No such payment_intent: '{params.get('payment_intent')}'",
                         code="resource_missing", param="payment_intent"), False
        with self.lock:
            refunded = sum(r["amount"] for r in self.refunds.values()
                           if r["payment_intent"] == intent["id"] and r["status"] == "succeeded")
            remaining = intent["amount_received"] - refunded
            if remaining <= 0:
                return error(400, "invalid_request_error", f"Charge {intent['latest_charge']} has already been "
                             "refunded.", code="charge_already_refunded"), False
            try:
                amount = int(params["amount"]) if params.get("amount") else remaining
            except ValueError:
                return error(400, "invalid_request_error", "Invalid integer: amount", param="amount"), False
            if amount <= 0 or amount > remaining:
                return error(400, "invalid_request_error", f"Refund amount ({amount}) is greater than unrefunded "
                             f"amount on charge ({remaining})", code="amount_too_large" if amount > 0
                             else "parameter_invalid_integer", param="amount"), False
            refund = {"id": self._id("re"), "object": "refund", "amount": amount, "currency": intent["currency"],
                      "payment_intent": intent["id"], "charge": intent["latest_charge"], "status": "succeeded",
                      "reason": params.get("reason"), "metadata": params.get("metadata") or {},
                      "created": self.now()}
            self.refunds[refund["id"]] = refund
            created = self._event("refund.created", dict(refund))
            charge = {"id": intent["latest_charge"], "object": "charge", "payment_intent": intent["id"],
                      "amount": intent["amount_received"], "amount_refunded": refunded + amount,
                      "refunded": refunded + amount >= intent["amount_received"]}
            charged = self._event("charge.refunded", charge)
        self._send(created)
        self._send(charged)
        return Response(200, refund), True

    # -- the hosted page ----------------------------------------------------------------------
    def _hosted(self, request: Request) -> Response:
        match = re.fullmatch(r"/c/pay/([^/]+)(/pay)?", request.path)
        session = self.sessions.get(match[1]) if match else None
        if session is None:
            return Response(404, "<h1>Not found</h1>", content_type="text/html; charset=utf-8")
        if match and match[2] and request.method == "POST":
            if session["status"] != "open":
                return self._page(session, "This Checkout Session is no longer available.")
            self.pay(session["id"])
            target = str(session["success_url"]).replace("{CHECKOUT_SESSION_ID}", session["id"])
            return Response(303, b"", {"Location": target})
        if session["status"] == "complete":
            return self._page(session, "This payment is complete.")
        if session["status"] == "expired":
            return self._page(session, "This Checkout Session has expired.")
        return self._page(session, None)

    def _page(self, session: dict, message: str | None) -> Response:
        currency = session["currency"] or ""
        amount = session["amount_total"] if currency in ZERO_DECIMAL else f"{session['amount_total'] / 100:.2f}"
        name = html.escape(str(((session["_items"][0].get("price_data") or {}).get("product_data") or {}).get("name", "")))
        action = "" if message else (
            f'<form method="post" action="/c/pay/{session["id"]}/pay"><button type="submit">Pay</button></form>'
            f'<p><a href="{html.escape(str(session["cancel_url"] or "/"))}">Cancel</a></p>')
        page = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Checkout</title>'
                f'<meta name="viewport" content="width=device-width, initial-scale=1"></head><body><main>'
                f'<h1>Pay {html.escape(currency.upper())} {amount}</h1><p>{name}</p>'
                f'{f"<p>{html.escape(message)}</p>" if message else ""}{action}</main></body></html>')
        return Response(200, page, content_type="text/html; charset=utf-8")
