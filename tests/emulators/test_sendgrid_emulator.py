"""Tests of the SendGrid v3 emulator: plain HTTP for validation, django-anymail's
real SendGrid backend and tracking-webhook view for the happy path and signatures.

Run: .venv/bin/pytest -p no:django tests/emulators/test_sendgrid_emulator.py
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from .base import Emulator, Request, Response
from .sendgrid import MAX_MESSAGE_BYTES, SendGridEmulator

pytestmark = pytest.mark.filterwarnings(
    "ignore:django-anymail has dropped official support for SendGrid"
)


@pytest.fixture(scope="module")
def _server() -> Iterator[SendGridEmulator]:
    # one server per module: stopping one costs ~0.5 s (serve_forever's poll interval)
    with SendGridEmulator() as e:
        yield e  # type: ignore[misc]


@pytest.fixture
def emu(_server: SendGridEmulator) -> SendGridEmulator:
    _server.clear()
    _server.clear_faults()
    _server.reset_log()
    _server.max_message_bytes = MAX_MESSAGE_BYTES
    return _server


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def payload(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "personalizations": [
            {"to": [{"email": "guest@example.com", "name": "Guest"}], "custom_args": {"b": "7"}}
        ],
        "from": {"email": "bookings@booksync.test", "name": "Booksync"},
        "subject": "Your booking",
        "content": [
            {"type": "text/plain", "value": "See you at 10:00"},
            {"type": "text/html", "value": "<p>See you at 10:00</p>"},
        ],
        "attachments": [
            {
                "content": b64(b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"),
                "type": "text/calendar",
                "filename": "invite.ics",
            }
        ],
        "custom_args": {"booking": "42"},
        "categories": ["booking"],
        "headers": {"X-Booking": "42"},
        "reply_to": {"email": "desk@booksync.test"},
    }
    body.update(overrides)
    return body


def send(
    emu: SendGridEmulator, body: Any, key: str | None = None, timeout: float = 5
) -> requests.Response:
    headers = {"Authorization": f"Bearer {key or emu.api_key}"} if key != "" else {}
    return requests.post(f"{emu.url}/v3/mail/send", json=body, headers=headers, timeout=timeout)


def only_error(resp: requests.Response) -> dict[str, Any]:
    errors = resp.json()["errors"]
    assert len(errors) == 1, errors
    return errors[0]


# -- mail send over plain HTTP --------------------------------------------------------------


def test_valid_send_is_accepted_and_stored(emu: SendGridEmulator) -> None:
    resp = send(emu, payload())
    assert resp.status_code == 202
    assert resp.content == b""
    xid = resp.headers["X-Message-Id"]
    assert len(xid) == 22
    [msg] = emu.messages_to("GUEST@example.com")
    assert msg.message_id == xid
    assert msg.sg_message_id.startswith(xid + ".filter")
    assert (msg.from_email, msg.subject) == ("bookings@booksync.test", "Your booking")
    assert msg.text == "See you at 10:00" and msg.html == "<p>See you at 10:00</p>"
    assert msg.attachment("invite.ics").content.startswith(b"BEGIN:VCALENDAR")
    assert msg.custom_args == {"booking": "42", "b": "7"}
    assert msg.headers == {"X-Booking": "42"} and msg.reply_to == ["desk@booksync.test"]
    assert emu.calls("POST", "/v3/mail/send")[0].status == 202


def test_one_stored_message_per_personalization_with_substitutions(emu: SendGridEmulator) -> None:
    body = payload(
        personalizations=[
            {"to": [{"email": "a@example.com"}], "substitutions": {"-n-": "Ann"}},
            {"to": [{"email": "b@example.com"}], "substitutions": {"-n-": "Bob"}, "subject": "B"},
        ],
        content=[{"type": "text/plain", "value": "Hi -n-"}],
    )
    assert send(emu, body).status_code == 202
    a, b = emu.messages
    assert (a.text, a.subject, b.text, b.subject) == ("Hi Ann", "Your booking", "Hi Bob", "B")
    assert a.message_id == b.message_id and a.sg_message_id != b.sg_message_id


@pytest.mark.parametrize(
    "bad_type", ["text/calendar; method=REQUEST", "text/calendar,x", "text/calendar\r\nX-Evil: 1"]
)
def test_forbidden_chars_in_attachment_type(emu: SendGridEmulator, bad_type: str) -> None:
    body = payload()
    body["attachments"][0]["type"] = bad_type
    resp = send(emu, body)
    assert resp.status_code == 400
    assert only_error(resp) == {
        "message": "The attachment type cannot contain ';', or CRLF characters.",
        "field": "attachments.0.type",
        "help": "http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html"
        "#message.attachments.type",
    }
    assert emu.messages == []


def test_forbidden_chars_in_content_type(emu: SendGridEmulator) -> None:
    body = payload(content=[{"type": "text/plain; charset=utf-8", "value": "x"}])
    err = only_error(send(emu, body))
    assert err["message"] == "The content type cannot contain ';', or CRLF characters."
    assert err["field"] == "content.0.type"


def test_bad_or_missing_key_is_401(emu: SendGridEmulator) -> None:
    resp = send(emu, payload(), key="SG.nope")
    assert resp.status_code == 401
    assert only_error(resp)["message"] == (
        "The provided authorization grant is invalid, expired, or revoked"
    )
    assert send(emu, payload(), key="").status_code == 401
    assert emu.messages == []


@pytest.mark.parametrize("address", ["", "not-an-address", "a b@example.com"])
def test_empty_or_invalid_recipient_is_400(emu: SendGridEmulator, address: str) -> None:
    body = payload(personalizations=[{"to": [{"email": address}]}])
    resp = send(emu, body)
    assert resp.status_code == 400
    err = only_error(resp)
    assert err["message"] == "Does not contain a valid address."
    assert err["field"] == "personalizations.0.to.0.email"


@pytest.mark.parametrize(
    ("overrides", "field", "starts"),
    [
        ({"personalizations": []}, "personalizations", "The personalizations field is required"),
        (
            {"personalizations": [{"cc": [{"email": "c@example.com"}]}]},
            "personalizations.0.to",
            "The to parameter is required",
        ),
        ({"from": None}, "from.email", "The from object must be provided"),
        ({"from": {"email": "nope"}}, "from.email", "The from email does not contain"),
        ({"subject": None}, "subject", "The subject is required."),
        ({"content": []}, "content", "Unless a valid template_id is provided"),
        (
            {"content": [{"type": "text/plain", "value": ""}]},
            "content.0.value",
            "The content value must be a string",
        ),
        (
            {
                "content": [
                    {"type": "text/html", "value": "<p>x</p>"},
                    {"type": "text/plain", "value": "x"},
                ]
            },
            "content",
            "Following RFC 1341",
        ),
        (
            {"attachments": [{"content": "@@not base64@@", "filename": "a.txt"}]},
            "attachments.0.content",
            "The attachment content must be base64 encoded.",
        ),
        (
            {"attachments": [{"content": b64(b"x"), "type": "text/plain"}]},
            "attachments.0.filename",
            "filename is required.",
        ),
        (
            {"personalizations": [{"to": [{"email": "x@example.com"}]}] * 1001},
            "personalizations",
            "The personalization block is limited to 1000",
        ),
    ],
)
def test_validation_errors(
    emu: SendGridEmulator, overrides: dict[str, Any], field: str, starts: str
) -> None:
    body = {k: v for k, v in payload(**overrides).items() if v is not None}
    resp = send(emu, body)
    assert resp.status_code == 400
    err = resp.json()["errors"][0]  # 1001 personalizations also break the recipient limit
    assert err["field"] == field and err["message"].startswith(starts), err
    assert emu.messages == []


def test_template_send_needs_no_subject_or_content(emu: SendGridEmulator) -> None:
    body = payload(template_id="d-123", subject=None, content=None)
    body = {k: v for k, v in body.items() if v is not None}
    assert send(emu, body).status_code == 202


def test_wrong_json_types_get_sendgrids_bare_bad_request(emu: SendGridEmulator) -> None:
    resp = send(emu, payload(custom_args={"n": 1}))
    assert resp.status_code == 400
    assert only_error(resp) == {"field": None, "message": "Bad Request", "help": None}
    raw = requests.post(
        f"{emu.url}/v3/mail/send",
        data=b"{nope",
        headers={"Authorization": f"Bearer {emu.api_key}"},
        timeout=5,
    )
    assert raw.status_code == 400


def test_sandbox_mode_is_200_and_not_stored_as_sent(emu: SendGridEmulator) -> None:
    resp = send(emu, payload(mail_settings={"sandbox_mode": {"enable": True}}))
    assert resp.status_code == 200 and resp.content == b""
    assert emu.messages == [] and len(emu.sandbox_messages) == 1


def test_size_limit_is_413(emu: SendGridEmulator) -> None:
    emu.max_message_bytes = 4096  # stands in for the real 30 MB
    body = payload(attachments=[{"content": b64(b"x" * 5000), "filename": "big.bin"}])
    resp = send(emu, body)
    assert resp.status_code == 413
    assert "Request Entity Too Large" in resp.text
    assert emu.messages == []


def test_faults(emu: SendGridEmulator) -> None:
    emu.fail_next(500)
    resp = send(emu, payload())
    assert resp.status_code == 500 and "errors" in resp.json()
    emu.fail_next(429, n=2)
    for _ in range(2):
        resp = send(emu, payload())
        assert resp.status_code == 429
        assert resp.json() == {"errors": [{"field": None, "message": "too many requests"}]}
        assert resp.headers["X-RateLimit-Remaining"] == "0"
    assert send(emu, payload()).status_code == 202
    assert len(emu.messages) == 1
    emu.drop_next()
    with pytest.raises(requests.ConnectionError):
        send(emu, payload())
    assert [c.faulted for c in emu.calls("POST")] == [True, True, True, False, True]
    emu.hang_next(0.3)
    with pytest.raises(requests.exceptions.ReadTimeout):
        send(emu, payload(), timeout=0.1)


# -- django-anymail's real SendGrid backend --------------------------------------------------


def _django_ready() -> None:
    """Configure a throwaway Django unless the project's settings are already in use."""
    import django
    from django.conf import settings

    if settings.configured:
        return
    if os.environ.get("DJANGO_SETTINGS_MODULE"):
        try:
            settings.INSTALLED_APPS  # noqa: B018 - triggers the import
        except Exception:  # the project's settings may not exist yet
            pytest.skip("DJANGO_SETTINGS_MODULE is set but not importable yet")
        return
    settings.configure(
        SECRET_KEY="emulator-tests",
        INSTALLED_APPS=[],
        ALLOWED_HOSTS=["testserver"],
        EMAIL_BACKEND="anymail.backends.sendgrid.EmailBackend",
        ANYMAIL={},  # the emulator's key/URL are passed to get_connection per test
    )
    django.setup()


