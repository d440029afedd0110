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
