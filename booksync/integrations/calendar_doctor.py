"""`booksync doctor` checks for the calendar integrations: one sentence per problem, no tracebacks.

Plain functions: ``booksync/doctor.py`` lists them among its checks.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings

from .caldav import CalendarNotFound, caldav_calendar
from .google_api import execute
from .google_calendar import google_calendar
from .ports import IntegrationError, SignInRefused
from .registry import calendar_provider


def google_problems(once_connected: Callable[[], list[str]] = list) -> list[str]:
    """Google's settings and a read of the calendar; ``once_connected`` adds checks that
    mean something only when Google answered (the doctor's push channel check)."""
    if calendar_provider() != "google":
        return []
    if settings.GOOGLE_REFRESH_TOKEN and not (settings.GOOGLE_CLIENT_ID and settings.GOOGLE_CLIENT_SECRET):
        return ["GOOGLE_REFRESH_TOKEN is set without GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET. Fix: set both."]

    calendar = google_calendar()
    try:
        # Reading the calendar refreshes the token first, so this proves both.
        execute(calendar.service.calendars().get(calendarId=calendar.calendar_id), "read calendar")
    except SignInRefused as exc:
        return [str(exc)]  # one sentence, with the fix in it
    except IntegrationError as exc:
        return [f"{exc}. Fix: check the GOOGLE_* settings (and GOOGLE_CALENDAR_ID)."]
    problems = []
    if settings.INVITES_VIA == "calendar" and settings.GOOGLE_SERVICE_ACCOUNT_FILE and not settings.GOOGLE_IMPERSONATE_USER:
        problems.append("INVITES_VIA=calendar with a service account needs GOOGLE_IMPERSONATE_USER "
                        "(domain-wide delegation), or Google refuses attendees.")
    return [*problems, *once_connected()]


def caldav_problems() -> list[str]:
    if calendar_provider() != "caldav":
        return []

    try:
        caldav_calendar().check()
    except CalendarNotFound as exc:
        return [f"{exc}. Fix: set CALDAV_CALENDAR to one of those names, or to the calendar's URL."]
    except IntegrationError as exc:
        return [f"{_sentence(exc)} Fix: check CALDAV_URL, CALDAV_USERNAME, CALDAV_PASSWORD and CALDAV_CALENDAR."]
    if settings.INVITES_VIA == "calendar":
        return ["INVITES_VIA=calendar has no effect with CalDAV (the server sends no invitations). "
                "Fix: set INVITES_VIA=email."]
    return []


def describe() -> str:
    """The doctor's calendar line: which calendar was found, where, and how many events it holds."""
    provider = calendar_provider()
    if provider != "caldav":
        return provider

    calendar = caldav_calendar()
    try:
        name = calendar.check() or "(unnamed)"
        return f"{name} at {calendar.calendar.url}, {calendar.count_events()} events"
    except IntegrationError:
        return f"caldav at {settings.CALDAV_URL}, no calendar found (see the problem below)"


def _sentence(exc: Exception) -> str:
    text = str(exc).rstrip()
    return text if text.endswith((".", "!", "?")) else f"{text}."
