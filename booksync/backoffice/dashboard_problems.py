"""What the sync dashboard tells a studio owner, in sentences: each side's connection, and each problem
with what to do about it, grouped by booking. Raw error text is kept for a disclosure, never the headline.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from booksync.bookings.messages.delivery_status import PROBLEMS as EMAIL_PROBLEMS
from booksync.integrations.google_api import SIGN_IN_AGAIN
from booksync.integrations.mail import backend_name
from booksync.integrations.registry import calendar_provider, notion_enabled
from booksync.outbox.models import OutboxMessage, OutboxState
from booksync.sync import sign_in

SIDE_NAMES = {"notion": "Notion", "calendar": "the calendar", "email": "the customer's email", "studio": "the studio's email"}


@dataclass
class Side:
    name: str
    connected: bool
    sentence: str
    how_to_connect: str = ""
    last_success: datetime | None = None


@dataclass
class Problem:
    sentence: str
    raw: str = ""


@dataclass
class BookingProblems:
    booking: object
    admin_url: str
    notion_url: str = ""
    event_url: str = ""
    problems: list[Problem] = field(default_factory=list)


def sides(last_successes: dict[str, str | None]) -> list[Side]:
    def last(name: str) -> datetime | None:
        value = last_successes.get(name)
        return datetime.fromisoformat(value) if value else None

    notion = (Side("Notion", True, "Connected: bookings are kept in your Notion database.", last_success=last("notion"))
              if notion_enabled() else
              Side("Notion", False, "Bookings are not copied to Notion.",
                   "Create an integration at notion.so/my-integrations, share your bookings database with it, then "
                   "set NOTION_API_KEY and NOTION_BOOKINGS_DATABASE_ID (or run `booksync notion init`) and restart."))
    provider = calendar_provider()
    if provider == "local":
        calendar = Side("Calendar", False,
                        "Not connected to Google Calendar or CalDAV; bookings are published in the studio's .ics feed "
                        "(Studio settings › Calendar feed).",
                        "For Google Calendar run `booksync google auth` and add the lines it prints to your "
                        "environment; for another calendar set CALDAV_URL, CALDAV_USERNAME and CALDAV_PASSWORD.")
    else:
        calendar = Side("Calendar", True, f"Connected to {'Google Calendar' if provider == 'google' else 'CalDAV'}.",
                        last_success=last("calendar"))
        if provider == "google" and sign_in.refused_since() is not None:
            calendar = Side("Calendar", False, SIGN_IN_AGAIN, last_success=last("calendar"))
    backend = settings.EMAIL_BACKEND
    if backend.endswith("OutboxFolderBackend"):
        email = Side("Email", False, f"Not connected: emails are written to a folder on the server ({backend_name()}), "
                                     "not sent.",
                     "Set SENDGRID_API_KEY and SENDGRID_FROM_EMAIL, or EMAIL_HOST with its user and password.")
    else:
        email = Side("Email", True, f"Sending through {backend_name()}.", last_success=last("email"))
    return [notion, calendar, email]


def _short(error: str) -> str:
    """The first line of an error, without the exception's class name."""
    line = (error or "").strip().splitlines()[0] if error and error.strip() else "no reason was recorded"
    head, sep, rest = line.partition(": ")
    if sep and head.replace("_", "").isalnum() and head[:1].isupper() and " " not in head:
        line = rest
    return line[:200].rstrip(".")


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%a %d %b %H:%M}"


def message_problem(message: OutboxMessage, zone: ZoneInfo) -> Problem | None:
    side = SIDE_NAMES.get(message.topic, message.topic)
    if message.state == OutboxState.FAILED:
        return Problem(f"Could not update {side}: {_short(message.last_error)}. Fix the cause, then press "
                       f"“Retry failed deliveries”.", message.last_error)
    if message.state == OutboxState.PENDING and message.attempts:
        return Problem(f"Updating {side} failed {message.attempts} time(s) ({_short(message.last_error)}); "
                       f"it retries by itself at {_local(message.not_before, zone)}. Nothing to do unless it keeps "
                       f"failing.", message.last_error)
    if message.topic == "email" and message.delivery_status in EMAIL_PROBLEMS:
        detail = f" ({message.delivery_detail})" if message.delivery_detail else ""
        return Problem(f"The {message.action} email to {message.booking.email if message.booking else 'the customer'} "
                       f"{message.delivery_status}{detail}. Check the address with the customer and correct it on "
                       f"the booking.", message.delivery_detail)
    return None


def notion_page_url(page_id: str) -> str:
    return f"https://www.notion.so/{page_id.replace('-', '')}" if page_id else ""


def calendar_event_url(event_id: str) -> str:
    """Google Calendar's own event link (its htmlLink has this form); only where the calendar is named."""

    calendar_id = getattr(settings, "GOOGLE_CALENDAR_ID", "")
    if not event_id or calendar_provider() != "google" or "@" not in calendar_id:
        return ""
    eid = base64.urlsafe_b64encode(f"{event_id} {calendar_id}".encode()).decode().rstrip("=")
    return f"https://www.google.com/calendar/event?eid={eid}"


def booking_problems(messages: list[OutboxMessage], zone: ZoneInfo) -> list[BookingProblems]:
    """Problems of the outbox, one group per booking, bookings in the order their first problem was owed."""
    groups: dict[object, BookingProblems] = {}
    for message in messages:
        problem = message_problem(message, zone)
        if problem is None:
            continue
        booking = message.booking
        if booking is None:
            key = None
            group = groups.setdefault(key, BookingProblems(None, ""))
        else:
            key = booking.pk
            link = getattr(booking, "link", None)
            group = groups.setdefault(key, BookingProblems(
                booking, reverse("admin:bookings_booking_change", args=[booking.pk]),
                notion_page_url(link.notion_page_id if link else ""),
                calendar_event_url(link.calendar_event_id if link else "")))
        group.problems.append(problem)
    return list(groups.values())


def run_errors(run, zone: ZoneInfo) -> list[Problem]:
    """A sync run's errors as sentences: which record on which side, and what to do."""
    problems = []
    for error in run.errors or []:
        side = {"notion": "Notion", "calendar": "the calendar"}.get(error.get("side"), error.get("side") or "a side")
        where = f"a record in {side}" + (f" ({error['id']})" if error.get("id") else "")
        problems.append(Problem(f"The sync at {_local(run.started_at, zone)} could not take in {where}: "
                                f"{_short(error.get('error', ''))}. Correct it there; the next sync picks it up.",
                                str(error.get("error", ""))))
    return problems


def run_sentence(run, zone: ZoneInfo) -> str:
    summary = run.summary or {}
    kind = "Full sync" if run.full else "Sync"
    started = _local(run.started_at, zone)
    if run.finished_at is None:
        return f"{kind} started {started} is still running."
    counts = [f"{summary.get(k, 0)} {k}" for k in ("created", "updated", "deleted") if summary.get(k)]
    changed = ", ".join(counts) if counts else "nothing to change"
    errors = len(run.errors or [])
    conflicts = summary.get("conflicts") or 0
    tail = f"; {errors} problem(s)" if errors else "; no problems"
    if conflicts:
        tail += f"; {conflicts} conflicting edit(s) settled"
    return f"{kind} {started} ({run.get_trigger_display().lower()}{', dry run' if run.dry_run else ''}): {changed}{tail}."


def now_in(zone: ZoneInfo) -> datetime:
    return timezone.now().astimezone(zone)
