"""The availability answers' slot text, written from epoch seconds, equals pydantic's rendering of
the aware datetimes in the studio's zone (what the schemas would have produced), DST days included."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic_core import to_json

from booksync.web.slot_json import slots_json

ZONES = ["UTC", "Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "America/St_Johns"]
DST_DAYS = [date(2026, 3, 29), date(2026, 10, 25), date(2026, 3, 8), date(2026, 11, 1), date(2026, 4, 5),
            date(2026, 10, 4)]


def expected(starts: list[int], length: int, tz: ZoneInfo) -> list[dict]:
    return json.loads(to_json([{"start": datetime.fromtimestamp(s, tz), "end": datetime.fromtimestamp(s + length, tz)}
                               for s in starts]))


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(ZONES), st.one_of(st.sampled_from(DST_DAYS), st.dates(date(2026, 1, 1), date(2027, 12, 31))),
       st.lists(st.integers(0, 26 * 60), max_size=40), st.integers(5, 720))
def test_slot_text_matches_pydantic(zone: str, day: date, minutes: list[int], length_minutes: int) -> None:
    tz = ZoneInfo(zone)
    midnight = int(datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC).timestamp())
    starts = sorted({midnight + 60 * m for m in minutes})
    assert slots_json(starts, 60 * length_minutes, tz) == expected(starts, 60 * length_minutes, tz)


def test_a_night_across_the_clock_change_shows_both_offsets() -> None:
    tz = ZoneInfo("Europe/London")
    start = int(datetime(2026, 10, 25, 0, 30, tzinfo=tz).timestamp())
    slots = slots_json([start + 1800 * n for n in range(4)], 3600, tz)
    assert [s["start"] for s in slots] == ["2026-10-25T00:30:00+01:00", "2026-10-25T01:00:00+01:00",
                                           "2026-10-25T01:30:00+01:00", "2026-10-25T01:00:00Z"]
    assert slots[0]["end"] == "2026-10-25T01:30:00+01:00" and slots[-1]["end"] == "2026-10-25T02:00:00Z"
    assert slots_json([], 3600, tz) == []
