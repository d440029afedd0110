"""The diary's week or day as rows of studio time: which bookings and blocks sit where.

Every day of a view shares the same rows (one per slot step, from the earliest
opening or booking to the latest), so the days of a week line up side by side;
on a phone the days stack. An entry covers ``span`` rows from its start row.
Times are studio wall-clock times, day by day, so DST days need no care here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from booksync.scheduling import StudioRules, day_bounds, opening_intervals

DEFAULT_HOURS = (9 * 60, 17 * 60)
MAX_SPAN = 48


@dataclass
class Entry:
    kind: str  # "booking" or "block"
    pk: str
    title: str
    detail: str
    start: datetime  # studio-local
    end: datetime
    status: str = ""
    span: int = 1


@dataclass
class Row:
    at: time
    is_open: bool
    entries: list[Entry] = field(default_factory=list)
    covered: bool = False  # inside an entry that started on an earlier row


@dataclass
class Day:
    day: date
    holiday: str
    is_open: bool
    rows: list[Row]
    label: str = ""  # the day view of a studio of several: one column per person or room (ADR 0017)
    slug: str = ""  # … that column's resource, and its kind ("person" or "room"): its free rows book it
    kind: str = ""

    @property
    def count(self) -> int:
        return sum(len(row.entries) for row in self.rows)


def _minutes(moment: datetime) -> int:
    return moment.hour * 60 + moment.minute


def _local_openings(rules: StudioRules, day: date, zone: ZoneInfo) -> list[tuple[int, int]]:
    spans = []
    for interval in opening_intervals(rules, day):
        start, end = interval.start.astimezone(zone), interval.end.astimezone(zone)
        spans.append((_minutes(start), 1440 if end.date() > day else _minutes(end)))
    return spans


def lay_out(days: list[date], entries: list[Entry], rules: StudioRules, zone: ZoneInfo, step: int,
            holidays: dict[date, str]) -> list[Day]:
    """The days with their rows; ``entries`` carry studio-local start/end."""
    openings = {day: _local_openings(rules, day, zone) for day in days}
    by_day: dict[date, list[Entry]] = {day: [] for day in days}
    for entry in entries:
        if entry.start.date() in by_day:
            by_day[entry.start.date()].append(entry)
    starts = [s for spans in openings.values() for s, _ in spans] + [_minutes(e.start) for e in entries]
    ends = [e for spans in openings.values() for _, e in spans] + [
        1440 if e.end.date() > e.start.date() else _minutes(e.end) for e in entries]
    first = (min(starts) if starts else DEFAULT_HOURS[0]) // step * step
    last = max(ends) if ends else DEFAULT_HOURS[1]
    last = min(1440, math.ceil(last / step) * step)
    laid = []
    for day in days:
        rows = [Row(at=time(m // 60, m % 60), is_open=any(s <= m < e for s, e in openings[day]))
                for m in range(first, last, step)]
        for entry in sorted(by_day[day], key=lambda e: e.start):
            index = max(0, (_minutes(entry.start) - first) // step)
            end_minute = 1440 if entry.end.date() > day else _minutes(entry.end)
            entry.span = max(1, min(MAX_SPAN, math.ceil((end_minute - first) / step) - index, len(rows) - index))
            rows[index].entries.append(entry)
            for covered in rows[index + 1:index + entry.span]:
                covered.covered = True
        laid.append(Day(day=day, holiday=holidays.get(day, ""), is_open=bool(openings[day]), rows=rows))
    _uncover_rows_with_their_own_entries(laid)
    return laid


def _uncover_rows_with_their_own_entries(days: list[Day]) -> None:
    """An entry starting inside another (overlapping blocked time) still shows in its own row."""
    for day in days:
        for row in day.rows:
            if row.entries:
                row.covered = False


def week_of(day: date) -> list[date]:
    monday = day - timedelta(days=day.weekday())
    return [monday + timedelta(days=n) for n in range(7)]


def window(rules: StudioRules, days: list[date]):
    """The absolute time the days cover."""
    return day_bounds(rules, days[0]).start, day_bounds(rules, days[-1]).end
