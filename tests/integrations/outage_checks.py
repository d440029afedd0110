"""What every calendar outage test checks, whichever calendar is down and however (issue 17, ADR 0012)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.urls import reverse

from booksync.bookings.calendar_outage import CLASH_ACTION
from booksync.bookings.models import Booking
from booksync.outbox.models import AuditEntry, OutboxMessage

from .google_fixtures import post_json


def availability(client, day: date) -> dict:
    """The API's answer for ``day`` (portrait, 60 minutes); it must be a 200 whatever the calendar does."""
    response = client.get(f"/api/calendar/availability?date={day}&service=portrait")
    assert response.status_code == 200, response.content
    return response.json()


def starts(answer: dict) -> set[str]:
    return {slot["start"][11:16] for slot in answer["slots"]}


def book(client, start: datetime, name: str):
    return post_json(client, "/api/bookings", {"service": "portrait", "start": start.isoformat(), "name": name,
                                               "email": f"{name.lower()}@example.com"})


def token_of(made: dict) -> str:
    return made["manage_url"].rstrip("/").rsplit("/", 1)[-1]


def page_statuses(client, day: date, token: str) -> dict[str, int]:
    """Every customer page and API read a visitor could hit, with its status."""
    later = day + timedelta(days=14)
    gets = ["/", "/book/portrait/", f"/book/portrait/?date={day}", f"/book/portrait/?date={later}",
            f"/manage/{token}/", f"/manage/{token}/confirmed/", f"/manage/{token}/reschedule/",
            f"/manage/{token}/reschedule/?date={later}", f"/manage/{token}/cancel/",
            "/api/services", f"/api/calendar/availability?date={later}&duration=30",
            f"/api/bookings/manage/{token}"]
    statuses = {url: client.get(url).status_code for url in gets}
    batch = post_json(client, "/api/calendar/availability-batch",
                      {"dates": [str(day), str(later)], "service": "portrait"})
    statuses["POST /api/calendar/availability-batch"] = batch.status_code
    return statuses


def book_on_the_page(client, start: datetime, name: str):
    """The booking form posted as a browser would (no JavaScript needed)."""
    return client.post("/book/portrait/", {
        "start": start.isoformat(), "date": str(start.date()), "timezone": "Europe/London", "name": name,
        "email": f"{name.lower()}@example.com", "phone": "", "notes": "Kept through the outage",
        "idempotency_key": f"web:{name}", "website": ""})


def owed_calendar_work() -> int:
    return OutboxMessage.objects.filter(topic__in=["calendar", "calendar_check"], state="pending").count()


def clash_flags() -> dict[str, list[str]]:
    """Booking id → summaries of the calendar events flagged as clashing with it."""
    return {str(entry.booking_id): [event["summary"] for event in entry.detail["events"]]
            for entry in AuditEntry.objects.filter(action=CLASH_ACTION)}


def assert_studio_told(mailoutbox, studio, booking: Booking, summary: str) -> None:
    alerts = [m for m in mailoutbox if m.subject.startswith("Calendar clash")]
    assert [m.to for m in alerts] == [[studio.contact_email]]
    assert booking.name in alerts[0].subject and summary in alerts[0].body
    assert f"/admin/bookings/booking/{booking.pk}/change/" in alerts[0].body
    assert "/manage/" not in alerts[0].body  # the studio's alert never carries the customer's link


def assert_dashboard_flags(admin_client, booking: Booking, summary: str) -> None:
    page = admin_client.get(reverse("admin:sync-dashboard"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Calendar clashes found after an outage" in html
    section = html[html.index('id="calendar-clashes"'):html.index("Recent syncs")]
    assert booking.name in section and summary in section
