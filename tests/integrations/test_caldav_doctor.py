"""`booksync doctor` with CalDAV: it says which calendar it found, and what to fix when it found none."""

from __future__ import annotations

import pytest

from booksync.doctor import run_doctor
from tests.conftest import london

from .test_caldav_calendar import foreign_event

pytestmark = [pytest.mark.radicale, pytest.mark.usefixtures("own_caldav_settings")]


def doctor() -> list[str]:
    lines: list[str] = []
    run_doctor(lines.append)
    return lines


def calendar_lines(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("calendar:") or "[caldav]" in line]


def test_a_good_configuration_names_the_calendar_and_counts_its_events(own_calendar, own_radicale, monday, studio,
                                                                         settings):
    for hour in (9, 11):
        foreign_event(own_calendar, london(monday, hour), london(monday, hour + 1))
    expected = [f"calendar: Studio at {own_calendar.url}, 2 events"]
    assert calendar_lines(doctor()) == expected
    settings.CALDAV_CALENDAR = "Studio"  # by name: the same calendar, found by discovery
    assert calendar_lines(doctor()) == expected


def test_a_wrong_calendar_name_lists_the_account_s_calendars(own_radicale, studio, settings):
    settings.CALDAV_CALENDAR = "Stuido"
    assert calendar_lines(doctor()) == [
        f"calendar: caldav at {settings.CALDAV_URL}, no calendar found (see the problem below)",
        "PROBLEM [caldav] CalDAV calendar 'Stuido' was not found; the account has: 'Studio'. "
        "Fix: set CALDAV_CALENDAR to one of those names, or to the calendar's URL.",
    ]


def test_a_refused_password_says_so_once_and_what_to_check(own_radicale, studio, settings):
    settings.CALDAV_PASSWORD = "not-the-password"
    lines = calendar_lines(doctor())
    assert lines == [
        f"calendar: caldav at {settings.CALDAV_URL}, no calendar found (see the problem below)",
        "PROBLEM [caldav] CalDAV reading the calendar: the server refused CALDAV_USERNAME/CALDAV_PASSWORD. "
        "Fix: check CALDAV_URL, CALDAV_USERNAME, CALDAV_PASSWORD and CALDAV_CALENDAR.",
    ]
    assert ".." not in "".join(lines)
