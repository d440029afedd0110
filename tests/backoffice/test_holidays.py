"""Public holidays (the holidays library) close the studio; the owner sees them in the settings and re-opens one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from booksync.bookings.demo import DEMO_HOURS
from booksync.bookings.public_holidays import holidays_between

pytestmark = pytest.mark.django_db


def slots(client, day):
    return client.get(f"/api/calendar/availability?date={day}&duration=60").json()["slots"]


@pytest.fixture
def england(studio):
    studio.holiday_country, studio.holiday_region, studio.horizon_days = "GB", "ENG", 400
    studio.save()
    today = timezone.localdate()
    coming = holidays_between(studio, today + timedelta(days=2), today + timedelta(days=380))
    day, name = next((d, n) for d, n in coming.items() if d.weekday() in DEMO_HOURS)
    return studio, day, name


def test_a_public_holiday_is_closed_and_can_be_reopened(england, staff_client, client):
    studio, day, name = england
    assert slots(client, day) == []
    settings_page = staff_client.get(f"/admin/bookings/studio/{studio.pk}/change/").content.decode()
    assert f"{day:%a %d %b %Y} — {name}: closed" in settings_page
    assert f'name="reopen" value="{day.isoformat()}"' in settings_page
    response = staff_client.post("/admin/bookings/studio/reopen-holiday/", {"reopen": day.isoformat()})
    assert response.status_code == 302
    assert len(slots(client, day)) > 0
    settings_page = staff_client.get(f"/admin/bookings/studio/{studio.pk}/change/").content.decode()
    assert f"{day:%a %d %b %Y} — {name}: open (your date override)" in settings_page
    diary = staff_client.get(f"/admin/diary/?date={day}").content.decode()
    assert f"Public holiday: {name}" in diary


def test_only_holidays_can_be_reopened_there(england, staff_client):
    studio, day, _ = england
    staff_client.post("/admin/bookings/studio/reopen-holiday/", {"reopen": (day - timedelta(days=1)).isoformat()})
    assert not studio.overrides.exists()


def test_an_unknown_country_or_region_is_a_form_error(studio, staff_client):
    from booksync.bookings.models import Studio

    studio.holiday_country, studio.holiday_region = "GB", "XX"
    with pytest.raises(ValidationError) as error:
        studio.full_clean()
    assert "Regions of GB: ENG, NIR, SCT, WLS" in str(error.value)
    studio.holiday_country, studio.holiday_region = "ZZ", ""
    with pytest.raises(ValidationError) as error:
        studio.full_clean()
    assert "not a country code" in str(error.value)
    assert Studio.objects.get().holiday_country == ""
