"""Loopback emulator of SendGrid's v3 Mail Send API and its Event Webhook.

Mail send: ``POST /v3/mail/send`` with ``Authorization: Bearer <key>`` is validated the
way SendGrid does it (400 with ``{"errors": [{"message", "field", "help"}]}``, all
problems reported at once), accepted messages answer 202 with an empty body and an
``X-Message-Id`` header and are stored, one ``SentMessage`` per personalization.
Sandbox mode answers 200 and is kept apart from real sends.

Event webhook: ``post_events`` POSTs a JSON array of events to a URL, optionally with
basic auth and/or SendGrid's ECDSA P-256 signature (``X-Twilio-Email-Event-Webhook-
Signature`` / ``-Timestamp`` over ``timestamp + payload``); ``event_for`` builds events
for a stored message with the fields SendGrid puts in them (custom args merged in at
the top level, which is where django-anymail reads ``anymail_id``).

Error texts are those SendGrid returns on the live API where they could be found
(GitHub issue reports), otherwise those of SendGrid's published error reference.
"""

from __future__ import annotations

import base64
import binascii
import json
import random
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from .base import Emulator, Fault, Request, Response

HELP = "http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html"
DEFAULT_API_KEY = "SG.emulator-key.booksync-tests"
MAX_MESSAGE_BYTES = 30 * 1024 * 1024  # SendGrid: 30 MB total message size
MAX_PERSONALIZATIONS = 1000
MAX_RECIPIENTS = 1000
MAX_CATEGORIES = 10

