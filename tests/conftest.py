"""Fixtures shared by the whole suite."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest


def pytest_configure(config):
    # Chromium, Radicale and the emulators talk to loopback only; make sure no proxy intercepts that.
    import os

    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
    # Pages and emails speak German and French from the compiled catalogues (`make test` compiles
    # them too; this keeps a bare `pytest` run right after editing a .po file).
    from booksync.locale_tools import compile_catalogues

    compile_catalogues()


@pytest.fixture(autouse=True)
def studio_emails_off(settings, monkeypatch):
    """Tests count the customer's emails; the studio's own notices are switched on by the tests about them
    (``studio_emails`` below). The variable reaches the servers and workers tests start."""
    settings.STUDIO_NOTIFY = False
    monkeypatch.setenv("STUDIO_NOTIFY", "false")


@pytest.fixture
def studio_emails(settings, monkeypatch):
    settings.STUDIO_NOTIFY = True
    monkeypatch.setenv("STUDIO_NOTIFY", "true")
    return settings


@pytest.fixture
def studio(db):
    """The demo studio (Europe/London, Mon–Sat hours, three services), no buffers by default, with one
    person (as every studio was before people and rooms; ``team_studio`` has Alex, Sam and the Big room)."""
    from booksync.bookings.demo import load_demo

    studio = load_demo(team=False)
    studio.buffer_before_minutes = 0
    studio.buffer_after_minutes = 0
    studio.minimum_notice_minutes = 120
    studio.change_notice_hours = 24
    studio.save()
    return studio


@pytest.fixture
def team_studio(db):
    """The demo studio as ``make run`` loads it: Alex and Sam (both Portrait and Mini, only Alex Family),
    Family needs the one Big room. No buffers."""
    from booksync.bookings.demo import load_demo

    studio = load_demo(team=True)
    studio.buffer_before_minutes = 0
    studio.buffer_after_minutes = 0
    studio.minimum_notice_minutes = 120
    studio.change_notice_hours = 24
    studio.save()
    return studio


def next_weekday(weekday: int, at_least_days: int = 3) -> date:
    """The first ``weekday`` (0 = Monday) at least ``at_least_days`` from today."""
    day = date.today() + timedelta(days=at_least_days)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day


def london(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo("Europe/London"))


def open_starts(monday: date, count: int) -> list[datetime]:
    """``count`` distinct hourly starts inside the demo studio's open hours, from ``monday`` on."""
    from booksync.bookings.demo import DEMO_HOURS

    starts = [london(monday + timedelta(days=day), hour) for day in sorted(DEMO_HOURS)
              for opens, closes in DEMO_HOURS[day] for hour in range(opens, closes)]
    assert len(starts) >= count, "the demo week has fewer open hours than asked for"
    return starts[:count]


@pytest.fixture
def monday() -> date:
    return next_weekday(0)


@pytest.fixture
def api_client():
    from django.test import Client

    return Client()


def csp_directive(response, name: str) -> str:
    """One directive's sources from the response's Content-Security-Policy (the rest is the site-wide policy)."""
    directives = dict(part.strip().partition(" ")[::2] for part in response["Content-Security-Policy"].split(";"))
    return directives[name]
