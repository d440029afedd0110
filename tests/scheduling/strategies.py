"""Hypothesis strategies shared by the scheduling property tests."""

from __future__ import annotations

from hypothesis import strategies as st

from booksync.scheduling import OpeningRange


@st.composite
def opening_ranges(draw: st.DrawFn) -> tuple[OpeningRange, ...]:
    """Up to three opening ranges in one day, in minutes since midnight, each at most 12 hours."""
    result = []
    for _ in range(draw(st.integers(0, 3))):
        start = draw(st.integers(0, 1439))
        end = draw(st.integers(start + 1, min(1440, start + 720)))
        result.append(OpeningRange(start, end))
    return tuple(result)
