"""`booksync doctor` checks for email delivery: one sentence per problem, with its fix."""

from __future__ import annotations

import base64
import binascii
import socket

from cryptography.hazmat.primitives.serialization import load_der_public_key
from django.conf import settings

from .mail import uses_sendgrid

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def email_problems() -> list[str]:
    if uses_sendgrid():
        return _sendgrid_problems()
    if settings.EMAIL_BACKEND == SMTP_BACKEND:
        return _smtp_problems()
    return []


def _sendgrid_problems() -> list[str]:
    problems = []
    if not settings.SENDGRID_API_KEY:
        problems.append("EMAIL_BACKEND is SendGrid but SENDGRID_API_KEY is not set. Fix: set it to an API key "
                        "with Mail Send permission.")
    if not settings.SENDGRID_FROM_EMAIL:
        problems.append("SENDGRID_FROM_EMAIL is not set, so SendGrid will refuse the sender "
                        f"{settings.DEFAULT_FROM_EMAIL}. Fix: set it to a verified sender address.")
    key = settings.SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY
    if key and not _is_public_key(key):
        problems.append("SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY is not a public key, so every delivery "
                        "event will be refused. Fix: copy the verification key from SendGrid's "
                        "Mail Settings → Event Webhook page.")
    if not settings.ANYMAIL_WEBHOOK_SECRET and not key:
        problems.append("the delivery-status webhook is closed (401) because it has no secret, so bounces "
                        "are not recorded. Fix: set ANYMAIL_WEBHOOK_SECRET "
                        "to user:password and use https://user:password@<host>/anymail/sendgrid/tracking/ "
                        "as SendGrid's Event Webhook URL.")
    return problems


def _smtp_problems() -> list[str]:
    try:
        with socket.create_connection((settings.EMAIL_HOST, settings.EMAIL_PORT), timeout=5):
            return []
    except OSError as exc:
        return [f"cannot reach the SMTP server {settings.EMAIL_HOST}:{settings.EMAIL_PORT} ({exc}). "
                "Fix: check EMAIL_HOST and EMAIL_PORT."]


def _is_public_key(value: str) -> bool:
    try:
        load_der_public_key(base64.b64decode(value, validate=True))
    except (binascii.Error, ValueError):
        return False
    return True
