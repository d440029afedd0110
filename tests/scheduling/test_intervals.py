"""Interval type and interval algebra: examples plus hypothesis properties."""

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from booksync.scheduling import Interval, any_overlap, clip, merge, subtract

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
# Just before the 2026 London fall-back, so generated intervals straddle it.
BASE = datetime(2026, 10, 24, 22, 0, tzinfo=UTC)
ZONES = [UTC, LONDON, NEW_YORK, timezone(timedelta(hours=5, minutes=30))]


def utc(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 10, 25, hour, minute, tzinfo=UTC)


def iv(a: int, b: int) -> Interval:
    """Interval from minute offsets after BASE."""
    return Interval(BASE + timedelta(minutes=a), BASE + timedelta(minutes=b))


# --- examples -------------------------------------------------------------------------


def test_rejects_naive_and_empty_or_inverted() -> None:
    with pytest.raises(ValueError):
        Interval(datetime(2026, 1, 1, 9), datetime(2026, 1, 1, 10))
    with pytest.raises(ValueError):
        Interval(utc(9), datetime(2026, 10, 25, 10))
    with pytest.raises(ValueError):
        Interval(utc(9), utc(9))
    with pytest.raises(ValueError):
        Interval(utc(10), utc(9))


def test_half_open_touching_intervals_do_not_overlap() -> None:
    a, b = Interval(utc(9), utc(10)), Interval(utc(10), utc(11))
    assert not a.overlaps(b) and not b.overlaps(a)
    assert a.overlaps(Interval(utc(9, 59), utc(11)))


def test_duration_is_real_time_across_fall_back() -> None:
    # 00:30 BST -> 01:30 GMT is two real hours although the wall clock moved one.
    start = datetime(2026, 10, 25, 0, 30, tzinfo=LONDON)
    end = datetime(2026, 10, 25, 1, 30, tzinfo=LONDON, fold=1)
    assert end - start == timedelta(hours=1)  # Python's wall-clock arithmetic
    assert Interval(start, end).duration() == timedelta(hours=2)


def test_fold_is_respected_in_equality_and_order() -> None:
    first = datetime(2026, 10, 25, 1, 30, tzinfo=LONDON)
    second = first.replace(fold=1)
    minute = timedelta(minutes=1)
    # Note: second + minute would drop fold=1 (wall-clock arithmetic), so add in UTC.
    a = Interval(first, first.astimezone(UTC) + minute)
    b = Interval(second, second.astimezone(UTC) + minute)
    assert b.start_utc - a.start_utc == timedelta(hours=1)
    assert a != b and a < b
    assert len({a, b}) == 2


def test_from_duration_adds_real_time() -> None:
    start = datetime(2026, 10, 25, 1, 30, tzinfo=LONDON)  # 01:30 BST
    slot = Interval.from_duration(start, timedelta(hours=1))
    assert slot.end.fold == 1 and slot.end.strftime("%H:%M %Z") == "01:30 GMT"
    assert slot.duration() == timedelta(hours=1)


def test_equality_is_by_instant_not_zone() -> None:
    local = Interval(
        datetime(2026, 7, 1, 10, tzinfo=LONDON), datetime(2026, 7, 1, 11, tzinfo=LONDON)
    )
    in_utc = Interval(datetime(2026, 7, 1, 9, tzinfo=UTC), datetime(2026, 7, 1, 10, tzinfo=UTC))
    assert local == in_utc and hash(local) == hash(in_utc)


def test_expand_is_absolute_and_keeps_zone() -> None:
    start = datetime(2026, 10, 25, 1, 0, tzinfo=LONDON, fold=1)  # 01:00 GMT
    a = Interval(start, start + timedelta(hours=1))
    wider = a.expand(timedelta(minutes=30), timedelta(minutes=15))
    assert wider.start.tzinfo is LONDON
    assert wider.start_utc == utc(0, 30)  # 01:30 BST, the first 01:30 that night
    assert wider.end_utc == utc(2, 15)
    assert wider.duration() == timedelta(hours=1, minutes=45)


def test_merge_sorts_and_merges_overlapping_and_touching() -> None:
    assert merge([iv(50, 60), iv(0, 10), iv(10, 20), iv(15, 30), iv(40, 45)]) == [
        iv(0, 30),
        iv(40, 45),
        iv(50, 60),
    ]
    assert merge([]) == []


def test_subtract_and_clip_examples() -> None:
    assert subtract(iv(0, 100), [iv(10, 20), iv(15, 30), iv(90, 120), iv(-10, 0)]) == [
        iv(0, 10),
        iv(30, 90),
    ]
    assert subtract(iv(0, 10), [iv(-5, 15)]) == []
    assert subtract(iv(0, 10), []) == [iv(0, 10)]
    assert clip(iv(0, 100), iv(50, 200)) == iv(50, 100)
    assert clip(iv(0, 10), iv(10, 20)) is None


def test_any_overlap_edges() -> None:
    busy = merge([iv(10, 20), iv(30, 40)])
    assert not any_overlap(iv(0, 10), busy)
    assert not any_overlap(iv(20, 30), busy)
    assert any_overlap(iv(19, 21), busy)
    assert any_overlap(iv(0, 100), busy)
    assert not any_overlap(iv(40, 50), busy)
    assert not any_overlap(iv(0, 1), [])


# --- properties -----------------------------------------------------------------------


@st.composite
def intervals(draw: st.DrawFn) -> Interval:
    start = draw(st.integers(0, 600))
    length = draw(st.integers(1, 120))
    tz_start, tz_end = draw(st.sampled_from(ZONES)), draw(st.sampled_from(ZONES))
    return Interval(
        (BASE + timedelta(minutes=start)).astimezone(tz_start),
        (BASE + timedelta(minutes=start + length)).astimezone(tz_end),
    )


interval_lists = st.lists(intervals(), max_size=25)


def covered(items: list[Interval]) -> timedelta:
    return sum((i.duration() for i in merge(items)), timedelta(0))


def assert_canonical(items: list[Interval]) -> None:
    """Sorted, disjoint and not touching."""
    for a, b in zip(items, items[1:], strict=False):
        assert a.end_utc < b.start_utc


PROPS = settings(max_examples=150, deadline=None)


@PROPS
@given(interval_lists)
def test_merge_is_idempotent_and_preserves_union(items: list[Interval]) -> None:
    merged = merge(items)
    assert merge(merged) == merged
    assert merge(reversed(items)) == merged
    assert_canonical(merged)
    # Union preserved: every input lies in one merged piece, and no merged piece
    # covers anything the inputs do not.
    for item in items:
        assert any(m.contains(item) for m in merged)
    for m in merged:
        assert subtract(m, items) == []


@PROPS
@given(intervals(), interval_lists)
def test_subtract_properties(base: Interval, holes: list[Interval]) -> None:
    pieces = subtract(base, holes)
    assert_canonical(pieces)
    for piece in pieces:
        assert base.contains(piece)
        assert not any(piece.overlaps(h) for h in holes)
    clipped = [c for h in holes if (c := clip(h, base)) is not None]
    assert covered(pieces) + covered(clipped) == base.duration()


@PROPS
@given(intervals(), interval_lists)
def test_any_overlap_matches_linear_scan(candidate: Interval, busy: list[Interval]) -> None:
    assert any_overlap(candidate, merge(busy)) == any(candidate.overlaps(b) for b in busy)


@PROPS
@given(intervals(), intervals())
def test_overlaps_is_symmetric_and_matches_clip(a: Interval, b: Interval) -> None:
    assert a.overlaps(b) == b.overlaps(a) == (clip(a, b) is not None)
