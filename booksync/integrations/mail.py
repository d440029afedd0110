"""Mail delivery backends of our own. The default writes each message as an .eml file."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone


class OutboxFolderBackend(BaseEmailBackend):
    """Writes one RFC 5322 ``.eml`` file per message to ``EMAIL_OUTBOX_DIR`` (the embedded default)."""

    def send_messages(self, email_messages) -> int:
        folder = Path(settings.EMAIL_OUTBOX_DIR)
        folder.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            name = f"{timezone.now():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
            tmp = folder / f".{name}.tmp"
            tmp.write_bytes(message.message().as_bytes())
            tmp.rename(folder / name)  # readers never see half a file
            message.extra_headers.setdefault("X-Outbox-File", name)
            message.anymail_status = None
            message.outbox_file = name
            sent += 1
        return sent


def backend_name() -> str:
    backend = settings.EMAIL_BACKEND
    return {
        "booksync.integrations.mail.OutboxFolderBackend": f"outbox folder ({settings.EMAIL_OUTBOX_DIR})",
        "anymail.backends.sendgrid.EmailBackend": "SendGrid (django-anymail)",
        "django.core.mail.backends.smtp.EmailBackend": f"SMTP ({settings.EMAIL_HOST}:{settings.EMAIL_PORT})",
    }.get(backend, backend)
