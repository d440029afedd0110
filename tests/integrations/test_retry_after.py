"""Retry-After, as RFC 9110 (section 10.2.3) defines it: a number of seconds or an HTTP date."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from booksync.integrations.ports import retry_after_seconds

NOW = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(("header", "seconds"), [
    ("120", 120.0),
    (" 3 ", 3.0),
    (7, 7.0),
    ("-5", 0.0),  # a negative wait is no wait
    ("Thu, 26 Nov 2026 12:01:30 GMT", 90.0),
    ("Thu, 26 Nov 2026 11:59:00 GMT", 0.0),  # a date in the past: retry now
    (None, None),
    ("", None),
    ("soon", None),
])
def test_retry_after_is_seconds_or_an_http_date(header, seconds):
    assert retry_after_seconds(header, now=NOW) == seconds
