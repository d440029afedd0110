"""A real Radicale stopped, or refusing a rotated password, while customers book (issue 17, ADR 0012).

Each test runs its own Radicale so it can stop and start it on the same port
and storage. A person with the right password keeps using the calendar.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from booksync.bookings.models import Booking
from booksync.integrations.caldav import BOOKING_PROPERTY, caldav_calendar
from booksync.outbox.delivery import deliver_due
from booksync.outbox.models import OutboxMessage
from tests.conftest import london

from .caldav_fixtures import RadicaleServer
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
from .test_caldav_calendar import foreign_event

pytestmark = [pytest.mark.radicale]


@pytest.fixture
def server(own_radicale: RadicaleServer) -> RadicaleServer:
    return own_radicale


@pytest.fixture
def calendar(own_calendar):
    return own_calendar


@pytest.fixture
def dav(own_caldav_settings):
    return own_caldav_settings


def go_down(how: str, server: RadicaleServer, settings) -> None:
    caldav_calendar().forget_busy()  # the fresh copy expires (or the change feed saw a change)
    if how == "stopped":
        server.stop()
    else:
        settings.CALDAV_PASSWORD = "the-password-before-it-was-rotated"


def come_back(how: str, server: RadicaleServer, settings) -> None:
    if how == "stopped":
        server.start()
    else:
        settings.CALDAV_PASSWORD = server.handle().password


def ours(calendar, booking_id: str) -> list:
    return [obj for obj in calendar.events() if str(obj.icalendar_component.get(BOOKING_PROPERTY)) == booking_id]


@pytest.mark.parametrize("how", ["stopped", "wrong password"])
def test_under_accept_booking_goes_on_and_a_clash_is_flagged_once_the_server_is_back(
        dav, server, calendar, studio, monday, api_client, admin_client, mailoutbox, how):
    dav.CALENDAR_OUTAGE_POLICY = "accept"
    foreign_event(calendar, london(monday, 9), london(monday, 10), "Dentist")
    assert "09:00" not in starts(availability(api_client, monday))

    go_down(how, server, dav)
    answer = availability(api_client, monday)
    assert answer["stale"] and answer["calendar_as_of"] and "09:00" not in starts(answer)
    never_read = availability(api_client, monday + timedelta(days=7))
    assert never_read["stale"] and never_read["calendar_as_of"] is None and never_read["slots"]
    if how == "wrong password":  # the studio, with the new password, adds a walk-in meanwhile
        foreign_event(calendar, london(monday, 14), london(monday, 15), "Walk-in")

    assert book(api_client, london(monday, 9), "Early").status_code == 409
    clashing = book(api_client, london(monday, 14), "Clash")
    calm = book(api_client, london(monday, 16), "Calm")
    assert (clashing.status_code, calm.status_code) == (201, 201)
    assert book_on_the_page(api_client, london(monday, 11), "Paige").status_code == 302
    statuses = page_statuses(api_client, monday, token_of(calm.json()))
    assert {url: s for url, s in statuses.items() if s >= 500} == {}

    brief = book(api_client, london(monday, 12), "Brief").json()
    cancel = api_client.post(f"/api/bookings/manage/{token_of(brief)}/cancel", "{}", content_type="application/json")
    assert cancel.status_code == 200

    deliver_due(force=True)
    # Writes and deletes alike wait in the outbox (a refused password is retryable too); none failed for good.
    # Five writes (Brief's creation and its cancellation) and the re-checks of the three still booked
    # (a cancelled booking has nothing left to clash).
    assert owed_calendar_work() == 8
    assert not OutboxMessage.objects.filter(state="failed").exists()
    if how == "wrong password":
        errors = OutboxMessage.objects.filter(topic="calendar").values_list("last_error", flat=True)
        assert all("refused CALDAV_USERNAME/CALDAV_PASSWORD" in error for error in errors)

    come_back(how, server, dav)
    if how == "stopped":  # added from a phone that synced once the server was up, before booksync retried
        foreign_event(calendar, london(monday, 14), london(monday, 15), "Walk-in")
    deliver_due(force=True)
    deliver_due(force=True)
    assert owed_calendar_work() == 0
    for booking in Booking.objects.exclude(pk=brief["id"]):
        assert len(ours(calendar, str(booking.pk))) == 1
    assert ours(calendar, brief["id"]) == []
    clash = Booking.objects.get(pk=clashing.json()["id"])
    assert clash_flags() == {str(clash.pk): ["Walk-in"]}
    assert_studio_told(mailoutbox, studio, clash, "Walk-in")
    assert_dashboard_flags(admin_client, clash, "Walk-in")
    assert not availability(api_client, monday)["stale"]


@pytest.mark.parametrize("how", ["stopped", "wrong password"])
def test_under_refuse_the_api_answers_503_and_the_page_keeps_the_form(
        dav, server, calendar, studio, monday, api_client, how):
    dav.CALENDAR_OUTAGE_POLICY = "refuse"
    availability(api_client, monday)
    go_down(how, server, dav)
    assert availability(api_client, monday)["stale"]
    refused = book(api_client, london(monday, 14), "Later")
    assert refused.status_code == 503 and refused.json()["error"] == "calendar_unavailable"
    assert int(refused["Retry-After"]) > 0
    page = book_on_the_page(api_client, london(monday, 14), "Paige")
    assert page.status_code == 503 and 'value="Paige"' in page.content.decode()
    assert "try again in a few minutes" in page.content.decode()
    assert not Booking.objects.exists()
