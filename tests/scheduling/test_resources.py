"""Availability with people and rooms equals a brute force that tries every assignment (ADR 0017)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from itertools import product

from hypothesis import given, settings
from hypothesis import strategies as st

from booksync.scheduling import (
    Interval,
    OpeningRange,
    ResourceTime,
    StudioRules,
    assign,
    check_slot,
    day_bounds,
    free_resource_starts,
    merge_epochs,
    opening_intervals,
)

from .strategies import opening_ranges

ZONES = ["Europe/London", "America/New_York", "Australia/Lord_Howe", "UTC"]
DST_DAYS = [date(2026, 3, 29), date(2026, 10, 25), date(2026, 3, 8), date(2026, 11, 1), date(2026, 4, 5),
            date(2026, 10, 4)]


def epoch(value: datetime) -> int:
    return int(value.timestamp())


@st.composite
def studios(draw: st.DrawFn, *, max_days: int):
    """Studio rules; 1–3 people and 0–2 rooms (or none needed), each with maybe its own hours and busy time."""
    anchor = draw(st.sampled_from(DST_DAYS))
    first = anchor - timedelta(days=draw(st.integers(0, max_days - 1)))
    days = sorted({first + timedelta(days=n)
                   for n in draw(st.lists(st.integers(0, max_days - 1), min_size=1, max_size=max_days))})
    zone = draw(st.sampled_from(ZONES))
    shared = {
        "timezone": zone,
        "slot_step": timedelta(minutes=draw(st.sampled_from([15, 20, 30, 45, 60]))),
        "buffer_before": timedelta(minutes=draw(st.sampled_from([0, 0, 10, 30]))),
        "buffer_after": timedelta(minutes=draw(st.sampled_from([0, 15, 30]))),
        "minimum_notice": timedelta(minutes=draw(st.integers(0, 600))),
        "horizon_days": draw(st.integers(0, 40)),
    }
    studio_week = {w: draw(opening_ranges()) for w in range(7)}
    studio_overrides = {first + timedelta(days=draw(st.integers(0, max_days))): draw(opening_ranges())
                        for _ in range(draw(st.integers(0, 2)))}
    start = day_bounds(StudioRules(timezone=zone), first).start_utc
    span = (max_days + 2) * 1440

    def resource(slug: str) -> tuple[str, StudioRules, list[Interval]]:
        own_week = draw(st.booleans())
        week = {w: draw(opening_ranges()) for w in range(7)} if own_week else studio_week
        rules = StudioRules(**shared, weekly_hours=week, overrides=studio_overrides)
        busy = [Interval(start + timedelta(minutes=(a := draw(st.integers(-180, span)))),
                         start + timedelta(minutes=a + draw(st.integers(1, 300))))
                for _ in range(draw(st.integers(0, 12)))]
        return slug, rules, busy

    people = [resource(f"p{i}") for i in range(draw(st.integers(1, 3)))]
    rooms = [resource(f"r{i}") for i in range(draw(st.integers(0, 2)))] if draw(st.booleans()) else None
    now = start + timedelta(seconds=draw(st.integers(-86400, 3 * 86400)))
    duration = timedelta(minutes=draw(st.sampled_from([30, 60, 90, 45])))
    return people, rooms, days, duration, now


def as_time(resources):
    return [ResourceTime(slug, rules, merge_epochs((epoch(b.start), epoch(b.end)) for b in busy))
            for slug, rules, busy in resources]


def brute_force(people, rooms, days, duration, now):
    """Every candidate start of every resource, every (person, room) pair, each checked with check_slot."""
    result = {}
    for day in days:
        candidates = set()
        for _slug, rules, _busy in [*people, *(rooms or [])]:
            for opening in opening_intervals(rules, day):
                at = opening.start_utc
                while at + duration <= opening.end_utc:
                    candidates.add(at)
                    at += rules.slot_step
        free = []
        for start in sorted(candidates):
            who = []
            for (slug, p_rules, p_busy), room in product(people, rooms if rooms is not None else [None]):
                if check_slot(p_rules, start, duration, p_busy, now) is not None:
                    continue
                if room is not None and check_slot(room[1], start, duration, room[2], now) is not None:
                    continue
                if slug not in who:
                    who.append(slug)
            if who:
                free.append((epoch(start), tuple(who)))
        result[day] = free
    return result


@settings(max_examples=120, deadline=None)
@given(studios(max_days=1))
def test_one_day_equals_trying_every_assignment(case) -> None:
    people, rooms, days, duration, now = case
    expected = brute_force(people, rooms, days, duration, now)
    assert free_resource_starts(as_time(people), as_time(rooms) if rooms is not None else None,
                                days, duration, now) == expected


@settings(max_examples=40, deadline=None)
@given(studios(max_days=31))
def test_a_month_across_dst_equals_trying_every_assignment(case) -> None:
    people, rooms, days, duration, now = case
    expected = brute_force(people, rooms, days, duration, now)
    assert free_resource_starts(as_time(people), as_time(rooms) if rooms is not None else None,
                                days, duration, now) == expected


def test_a_room_needed_but_none_exists_leaves_nothing_free() -> None:
    day = date(2026, 6, 1)  # a Monday
    rules = StudioRules(timezone="UTC", minimum_notice=timedelta(0), weekly_hours={0: (OpeningRange(540, 1020),)})
    person = ResourceTime("alex", rules, ([], []))
    now = datetime(2026, 5, 1, tzinfo=UTC)
    assert free_resource_starts([person], [], [day], timedelta(hours=1), now) == {day: []}
    assert len(free_resource_starts([person], None, [day], timedelta(hours=1), now)[day]) == 15


@given(st.lists(st.tuples(st.sampled_from("abcde"), st.integers(0, 3)), min_size=1, max_size=5, unique_by=lambda c: c[0]),
       st.dictionaries(st.sampled_from("abcde"), st.integers(0, 5)))
def test_assignment_prefers_the_fewest_bookings_then_the_order(people, counts) -> None:
    pairs = assign(people, None, counts)
    first = pairs[0][0]
    best = min((counts.get(slug, 0), order, slug) for slug, order in people)
    assert first == best[2]
    assert [p for p, _ in pairs] == sorted((slug for slug, _ in people),
                                         key=lambda s: (counts.get(s, 0), dict(people)[s], s))


def test_assignment_keeps_the_chosen_person_and_takes_rooms_in_order() -> None:
    pairs = assign([("alex", 0), ("sam", 1)], [("big", 1), ("small", 0)], {"sam": 3}, keep="sam")
    assert pairs == [("sam", "small"), ("sam", "big"), ("alex", "small"), ("alex", "big")]


def test_fairness_over_a_week_of_any_bookings() -> None:
    """100 "any" bookings spread over a week: counting the week keeps two people within one of each other."""
    counts: Counter[str] = Counter()
    for _ in range(100):
        person, _room = assign([("alex", 0), ("sam", 1)], None, counts)[0]
        counts[person] += 1
    assert abs(counts["alex"] - counts["sam"]) <= 1
