"""Issue 23, the studio settings screen (Django test client; ADR 0021): hours and days in, minutes
kept; a time zone only from zoneinfo's list; HH:MM rows; the studio cannot be deleted here."""

from __future__ import annotations

import re

import pytest

from booksync.bookings.models import Studio

pytestmark = pytest.mark.django_db


def settings_url(studio) -> str:
    return f"/admin/bookings/studio/{studio.pk}/change/"


def posted(studio, **changes) -> dict:
    """The settings form as a browser posts it, unchanged but for ``changes``."""
    hours = list(studio.weekly_hours.all())
    data = {
        "name": studio.name, "timezone": studio.timezone,
        **{f"{field}_{code}": getattr(studio, f"{field}_{code}") or "" for field in ("tagline", "about")
           for code in ("en", "de", "fr")},
        "slot_step_minutes": str(studio.slot_step_minutes), "minimum_notice_hours": "2",
        "horizon_days": str(studio.horizon_days), "change_notice_hours": str(studio.change_notice_hours),
        "refund_window_hours": str(studio.refund_window_hours),
        "buffer_before_minutes": "0", "buffer_after_minutes": "0", "primary_color": studio.primary_color,
        "accent_color": studio.accent_color, "logo_url": "", "contact_email": studio.contact_email,
        "contact_phone": studio.contact_phone, "address": studio.address, "holiday_country": "",
        "holiday_region": "", "notify_studio": "on", "default_language": "en", "time_leads": studio.time_leads,
        "weekly_hours-TOTAL_FORMS": str(len(hours)), "weekly_hours-INITIAL_FORMS": str(len(hours)),
        "weekly_hours-MIN_NUM_FORMS": "0", "weekly_hours-MAX_NUM_FORMS": "1000",
        "overrides-TOTAL_FORMS": "0", "overrides-INITIAL_FORMS": "0", "overrides-MIN_NUM_FORMS": "0",
        "overrides-MAX_NUM_FORMS": "1000", "_continue": "1",
    }
    for i, row in enumerate(hours):
        data.update({f"weekly_hours-{i}-id": str(row.pk), f"weekly_hours-{i}-studio": str(studio.pk),
                     f"weekly_hours-{i}-weekday": str(row.weekday), f"weekly_hours-{i}-start": f"{row.start:%H:%M}",
                     f"weekly_hours-{i}-end": f"{row.end:%H:%M}"})
    data.update(changes)
    return data


def test_the_screen_speaks_plainly_and_has_no_delete(studio, staff_client):
    html = staff_client.get(settings_url(studio)).content.decode()
    for words in ("Opening hours", "Booking rules", "Branding", "Contact", "Public holidays", "Special dates",
                  "Emails", "Bookings close this many hours before the start",
                  "Customers can book up to this many days ahead", "Offer a start time every",
                  "Tagline (English)", "Tagline (Deutsch)", "About the studio (Français)"):
        assert words in html, words
    assert "Slot step" not in html and "Minimum notice minutes" not in html
    assert 'type="color"' in html and 'list="time-zones"' in html and '<option value="Europe/Berlin">' in html
    assert re.search(r'name="weekly_hours-0-start" value="09:00"', html)  # HH:MM, no seconds
    assert 'for="id_weekly_hours-0-start"' in html and "vTimeField" not in html  # labelled, no "Now" shortcut
    assert "deletelink" not in html
    assert staff_client.get(f"/admin/bookings/studio/{studio.pk}/delete/").status_code == 403
    assert staff_client.get("/admin/bookings/studio/")["Location"] == settings_url(studio)


def test_hours_become_minutes_and_times_may_be_typed_without_a_colon(studio, staff_client):
    response = staff_client.post(settings_url(studio), posted(
        studio, minimum_notice_hours="1.5", timezone="America/New_York", **{"weekly_hours-0-start": "0830"}))
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = Studio.load()
    assert (saved.minimum_notice_minutes, saved.timezone) == (90, "America/New_York")
    assert saved.tagline_en == studio.tagline_en and saved.tagline_en  # the texts per language kept
    assert f"{saved.weekly_hours.first().start:%H:%M}" == "08:30"
    page = staff_client.get(settings_url(studio)).content.decode()
    assert 'name="minimum_notice_hours" value="1.50"' in page


@pytest.mark.parametrize(("field", "value", "message"), [
    ("timezone", "New York", "&#x27;New York&#x27; is not a time zone. Did you mean America/New_York?"),
    ("timezone", "Mars/Olympus", "Choose one from the list"),
    ("weekly_hours-0-end", "08:00", "Closes after it opens (00:00 means midnight)."),
    ("weekly_hours-0-start", "9 o&#x27;clock", "Give the time as HH:MM, e.g. 09:30."),
])
def test_bad_settings_are_refused_naming_the_field(studio, staff_client, field, value, message):
    before = (studio.timezone, list(studio.weekly_hours.values_list("start", "end")))
    response = staff_client.post(settings_url(studio), posted(studio, **{field: value.replace("&#x27;", "'")}))
    assert response.status_code == 200
    assert message in response.content.decode()
    saved = Studio.load()
    assert (saved.timezone, list(saved.weekly_hours.values_list("start", "end"))) == before
