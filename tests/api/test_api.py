"""The seed's JSON API over Django's test client: shapes, errors, and that bad input writes nothing."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from booksync.bookings.models import Booking
from booksync.sync.models import OutboxMessage
from tests.conftest import london


def post(client, url, body, **headers):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(url, data, content_type="application/json", **headers)


def booking_body(start, **extra):
    body = {"service": "portrait", "start": start.isoformat(), "name": "Ann", "email": "ann@example.com"}
    body.update(extra)
    return body


def test_availability_for_a_day(studio, monday, api_client):
    response = api_client.get(f"/api/calendar/availability?date={monday}&duration=60")
    assert response.status_code == 200
    body = response.json()
    assert body["timezone"] == "Europe/London" and body["duration"] == 60
    # Monday 09:00–17:00, 30-minute steps, 60-minute sessions: 09:00 … 16:00 → 15 slots
    assert len(body["slots"]) == 15
    assert body["slots"][0]["start"].startswith(f"{monday}T09:00:00")


def test_availability_by_service_and_batch(studio, monday, api_client):
    by_service = api_client.get(f"/api/calendar/availability?date={monday}&service=family").json()
    assert by_service["duration"] == 90
    sunday = monday - timedelta(days=1)
    response = post(api_client, "/api/calendar/availability-batch", {"dates": [str(monday), str(sunday)], "duration": 60})
    assert response.status_code == 200
    days = {d["date"]: d["slots"] for d in response.json()["days"]}
    assert len(days[str(monday)]) == 15 and days[str(sunday)] == []


def test_batch_refuses_more_than_62_dates(studio, monday, api_client):
    dates = [str(monday + timedelta(days=i)) for i in range(63)]
    response = post(api_client, "/api/calendar/availability-batch", {"dates": dates, "duration": 60})
    assert response.status_code == 422
    assert response.json()["field"] == "dates"


def test_booked_slot_disappears_from_availability(studio, monday, api_client):
    before = api_client.get(f"/api/calendar/availability?date={monday}&duration=60").json()["slots"]
    assert "10:00" in {s["start"][11:16] for s in before}  # and now the picker's cache holds this day
    response = post(api_client, "/api/bookings", booking_body(london(monday, 10)))
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "confirmed" and body["service"] == "portrait"
    assert "/manage/" in body["manage_url"]
    slots = api_client.get(f"/api/calendar/availability?date={monday}&duration=60").json()["slots"]
    starts = {s["start"][11:16] for s in slots}
    assert "10:00" not in starts and "09:30" not in starts and "10:30" not in starts and "09:00" in starts


def test_idempotency_key_header(studio, monday, api_client):
    first = post(api_client, "/api/bookings", booking_body(london(monday, 10)), HTTP_IDEMPOTENCY_KEY="k-1")
    replay = post(api_client, "/api/bookings", booking_body(london(monday, 10)), HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201 and replay.status_code == 200
    assert first.json()["id"] == replay.json()["id"]
    assert Booking.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ("{not json", 400, None),
        ({"service": "portrait", "start": "tomorrow", "name": "A", "email": "a@example.com"}, 422, "start"),
        ({"service": "nope", "start": "2030-01-01T10:00:00+00:00", "name": "A", "email": "a@example.com"}, 422, "service"),
        ({"service": "portrait", "start": "2030-01-01T10:00:00", "name": "A", "email": "a@example.com"}, 422, "start"),
        ({"service": "portrait", "start": "2030-01-01T10:00:00+00:00", "name": "A", "email": "not-an-email"}, 422, "email"),
        ({"service": "portrait", "start": "2030-01-01T10:00:00+00:00", "name": "x" * 201, "email": "a@example.com"}, 422, "name"),
        ({"service": "portrait", "start": "2030-01-01T10:00:00+00:00", "name": "A", "email": "a@example.com",
          "notes": "n" * 2001}, 422, "notes"),
        ({"service": "portrait", "start": "2030-01-01T10:00:00+00:00", "name": 5, "email": "a@example.com"}, 422, "name"),
        ({"start": "2030-01-01T10:00:00+00:00", "name": "A", "email": "a@example.com"}, 422, "duration"),
    ],
)
def test_bad_input_is_named_and_writes_nothing(studio, api_client, body, status, field):
    response = post(api_client, "/api/bookings", body)
    assert response.status_code == status
    problem = response.json()
    assert problem["error"] and problem["message"]
    if field:
        assert problem["field"] == field
    assert Booking.objects.count() == 0 and OutboxMessage.objects.count() == 0


@pytest.mark.parametrize(
    ("when", "code"),
    [
        (lambda monday: london(monday - timedelta(days=30), 10), "in_past"),
        (lambda monday: london(monday + timedelta(days=400), 10), "beyond_horizon"),
        (lambda monday: london(monday, 20), "outside_hours"),
        (lambda monday: london(monday, 10, 7), "not_on_slot"),
    ],
)
def test_refused_times_say_why(studio, monday, api_client, when, code):
    response = post(api_client, "/api/bookings", booking_body(when(monday)))
    assert response.status_code == 422
    assert response.json()["error"] == code
    assert Booking.objects.count() == 0


def test_inside_minimum_notice(studio, api_client):
    from django.utils import timezone

    studio.minimum_notice_minutes = 60 * 24 * 3
    studio.save()
    soon = (timezone.now() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    response = post(api_client, "/api/bookings", booking_body(soon))
    assert response.status_code == 422
    assert response.json()["error"] in {"inside_minimum_notice", "outside_hours"}


def test_control_characters_are_stripped(studio, monday, api_client):
    response = post(api_client, "/api/bookings", booking_body(london(monday, 10), name="An\x00n\x1b", notes="hi\x07\nthere"))
    assert response.status_code == 201
    booking = Booking.objects.get()
    assert booking.name == "Ann" and booking.notes == "hi\nthere"


def test_manage_reschedule_and_cancel(studio, monday, api_client):
    token = post(api_client, "/api/bookings", booking_body(london(monday, 10))).json()["manage_url"].rstrip("/").split("/")[-1]
    assert api_client.get(f"/api/bookings/manage/{token}").json()["status"] == "confirmed"
    moved = post(api_client, f"/api/bookings/manage/{token}/reschedule", {"start": london(monday, 15).isoformat()})
    assert moved.status_code == 200 and moved.json()["start"].startswith(f"{monday}T15:00")
    cancelled = post(api_client, f"/api/bookings/manage/{token}/cancel", {"reason": "can't come"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = post(api_client, f"/api/bookings/manage/{token}/cancel", {})
    assert again.status_code == 409 and again.json()["error"] == "changes_closed"
    assert api_client.get("/api/bookings/manage/not-a-token").status_code == 404


def test_manage_inside_notice_window_is_409_with_reason(studio, api_client):
    from booksync.bookings import services
    from booksync.bookings.models import Service
    from tests.conftest import next_weekday

    day = next_weekday(0, at_least_days=3)
    result = services.book(services.BookingRequest(start=london(day, 10), name="A", email="a@example.com",
                                                   service=Service.objects.get(slug="portrait")))
    studio.change_notice_hours = 24 * 30
    studio.save()
    response = post(api_client, f"/api/bookings/manage/{result.token}/cancel", {})
    assert response.status_code == 409
    assert "hours before the session" in response.json()["message"]


def test_admin_sync_auth(studio, api_client, settings):
    settings.ADMIN_API_TOKEN = ""
    assert api_client.post("/api/admin/sync").status_code == 403
    settings.ADMIN_API_TOKEN = "s3cret-token-for-tests"
    assert api_client.post("/api/admin/sync").status_code == 401
    assert api_client.post("/api/admin/sync", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    response = api_client.post("/api/admin/sync", HTTP_AUTHORIZATION="Bearer s3cret-token-for-tests")
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert set(body["summary"]) == {"total", "created", "updated", "deleted", "skipped", "errors"}


def test_admin_sync_delivers_owed_email(studio, monday, api_client, settings, tmp_path):
    settings.ADMIN_API_TOKEN = "s3cret-token-for-tests"
    settings.EMAIL_OUTBOX_DIR = tmp_path
    settings.EMAIL_BACKEND = "booksync.integrations.mail.OutboxFolderBackend"
    post(api_client, "/api/bookings", booking_body(london(monday, 10)))
    auth = {"HTTP_AUTHORIZATION": "Bearer s3cret-token-for-tests"}
    dry = api_client.post("/api/admin/sync?dry_run=true", **auth).json()
    assert dry["summary"]["created"] == 1 and list(tmp_path.glob("*.eml")) == []
    body = api_client.post("/api/admin/sync", **auth).json()
    assert body["summary"]["created"] == 1 and body["summary"]["total"] == 1
    assert len(list(tmp_path.glob("*.eml"))) == 1
    second = api_client.post("/api/admin/sync", **auth).json()["summary"]
    assert (second["created"], second["updated"], second["deleted"]) == (0, 0, 0)


def test_services_health_and_openapi(studio, api_client, settings):
    assert [s["slug"] for s in api_client.get("/api/services").json()] == ["portrait", "family", "mini"]
    settings.ADMIN_API_TOKEN = "health-admin-token"
    health = api_client.get("/api/health", headers={"Authorization": "Bearer health-admin-token"}).json()
    assert health["status"] == "ok" and health["database"] == "ok" and health["outbox_backlog"] == 0
    spec = api_client.get("/api/openapi.json").json()
    for path in ("/api/calendar/availability", "/api/calendar/availability-batch", "/api/admin/sync", "/api/bookings"):
        assert path in spec["paths"]


def test_rescheduling_may_overlap_the_booking_s_own_time(studio, monday, api_client):
    token = post(api_client, "/api/bookings", booking_body(london(monday, 10))).json()["manage_url"].rstrip("/").split("/")[-1]
    plain = post(api_client, "/api/calendar/availability-batch", {"dates": [str(monday)], "duration": 60}).json()
    own = post(api_client, "/api/calendar/availability-batch",
               {"dates": [str(monday)], "duration": 60, "manage_token": token}).json()
    plain_starts = {s["start"][11:16] for s in plain["days"][0]["slots"]}
    own_starts = {s["start"][11:16] for s in own["days"][0]["slots"]}
    assert "10:30" not in plain_starts and "10:30" in own_starts
    moved = post(api_client, f"/api/bookings/manage/{token}/reschedule", {"start": london(monday, 10, 30).isoformat()})
    assert moved.status_code == 200
    bad = post(api_client, "/api/calendar/availability-batch",
               {"dates": [str(monday)], "duration": 60, "manage_token": "nope"})
    assert bad.status_code == 404
