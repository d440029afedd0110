"""Mail delivery: the outbox-folder backend (the embedded default) and sending through any backend.

``send`` is the one place that knows provider errors: it turns them into the
ports' named errors (``RateLimited``, ``NotAuthorised``, ``TransientError``,
``PermanentError``), which the outbox retries or parks. ``add_invite`` knows how each backend can
carry a calendar invitation.
"""

from __future__ import annotations

import base64
import hashlib
import os
import smtplib
import uuid
from pathlib import Path

from anymail.exceptions import (
    AnymailAPIError,
    AnymailConfigurationError,
    AnymailInvalidAddress,
    AnymailRecipientsRefused,
)
from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from .ports import (
    IntegrationError,
    NotAuthorised,
    NotConfigured,
    PermanentError,
    RateLimited,
    TransientError,
    retry_after_seconds,
)


class OutboxFolderBackend(BaseEmailBackend):
    """Writes one RFC 5322 ``.eml`` file per message to ``EMAIL_OUTBOX_DIR`` (the embedded default).

    A message with a Message-ID is written at most once: sending it again (a retry after
    a worker died between writing the file and the outbox marking it done) finds it sent.
    The claim is a hard link under ``.sent/`` named by the Message-ID, made from the
    finished file (``os.link`` fails if it exists, atomically, across processes).
    """

    def send_messages(self, email_messages) -> int:
        folder = Path(settings.EMAIL_OUTBOX_DIR)
        folder.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            message.anymail_status = None
            message.outbox_file = self._write(folder, message)
            sent += 1
        return sent

    def _write(self, folder: Path, message: EmailMessage) -> str:
        message_id = message.extra_headers.get("Message-ID", "")
        digest = hashlib.sha256(message_id.encode()).hexdigest()[:24]
        name = f"{timezone.now():%Y%m%dT%H%M%S%f}-{digest if message_id else uuid.uuid4().hex[:8]}.eml"
        tmp = folder / f".{uuid.uuid4().hex}.tmp"
        tmp.write_bytes(message.message().as_bytes())
        message.extra_headers.setdefault("X-Outbox-File", name)
        try:
            if not message_id:
                tmp.rename(folder / name)  # readers never see half a file
                return name
            claims = folder / ".sent"
            claims.mkdir(exist_ok=True)
            try:
                os.link(tmp, claims / digest)
            except FileExistsError:
                # Sent before. If the writer died before the visible file existed, show it now.
                existing = sorted(folder.glob(f"*-{digest}.eml"))
                if existing:
                    return existing[0].name
                os.link(claims / digest, folder / name)
                return name
            os.link(tmp, folder / name)
            return name
        finally:
            tmp.unlink(missing_ok=True)


def backend_name() -> str:
    backend = str(settings.EMAIL_BACKEND)
    return {
        "booksync.integrations.mail.OutboxFolderBackend": f"outbox folder ({settings.EMAIL_OUTBOX_DIR})",
        "anymail.backends.sendgrid.EmailBackend": f"SendGrid via django-anymail ({settings.SENDGRID_API_BASE_URL})",
        "django.core.mail.backends.smtp.EmailBackend": f"SMTP ({settings.EMAIL_HOST}:{settings.EMAIL_PORT})",
    }.get(backend, backend)


# --- sending through whichever backend is configured ------------------------------------

SENDGRID_BACKEND = "anymail.backends.sendgrid.EmailBackend"
INVITE_FILENAME = "invite.ics"


def uses_sendgrid() -> bool:
    return settings.EMAIL_BACKEND == SENDGRID_BACKEND


