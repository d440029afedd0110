"""The sync dashboard renders the runs, each booking's sides and the webhook log; Sync now runs a sync."""

from __future__ import annotations

import pytest

from booksync.bookings import services
from booksync.bookings.models import Service
from booksync.sync.models import SyncRun
from tests.conftest import london


@pytest.fixture
def staff_client(db, client, django_user_model):
    user = django_user_model.objects.create_superuser("admin", "admin@example.com", "pw-for-tests-only")
    client.force_login(user)
    return client


def test_dashboard_shows_bookings_runs_and_sync_now_works(studio, monday, staff_client):
    booking = services.book(services.BookingRequest(start=london(monday, 10), name="Dash <b>Test</b>",
                                                    email="d@example.com",
                                                    service=Service.objects.get(slug="portrait"))).booking
    page = staff_client.get("/admin/sync/syncrun/dashboard/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Dash &lt;b&gt;Test&lt;/b&gt;" in html and "<b>Test</b>" not in html  # escaped
    assert "Outbox backlog: <strong>1</strong>" in html
    response = staff_client.post("/admin/sync/syncrun/dashboard/sync-now/")
    assert response.status_code == 302
    run = SyncRun.objects.get()
    assert run.trigger == "dashboard" and run.summary["created"] == 1
    html = staff_client.get("/admin/sync/syncrun/dashboard/").content.decode()
    assert "Outbox backlog: <strong>0</strong>" in html
    assert str(booking.pk) in html or "Dash" in html


def test_dashboard_needs_staff(db, client):
    assert client.get("/admin/sync/syncrun/dashboard/").status_code == 302  # to the login page


def test_bounce_shows_on_the_dashboard(studio, monday, staff_client):
    from booksync.sync.models import OutboxMessage
    from booksync.sync.outbox import deliver_due

    services.book(services.BookingRequest(start=london(monday, 10), name="Bouncy", email="b@example.com",
                                          service=Service.objects.get(slug="portrait")))
    deliver_due()
    OutboxMessage.objects.filter(topic="email").update(delivery_status="bounced", delivery_detail="550 no such user")
    html = staff_client.get("/admin/sync/syncrun/dashboard/").content.decode()
    row = html[html.index("Bouncy"):]
    row = row[: row.index("</tr>")]
    assert "✗" in row and "bounced" in row


def test_ledger_records_cannot_be_added_by_hand_and_runs_link_to_the_dashboard(staff_client):
    for model in ("syncrun", "outboxmessage", "auditentry", "webhookdelivery", "bookinglink"):
        assert staff_client.get(f"/admin/sync/{model}/add/").status_code == 403
    assert "/admin/sync/syncrun/dashboard/" in staff_client.get("/admin/sync/syncrun/").content.decode()
