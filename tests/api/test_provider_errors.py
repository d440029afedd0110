"""A provider failure that no outage policy handles still never reaches a visitor as a 500 (ADR 0012).

The calendar adapters report outages as ``CalendarUnreachable`` (tested against
the emulator and Radicale in tests/integrations/test_*_outage.py). This covers
the safety nets behind them: any other ``IntegrationError`` escaping a request
becomes a documented 503 — JSON on the API, a page saying what to do on the site.
"""

from __future__ import annotations

import pytest

from booksync.bookings import calendar_outage
from booksync.integrations.ports import PermanentError


class BrokenCalendar:
    """A busy source whose failure is not an outage the policy knows (a bug, a misconfiguration)."""

    name = "broken"

    def busy(self, window, *, live=False):
        raise PermanentError("the calendar answered something nobody expected")


@pytest.fixture
def broken_calendar(monkeypatch):
    monkeypatch.setattr(calendar_outage, "busy_source", BrokenCalendar)


def test_the_api_answers_a_json_503(studio, monday, api_client, broken_calendar):
    response = api_client.get(f"/api/calendar/availability?date={monday}&service=portrait")
    assert response.status_code == 503 and response["Content-Type"].startswith("application/json")
    assert response.json()["error"] == "calendar_unavailable" and int(response["Retry-After"]) > 0


def test_a_page_answers_a_503_page_that_says_what_to_do(studio, monday, api_client, broken_calendar):
    response = api_client.get(f"/book/portrait/?date={monday}")
    assert response.status_code == 503 and int(response["Retry-After"]) > 0
    html = response.content.decode()
    assert "Please try again in a few minutes" in html and studio.contact_email in html