def _connection(emu: SendGridEmulator) -> Any:
    from django.core.mail import get_connection

    # kwargs override settings.ANYMAIL, so this also works under the project's settings
    return get_connection(
        "anymail.backends.sendgrid.EmailBackend",
        api_key=emu.api_key,
        api_url=emu.url + "/v3/",
    )


def test_anymail_backend_happy_path(emu: SendGridEmulator) -> None:
    _django_ready()
    from django.core.mail import EmailMultiAlternatives

    msg = EmailMultiAlternatives(
        "Booking confirmed",
        "Plain body",
        "Booksync <bookings@booksync.test>",
        ["guest@example.com"],
        connection=_connection(emu),
        headers={"X-Booking": "42"},
        reply_to=["desk@booksync.test"],
    )
    msg.attach_alternative("<p>HTML body</p>", "text/html")
    msg.attach("receipt.pdf", b"%PDF-1.4 fake", "application/pdf")
    msg.metadata = {"booking_id": 42}  # type: ignore[attr-defined]
    msg.tags = ["confirmation"]  # type: ignore[attr-defined]
    assert msg.send() == 1

    status = msg.anymail_status  # type: ignore[attr-defined]
    assert status.status == {"queued"}
    [stored] = emu.messages_to("guest@example.com")
    assert stored.custom_args["anymail_id"] == status.message_id
    assert stored.custom_args["booking_id"] == "42"
    assert (stored.text, stored.html) == ("Plain body", "<p>HTML body</p>")
    assert stored.from_name == "Booksync" and stored.reply_to == ["desk@booksync.test"]
    assert stored.attachment("receipt.pdf").content == b"%PDF-1.4 fake"
    assert stored.attachment("receipt.pdf").type == "application/pdf"
    assert stored.categories == ["confirmation"] and stored.headers == {"X-Booking": "42"}


