"""Weak: admin passwords, the .ics feed, the SendGrid webhook, email addresses, files and /api/health."""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from booksync.bookings import services
from booksync.bookings.models import Booking, Service, Studio
from booksync.sync.models import OutboxMessage
from tests.conftest import london

from .conftest import ADMIN_TOKEN, booking_body, post_json

pytestmark = pytest.mark.django_db


# --- admin login ------------------------------------------------------------------------------------
def test_admin_password_guessing_is_locked_out(settings, client):
    settings.AXES_FAILURE_LIMIT = 5
    User.objects.create_superuser("owner", "owner@example.com", "the-right-password-42")
    statuses = [client.post("/admin/login/?next=/admin/", {"username": "owner", "password": f"guess-{guess}"})
                .status_code for guess in range(6)]
    assert statuses == [200] * 4 + [429] * 2  # the form again, then locked out at the fifth failure
    locked = client.post("/admin/login/?next=/admin/", {"username": "owner", "password": "the-right-password-42"})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another address is not locked out.
    other = Client(REMOTE_ADDR="203.0.113.50")
    assert other.post("/admin/login/?next=/admin/",
                      {"username": "owner", "password": "the-right-password-42"}).status_code == 302


# --- the studio feed --------------------------------------------------------------------------------
@pytest.fixture
def booked(studio, monday, settings):
    settings.OUTBOX_WAKE_WORKER = False
    return services.book(services.BookingRequest(start=london(monday, 10), name="Ann Private", email="ann@example.com",
                                                 service=Service.objects.get(slug="portrait")))


def feed_summaries(client) -> list[str]:
    response = client.get(f"/calendar/{Studio.load().feed_token}.ics")
    assert response.status_code == 200
    return [str(e["SUMMARY"]) for e in Calendar.from_ical(response.content).walk("VEVENT")]


def test_the_feed_shows_busy_time_only_unless_names_are_opted_into(booked, settings, client):
    assert feed_summaries(client) == ["Booked"]
    assert b"Ann Private" not in client.get(f"/calendar/{Studio.load().feed_token}.ics").content
    settings.CALENDAR_FEED_DETAILS = "names"
    assert feed_summaries(client) == ["Portrait session: Ann Private"]


def test_the_admin_can_rotate_the_feed_address(booked, client):
    old = Studio.load().feed_token
    admin = User.objects.create_superuser("admin", "admin@example.com", "pw-for-tests-123")
    client.force_login(admin)
    assert old in client.get(reverse("admin:sync-dashboard")).content.decode()
    assert client.post(reverse("admin:sync-rotate-feed")).status_code == 302
    new = Studio.load().feed_token
    assert new != old
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{new}.ics").status_code == 200


def test_setup_no_longer_prints_the_feed_address(studio, monkeypatch, capsys):
    from booksync import cli

    monkeypatch.setattr(cli, "_django", lambda: None)
    monkeypatch.setattr(cli, "_manage", lambda *args: None)
    cli.main(["setup"])
    assert Studio.load().feed_token not in capsys.readouterr().out


# --- SendGrid event webhook ---------------------------------------------------------------------------
TRACKING = "/anymail/sendgrid/tracking/"


def test_the_sendgrid_webhook_is_closed_without_its_secret(booked, settings, client):
    settings.ANYMAIL = {k: v for k, v in settings.ANYMAIL.items()
                        if k not in ("WEBHOOK_SECRET", "SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY")}
    message = OutboxMessage.objects.get(topic="email")
    OutboxMessage.objects.filter(pk=message.pk).update(provider_message_id="sg-1")
    forged = [{"event": "bounce", "sg_message_id": "sg-1.filter", "email": "ann@example.com", "timestamp": 1700000000,
               "anymail_id": "sg-1", "reason": "forged"}]
    response = client.post(TRACKING, json.dumps(forged), content_type="application/json")
    assert response.status_code == 401
    assert OutboxMessage.objects.get(pk=message.pk).delivery_status == ""


