"""The Stripe emulator against the official SDK over real HTTP (behaviours from docs/stripe.md)."""

from __future__ import annotations

import json
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread

import pytest
import requests
import stripe

from booksync.integrations.ports import PermanentError, RateLimited
from booksync.integrations.stripe_pay import StripeGateway, WebhookRefused

from .stripe import DEFAULT_API_KEY, StripeEmulator, sign


@pytest.fixture
def emulator():
    with StripeEmulator() as emu:
        yield emu


def gateway(emu: StripeEmulator) -> StripeGateway:
    return StripeGateway(DEFAULT_API_KEY, api_base=emu.url)


def _session(emu, key="k1", amount=5400, currency="gbp", expires_in=31 * 60):
    return gateway(emu).create_checkout(
        booking_id="b1", amount=amount, currency=currency, item_name="Deposit", email="a@example.com",
        success_url="http://shop/done?session_id={CHECKOUT_SESSION_ID}", cancel_url="http://shop/again",
        expires_at=int(time.time()) + expires_in, idempotency_key=key)


def test_form_encoded_session_create_retrieve_and_expire(emulator):
    session = _session(emulator)
    assert session.status == "open" and session.amount_total == 5400 and session.currency == "GBP"
    assert session.booking_id == "b1" and session.url.startswith(emulator.url)
    stored = emulator.sessions[session.id]
    assert stored["metadata"] == {"booking": "b1"} and stored["_intent_metadata"] == {"booking": "b1"}
    assert stored["_items"][0]["price_data"]["unit_amount"] == "5400"
    assert gateway(emulator).retrieve_session(session.id).status == "open"
    assert gateway(emulator).expire_session(session.id).status == "expired"
    assert len(emulator.events_of("checkout.session.expired")) == 1
    # Expiring again answers the session as it is (Stripe refuses: only open ones expire).
    client = stripe.StripeClient(DEFAULT_API_KEY, base_addresses={"api": emulator.url})
    with pytest.raises(stripe.InvalidRequestError, match="open"):
        client.v1.checkout.sessions.expire(session.id)


def test_expires_at_must_be_30_minutes_to_24_hours_ahead(emulator):
    with pytest.raises(PermanentError, match="30 minutes"):
        _session(emulator, expires_in=10 * 60)
    with pytest.raises(PermanentError, match="24 hours"):
        _session(emulator, key="k2", expires_in=25 * 3600)
    assert not emulator.sessions


def test_unknown_currency_and_bad_key_use_the_error_envelope(emulator):
    with pytest.raises(PermanentError, match="Invalid currency"):
        _session(emulator, currency="xyz")
    answer = requests.post(f"{emulator.url}/v1/checkout/sessions", data={"mode": "payment"},
                           headers={"Authorization": "Bearer sk_wrong"}, timeout=5)
    assert answer.status_code == 401 and answer.json()["error"]["type"] == "invalid_request_error"


def test_idempotency_replay_and_mismatch(emulator):
    first = _session(emulator, key="same")
    again = _session(emulator, key="same")
    assert again.id == first.id and len(emulator.sessions) == 1
    with pytest.raises(PermanentError, match="same parameters"):
        _session(emulator, key="same", amount=100)


def test_pay_refund_and_over_refund(emulator):
    session = _session(emulator)
    emulator.pay(session.id)
    paid = gateway(emulator).retrieve_session(session.id)
    assert paid.status == "complete" and paid.payment_status == "paid" and paid.payment_intent
    refund = gateway(emulator).refund(payment_intent=paid.payment_intent, amount=5000, booking_id="b1",
                                      purpose="cancel", idempotency_key="r1")
    replay = gateway(emulator).refund(payment_intent=paid.payment_intent, amount=5000, booking_id="b1",
                                      purpose="cancel", idempotency_key="r1")
    assert replay.id == refund.id and len(emulator.refunds_for(paid.payment_intent)) == 1
    with pytest.raises(PermanentError, match="greater than unrefunded"):
        gateway(emulator).refund(payment_intent=paid.payment_intent, amount=500, booking_id="b1",
                                 purpose="more", idempotency_key="r2")
    assert [r.purpose for r in gateway(emulator).refunds_for(paid.payment_intent)] == ["cancel"]


def test_429_is_rate_limited(emulator):
    emulator.rate_limit(path="/v1/checkout/sessions", times=1)
    with pytest.raises(RateLimited):
        _session(emulator)
    assert _session(emulator).status == "open"


def test_time_expiry_and_signed_delivery_with_retries(emulator):
    got: list[tuple[int, dict]] = []
    answers = [500, 200]

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            status = answers.pop(0) if answers else 200
            got.append((status, {"sig": self.headers["Stripe-Signature"], "body": body}))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    Thread(target=server.serve_forever, daemon=True).start()
    endpoint = emulator.add_endpoint(f"http://127.0.0.1:{server.server_address[1]}/hook")
    session = _session(emulator)
    emulator.advance(32 * 60)
    deadline = time.time() + 5
    while len(got) < 2 and time.time() < deadline:
        time.sleep(0.05)
    server.shutdown()
    assert [status for status, _ in got] == [500, 200]  # retried after the 500
    body = got[1][1]["body"]
    event = StripeGateway.verify(body, got[1][1]["sig"], endpoint.secret)
    assert event["type"] == "checkout.session.expired" and event["data"]["object"]["id"] == session.id
    with pytest.raises(WebhookRefused):
        StripeGateway.verify(body, sign(body, "whsec_forged"), endpoint.secret)
    with pytest.raises(WebhookRefused):
        StripeGateway.verify(body, sign(body, endpoint.secret, int(time.time()) - 600), endpoint.secret)
    with pytest.raises(WebhookRefused):
        StripeGateway.verify(b"", got[1][1]["sig"], endpoint.secret)
    assert json.loads(body)["id"] in emulator.events


def test_hosted_page_pay_and_cancel(emulator):
    session = _session(emulator)
    page = requests.get(session.url, timeout=5)
    assert "Pay" in page.text and 'href="http://shop/again"' in page.text and "GBP 54.00" in page.text
    answer = requests.post(f"{session.url}/pay", allow_redirects=False, timeout=5)
    assert answer.status_code == 303 and answer.headers["Location"] == f"http://shop/done?session_id={session.id}"
    assert emulator.sessions[session.id]["payment_status"] == "paid"