@pytest.mark.parametrize("mimetype", ["text/calendar; method=REQUEST", "text/calendar"])
def test_anymail_text_attachments_are_refused_like_sendgrid_does(
    emu: SendGridEmulator, mimetype: str
) -> None:
    """anymail 15.2 sends the full Content-Type (plus charset) as attachments[].type,
    so every text/* attachment hits SendGrid's ';' rule (anymail issue #492)."""
    _django_ready()
    from anymail.exceptions import AnymailAPIError
    from django.core.mail import EmailMessage

    msg = EmailMessage(
        "Invite",
        "See invite",
        "bookings@booksync.test",
        ["guest@example.com"],
        connection=_connection(emu),
    )
    msg.attach("invite.ics", "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n", mimetype)
    with pytest.raises(AnymailAPIError) as info:
        msg.send()
    assert info.value.status_code == 400
    assert "The attachment type cannot contain ';', or CRLF characters." in str(info.value)
    [rejected] = emu.rejected
    assert rejected.body["errors"][0]["field"] == "attachments.0.type"
    sent_type = rejected.request_json()["attachments"][0]["type"]
    assert sent_type == (
        'text/calendar; method="REQUEST"; charset="utf-8"'
        if "method" in mimetype
        else 'text/calendar; charset="utf-8"'
    )
    assert emu.messages == []