def test_the_doctor_says_when_sendgrid_is_on_without_a_webhook_secret(settings):
    from booksync.integrations import mail_doctor

    settings.EMAIL_BACKEND = "anymail.backends.sendgrid.EmailBackend"
    settings.SENDGRID_API_KEY, settings.SENDGRID_FROM_EMAIL = "SG.key", "studio@example.com"
    settings.ANYMAIL_WEBHOOK_SECRET = settings.SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY = ""
    problems = " ".join(func() for name, func in [("mail", lambda: " ".join(mail_doctor._sendgrid_problems()))])
    assert "closed (401)" in problems and "ANYMAIL_WEBHOOK_SECRET" in problems


# --- email addresses ------------------------------------------------------------------------------
@pytest.mark.parametrize("address", ["root@localhost", "a@[127.0.0.1]", "ann\x07@example.com", "ann@example",
                                     "ann@example.com\r\nBcc: x@example.com", '"quoted"@example.com',
                                     '"a\x01b"@example.com'])
def test_the_api_refuses_addresses_the_mailer_cannot_use(studio, monday, api_client, address):
    response = post_json(api_client, "/api/bookings", booking_body(london(monday, 10), email=address))
    assert response.status_code == 422 and response.json()["field"] == "email"
    assert not Booking.objects.exists()


def test_the_form_refuses_them_with_its_usual_error(studio, monday, client):
    from booksync.web.picker import slot_value

    start = london(monday, 10)
    response = client.post("/book/portrait/", {"start": slot_value(start), "date": start.date().isoformat(),
                                               "name": "Ann", "email": "root@localhost"})
    assert response.status_code == 422 and "We cannot send email to that address" in response.content.decode()
    assert not Booking.objects.exists()


# --- files and health ----------------------------------------------------------------------------------
def test_var_files_are_private(booked, settings, tmp_path):
    from django.db import connection

    from booksync.sync.outbox import deliver_due

    settings.EMAIL_BACKEND = "booksync.integrations.mail.OutboxFolderBackend"
    settings.EMAIL_OUTBOX_DIR = Path(settings.DATA_DIR) / "outbox-permissions-test"
    deliver_due(force=True, topics=["email"])
    [eml] = list(Path(settings.EMAIL_OUTBOX_DIR).glob("*.eml"))
    assert stat.S_IMODE(eml.stat().st_mode) == 0o600
    assert stat.S_IMODE(Path(settings.EMAIL_OUTBOX_DIR).stat().st_mode) == 0o700
    assert stat.S_IMODE(Path(settings.DATA_DIR).stat().st_mode) == 0o700
    if connection.vendor == "sqlite":
        assert stat.S_IMODE(Path(connection.settings_dict["NAME"]).stat().st_mode) == 0o600
    shutil.rmtree(settings.EMAIL_OUTBOX_DIR)


def test_health_tells_strangers_only_ok_or_degraded(studio, settings, api_client):
    settings.ADMIN_API_TOKEN = ADMIN_TOKEN
    anonymous = api_client.get("/api/health")
    assert anonymous.json() == {"status": "ok"}
    assert str(settings.DATA_DIR) not in anonymous.content.decode()
    detailed = api_client.get("/api/health", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).json()
    assert detailed["database"] == "ok" and "email_backend" in detailed
    wrong = api_client.get("/api/health", headers={"Authorization": "Bearer guess"}).json()
    assert wrong == {"status": "ok"}


@pytest.mark.parametrize("body", [None, 0, {}, [1], [{}], [{"event": "bounce", "timestamp": "x"}],
                                  [{"event": "dropped", "reason": 5}], [{"event": "bounce", "timestamp": 10**30}]])
def test_a_malformed_but_authenticated_sendgrid_batch_is_a_400(studio, settings, client, body):
    """Found by the fuzz pass: anymail's parser raised a 500 on these."""
    import base64

    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": "sendgrid:secret"}
    auth = "Basic " + base64.b64encode(b"sendgrid:secret").decode()
    response = Client(raise_request_exception=False).post(TRACKING, json.dumps(body), content_type="application/json",
                                                          headers={"Authorization": auth})
    assert response.status_code == 400
