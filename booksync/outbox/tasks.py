"""What the django-q2 worker runs to deliver the outbox (``delivery.DELIVER_TASK``)."""

from __future__ import annotations

from . import claims, delivery


def deliver() -> dict:
    claims.keep_watch()
    return delivery.deliver_due()