def add_invite(message: EmailMultiAlternatives, ics: bytes, method: str) -> None:
    """Put the .ics invite into ``message`` in the form the configured backend can carry.

    SendGrid's Web API refuses parameters in attachment types and django-anymail
    sends ``text/calendar; charset="utf-8"`` for any text attachment, so for
    SendGrid the attachment is passed straight into the API payload (METHOD lives
    inside the file). Other anymail providers get a plain attachment. SMTP and the
    outbox folder carry a full ``text/calendar; method=…`` alternative, which
    Outlook needs to show the invitation inline, plus the same file attached.
    See docs/decisions/0004-email-invites.md.
    """
    if uses_sendgrid():
        attachment = {
            "content": base64.b64encode(ics).decode("ascii"),
            "type": "text/calendar",
            "filename": INVITE_FILENAME,
            "disposition": "attachment",
        }
        extra = dict(getattr(message, "esp_extra", None) or {})
        extra["attachments"] = [*extra.get("attachments", []), attachment]
        message.esp_extra = extra  # pyright: ignore[reportAttributeAccessIssue]  (anymail's attribute)
    elif settings.EMAIL_BACKEND.startswith("anymail."):
        message.attach(INVITE_FILENAME, ics, "text/calendar")
    else:
        message.attach_alternative(ics.decode("utf-8"), f"text/calendar; method={method}")
        message.attach(INVITE_FILENAME, ics, "application/ics")


def send(message: EmailMessage) -> str | None:
    """Send ``message``; return the provider's message id (or the outbox file name).

    Provider errors become a ``PermanentError`` when sending again cannot help
    (refused address, refused credentials, a 4xx other than 429, bad
    configuration) and ``TransientError``/``RateLimited`` (retried with backoff)
    otherwise.
    """
    try:
        message.send(fail_silently=False)
    except (AnymailRecipientsRefused, AnymailInvalidAddress) as exc:
        raise PermanentError(f"the address was refused: {_first_line(exc)}") from exc
    except AnymailAPIError as exc:
        raise _api_error(exc) from exc
    except AnymailConfigurationError as exc:
        raise NotConfigured(_first_line(exc)) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise PermanentError(f"the SMTP server refused the address: {exc.recipients}") from exc
    except smtplib.SMTPAuthenticationError as exc:
        raise NotAuthorised(f"SMTP login failed ({exc.smtp_code}); check EMAIL_HOST_USER and EMAIL_HOST_PASSWORD") from exc
    except smtplib.SMTPResponseException as exc:
        # 4xx is SMTP's "try again later" (busy, greylisted, too many messages); 5xx is final.
        error = TransientError if 400 <= exc.smtp_code < 500 else PermanentError
        raise error(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise TransientError(f"could not reach the mail server: {exc}") from exc
    status = getattr(message, "anymail_status", None)
    if status is not None and status.message_id:
        return str(status.message_id)
    return getattr(message, "outbox_file", None)


def _api_error(exc: AnymailAPIError) -> IntegrationError:
    status = exc.status_code
    if status is None:  # timeout or connection error: nothing was accepted
        return TransientError(f"{exc.esp_name or 'the provider'} did not answer: {_first_line(exc)}")
    reason = _provider_reason(exc) or _first_line(exc)
    text = f"{exc.esp_name or 'the provider'} answered HTTP {status}: {reason}"
    if status == 429:
        return RateLimited(text, _retry_after(exc))
    if status >= 500:
        return TransientError(text)
    if status in (401, 403):
        return NotAuthorised(text)
    return PermanentError(text)


def _retry_after(exc: AnymailAPIError) -> float | None:
    return retry_after_seconds(getattr(exc.response, "headers", {}).get("Retry-After"))


def _provider_reason(exc: AnymailAPIError) -> str:
    """The messages of a SendGrid-style error body (``{"errors": [{"message": …}]}``)."""
    if exc.response is None:
        return ""
    try:
        body = exc.response.json()
    except ValueError:
        return ""
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list):
        return ""
    messages = [f"{e.get('message')} ({e['field']})" if e.get("field") else str(e.get("message"))
                for e in errors if isinstance(e, dict)]
    return "; ".join(messages)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
