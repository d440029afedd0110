"""Slots and slot checks: examples, DST days and hypothesis properties."""

import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from booksync.scheduling import (
    REASONS,
    Interval,
    OpeningRange,
    StudioRules,
    check_slot,
    day_bounds,
    free_slots,
    opening_intervals,
)

from .strategies import opening_ranges

LONDON = "Europe/London"
NEW_YORK = "America/New_York"
MONDAY = date(2026, 6, 15)
SUNDAY = date(2026, 6, 14)
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
DST_DAYS = [
    # (zone, date, real length of 00:00-04:00 that day)
    (LONDON, date(2026, 3, 29), timedelta(hours=3)),
    (LONDON, date(2026, 10, 25), timedelta(hours=5)),
    (NEW_YORK, date(2026, 3, 8), timedelta(hours=3)),
    (NEW_YORK, date(2026, 11, 1), timedelta(hours=5)),
]


def hours(start: float, end: float) -> OpeningRange:
    return OpeningRange(int(start * 60), int(end * 60))


def local(day: date, hour: int, minute: int = 0, tz: str = LONDON, fold: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(tz), fold=fold)


def rules(**kwargs) -> StudioRules:
    defaults = {"timezone": LONDON, "weekly_hours": {0: (hours(9, 17),)}}
    return StudioRules(**(defaults | kwargs))


EARLY = local(date(2026, 6, 1), 8)  # a "now" well before MONDAY, within the horizon


def starts(slots: list[Interval]) -> list[str]:
    return [s.start.strftime("%H:%M") for s in slots]


# --- examples -------------------------------------------------------------------------


def test_normal_day() -> None:
    slots = free_slots(rules(), MONDAY, HOUR, [], EARLY)
    assert starts(slots) == [f"{h:02d}:{m:02d}" for h in range(9, 16) for m in (0, 30)] + ["16:00"]
    assert all(s.start.tzinfo is ZoneInfo(LONDON) for s in slots)
    assert slots[-1].end == local(MONDAY, 17)
    assert free_slots(rules(), SUNDAY, HOUR, [], EARLY) == []
    assert check_slot(rules(), local(MONDAY, 9), HOUR, [], EARLY) is None


def test_busy_interval_edges_are_half_open() -> None:
    busy = [Interval(local(MONDAY, 10), local(MONDAY, 11))]
    slots = starts(free_slots(rules(), MONDAY, HOUR, busy, EARLY))
    assert "09:00" in slots and "11:00" in slots  # touching the busy block is fine
    assert not {"09:30", "10:00", "10:30"} & set(slots)
    assert check_slot(rules(), local(MONDAY, 9, 30), HOUR, busy, EARLY) == "unavailable"
    assert check_slot(rules(), local(MONDAY, 11), HOUR, busy, EARLY) is None


def test_buffers_extend_the_slot_against_busy_time() -> None:
    r = rules(buffer_before=timedelta(minutes=15), buffer_after=timedelta(minutes=15))
    busy = [Interval(local(MONDAY, 12), local(MONDAY, 13))]
    slots = starts(free_slots(r, MONDAY, HOUR, busy, EARLY))
    # [s - 15m, s + 75m) must miss 12:00-13:00: 10:30 ends its buffer at 11:45, 13:30
    # starts its buffer at 13:15; 11:00 .. 13:00 all collide.
    assert "10:30" in slots and "13:30" in slots
    assert not {"11:00", "11:30", "12:00", "12:30", "13:00"} & set(slots)
    assert check_slot(r, local(MONDAY, 13), HOUR, busy, EARLY) == "unavailable"
    # Buffers may stick out of opening hours: the first and last slots stay bookable.
    assert slots[0] == "09:00" and slots[-1] == "16:00"


def test_minimum_notice_and_past() -> None:
    now = local(MONDAY, 9, 10)
    r = rules(minimum_notice=timedelta(hours=2))
    assert starts(free_slots(r, MONDAY, HOUR, [], now))[0] == "11:30"
    assert check_slot(r, local(MONDAY, 9), HOUR, [], now) == "in_past"
    assert check_slot(r, local(MONDAY, 11), HOUR, [], now) == "inside_minimum_notice"
    assert check_slot(r, local(MONDAY, 11, 30), HOUR, [], now) is None
    # With no notice a slot starting exactly now is already past; one after is fine.
    r0 = rules(minimum_notice=timedelta(0))
    assert check_slot(r0, local(MONDAY, 10), HOUR, [], local(MONDAY, 10)) == "in_past"
    assert starts(free_slots(r0, MONDAY, HOUR, [], local(MONDAY, 10)))[0] == "10:30"


