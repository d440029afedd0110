"""Translate the admin-edited studio rows into the pure core's ``StudioRules``."""

from __future__ import annotations

from datetime import date, time, timedelta

from booksync.scheduling import OpeningRange, StudioRules

from .models import Studio
from .public_holidays import closed_holidays, horizon


def _minute(value: time, *, is_end: bool) -> int:
    minutes = value.hour * 60 + value.minute
    # An end of 00:00 means the midnight that closes the day.
    return 1440 if is_end and minutes == 0 else minutes


def _range(start: time, end: time) -> OpeningRange:
    return OpeningRange(_minute(start, is_end=False), _minute(end, is_end=True))


def studio_rules(studio: Studio | None = None) -> StudioRules:
    studio = studio or Studio.load()
    weekly: dict[int, list[OpeningRange]] = {}
    for row in studio.weekly_hours.all():
        weekly.setdefault(row.weekday, []).append(_range(row.start, row.end))
    overrides: dict = {}
    for row in studio.overrides.all():
        ranges = overrides.setdefault(row.date, [])
        if not row.closed and row.start is not None and row.end is not None:
            ranges.append(_range(row.start, row.end))
    for day in closed_holidays(studio, *horizon(studio, date.today())):
        overrides.setdefault(day, [])  # closed: no opening ranges
    return StudioRules(
        timezone=studio.timezone,
        slot_step=timedelta(minutes=studio.slot_step_minutes),
        buffer_before=studio.buffer_before,
        buffer_after=studio.buffer_after,
        minimum_notice=timedelta(minutes=studio.minimum_notice_minutes),
        horizon_days=studio.horizon_days,
        weekly_hours={day: tuple(sorted(r, key=lambda x: x.start_minute)) for day, r in weekly.items()},
        overrides={day: tuple(sorted(r, key=lambda x: x.start_minute)) for day, r in overrides.items()},
    )
