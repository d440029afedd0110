"""Half-open time intervals over timezone-aware datetimes and their algebra.

All arithmetic and every comparison here happens in absolute (UTC) time. That is
not a stylistic choice: Python compares and subtracts two datetimes that share a
``tzinfo`` object by *wall-clock* time, ignoring ``fold``. On a fall-back day in
Europe/London, 01:30 BST and 01:30 GMT therefore compare equal and are "0 minutes"
apart, and ``dt + timedelta(hours=1)`` moves the wall clock rather than the
instant. Normalising through UTC avoids every one of those traps.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

__all__ = ["Interval", "any_overlap", "clip", "is_aware", "merge", "subtract", "to_utc"]


def is_aware(value: datetime) -> bool:
    """Return True if ``value`` is a timezone-aware datetime."""
    return (
        isinstance(value, datetime)
        and value.tzinfo is not None
        and value.tzinfo.utcoffset(value) is not None
    )


def to_utc(value: datetime) -> datetime:
    """Return the aware datetime ``value`` as the same instant in UTC.

    Raises ValueError for naive datetimes: guessing a zone for them is exactly the
    kind of silent bug this package exists to prevent.
    """
    if not is_aware(value):
        raise ValueError(f"expected a timezone-aware datetime, got {value!r}")
    return value.astimezone(UTC)


@dataclass(frozen=True, order=True)
class Interval:
    """A half-open span of absolute time ``[start, end)``.

    ``start`` and ``end`` keep whatever time zone they were given in (so slots can
    be shown in the studio's zone), but equality, hashing and ordering use the UTC
    instants: two intervals are equal when they cover the same real time.
    """

    start: datetime = field(compare=False)
    end: datetime = field(compare=False)
    # UTC copies of the endpoints; the generated __eq__/__lt__/__hash__ use only these
    # (see the module docstring for why the raw fields cannot be compared).
    _start_utc: datetime = field(init=False, repr=False, compare=True)
    _end_utc: datetime = field(init=False, repr=False, compare=True)

    def __post_init__(self) -> None:
        start_utc = to_utc(self.start)
        end_utc = to_utc(self.end)
        if end_utc <= start_utc:
            raise ValueError(f"interval end {self.end!r} must be after start {self.start!r}")
        # Frozen dataclass: derived fields have to be set through object.__setattr__.
        object.__setattr__(self, "_start_utc", start_utc)
        object.__setattr__(self, "_end_utc", end_utc)

    @classmethod
    def from_duration(cls, start: datetime, duration: timedelta) -> Interval:
        """Return ``[start, start + duration)`` with the addition done in absolute time.

        Prefer this to ``Interval(start, start + duration)``: for a datetime in a DST
        zone, ``start + duration`` is wall-clock arithmetic and is wrong (and drops
        ``fold``) across a DST change. The end is given in ``start``'s zone.
        """
        return cls(start, (to_utc(start) + duration).astimezone(start.tzinfo))

    @property
    def start_utc(self) -> datetime:
        """The start instant in UTC."""
        return self._start_utc

    @property
    def end_utc(self) -> datetime:
        """The end instant in UTC."""
        return self._end_utc

    def overlaps(self, other: Interval) -> bool:
        """Return True if the two half-open intervals share any instant.

        Touching intervals (``a.end == b.start``) do not overlap.
        """
        return self._start_utc < other._end_utc and other._start_utc < self._end_utc

    def contains(self, other: Interval) -> bool:
        """Return True if ``other`` lies entirely inside this interval."""
        return self._start_utc <= other._start_utc and other._end_utc <= self._end_utc

    def duration(self) -> timedelta:
        """Return the real elapsed time between start and end (DST-correct)."""
        return self._end_utc - self._start_utc

    def expand(self, before: timedelta, after: timedelta) -> Interval:
        """Return the interval widened by ``before`` at the start and ``after`` at the end.

        The shift is in absolute time; the result keeps this interval's time zones.
        Negative values shrink it (ValueError if nothing would be left).
        """
        return Interval(
            (self._start_utc - before).astimezone(self.start.tzinfo),
            (self._end_utc + after).astimezone(self.end.tzinfo),
        )


def _utc_key(interval: Interval) -> tuple[datetime, datetime]:
    return interval._start_utc, interval._end_utc


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Return the union of ``intervals`` as a sorted list of disjoint intervals.

    Overlapping *and touching* intervals are merged, so the result never contains
    two intervals with ``a.end == b.start``. Input order and overlaps do not matter.
    """
    merged: list[Interval] = []
    # A key of plain datetimes keeps the comparisons in C (the generated __lt__ is
    # ~20x slower, and the slot picker merges hundreds of intervals per request).
    for current in sorted(intervals, key=_utc_key):
        if merged and current._start_utc <= merged[-1]._end_utc:
            last = merged[-1]
            if current._end_utc > last._end_utc:
                merged[-1] = Interval(last.start, current.end)
        else:
            merged.append(current)
    return merged


def subtract(base: Interval, holes: Iterable[Interval]) -> list[Interval]:
    """Return the parts of ``base`` not covered by any of ``holes``, sorted.

    Pieces are expressed in ``base``'s time zones. Holes outside ``base`` are ignored.
    """
    pieces: list[Interval] = []
    cursor = base._start_utc
    for hole in merge(holes):
        if hole._end_utc <= cursor:
            continue
        if hole._start_utc >= base._end_utc:
            break
        if hole._start_utc > cursor:
            pieces.append(_in_zones(cursor, hole._start_utc, base))
        cursor = max(cursor, hole._end_utc)
    if cursor < base._end_utc:
        pieces.append(_in_zones(cursor, base._end_utc, base))
    return pieces


def clip(interval: Interval, window: Interval) -> Interval | None:
    """Return the part of ``interval`` inside ``window``, or None if they do not overlap.

    The result is expressed in ``interval``'s time zones.
    """
    start = max(interval._start_utc, window._start_utc)
    end = min(interval._end_utc, window._end_utc)
    if end <= start:
        return None
    return _in_zones(start, end, interval)


def any_overlap(candidate: Interval, busy_sorted: Sequence[Interval]) -> bool:
    """Return True if ``candidate`` overlaps any interval of ``busy_sorted``.

    ``busy_sorted`` must be the output of :func:`merge` (sorted and disjoint): only
    then are the end points sorted too, which is what makes the binary search valid.
    Runs in O(log n).
    """
    # First busy interval that ends after the candidate starts; earlier ones end at
    # or before the candidate's start and cannot overlap (half-open).
    index = bisect_right(busy_sorted, candidate._start_utc, key=_end_key)
    return index < len(busy_sorted) and busy_sorted[index]._start_utc < candidate._end_utc


def _end_key(interval: Interval) -> datetime:
    return interval._end_utc


def _in_zones(start_utc: datetime, end_utc: datetime, like: Interval) -> Interval:
    # Present derived pieces in the zones of the interval they came from, so callers
    # that work in a studio's zone keep seeing that zone.
    return Interval(start_utc.astimezone(like.start.tzinfo), end_utc.astimezone(like.end.tzinfo))