# SendGrid's rate-limit body (v3 "Rate Limits" reference).
RATE_LIMIT_BODY = {"errors": [{"field": None, "message": "too many requests"}]}
UNAUTHORIZED_BODY = {
    "errors": [
        {
            "field": None,
            "message": "The provided authorization grant is invalid, expired, or revoked",
            "help": None,
        }
    ]
}
AUTH_REQUIRED_BODY = {
    "errors": [{"field": None, "message": "authorization required", "help": None}]
}
BAD_REQUEST_BODY = {"errors": [{"field": None, "message": "Bad Request", "help": None}]}
SERVER_ERROR_BODY = {"errors": [{"field": None, "message": "Internal Server Error", "help": None}]}
NOT_FOUND_BODY = {"errors": [{"field": None, "message": "resource not found", "help": None}]}
# What SendGrid's nginx front end answers for an oversized request (HTML, not JSON).
TOO_LARGE_HTML = (
    "<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n"
    '<body bgcolor="white">\r\n<center><h1>413 Request Entity Too Large</h1></center>\r\n'
    "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)

FROM_REQUIRED = (
    "The from object must be provided for every email send. It is an object that requires "
    "the email parameter, but may also contain a name parameter.  "
    'e.g. {"email" : "example@example.com"}  or '
    '{"email" : "example@example.com", "name" : "Example Recipient"}.'
)
CONTENT_REQUIRED = (
    "Unless a valid template_id is provided, the content parameter is required. There must be "
    "at least one defined content block. We typically suggest both text/plain and text/html "
    "blocks are included, but only one block is required."
)
SUBJECT_REQUIRED = (
    "The subject is required. You can get around this requirement if you use a template with "
    "a subject defined or if every personalization has a subject defined."
)
CONTENT_ORDER = (
    "Following RFC 1341, section 7.2, if either text/html or text/plain are to be sent in your "
    "email: text/plain needs to be first, followed by text/html, followed by any other content."
)
RESERVED_HEADERS = {
    "x-sg-id",
    "x-sg-eid",
    "received",
    "dkim-signature",
    "content-type",
    "content-transfer-encoding",
    "to",
    "from",
    "subject",
    "reply-to",
    "cc",
    "bcc",
}

_EMAIL_RE = re.compile(
    r"^[^@\s<>(),;:\"\[\]\\]+@"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
_FORBIDDEN_TYPE_CHARS = (";", ",", "\r", "\n")


def valid_email(value: Any) -> bool:
    return isinstance(value, str) and bool(_EMAIL_RE.match(value))


@dataclass
class Attachment:
    filename: str
    content: bytes  # decoded
    type: str | None = None
    disposition: str = "attachment"
    content_id: str | None = None


@dataclass
class SentMessage:
    """One accepted personalization, as SendGrid would deliver it."""

    message_id: str  # the X-Message-Id of the request
    sg_message_id: str  # what events carry: "<X-Message-Id>.filter…"
    index: int  # personalization index within the request
    to: list[str]
    cc: list[str]
    bcc: list[str]
    from_email: str
    from_name: str | None
    reply_to: list[str]
    subject: str | None
    text: str | None
    html: str | None
    content: list[dict[str, str]]  # every content block, substitutions applied
    attachments: list[Attachment]
    custom_args: dict[str, str]  # global merged with personalization
    headers: dict[str, str]  # global merged with personalization
    categories: list[str]
    template_id: str | None
    dynamic_template_data: dict[str, Any] | None
    send_at: int | None
    api_key: str
    received_at: float
    raw: dict[str, Any] = field(repr=False, default_factory=dict)  # the whole request body

    @property
    def recipients(self) -> list[str]:
        return self.to + self.cc + self.bcc

    def attachment(self, filename: str) -> Attachment:
        for att in self.attachments:
            if att.filename == filename:
                return att
        raise KeyError(filename)


@dataclass
class Rejection:
    """A send the emulator refused (401/400/413), with what the client posted."""

    status: int
    body: Any  # the error body returned
    request_body: bytes = field(repr=False, default=b"")

    def request_json(self) -> Any:
        return json.loads(self.request_body) if self.request_body else None


class _Errors:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, message: str, field: str | None, anchor: str | None = None) -> None:
        self.items.append(
            {"message": message, "field": field, "help": f"{HELP}#{anchor}" if anchor else None}
        )

    def __bool__(self) -> bool:
        return bool(self.items)


class SendGridEmulator(Emulator):
    """SendGrid v3 ``/v3/mail/send`` plus an Event Webhook sender.

    ``emu.api_key`` is a valid key; ``emu.messages`` the accepted messages;
    ``emu.fail_next(429)`` etc. inject faults; ``emu.post_events(url, events, ...)``
    calls your webhook; ``emu.webhook_public_key_b64`` is the verification key
    to configure (anymail: ``SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY``).
    """

    name = "sendgrid"

    def __init__(
        self,
        api_keys: Iterable[str] = (DEFAULT_API_KEY,),
        seed: int = 0,
        max_message_bytes: int = MAX_MESSAGE_BYTES,
    ) -> None:
        super().__init__(seed=seed)
        keys = list(api_keys)
        self.api_keys: set[str] = set(keys)
        self.api_key = keys[0] if keys else DEFAULT_API_KEY  # first accepted key
        self.max_message_bytes = max_message_bytes
        self.messages_list: list[SentMessage] = []
        self.sandbox_messages: list[SentMessage] = []
        self.rejected: list[Rejection] = []  # refused sends (not faults), oldest first
        self._ids = random.Random(seed + 1)
        self.webhook_private_key = ec.generate_private_key(ec.SECP256R1())

    # -- keys and stored mail ----------------------------------------------------
    def add_api_key(self, key: str) -> None:
        with self.lock:
            self.api_keys.add(key)

    def revoke_api_key(self, key: str) -> None:
        with self.lock:
            self.api_keys.discard(key)

    @property
    def messages(self) -> list[SentMessage]:
        with self.lock:
            return list(self.messages_list)

    def messages_to(self, email: str) -> list[SentMessage]:
        wanted = email.lower()
        return [m for m in self.messages if wanted in (r.lower() for r in m.recipients)]

    def message_by_id(self, message_id: str) -> list[SentMessage]:
        """All personalizations of one request (by X-Message-Id)."""
        return [m for m in self.messages if m.message_id == message_id]

    def clear(self) -> None:
        with self.lock:
            self.messages_list.clear()
            self.sandbox_messages.clear()
            self.rejected.clear()

    # -- fault helpers ---------------------------------------------------------------
    def fail_next(
        self,
        status: int,
        n: int = 1,
        body: Any = None,
        headers: dict[str, str] | None = None,
        path: str = r"^/v3/mail/send$",
    ) -> Fault:
        """Answer the next ``n`` mail sends with ``status`` and SendGrid's body for it."""
        hdrs = dict(headers or {})
        if body is None:
            if status == 429:
                body = RATE_LIMIT_BODY
            elif status == 401:
                body = UNAUTHORIZED_BODY
            elif status >= 500:
                body = SERVER_ERROR_BODY
            else:
                body = BAD_REQUEST_BODY
        if status == 429:
            hdrs.setdefault("X-RateLimit-Limit", "600")
            hdrs.setdefault("X-RateLimit-Remaining", "0")
            hdrs.setdefault("X-RateLimit-Reset", str(int(time.time()) + 1))
        return self.add_fault(
            kind="status", method="POST", path=path, status=status, body=body, headers=hdrs, times=n
        )

    def hang_next(self, seconds: float, n: int = 1) -> Fault:
        """Hold the next ``n`` sends ``seconds`` and close without answering."""
        return self.add_fault(
            kind="hang", method="POST", path=r"^/v3/mail/send$", seconds=seconds, times=n
        )

    def drop_next(self, n: int = 1) -> Fault:
        return self.add_fault(kind="drop", method="POST", path=r"^/v3/mail/send$", times=n)

    def slow_next(self, seconds: float, n: int = 1) -> Fault:
        """Delay the next ``n`` sends, then handle them normally."""
        return self.add_fault(
            kind="latency", method="POST", path=r"^/v3/mail/send$", seconds=seconds, times=n
        )

    # -- HTTP ------------------------------------------------------------------------------
    def route(self, request: Request) -> Response:
        if request.path.rstrip("/") != "/v3/mail/send":
            return Response(404, NOT_FOUND_BODY)
        if request.method != "POST":
            return Response(405, {"errors": [{"field": None, "message": "method not allowed"}]})
        auth = request.header("authorization") or ""
        if not auth:
            return self._reject(Response(401, AUTH_REQUIRED_BODY), request)
        scheme, _, key = auth.partition(" ")
        with self.lock:
            known = key.strip() in self.api_keys
        if scheme.lower() != "bearer" or not known:
            return self._reject(Response(401, UNAUTHORIZED_BODY), request)
        if len(request.body) > self.max_message_bytes:
            return self._reject(Response(413, TOO_LARGE_HTML, content_type="text/html"), request)
        try:
            data = json.loads(request.body.decode("utf-8"))
        except UnicodeDecodeError:
            return self._reject(
                Response(400, {"errors": [{"field": None, "message": "Invalid UTF8 in request."}]}),
                request,
            )
        except ValueError:
            return self._reject(Response(400, BAD_REQUEST_BODY), request)
        if not isinstance(data, dict):
            return self._reject(Response(400, BAD_REQUEST_BODY), request)
        try:
            errors, attachments = self._validate(data)
        except _TypeMismatch:
            return self._reject(Response(400, BAD_REQUEST_BODY), request)
        if errors:
            return self._reject(Response(400, {"errors": errors.items}), request)

        message_id = self._new_id()
        stored = self._build(data, attachments, message_id, key.strip())
        sandbox = bool(((data.get("mail_settings") or {}).get("sandbox_mode") or {}).get("enable"))
        with self.lock:
            (self.sandbox_messages if sandbox else self.messages_list).extend(stored)
        if sandbox:
            return Response(200)
        return Response(202, headers={"X-Message-Id": message_id})

    def _reject(self, response: Response, request: Request) -> Response:
        with self.lock:
            self.rejected.append(Rejection(response.status, response.body, request.body))
        return response

    def _new_id(self) -> str:
        with self.lock:
            raw = self._ids.randbytes(16)
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    # -- validation ----------------------------------------------------------------------------
    def _validate(self, data: dict[str, Any]) -> tuple[_Errors, list[Attachment]]:
        errors = _Errors()
        has_template = bool(data.get("template_id"))

        pers = data.get("personalizations")
        if not isinstance(pers, list) or not pers:
            errors.add(
                "The personalizations field is required and must have at least one "
                "personalization.",
                "personalizations",
                "-Personalizations-Errors",
            )
            pers = []
        elif len(pers) > MAX_PERSONALIZATIONS:
            errors.add(
                "The personalization block is limited to 1000 personalizations per API request. "
                f"You have provided {len(pers)} personalizations. Please consider splitting this "
                "into multiple requests and resending your request.",
                "personalizations",
                "-Personalizations-Errors",
            )
        total_recipients = 0
        every_pers_has_subject = bool(pers)
        for i, p in enumerate(pers):
            if not isinstance(p, dict):
                raise _TypeMismatch
            if "to" not in p or not p.get("to"):
                errors.add(
                    "The to parameter is required for all personalization objects.",
                    f"personalizations.{i}.to",
                    "message.personalizations.to",
                )
            seen: set[str] = set()
            for kind in ("to", "cc", "bcc"):
                recips = p.get(kind) or []
                if not isinstance(recips, list):
                    raise _TypeMismatch
                total_recipients += len(recips)
                for j, r in enumerate(recips):
                    addr = r.get("email") if isinstance(r, dict) else None
                    if not valid_email(addr):
                        errors.add(
                            "Does not contain a valid address.",
                            f"personalizations.{i}.{kind}.{j}.email",
                            f"message.personalizations.{kind}",
                        )
                        continue
                    assert isinstance(addr, str)
                    if addr.lower() in seen:
                        errors.add(
                            "Each email address in the personalization block should be unique "
                            "between to, cc, and bcc. We found the first duplicate instance of "
                            f"[{addr}] in the personalizations.{i}.{kind} field.",
                            f"personalizations.{i}.{kind}",
                            "message.recipient.duplicates",
                        )
                    seen.add(addr.lower())
            subject = p.get("subject")
            if subject is None:
                every_pers_has_subject = False
            elif not isinstance(subject, str) or not subject:
                errors.add(
                    "The subject of your email must be a string at least one character in length.",
                    f"personalizations.{i}.subject",
                    "message.personalizations.subject",
                )
            self._check_string_map(p.get("custom_args"), errors, f"personalizations.{i}")
            self._check_headers(p.get("headers"), errors, f"personalizations.{i}.headers")
            subs = p.get("substitutions")
            if subs is not None and (
                not isinstance(subs, dict) or any(not isinstance(v, str) for v in subs.values())
            ):
                raise _TypeMismatch  # SendGrid's cryptic {"message": "Bad Request"}
        if total_recipients > MAX_RECIPIENTS:
            errors.add(
                "There is a limit of 1000 total recipients (to + cc + bcc) per request.",
                "personalizations",
                "-Personalizations-Errors",
            )

        sender = data.get("from")
        if not isinstance(sender, dict) or not sender.get("email"):
            errors.add(FROM_REQUIRED, "from.email", "message.from")
        elif not valid_email(sender.get("email")):
            errors.add(
                "The from email does not contain a valid address.", "from.email", "message.from"
            )

        if "reply_to" in data and "reply_to_list" in data:
            errors.add(
                "The reply_to and reply_to_list parameters cannot both be used.",
                "reply_to",
                "message.reply_to",
            )
        reply_to = data.get("reply_to")
        if reply_to is not None and not valid_email((reply_to or {}).get("email")):
            errors.add(
                "The reply_to email does not contain a valid address.",
                "reply_to.email",
                "message.reply_to",
            )
        for j, r in enumerate(data.get("reply_to_list") or []):
            if not valid_email((r or {}).get("email") if isinstance(r, dict) else None):
                errors.add(
                    "The reply_to_list email does not contain a valid address.",
                    f"reply_to_list.{j}.email",
                    "message.reply_to_list",
                )

        subject = data.get("subject")
        if subject is not None and (not isinstance(subject, str) or not subject):
            errors.add(
                "The subject of your email must be a string at least one character in length.",
                "subject",
                "message.subject",
            )
        elif subject is None and not has_template and not every_pers_has_subject:
            errors.add(SUBJECT_REQUIRED, "subject", "message.subject")

        content = data.get("content")
        if content is None or content == []:
            if not has_template:
                errors.add(CONTENT_REQUIRED, "content", "message.content")
            content = []
        if not isinstance(content, list):
            raise _TypeMismatch
        types: list[str] = []
        for i, block in enumerate(content):
            if not isinstance(block, dict):
                raise _TypeMismatch
            ctype, value = block.get("type"), block.get("value")
            if ctype is None:
                errors.add(
                    "A content type is required, this tells email clients how to display the "
                    "email.",
                    f"content.{i}.type",
                    "message.content.type",
                )
            elif not isinstance(ctype, str) or not ctype:
                errors.add(
                    "Your content type must be a string with length of at least one character.",
                    f"content.{i}.type",
                    "message.content.type",
                )
            elif any(c in ctype for c in _FORBIDDEN_TYPE_CHARS):
                errors.add(
                    "The content type cannot contain ';', or CRLF characters.",
                    f"content.{i}.type",
                    "message.content.type",
                )
            else:
                types.append(ctype.lower())
            if not isinstance(value, str) or not value:
                errors.add(
                    "The content value must be a string at least one character in length.",
                    f"content.{i}.value",
                    "message.content.value",
                )
        expected_prefix = [t for t in ("text/plain", "text/html") if t in types]
        if types[: len(expected_prefix)] != expected_prefix:
            errors.add(CONTENT_ORDER, "content", "message.content.value")

        attachments: list[Attachment] = []
        raw_atts = data.get("attachments") or []
        if not isinstance(raw_atts, list):
            raise _TypeMismatch
        for i, att in enumerate(raw_atts):
            if not isinstance(att, dict):
                raise _TypeMismatch
            parsed = self._check_attachment(att, i, errors)
            if parsed:
                attachments.append(parsed)

        self._check_string_map(data.get("custom_args"), errors, "")
        self._check_headers(data.get("headers"), errors, "headers")
        self._check_categories(data.get("categories"), errors)
        sandbox = (data.get("mail_settings") or {}).get("sandbox_mode")
        if sandbox is not None and not isinstance((sandbox or {}).get("enable"), bool):
            errors.add(
                "The sandbox mode enable param should be a boolean value.",
                "mail_settings.sandbox_mode.enable",
                "message.mail_settings.sandbox_mode.enable",
            )
        send_at = data.get("send_at")
        if send_at is not None and (not isinstance(send_at, int) or isinstance(send_at, bool)):
            errors.add(
                "The send_at parameter is expecting a UNIX timestamp as an integer. We will send "
                "immediately if you include a send_at timestamp that is in the past.",
                "send_at",
                "message.send_at",
            )
        elif send_at is not None and send_at > time.time() + 72 * 3600:
            errors.add(
                "Scheduling more than 72 hours in advance is forbidden.",
                "send_at",
                "message.send_at",
            )
        return errors, attachments

    @staticmethod
    def _check_attachment(att: dict[str, Any], i: int, errors: _Errors) -> Attachment | None:
        ok = True
        content = att.get("content")
        decoded = b""
        if not isinstance(content, str) or not content:
            errors.add(
                "The attachment content must be a string at least one character in length.",
                f"attachments.{i}.content",
                "message.attachments.content",
            )
            ok = False
        else:
            try:
                decoded = base64.b64decode(content, validate=True)
            except (binascii.Error, ValueError):
                errors.add(
                    "The attachment content must be base64 encoded.",
                    f"attachments.{i}.content",
                    "message.attachments.content",
                )
                ok = False
        att_type = att.get("type")
        if att_type is not None:
            if not isinstance(att_type, str) or not att_type:
                errors.add(
                    "The attachment type must be a string and at least one character in length.",
                    f"attachments.{i}.type",
                    "message.attachments.type",
                )
                ok = False
            elif any(c in att_type for c in _FORBIDDEN_TYPE_CHARS):
                errors.add(
                    "The attachment type cannot contain ';', or CRLF characters.",
                    f"attachments.{i}.type",
                    "message.attachments.type",
                )
                ok = False
        filename = att.get("filename")
        if filename is None:
            errors.add(
                "filename is required.", f"attachments.{i}.filename", "message.attachments.filename"
            )
            ok = False
        elif not isinstance(filename, str):
            errors.add(
                "The filename of your attachment must be a string.",
                f"attachments.{i}.filename",
                "message.attachments.filename",
            )
            ok = False
        elif "\r" in filename or "\n" in filename:
            errors.add(
                "The filename of your attachment can't contain CRLF characters.",
                f"attachments.{i}.filename",
                "message.attachments.filename",
            )
            ok = False
        disposition = att.get("disposition", "attachment")
        if disposition not in ("inline", "attachment"):
            errors.add(
                'The disposition of your attachment can be either "inline" or "attachment". '
                f"You provided {disposition}.",
                f"attachments.{i}.disposition",
                "message.attachments.disposition",
            )
            ok = False
        content_id = att.get("content_id")
        if content_id is not None and (
            not isinstance(content_id, str) or "\r" in content_id or "\n" in content_id
        ):
            errors.add(
                "The content ID of your attachment can't contain CRLF characters.",
                f"attachments.{i}.content_id",
                "message.attachments.content_id",
            )
            ok = False
        if disposition == "inline" and not content_id:
            errors.add(
                "The content_id parameter is required if your attachment is inline.",
                f"attachments.{i}.content_id",
                "message.attachments.content_id",
            )
            ok = False
        if not ok:
            return None
        return Attachment(
            filename=filename or "",
            content=decoded,
            type=att_type,
            disposition=disposition,
            content_id=content_id,
        )

    @staticmethod
    def _check_string_map(value: Any, errors: _Errors, prefix: str) -> None:
        """custom_args: SendGrid answers a bare "Bad Request" for non-string values."""
        if value is None:
            return
        if not isinstance(value, dict) or any(not isinstance(v, str) for v in value.values()):
            raise _TypeMismatch
        field_name = f"{prefix}.custom_args" if prefix else "custom_args"
        if not value:
            errors.add("custom_args can't be empty.", field_name, "message.custom_args")
        elif len(json.dumps(value).encode()) > 50_000:
            errors.add(
                "The combined size of both global and personalization custom arguments may not "
                "exceed 50,000 bytes per personalization.",
                field_name,
                "message.custom_args",
            )

    @staticmethod
    def _check_headers(value: Any, errors: _Errors, field_name: str) -> None:
        if value is None:
            return
        if not isinstance(value, dict):
            raise _TypeMismatch
        if any(not isinstance(v, str) for v in value.values()):
            errors.add("The header values must be strings.", field_name, "message.headers")
        if any(not k.isascii() or " " in k for k in value):
            errors.add(
                "Header keys can't contain non-ASCII characters and empty spaces.",
                field_name,
                "message.headers",
            )
        if any(k.lower() in RESERVED_HEADERS for k in value):
            errors.add("Header can not be one of the reserved keys.", field_name, "message.headers")

    @staticmethod
    def _check_categories(value: Any, errors: _Errors) -> None:
        if value is None:
            return
        if not isinstance(value, list) or any(not isinstance(c, str) for c in value):
            errors.add(
                "Categories must be an array of strings.", "categories", "message.categories"
            )
            return
        if len(value) > MAX_CATEGORIES:
            errors.add(
                "There is a limit of 10 categories for each email that is sent. "
                f"You provided {len(value)} categories.",
                "categories",
                "message.categories",
            )
        seen: set[str] = set()
        for cat in value:
            if len(cat) > 255:
                errors.add(
                    f"Each category must not be longer than 255 characters. {cat} exceeds this "
                    "limit.",
                    "categories",
                    "message.categories",
                )
            if not cat.isascii():
                errors.add(
                    "Categories can not contain non-ASCII characters.",
                    "categories",
                    "message.categories",
                )
            if cat in seen:
                errors.add(
                    "The categories must be a unique list, and you have included "
                    f"{cat} more than once.",
                    "categories",
                    "message.categories",
                )
            seen.add(cat)

    # -- storing ---------------------------------------------------------------------------------
    def _build(
        self, data: dict[str, Any], attachments: list[Attachment], message_id: str, api_key: str
    ) -> list[SentMessage]:
        sender = data["from"]
        reply_to = [r["email"] for r in data.get("reply_to_list") or []]
        if data.get("reply_to"):
            reply_to = [data["reply_to"]["email"]]
        now = time.time()
        out = []
        for i, p in enumerate(data["personalizations"]):
            subs: dict[str, str] = p.get("substitutions") or {}

            def apply(text: str | None, subs: dict[str, str] = subs) -> str | None:
                if text is None:
                    return None
                for tag, val in subs.items():
                    text = text.replace(tag, val)
                return text

            content = [
                {"type": b["type"], "value": apply(b["value"]) or ""}
                for b in data.get("content") or []
            ]
            text = next((b["value"] for b in content if b["type"].lower() == "text/plain"), None)
            html = next((b["value"] for b in content if b["type"].lower() == "text/html"), None)
            out.append(
                SentMessage(
                    message_id=message_id,
                    sg_message_id=(f"{message_id}.filterdrecv-emulator-1-{int(now):X}-{i:X}.0"),
                    index=i,
                    to=[r["email"] for r in p.get("to") or []],
                    cc=[r["email"] for r in p.get("cc") or []],
                    bcc=[r["email"] for r in p.get("bcc") or []],
                    from_email=sender["email"],
                    from_name=sender.get("name"),
                    reply_to=reply_to,
                    subject=apply(p.get("subject") or data.get("subject")),
                    text=text,
                    html=html,
                    content=content,
                    attachments=list(attachments),
                    custom_args={**(data.get("custom_args") or {}), **(p.get("custom_args") or {})},
                    headers={**(data.get("headers") or {}), **(p.get("headers") or {})},
                    categories=list(data.get("categories") or []),
                    template_id=data.get("template_id"),
                    dynamic_template_data=p.get("dynamic_template_data"),
                    send_at=p.get("send_at", data.get("send_at")),
                    api_key=api_key,
                    received_at=now,
                    raw=data,
                )
            )
        return out

    # -- event webhook -------------------------------------------------------------------------------
    @property
    def webhook_public_key_b64(self) -> str:
        """The verification key as SendGrid's settings page shows it: base64 DER
        SubjectPublicKeyInfo, no PEM armour (anymail adds the armour itself)."""
        der = self.webhook_private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return base64.b64encode(der).decode("ascii")

    def sign(
        self, payload: bytes, timestamp: str, key: ec.EllipticCurvePrivateKey | None = None
    ) -> str:
        """SendGrid's signature: base64 of the DER ECDSA(SHA-256) signature of
        ``timestamp.encode() + payload``."""
        key = key or self.webhook_private_key
        sig = key.sign(timestamp.encode("utf-8") + payload, ec.ECDSA(hashes.SHA256()))
        return base64.b64encode(sig).decode("ascii")

    def event_for(
        self,
        message: SentMessage,
        event: str,
        email: str | None = None,
        timestamp: int | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """One event as SendGrid posts it for ``message`` (first ``to`` unless ``email``).

        Custom args are merged in at the top level (as SendGrid does), categories go
        in ``category``. ``extra`` adds or overrides fields (e.g. ``reason=...``).
        """
        eid = self._new_id()
        ev: dict[str, Any] = dict(message.custom_args)
        ev.update(
            {
                "email": email or message.to[0],
                "timestamp": int(timestamp if timestamp is not None else time.time()),
                "event": event,
                "sg_event_id": eid,
                "sg_message_id": message.sg_message_id,
                "smtp-id": f"<{message.message_id}@emulator.ismtpd.sendgrid.net>",
            }
        )
        if message.categories:
            ev["category"] = list(message.categories)
        if event == "delivered":
            ev.update(response="250 2.0.0 OK", tls=1, ip="127.0.0.1")
        elif event == "deferred":
            ev.update(response="421 4.7.0 Try again later", attempt="1", tls=1, ip="127.0.0.1")
        elif event == "bounce":
            ev.update(
                reason="550 5.1.1 The email account that you tried to reach does not exist.",
                status="5.1.1",
                type="bounce",
                bounce_classification="Invalid Address",
                tls=1,
                ip="127.0.0.1",
            )
        elif event == "dropped":
            ev.update(reason="Bounced Address", status="5.0.0")
        elif event == "open":
            ev.update(useragent="Mozilla/5.0 (emulator)", ip="127.0.0.1", sg_machine_open=False)
        elif event == "click":
            ev.update(
                url="https://example.com/",
                url_offset={"index": 0, "type": "html"},
                useragent="Mozilla/5.0 (emulator)",
                ip="127.0.0.1",
            )
        ev.update(extra)
        return ev

    def post_events(
        self,
        url: str,
        events: list[dict[str, Any]],
        basic_auth: tuple[str, str] | None = None,
        sign_with: ec.EllipticCurvePrivateKey | bool | None = None,
        timestamp: int | str | None = None,
        timeout: float = 10.0,
    ) -> requests.Response:
        """POST ``events`` (a JSON array) to ``url`` the way SendGrid's Event Webhook does.

        ``sign_with=True`` signs with the emulator's key (``webhook_public_key_b64``);
        a private key object signs with that key; None/False sends no signature.
        """
        payload = json.dumps(events).encode("utf-8")
        headers = {"Content-Type": "application/json", "User-Agent": "SendGrid Event API"}
        if sign_with:
            key = None if sign_with is True else sign_with
            assert key is None or isinstance(key, ec.EllipticCurvePrivateKey)
            ts = str(int(time.time()) if timestamp is None else timestamp)
            headers["X-Twilio-Email-Event-Webhook-Signature"] = self.sign(payload, ts, key)
            headers["X-Twilio-Email-Event-Webhook-Timestamp"] = ts
        return requests.post(url, data=payload, headers=headers, auth=basic_auth, timeout=timeout)


class _TypeMismatch(Exception):
    """A field of the wrong JSON type: SendGrid answers a bare 400 "Bad Request"."""
