"""The local calendar's .ics feed, the booking's own invite download, and `booksync doctor`."""

from __future__ import annotations

from icalendar import Calendar

from booksync.bookings import services
from booksync.bookings.models import Block, Service
from tests.conftest import london


def _book(day, hour, name="Ann"):
    return services.book(services.BookingRequest(start=london(day, hour), name=name, email="ann@example.com",
                                                 service=Service.objects.get(slug="portrait")))


def test_feed_lists_active_bookings_and_blocks(studio, monday, client):
    kept = _book(monday, 10).booking
    gone = _book(monday, 14, name="Gone").booking
    services.cancel(gone, actor="admin")
    Block.objects.create(start=london(monday, 12), end=london(monday, 13), reason="Lunch")
    response = client.get(f"/calendar/{studio.feed_token}.ics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    events = {str(e["SUMMARY"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {"Booked", "Lunch"}  # busy time only: no customer's name by default
    assert str(events["Booked"]["UID"]) == f"{kept.pk}@booksync"
    assert cal.walk("VTIMEZONE"), "the feed carries the studio's VTIMEZONE"
    assert client.get("/calendar/not-the-token.ics").status_code == 404


def test_invite_download_follows_the_booking(studio, monday, client):
    result = _book(monday, 10)
    first = Calendar.from_ical(client.get(f"/manage/{result.token}/invite.ics").content)
    assert str(first["METHOD"]) == "REQUEST"
    services.cancel(result.booking, actor="admin")
    after = Calendar.from_ical(client.get(f"/manage/{result.token}/invite.ics").content)
    assert str(after["METHOD"]) == "CANCEL"
    [event] = after.walk("VEVENT")
    assert int(event["SEQUENCE"]) == 1


def test_doctor_names_each_problem_and_exits_non_zero(studio, settings):
    from booksync.doctor import run_doctor

    lines: list[str] = []
    settings.ADMIN_API_TOKEN = ""
    studio.weekly_hours.all().delete()
    assert run_doctor(lines.append) == 1
    problems = [line for line in lines if line.startswith("PROBLEM")]
    assert any("weekly hours" in p for p in problems)
    assert not any("ADMIN_API_TOKEN" in p for p in problems)  # optional: a note (below), not a problem


def test_an_unset_optional_variable_is_a_note_and_the_doctor_exits_0(studio, settings):
    from booksync.doctor import run_doctor

    settings.ADMIN_API_TOKEN = ""
    lines: list[str] = []
    assert run_doctor(lines.append) == 0, lines
    assert [line for line in lines if line.startswith("NOTE")] == [
        "NOTE [admin API] ADMIN_API_TOKEN is not set (optional), so the admin API (POST /api/admin/sync) is off. "
        "To use it, set it to a long random string."]
    assert lines[-1] == "all checks passed (1 note(s) on optional settings)"
    settings.ADMIN_API_TOKEN = "short"
    assert run_doctor([].append) == 1  # set, but too short: that is a problem


def test_doctor_passes_on_a_healthy_default(studio, settings):
    from booksync.doctor import run_doctor

    settings.ADMIN_API_TOKEN = "a-long-enough-admin-token"
    lines: list[str] = []
    code = run_doctor(lines.append)
    assert code == 0, lines
    assert lines[-1] == "all checks passed"