def test_horizon_counts_from_the_studio_local_date_of_now() -> None:
    every_day = {d: (hours(9, 17),) for d in range(7)}
    r = rules(horizon_days=7, weekly_hours=every_day)
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    assert free_slots(r, date(2026, 6, 8), HOUR, [], now)
    assert free_slots(r, date(2026, 6, 9), HOUR, [], now) == []
    assert check_slot(r, local(date(2026, 6, 9), 9), HOUR, [], now) == "beyond_horizon"
    # 23:30 UTC on 1 June is already 2 June in London (BST), so 9 June is in range.
    late = datetime(2026, 6, 1, 23, 30, tzinfo=UTC)
    assert free_slots(r, date(2026, 6, 9), HOUR, [], late)
    assert check_slot(r, local(date(2026, 6, 10), 9), HOUR, [], late) == "beyond_horizon"


def test_overrides_close_or_replace_hours() -> None:
    r = rules(overrides={MONDAY: (), SUNDAY: (hours(10, 12),), date(2026, 6, 22): (hours(14, 16),)})
    assert free_slots(r, MONDAY, HOUR, [], EARLY) == []
    assert check_slot(r, local(MONDAY, 9), HOUR, [], EARLY) == "outside_hours"
    assert starts(free_slots(r, SUNDAY, HOUR, [], EARLY)) == ["10:00", "10:30", "11:00"]
    assert starts(free_slots(r, date(2026, 6, 22), HOUR, [], EARLY)) == ["14:00", "14:30", "15:00"]
    assert len(free_slots(r, date(2026, 6, 29), HOUR, [], EARLY)) == 15  # weekly hours again


def test_several_ranges_per_weekday_and_reason_codes() -> None:
    r = rules(weekly_hours={0: (hours(13, 17), hours(9, 12))})
    assert starts(free_slots(r, MONDAY, HOUR, [], EARLY)) == [
        "09:00", "09:30", "10:00", "10:30", "11:00",
        "13:00", "13:30", "14:00", "14:30", "15:00", "15:30", "16:00",
    ]  # fmt: skip
    assert check_slot(r, local(MONDAY, 11, 30), HOUR, [], EARLY) == "outside_hours"  # lunch
    assert check_slot(r, local(MONDAY, 8), HOUR, [], EARLY) == "outside_hours"
    assert check_slot(r, local(MONDAY, 9, 15), HOUR, [], EARLY) == "not_on_slot"
    assert check_slot(r, local(MONDAY, 16, 30), HOUR, [], EARLY) == "outside_hours"  # runs late


def test_touching_ranges_are_stepped_separately() -> None:
    r = rules(weekly_hours={0: (hours(9, 10.75), hours(10.75, 12))})
    slots = starts(free_slots(r, MONDAY, HOUR, [], EARLY))
    assert slots == ["09:00", "09:30", "10:45"]  # nothing straddles 10:45
    assert check_slot(r, local(MONDAY, 10), HOUR, [], EARLY) == "outside_hours"


def test_check_slot_accepts_any_zone_for_start() -> None:
    start = local(MONDAY, 9).astimezone(ZoneInfo("Asia/Tokyo"))
    assert check_slot(rules(), start, HOUR, [], EARLY) is None


def test_invalid_arguments() -> None:
    with pytest.raises(ValueError):
        free_slots(rules(), MONDAY, timedelta(0), [], EARLY)
    with pytest.raises(ValueError):
        check_slot(rules(), local(MONDAY, 9), -HOUR, [], EARLY)
    with pytest.raises(ValueError):
        free_slots(rules(), MONDAY, HOUR, [], datetime(2026, 6, 1, 8))  # naive now
    with pytest.raises(ValueError):
        check_slot(rules(), datetime(2026, 6, 15, 9), HOUR, [], EARLY)  # naive start
    with pytest.raises(TypeError):
        free_slots(rules(), datetime(2026, 6, 15), HOUR, [], EARLY)
    with pytest.raises(ValueError):
        rules(slot_step=timedelta(0))
    with pytest.raises(ValueError):
        rules(timezone="Mars/Olympus_Mons")
    with pytest.raises(ValueError):
        rules(weekly_hours={7: ()})
    with pytest.raises(TypeError):
        rules(overrides={datetime(2026, 6, 15): ()})
    for start, end in [(0, 0), (-1, 10), (600, 1441), (700, 600), (1440, 1440)]:
        with pytest.raises(ValueError):
            OpeningRange(start, end)


def test_rules_are_immutable_and_hashable() -> None:
    r = rules(weekly_hours={0: [hours(9, 12)]})
    assert r.weekly_hours[0] == (hours(9, 12),)
    with pytest.raises(TypeError):
        r.weekly_hours[1] = ()  # type: ignore[index]
    assert hash(r) == hash(rules(weekly_hours={0: (hours(9, 12),)}))
    assert r.tz == ZoneInfo(LONDON)


