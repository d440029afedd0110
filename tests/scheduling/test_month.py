"""The month path: many days in one pass on epoch seconds, equal to the per-day ``free_slots``."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from booksync.scheduling import (
    Interval,
    OpeningRange,
    StudioRules,
    day_bounds,
    free_slot_starts,
    free_slots,
    merge_epochs,
)

from .strategies import opening_ranges

ZONES = ["UTC", "Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]
# Days whose month holds a DST change in one of the zones above (and Lord Howe's half-hour one).
DST_DAYS = [date(2026, 3, 29), date(2026, 10, 25), date(2026, 3, 8), date(2026, 11, 1), date(2026, 4, 5),
            date(2026, 10, 4)]


def epoch(value: datetime) -> int:
    return int(value.timestamp())


def per_day(rules, days, duration, busy, now) -> dict[date, list[int]]:
    return {day: [epoch(s.start) for s in free_slots(rules, day, duration, busy, now)] for day in days}


@st.composite
def months(draw: st.DrawFn):
    """Rules, a run of days (possibly with gaps) around a DST change or anywhere, busy time over them, now."""
    anchor = draw(st.one_of(st.sampled_from(DST_DAYS), st.dates(date(2026, 1, 1), date(2026, 12, 31))))
    first = anchor - timedelta(days=draw(st.integers(0, 20)))
    offsets = draw(st.lists(st.integers(0, 34), min_size=1, max_size=31, unique=True))
    days = [first + timedelta(days=n) for n in offsets]
    override_day = first + timedelta(days=draw(st.integers(0, 34)))
    rules = StudioRules(
        timezone=draw(st.sampled_from(ZONES)),
        slot_step=timedelta(minutes=draw(st.integers(5, 90))),
        buffer_before=timedelta(minutes=draw(st.integers(0, 60))),
        buffer_after=timedelta(minutes=draw(st.integers(0, 60))),
        minimum_notice=timedelta(minutes=draw(st.integers(0, 600))),
        horizon_days=draw(st.integers(0, 40)),
        weekly_hours={w: draw(opening_ranges()) for w in range(7)},
        overrides={override_day: draw(opening_ranges())} if draw(st.booleans()) else {},
    )
    start = day_bounds(rules, first).start_utc
    span = 36 * 1440
    busy = [
        Interval(start + timedelta(minutes=(a := draw(st.integers(-180, span)))),
                 start + timedelta(minutes=a + draw(st.integers(1, 300))))
        for _ in range(draw(st.integers(0, 60)))
    ]
    # now anywhere from before the run to inside it, to the second (and sometimes a fraction).
    now = start + timedelta(seconds=draw(st.integers(-3 * 86400, 20 * 86400)),
                            microseconds=draw(st.sampled_from([0, 0, 1, 500_000])))
    now = now.astimezone(ZoneInfo(draw(st.sampled_from(ZONES))))
    duration = timedelta(minutes=draw(st.integers(5, 240)))
    return rules, days, duration, busy, now


@settings(max_examples=150, deadline=None)
@given(months())
def test_month_equals_the_per_day_results(case) -> None:
    rules, days, duration, busy, now = case
    merged = merge_epochs((epoch(b.start), epoch(b.end)) for b in busy)
    assert free_slot_starts(rules, days, duration, merged, now) == per_day(rules, days, duration, busy, now)


@pytest.mark.parametrize(("zone", "day"), [("Europe/London", date(2026, 3, 29)), ("Europe/London", date(2026, 10, 25)),
                                           ("America/New_York", date(2026, 3, 8)),
                                           ("America/New_York", date(2026, 11, 1))])
def test_dst_days_around_the_clock(zone: str, day: date) -> None:
    # Open all night with a 30-minute grid: 23 or 25 real hours of slots, none lost or doubled.
    rules = StudioRules(timezone=zone, minimum_notice=timedelta(0), horizon_days=400,
                        weekly_hours={w: (OpeningRange(0, 1440),) for w in range(7)})
    days = [day - timedelta(days=1), day, day + timedelta(days=1)]
    now = datetime(2026, 1, 1, tzinfo=UTC)
    busy = [Interval(datetime(day.year, day.month, day.day, 1, tzinfo=ZoneInfo(zone)),
                     datetime(day.year, day.month, day.day, 5, tzinfo=ZoneInfo(zone)))]
    merged = merge_epochs((epoch(b.start), epoch(b.end)) for b in busy)
    month = free_slot_starts(rules, days, timedelta(minutes=30), merged, now)
    assert month == per_day(rules, days, timedelta(minutes=30), busy, now)
    whole_day = day_bounds(rules, day).duration()
    assert whole_day != timedelta(hours=24)
    # Every half hour of the real day minus the busy span (whose real length the zone decides).
    busy_halves = busy[0].duration() // timedelta(minutes=30)
    assert len(month[day]) == whole_day // timedelta(minutes=30) - busy_halves


def test_merge_joins_overlapping_and_touching_spans() -> None:
    assert merge_epochs([(50, 60), (0, 10), (10, 20), (15, 18), (30, 40), (5, 5)]) == ([0, 30, 50], [20, 40, 60])


def test_fractions_of_a_second_are_refused() -> None:
    rules = StudioRules(timezone="UTC", weekly_hours={0: (OpeningRange(540, 1020),)})
    with pytest.raises(ValueError, match="duration"):
        free_slot_starts(rules, [date(2026, 6, 15)], timedelta(minutes=30, microseconds=1), ([], []),
                         datetime(2026, 6, 1, tzinfo=UTC))
    with pytest.raises(TypeError):
        free_slot_starts(rules, [datetime(2026, 6, 15)], timedelta(minutes=30), ([], []),
                         datetime(2026, 6, 1, tzinfo=UTC))
