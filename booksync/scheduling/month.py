"""Free slots for many days in one pass, on integer epoch seconds.

The month view asks for 31 days at once, and right after any change the busy
time has to be read and searched again. Building an ``Interval`` (two aware
datetimes, each normalised through UTC) per busy interval and per candidate
costs far more than the search itself, so this path works on plain integers:
UTC seconds since the epoch. Busy time is merged once; the days are then
walked in order with one cursor into it, so each day costs its candidates
plus the busy intervals that reach into it (one bisection skips the gap
between days that are not consecutive).

It follows exactly the rules of :func:`booksync.scheduling.free_slots` (the
same opening-range resolution on DST days, the same timing checks, the same
half-open overlap test with buffers); the property tests hold the two equal.
Times are whole seconds: rules, durations and buffers with a fraction of a
second are refused, and busy time read from a database should be widened to
whole seconds (start rounded down, end rounded up).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta

from .availability import _check_day, _check_duration, _last_bookable_day, _openings
from .intervals import to_utc
from .rules import StudioRules

__all__ = ["EpochBusy", "free_slot_starts", "merge_epochs", "whole_seconds"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

#: Busy time as ``(starts, ends)``: sorted, disjoint, non-touching spans in epoch seconds.
EpochBusy = tuple[list[int], list[int]]


def whole_seconds(value: timedelta, name: str) -> int:
    """``value`` in whole seconds (ValueError if it has a fraction of a second)."""
    seconds, rest = divmod(value, timedelta(seconds=1))
    if rest:
        raise ValueError(f"{name} must be whole seconds, got {value!r}")
    return seconds


def merge_epochs(spans: Iterable[tuple[int, int]]) -> EpochBusy:
    """The union of ``(start, end)`` spans as sorted, disjoint lists of starts and ends.

    Overlapping and touching spans are joined; empty or inverted spans are dropped.
    """
    starts: list[int] = []
    ends: list[int] = []
    for start, end in sorted(spans):
        if end <= start:
            continue
        if ends and start <= ends[-1]:
            if end > ends[-1]:
                ends[-1] = end
        else:
            starts.append(start)
            ends.append(end)
    return starts, ends


def free_slot_starts(
    rules: StudioRules,
    days: Sequence[date],
    duration: timedelta,
    busy: EpochBusy,
    now: datetime,
) -> dict[date, list[int]]:
    """For each local date in ``days``, the epoch seconds at which a free slot of ``duration`` starts.

    ``busy`` is the output of :func:`merge_epochs`. Each list is sorted and equals
    ``[slot.start.timestamp() for slot in free_slots(rules, day, duration, busy, now)]``.
    """
    _check_duration(duration)
    for day in days:
        _check_day(day)
    length = whole_seconds(duration, "duration")
    step = whole_seconds(rules.slot_step, "slot_step")
    before = whole_seconds(rules.buffer_before, "buffer_before")
    after = whole_seconds(rules.buffer_after, "buffer_after") + length
    notice = whole_seconds(rules.minimum_notice, "minimum_notice")
    now_utc = to_utc(now)
    # A start is bookable when it is after now and at least the minimum notice ahead. Starts
    # are whole seconds and now need not be: exact integer arithmetic, no float timestamps.
    whole, fraction = divmod(now_utc - _EPOCH, timedelta(seconds=1))
    earliest = max(whole + 1, whole + notice + (1 if fraction else 0))
    tz = rules.tz
    last_day = _last_bookable_day(rules, tz, now_utc)
    busy_starts, busy_ends = busy
    count = len(busy_starts)
    result: dict[date, list[int]] = {}
    cursor = 0
    for day in sorted(set(days)):
        if day > last_day:
            result[day] = []
            continue
        candidates: set[int] = set()
        for opening in _openings(tz, rules, day):
            first, last = int(opening.start_utc.timestamp()), int(opening.end_utc.timestamp()) - length
            candidates.update(range(first, last + 1, step))
        free: list[int] = []
        ordered = sorted(start for start in candidates if start >= earliest)
        if ordered:
            # Skip, in one bisection, the busy time that ends before this day's first window.
            cursor = bisect_right(busy_ends, ordered[0] - before, cursor)
        for start in ordered:
            window_start = start - before
            while cursor < count and busy_ends[cursor] <= window_start:
                cursor += 1
            if cursor < count and busy_starts[cursor] < start + after:
                continue
            free.append(start)
        result[day] = free
    return result
