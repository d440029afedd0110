"""People with their own CalDAV calendars on the studio's server (ADR 0017), against a real Radicale
with two calendars: Sam's event blocks only Sam, the studio's calendar blocks everyone."""

from __future__ import annotations

import uuid

import pytest

from booksync.bookings.busy.cache import bump
from booksync.bookings.models import Resource
from tests.conftest import london

from .caldav_fixtures import radicale  # noqa: F401
from .test_caldav_calendar import foreign_event

pytestmark = [pytest.mark.radicale, pytest.mark.usefixtures("caldav_settings")]


def people_at(client, day) -> dict:
    response = client.get(f"/api/calendar/availability?date={day}&service=portrait")
    assert response.status_code == 200, response.content
    return {s["start"][11:16]: s["people"] for s in response.json()["slots"]}


def test_sams_calendar_blocks_only_sam_and_the_studio_s_blocks_both(team_studio, monday, api_client, dav_calendar,
                                                                    radicale):  # noqa: F811
    sams = radicale.client().principal().make_calendar(name="Sam " + uuid.uuid4().hex[:6], cal_id=uuid.uuid4().hex)
    Resource.objects.filter(slug="sam").update(calendar=str(sams.url))
    bump()
    foreign_event(sams, london(monday, 10), london(monday, 11), "Sam's dentist")
    foreign_event(dav_calendar, london(monday, 14), london(monday, 15), "Studio closed")
    slots = people_at(api_client, monday)
    assert slots["10:00"] == ["alex"]
    assert "14:00" not in slots
    assert slots["12:00"] == ["alex", "sam"]


def _names(calendar) -> set[str]:
    return {str(obj.url).rstrip("/").rsplit("/", 1)[-1] for obj in calendar.events()}


def test_sams_booking_is_written_to_sams_calendar_and_a_new_photographer_moves_it(team_studio, monday, dav_calendar,
                                                                                 radicale):  # noqa: F811
    """CalDAV has no move: the event is written at Alex's calendar under the same name, then deleted at Sam's."""
    from booksync.bookings import services, studio_edits
    from booksync.bookings.models import Service
    from booksync.outbox.delivery import deliver_due
    from booksync.sync.engine import run_sync
    from booksync.sync.models import BookingLink

    principal = radicale.client().principal()
    sams = principal.make_calendar(name="Sam " + uuid.uuid4().hex[:6], cal_id=uuid.uuid4().hex)
    alexs = principal.make_calendar(name="Alex " + uuid.uuid4().hex[:6], cal_id=uuid.uuid4().hex)
    Resource.objects.filter(slug="sam").update(calendar=str(sams.url))
    Resource.objects.filter(slug="alex").update(calendar=str(alexs.url))
    bump()
    booking = services.book(services.BookingRequest(start=london(monday, 10), name="Ada", email="ada@example.com",
                                                    service=Service.objects.get(slug="portrait"),
                                                    resource="sam")).booking
    deliver_due(force=True)
    link = BookingLink.objects.get(booking=booking)
    assert link.calendar_name == str(sams.url)
    assert _names(sams) == {link.calendar_event_id} and _names(dav_calendar) == set()
    quiet = run_sync(trigger="admin", full=True)["summary"]
    assert (quiet["created"], quiet["updated"], quiet["errors"]) == (0, 0, 0), quiet

    studio_edits.move_booking(booking.pk, booking.start, by="desk", person="alex")
    deliver_due(force=True)
    link.refresh_from_db()
    assert link.calendar_name == str(alexs.url)
    assert _names(alexs) == {link.calendar_event_id} and _names(sams) == set()
    for full in (False, True):
        after = run_sync(trigger="admin", full=full)["summary"]
        assert (after["created"], after["updated"], after["deleted"], after["errors"]) == (0, 0, 0, 0), after
