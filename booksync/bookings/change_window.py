"""When a customer may still change or cancel online: one rule for the pages, the emails and the services.

Online changes are open while the session starts at least ``Studio.change_notice_hours`` from now.
A slot can be bookable inside that window (the minimum notice is shorter), and then nothing
may promise "change or cancel online until … before": the studio has to be called instead.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone


def change_cutoff(studio, now: datetime | None = None) -> datetime:
    """The earliest start that can still be changed online, booked now."""
    return (now or timezone.now()) + timedelta(hours=studio.change_notice_hours)


def online_changes_open(start: datetime, studio, now: datetime | None = None) -> bool:
    """Whether a session starting at ``start`` may still be changed or cancelled online."""
    return start >= change_cutoff(studio, now)