def test_anymail_calendar_workaround_via_esp_extra(emu: SendGridEmulator) -> None:
    """Overriding the attachment type (bare text/calendar) gets the invite through."""
    _django_ready()
    from django.core.mail import EmailMessage

    ics = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
    msg = EmailMessage(
        "Invite",
        "See invite",
        "bookings@booksync.test",
        ["guest@example.com"],
        connection=_connection(emu),
    )
    msg.esp_extra = {
        "attachments": [  # type: ignore[attr-defined]
            {"content": b64(ics.encode()), "type": "text/calendar", "filename": "invite.ics"}
        ]
    }
    assert msg.send() == 1
    assert emu.messages[0].attachment("invite.ics").content.decode() == ics


# -- event webhook -----------------------------------------------------------------------------


class Sink(Emulator):
    """Records webhook posts and answers 200."""

    name = "sink"

    def __init__(self) -> None:
        super().__init__()
        self.received: list[Request] = []

    def route(self, request: Request) -> Response:
        self.received.append(request)
        return Response(200)


@pytest.fixture(scope="module")
def _sink_server() -> Iterator[Sink]:
    with Sink() as s:
        yield s  # type: ignore[misc]


@pytest.fixture
def sink(_sink_server: Sink) -> Sink:
    _sink_server.received.clear()
    return _sink_server


def _sent(emu: SendGridEmulator) -> Any:
    assert send(emu, payload()).status_code == 202
    return emu.messages[0]


def test_event_shape(emu: SendGridEmulator) -> None:
    msg = _sent(emu)
    ev = emu.event_for(msg, "bounce", reason="550 5.1.1 no such user")
    assert ev["email"] == "guest@example.com" and ev["event"] == "bounce"
    assert ev["sg_message_id"].startswith(msg.message_id + ".filter")
    assert ev["smtp-id"].startswith(f"<{msg.message_id}@")
    assert ev["reason"] == "550 5.1.1 no such user" and ev["status"] == "5.1.1"
    assert ev["type"] == "bounce" and ev["booking"] == "42" and ev["category"] == ["booking"]
    assert isinstance(ev["timestamp"], int) and ev["sg_event_id"]


