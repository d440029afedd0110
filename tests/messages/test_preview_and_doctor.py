"""The admin's email previews, and what `booksync doctor` says about mail."""

from __future__ import annotations

import socket

import pytest
from django.contrib.auth.models import User

from booksync.bookings.messages.catalogue import STUDIO_EVENTS
from booksync.bookings.messages.emails import KINDS
from booksync.integrations.mail import backend_name
from booksync.integrations.mail_doctor import email_problems


@pytest.fixture
def staff_client(client, db):
    client.force_login(User.objects.create_user("staff", "staff@example.com", "pw", is_staff=True))
    return client


def test_staff_preview_every_email_with_sample_data(studio, staff_client):
    studio.name = "Studio <i>Nine</i>"
    studio.save()
    index = staff_client.get("/admin/email-preview/")
    assert index.status_code == 200
    for kind in KINDS:
        assert f"/admin/email-preview/{kind}.html" in index.content.decode()
        html = staff_client.get(f"/admin/email-preview/{kind}.html")
        assert html.status_code == 200
        assert "Alex Example" in html.content.decode()
        assert "Studio &lt;i&gt;Nine&lt;/i&gt;" in html.content.decode()
        text = staff_client.get(f"/admin/email-preview/{kind}.txt")
        assert text["Content-Type"].startswith("text/plain") and "Alex Example" in text.content.decode()
    assert staff_client.get("/admin/email-preview/nonsense.html").status_code == 404


def test_staff_preview_every_studio_notice_with_the_bookings_details(studio, staff_client):
    studio.name = "Studio <i>Nine</i>"
    studio.save()
    index = staff_client.get("/admin/email-preview/").content.decode()
    for what in STUDIO_EVENTS:
        assert f"/admin/email-preview/studio/{what}.html" in index
        html = staff_client.get(f"/admin/email-preview/studio/{what}.html")
        assert html.status_code == 200 and html["X-Frame-Options"] == "SAMEORIGIN"
        page = html.content.decode()
        assert "Alex Example" in page and "Studio &lt;i&gt;Nine&lt;/i&gt;" in page
        assert "+44 20 7946 0958" in page and "Bringing our dog, Biscuit." in page  # phone, notes
        text = staff_client.get(f"/admin/email-preview/studio/{what}.txt")
        assert text["Content-Type"].startswith("text/plain")
        assert "Phone: +44 20 7946 0958" in text.content.decode()
    assert "New booking: Alex Example" in index and "Calendar clash:" in index
    cancelled = staff_client.get("/admin/email-preview/studio/cancelled.txt").content.decode()
    assert "Cancellation reason: Our flight was moved; we will book again." in cancelled
    assert "Booking cancelled: Alex Example" in cancelled
    moved = staff_client.get("/admin/email-preview/studio/rescheduled.html").content.decode()
    assert "moved from" in moved and "in Notion" in moved
    assert staff_client.get("/admin/email-preview/studio/nonsense.html").status_code == 404


def test_preview_is_staff_only(studio, client):
    for path in ("/admin/email-preview/confirmation.html", "/admin/email-preview/studio/created.html"):
        response = client.get(path)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    client.force_login(User.objects.create_user("customer", "c@example.com", "pw"))
    assert client.get("/admin/email-preview/").status_code == 302


def test_doctor_names_sendgrid_problems(settings):
    settings.EMAIL_BACKEND = "anymail.backends.sendgrid.EmailBackend"
    settings.SENDGRID_API_KEY = ""
    settings.SENDGRID_FROM_EMAIL = ""
    settings.ANYMAIL_WEBHOOK_SECRET = ""
    settings.SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY = "not-a-key"
    problems = email_problems()
    assert len(problems) == 3
    assert any("SENDGRID_API_KEY is not set" in p for p in problems)
    assert any("SENDGRID_FROM_EMAIL is not set" in p for p in problems)
    assert any("is not a public key" in p for p in problems)
    assert "SendGrid" in backend_name()


def test_doctor_is_quiet_about_a_complete_sendgrid_setup(settings, sendgrid):
    settings.ANYMAIL_WEBHOOK_SECRET = "user:password"
    settings.SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY = sendgrid.webhook_public_key_b64
    assert email_problems() == []


def test_doctor_checks_the_smtp_host_is_reachable(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        settings.EMAIL_HOST, settings.EMAIL_PORT = listener.getsockname()
        assert email_problems() == []
    [problem] = email_problems()  # the port is closed now
    assert problem.startswith(f"cannot reach the SMTP server 127.0.0.1:{settings.EMAIL_PORT}")
