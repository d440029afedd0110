"""What the django-q2 worker runs to deliver the outbox (``delivery.DELIVER_TASK``)."""

from __future__ import annotations

from . import delivery
from .watch import keep_watch


def deliver() -> dict:
    keep_watch()
    return delivery.deliver_due()
