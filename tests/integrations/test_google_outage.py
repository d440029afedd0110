"""Google Calendar down (503s, hung connections) while customers book (issue 17, ADR 0012).

The emulator's fault injection makes every Calendar API call fail; token
refreshes still work. A person's edits go straight into the emulator's store,
as edits in Google's own app would during an outage of the API.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from booksync.bookings.models import Booking
from booksync.integrations.google_calendar import google_calendar
from booksync.outbox.delivery import deliver_due
from booksync.sync.engine import run_sync
from tests.conftest import london

from .outage_checks import (
    assert_dashboard_flags,
    assert_studio_told,
    availability,
    book,
    book_on_the_page,
    clash_flags,
    owed_calendar_work,
    page_statuses,
    starts,
    token_of,
)

pytestmark = pytest.mark.usefixtures("google_settings")

API = r"^/calendar/v3/"


def go_down(gcal, how: str) -> None:
    if how == "503":
        gcal.fail_backend(status=503, times=None, path=API)
    else:  # longer than GOOGLE_HTTP_TIMEOUT (1 s in the tests): every attempt times out
        gcal.add_fault(kind="hang", seconds=1.5, path=API, times=None)


def our_events(gcal, booking_id: str) -> list[dict]:
    return [e for e in gcal.events("primary")
            if (e.get("extendedProperties") or {}).get("private", {}).get("bookingId") == booking_id]


@pytest.mark.parametrize("how", ["503", "timeout"])
def test_under_accept_booking_goes_on_and_a_clash_is_flagged_once_google_is_back(
        studio, monday, api_client, admin_client, mailoutbox, gcal, settings, how):
    settings.CALENDAR_OUTAGE_POLICY = "accept"
    gcal.human_insert("primary", london(monday, 9), london(monday, 10), "Dentist")
    before = availability(api_client, monday)
    assert not before["stale"] and "09:00" not in starts(before)

    google_calendar().forget_busy()  # the fresh copy expires (or a push says the calendar changed)
    go_down(gcal, how)
    answer = availability(api_client, monday)
    assert answer["stale"] and answer["calendar_as_of"]  # the last known picture, and when it was read
    assert "09:00" not in starts(answer) and "14:00" in starts(answer)
    never_read = availability(api_client, monday + timedelta(days=7))
    assert never_read["stale"] and never_read["calendar_as_of"] is None and never_read["slots"]

    # During the outage someone puts a walk-in into the calendar at 14:00.
    gcal.human_insert("primary", london(monday, 14), london(monday, 15), "Walk-in")
    assert book(api_client, london(monday, 9), "Early").status_code == 409  # the last known picture still counts
    clashing = book(api_client, london(monday, 14), "Clash")
    calm = book(api_client, london(monday, 16), "Calm")
    assert (clashing.status_code, calm.status_code) == (201, 201)
    page = book_on_the_page(api_client, london(monday, 11), "Paige")
    assert page.status_code == 302  # the page books too
    statuses = page_statuses(api_client, monday, token_of(calm.json()))
    assert {url: s for url, s in statuses.items() if s >= 500} == {}

    # Nothing is lost while Google is down: the writes and re-checks wait in the outbox.
    deliver_due(force=True)
    assert owed_calendar_work() == 6  # three events, three re-checks
    assert all(our_events(gcal, made.json()["id"]) == [] for made in (clashing, calm))

    gcal.clear_faults()
    deliver_due(force=True)
    deliver_due(force=True)  # the studio's alert, recorded by the first pass
    assert owed_calendar_work() == 0
    paige = Booking.objects.get(name="Paige")
    for booking_id in (clashing.json()["id"], calm.json()["id"], str(paige.pk)):
        assert len(our_events(gcal, booking_id)) == 1  # exactly once, whatever was retried
    clash = Booking.objects.get(pk=clashing.json()["id"])
    assert clash_flags() == {str(clash.pk): ["Walk-in"]}
    assert_studio_told(mailoutbox, studio, clash, "Walk-in")
    assert_dashboard_flags(admin_client, clash, "Walk-in")
    assert not availability(api_client, monday)["stale"]  # Google answered: fresh again

    # The studio moves the booking: the clash is settled and leaves the dashboard's list.
    moved = api_client.post(f"/api/bookings/manage/{token_of(clashing.json())}/reschedule",
                            f'{{"start": "{london(monday, 15).isoformat()}"}}', content_type="application/json")
    assert moved.status_code == 200
    assert "Calendar clashes found after an outage" not in admin_client.get(
        reverse("admin:sync-dashboard")).content.decode()


def test_under_refuse_the_api_answers_503_and_the_page_keeps_the_form(studio, monday, api_client, gcal, settings):
    settings.CALENDAR_OUTAGE_POLICY = "refuse"
    availability(api_client, monday)
    google_calendar().forget_busy()
    go_down(gcal, "503")
    assert availability(api_client, monday)["stale"]  # slots still show, labelled

    refused = book(api_client, london(monday, 14), "Later")
    assert refused.status_code == 503 and refused["Content-Type"].startswith("application/json")
    assert refused.json()["error"] == "calendar_unavailable" and int(refused["Retry-After"]) > 0
    page = book_on_the_page(api_client, london(monday, 14), "Paige")
    html = page.content.decode()
    assert page.status_code == 503 and page["Retry-After"]
    assert "try again in a few minutes" in html
    assert 'value="Paige"' in html and 'value="paige@example.com"' in html and "Kept through the outage" in html
    assert not Booking.objects.exists()

    gcal.clear_faults()
    google_calendar().forget_busy()  # any sign of life (here: a push notification) ends the outage at once
    assert book(api_client, london(monday, 14), "Later").status_code == 201


def test_a_failed_calendar_delete_counts_as_an_error_not_a_deletion(studio, monday, api_client, gcal, settings):
    made = book(api_client, london(monday, 10), "Gone").json()
    deliver_due(force=True)
    assert len(our_events(gcal, made["id"])) == 1
    from booksync.bookings import services

    services.cancel(Booking.objects.get(pk=made["id"]), actor="admin")
    deliver_due(force=True, topics=["email"])  # the customer's cancellation email is not the deletion
    gcal.add_fault(kind="status", status=503, method="DELETE", path=API, times=None)
    result = run_sync(trigger="admin", full=True)
    assert result["summary"]["deleted"] == 0 and result["summary"]["errors"] >= 1
    gcal.clear_faults()
    from booksync.outbox.models import OutboxMessage

    # A sync keeps an older message's backoff (issue 11): let the retry fall due, as time would.
    OutboxMessage.objects.filter(topic="calendar", state="pending").update(not_before=timezone.now())
    result = run_sync(trigger="admin", full=True)
    assert result["summary"]["deleted"] == 1 and result["summary"]["errors"] == 0
    assert [e["status"] for e in our_events(gcal, made["id"])] in ([], ["cancelled"])