def test_signed_event_batch_verifies_with_public_key(emu: SendGridEmulator, sink: Sink) -> None:
    msg = _sent(emu)
    events = [emu.event_for(msg, e) for e in ("processed", "delivered", "open")]
    resp = emu.post_events(
        sink.url + "/hooks/sendgrid", events, basic_auth=("u", "p"), sign_with=True
    )
    assert resp.status_code == 200
    [req] = sink.received
    assert json.loads(req.body) == events
    assert req.header("authorization") == "Basic " + b64(b"u:p")
    sig = base64.b64decode(req.header("x-twilio-email-event-webhook-signature") or "")
    ts = req.header("x-twilio-email-event-webhook-timestamp") or ""
    pub = serialization.load_der_public_key(base64.b64decode(emu.webhook_public_key_b64))
    assert isinstance(pub, ec.EllipticCurvePublicKey)
    pub.verify(sig, ts.encode() + req.body, ec.ECDSA(hashes.SHA256()))
    with pytest.raises(InvalidSignature):
        pub.verify(sig, ts.encode() + req.body + b" ", ec.ECDSA(hashes.SHA256()))

    other = ec.generate_private_key(ec.SECP256R1())
    emu.post_events(sink.url, events, sign_with=other)
    sig2 = base64.b64decode(sink.received[1].header("x-twilio-email-event-webhook-signature") or "")
    with pytest.raises(InvalidSignature):
        pub.verify(sig2, ts.encode() + sink.received[1].body, ec.ECDSA(hashes.SHA256()))
    emu.post_events(sink.url, events)
    assert "x-twilio-email-event-webhook-signature" not in sink.received[2].headers


def test_anymail_tracking_view_accepts_signed_batch(emu: SendGridEmulator, sink: Sink, request) -> None:
    """Replay the captured post through anymail's real SendGrid tracking view."""
    _django_ready()
    if "django_db_setup" in request.fixturenames or request.config.pluginmanager.hasplugin("django"):
        # Under the project's settings, booksync's delivery-status receiver reads the outbox.
        request.getfixturevalue("db")
    from anymail.exceptions import AnymailWebhookValidationFailure
    from anymail.signals import tracking
    from anymail.webhooks.sendgrid import SendGridTrackingWebhookView
    from django.core.mail import EmailMessage
    from django.test import RequestFactory

    mail = EmailMessage(
        "S", "B", "bookings@booksync.test", ["guest@example.com"], connection=_connection(emu)
    )
    mail.send()
    anymail_id = mail.anymail_status.message_id  # type: ignore[attr-defined]
    msg = emu.messages[0]
    emu.post_events(
        sink.url,
        [emu.event_for(msg, "delivered"), emu.event_for(msg, "bounce", reason="550 5.1.1 gone")],
        basic_auth=("user", "pass"),
        sign_with=True,
    )
    req = sink.received[0]

    view = SendGridTrackingWebhookView.as_view(
        tracking_webhook_verification_key=emu.webhook_public_key_b64,
        basic_auth=["user:pass"],
    )
    got: list[Any] = []

    def receiver(sender: Any, event: Any, esp_name: str, **kw: Any) -> None:
        got.append(event)

    tracking.connect(receiver, weak=False)
    try:
        wanted = (
            "authorization",
            "x-twilio-email-event-webhook-signature",
            "x-twilio-email-event-webhook-timestamp",
        )
        hdrs = {k: v for k, v in req.headers.items() if k in wanted}
        ok = view(
            RequestFactory().post(
                "/hook", data=req.body, content_type="application/json", headers=hdrs
            )
        )
        assert ok.status_code == 200
        assert [e.event_type for e in got] == ["delivered", "bounced"]
        assert {e.message_id for e in got} == {anymail_id}
        assert got[1].mta_response == "550 5.1.1 gone"

        tampered = RequestFactory().post(
            "/hook", data=req.body + b" ", content_type="application/json", headers=hdrs
        )
        with pytest.raises(AnymailWebhookValidationFailure):  # Django turns it into a 400
            view(tampered)
    finally:
        tracking.disconnect(receiver)
