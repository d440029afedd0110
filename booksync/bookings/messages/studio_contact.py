"""Where the studio's own emails go: ``STUDIO_NOTIFY_EMAIL``, else the studio's contact address."""

from __future__ import annotations

from django.conf import settings

from booksync.bookings.models import Studio


def studio_address() -> str:
    """The studio's inbox for booksync's emails ('' when it has none)."""
    return getattr(settings, "STUDIO_NOTIFY_EMAIL", "") or Studio.load().contact_email


def notify_address() -> str:
    """'' when studio notices are off: ``STUDIO_NOTIFY=false`` or the studio's "Notify studio" unticked."""
    if not getattr(settings, "STUDIO_NOTIFY", True):
        return ""
    studio = Studio.load()
    if not studio.notify_studio:
        return ""
    return getattr(settings, "STUDIO_NOTIFY_EMAIL", "") or studio.contact_email
