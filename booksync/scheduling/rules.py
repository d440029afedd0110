"""Studio opening rules: plain, immutable values validated on construction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["MINUTES_PER_DAY", "OpeningRange", "StudioRules"]

MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class OpeningRange:
    """Opening hours within one local day, as minutes after local midnight.

    ``end_minute`` may be 1440, meaning the midnight that ends the day. The minutes
    are *wall-clock* times; how they map to real time on DST days is decided in
    :mod:`booksync.scheduling.availability`.
    """

    start_minute: int
    end_minute: int

    def __post_init__(self) -> None:
        # bool is an int subclass; True/False as minutes is always a bug.
        for name in ("start_minute", "end_minute"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"{name} must be an int, got {value!r}")
        if not 0 <= self.start_minute <= MINUTES_PER_DAY - 1:
            raise ValueError(f"start_minute must be in 0..1439, got {self.start_minute}")
        if not 1 <= self.end_minute <= MINUTES_PER_DAY:
            raise ValueError(f"end_minute must be in 1..1440, got {self.end_minute}")
        if self.end_minute <= self.start_minute:
            raise ValueError(
                f"end_minute ({self.end_minute}) must be after start_minute ({self.start_minute})"
            )


@dataclass(frozen=True)
class StudioRules:
    """Everything needed to compute a studio's bookable slots.

    ``weekly_hours`` maps a weekday (0 = Monday … 6 = Sunday) to that day's opening
    ranges; a missing weekday is closed. ``overrides`` maps a local date to ranges
    that *replace* the weekly hours on that date; an empty tuple closes the studio.
    Both mappings are copied into read-only mappings of sorted tuples, so a rules
    object cannot change after it was validated.
    """

    timezone: str
    slot_step: timedelta = timedelta(minutes=30)
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    minimum_notice: timedelta = timedelta(hours=2)
    horizon_days: int = 60
    # hash=False: mappings are unhashable, and leaving them out of the hash keeps
    # StudioRules usable as a cache key (equal objects still hash equal).
    weekly_hours: Mapping[int, tuple[OpeningRange, ...]] = field(default_factory=dict, hash=False)
    overrides: Mapping[date, tuple[OpeningRange, ...]] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
            raise ValueError(f"unknown IANA time zone {self.timezone!r}") from exc
        for name in ("slot_step", "buffer_before", "buffer_after", "minimum_notice"):
            if not isinstance(getattr(self, name), timedelta):
                raise TypeError(f"{name} must be a timedelta")
        if self.slot_step <= timedelta(0):
            raise ValueError("slot_step must be positive")
        if self.buffer_before < timedelta(0) or self.buffer_after < timedelta(0):
            raise ValueError("buffers must not be negative")
        if self.minimum_notice < timedelta(0):
            raise ValueError("minimum_notice must not be negative")
        if not isinstance(self.horizon_days, int) or isinstance(self.horizon_days, bool):
            raise TypeError("horizon_days must be an int")
        if self.horizon_days < 0:
            raise ValueError("horizon_days must not be negative")

        weekly: dict[int, tuple[OpeningRange, ...]] = {}
        for weekday, ranges in self.weekly_hours.items():
            if not isinstance(weekday, int) or isinstance(weekday, bool) or not 0 <= weekday <= 6:
                raise ValueError(f"weekly_hours keys must be weekdays 0..6, got {weekday!r}")
            weekly[weekday] = _normalise_ranges(ranges)
        overrides: dict[date, tuple[OpeningRange, ...]] = {}
        for day, ranges in self.overrides.items():
            # datetime is a date subclass but never equals a date, so such a key
            # would silently never match.
            if not isinstance(day, date) or isinstance(day, datetime):
                raise TypeError(f"overrides keys must be dates, got {day!r}")
            overrides[day] = _normalise_ranges(ranges)
        object.__setattr__(self, "weekly_hours", MappingProxyType(weekly))
        object.__setattr__(self, "overrides", MappingProxyType(overrides))

    @property
    def tz(self) -> ZoneInfo:
        """The studio's time zone."""
        return ZoneInfo(self.timezone)

    def ranges_for(self, day: date) -> tuple[OpeningRange, ...]:
        """Return the opening ranges for local date ``day`` (override first, else weekly)."""
        if day in self.overrides:
            return self.overrides[day]
        return self.weekly_hours.get(day.weekday(), ())


def _normalise_ranges(ranges: Iterable[OpeningRange]) -> tuple[OpeningRange, ...]:
    ranges = tuple(ranges)
    for item in ranges:
        if not isinstance(item, OpeningRange):
            raise TypeError(f"expected OpeningRange, got {item!r}")
    return tuple(sorted(ranges, key=lambda r: (r.start_minute, r.end_minute)))