def test_500_busy_intervals_is_fast() -> None:
    r = rules(slot_step=timedelta(minutes=5), weekly_hours={0: (hours(0, 24),)})
    day_start = day_bounds(r, MONDAY).start_utc
    # Short scattered blocks, shuffled and overlapping, over a few days.
    busy = [
        Interval(day_start + (i * 37 % 4000) * MINUTE, day_start + (i * 37 % 4000 + 9) * MINUTE)
        for i in range(500)
    ]
    began = time.perf_counter()
    for _ in range(10):
        slots = free_slots(r, MONDAY, timedelta(minutes=5), busy, EARLY)
    assert time.perf_counter() - began < 2.0  # ~10 ms each; generous for busy CI hosts
    assert slots and all(not any(s.overlaps(b) for b in busy) for s in slots)


# --- DST ------------------------------------------------------------------------------


def test_day_bounds_length_on_dst_days() -> None:
    for tz, day, _ in DST_DAYS:
        expected = timedelta(hours=23 if day.month == 3 else 25)
        assert day_bounds(rules(timezone=tz), day).duration() == expected
    assert day_bounds(rules(), MONDAY).duration() == timedelta(hours=24)
    assert day_bounds(rules(), MONDAY).start == datetime(2026, 6, 14, 23, tzinfo=UTC)


def test_fall_back_night_has_both_one_oclocks() -> None:
    day = date(2026, 10, 25)
    r = rules(slot_step=HOUR, weekly_hours={6: (hours(0, 4),)})
    slots = free_slots(r, day, HOUR, [], local(date(2026, 10, 1), 0))
    assert [(s.start.strftime("%H:%M %Z")) for s in slots] == [
        "00:00 BST", "01:00 BST", "01:00 GMT", "02:00 GMT", "03:00 GMT",
    ]  # fmt: skip
    assert [s.start.fold for s in slots] == [0, 0, 1, 0, 0]
    second_one = local(day, 1, fold=1)
    assert check_slot(r, second_one, HOUR, [], local(date(2026, 10, 1), 0)) is None


def test_spring_forward_night_and_gap_resolution() -> None:
    day = date(2026, 3, 29)
    now = local(date(2026, 3, 1), 0)
    r = rules(slot_step=HOUR, weekly_hours={6: (hours(0, 4),)})
    assert [s.start.strftime("%H:%M %Z") for s in free_slots(r, day, HOUR, [], now)] == [
        "00:00 GMT", "02:00 BST", "03:00 BST",
    ]  # fmt: skip
    # 01:30 does not exist that night: resolved forward to 02:30 BST (= 01:30 UTC).
    r = rules(weekly_hours={6: (hours(1.5, 4),)})
    assert opening_intervals(r, day) == [
        Interval(datetime(2026, 3, 29, 1, 30, tzinfo=UTC), datetime(2026, 3, 29, 3, tzinfo=UTC))
    ]
    assert opening_intervals(r, day)[0].start.tzinfo is UTC
    # A range lying wholly inside the gap does not open at all that day.
    assert opening_intervals(rules(weekly_hours={6: (hours(1, 2),)}), day) == []


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(DST_DAYS), st.sampled_from([5, 10, 15, 20, 30, 60]))
def test_dst_days_have_no_missing_or_doubled_time(case, step_minutes: int) -> None:
    tz, day, real_length = case
    step = timedelta(minutes=step_minutes)
    r = StudioRules(
        timezone=tz,
        slot_step=step,
        minimum_notice=timedelta(0),
        weekly_hours={day.weekday(): (hours(0, 4),)},
    )
    now = local(day - timedelta(days=3), 0, tz=tz)
    slots = free_slots(r, day, step, [], now)
    instants = [s.start_utc for s in slots]
    assert len(set(instants)) == len(instants) == real_length // step
    assert sum((s.duration() for s in slots), timedelta(0)) == real_length
    assert all(b.start_utc == a.end_utc for a, b in zip(slots, slots[1:], strict=False))
    assert (slots[0].start, slots[-1].end) == (local(day, 0, tz=tz), local(day, 4, tz=tz))
    assert all(check_slot(r, s.start, step, [], now) is None for s in slots)


# --- properties -----------------------------------------------------------------------

ZONES = ["UTC", LONDON, NEW_YORK, "Asia/Kolkata", "Australia/Lord_Howe"]
DAYS = st.one_of(
    st.sampled_from([d for _, d, _ in DST_DAYS] + [date(2026, 4, 5), date(2026, 10, 4)]),
    st.dates(date(2026, 1, 1), date(2026, 12, 31)),
)


@st.composite
def scenarios(draw: st.DrawFn):
    day = draw(DAYS)
    r = StudioRules(
        timezone=draw(st.sampled_from(ZONES)),
        slot_step=timedelta(minutes=draw(st.integers(5, 90))),
        buffer_before=timedelta(minutes=draw(st.integers(0, 60))),
        buffer_after=timedelta(minutes=draw(st.integers(0, 60))),
        minimum_notice=timedelta(minutes=draw(st.integers(0, 600))),
        horizon_days=draw(st.integers(0, 20)),
        weekly_hours={w: draw(opening_ranges()) for w in range(7)},
        overrides={day: draw(opening_ranges())} if draw(st.booleans()) else {},
    )
    day_start = day_bounds(r, day).start_utc
    # Mostly shortly before the day (slots exist), sometimes far off (horizon, past).
    near, far = st.integers(-3 * 1440, 720), st.integers(-25 * 1440, 1440)
    now = day_start + timedelta(minutes=draw(st.one_of(near, far)))
    now = now.astimezone(ZoneInfo(draw(st.sampled_from(ZONES))))
    busy = [
        Interval(
            day_start + timedelta(minutes=(a := draw(st.integers(-180, 1600)))),
            day_start + timedelta(minutes=a + draw(st.integers(1, 240))),
        )
        for _ in range(draw(st.integers(0, 12)))
    ]
    duration = timedelta(minutes=draw(st.integers(5, 240)))
    return r, day, duration, busy, now


PROPS = settings(max_examples=120, deadline=None)


@PROPS
@given(scenarios())
def test_free_slots_invariants(scenario) -> None:
    r, day, duration, busy, now = scenario
    slots = free_slots(r, day, duration, busy, now)
    openings = opening_intervals(r, day)
    # `now` may be in a DST zone, where `now + notice` is wall-clock arithmetic; the
    # oracle must add in absolute time, like the code under test.
    now_utc = now.astimezone(UTC)
    for a, b in zip(slots, slots[1:], strict=False):
        assert a.start_utc < b.start_utc  # sorted and distinct
    for slot in slots:
        assert slot.start.tzinfo is r.tz and slot.start.date() == day
        assert slot.duration() == duration
        assert any(
            o.contains(slot) and (slot.start_utc - o.start_utc) % r.slot_step == timedelta(0)
            for o in openings
        )
        assert slot.start_utc > now_utc and slot.start_utc >= now_utc + r.minimum_notice
        assert day <= now.astimezone(r.tz).date() + timedelta(days=r.horizon_days)
        blocked = slot.expand(r.buffer_before, r.buffer_after)
        assert not any(blocked.overlaps(b) for b in busy)
    # Completeness against a brute-force oracle (linear busy scan, no bisection).
    last_day = now.astimezone(r.tz).date() + timedelta(days=r.horizon_days)
    expected = set()
    for opening in openings:
        t = opening.start_utc
        while t + duration <= opening.end_utc:
            blocked = Interval(t - r.buffer_before, t + duration + r.buffer_after)
            if (
                t > now_utc
                and t >= now_utc + r.minimum_notice
                and t.astimezone(r.tz).date() <= last_day
                and not any(blocked.overlaps(b) for b in busy)
            ):
                expected.add(t)
            t += r.slot_step
    assert {s.start_utc for s in slots} == expected


@PROPS
@given(scenarios(), st.lists(st.integers(-60, 25 * 60 + 60), max_size=12), st.integers(0, 59))
def test_check_slot_agrees_with_free_slots(scenario, offsets: list[int], seconds: int) -> None:
    r, day, duration, busy, now = scenario
    day_start = day_bounds(r, day).start_utc
    slots = free_slots(r, day, duration, busy, now)
    # Candidates: every free slot, the whole slot grid of the day (free or not), and
    # arbitrary instants around the day, some off the minute.
    candidates = [s.start for s in slots]
    for opening in opening_intervals(r, day):
        t = opening.start_utc
        while t < opening.end_utc:
            candidates.append(t)
            t += r.slot_step
    candidates += [day_start + timedelta(minutes=m) for m in offsets]
    candidates += [day_start + timedelta(minutes=m, seconds=seconds) for m in offsets[:3]]
    cache: dict[date, list[Interval]] = {day: slots}
    for start in candidates:
        reason = check_slot(r, start, duration, busy, now)
        assert reason is None or reason in REASONS
        start_day = start.astimezone(r.tz).date()
        if start_day not in cache:
            cache[start_day] = free_slots(r, start_day, duration, busy, now)
        assert (reason is None) == (Interval.from_duration(start, duration) in cache[start_day]), (
            start,
            reason,
        )
