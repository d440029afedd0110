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
    assert "1 change waiting to be sent to the other sides." in html
    response = staff_client.post("/admin/sync/syncrun/dashboard/sync-now/")
    assert response.status_code == 302
    run = SyncRun.objects.get()
    assert run.trigger == "dashboard" and run.summary["created"] == 1
    html = staff_client.get("/admin/sync/syncrun/dashboard/").content.decode()
    assert "Nothing is waiting to be sent." in html
    assert "Full sync" in html and "1 created" in html  # the run, as a sentence
    assert str(booking.pk) in html or "Dash" in html


def test_dashboard_needs_staff(db, client):
    assert client.get("/admin/sync/syncrun/dashboard/").status_code == 302  # to the login page


def test_bounce_shows_on_the_dashboard(studio, monday, staff_client):
    from booksync.outbox.delivery import deliver_due
    from booksync.outbox.models import OutboxMessage

    services.book(services.BookingRequest(start=london(monday, 10), name="Bouncy", email="b@example.com",
                                          service=Service.objects.get(slug="portrait")))
    deliver_due()
    OutboxMessage.objects.filter(topic="email").update(delivery_status="bounced", delivery_detail="550 no such user")
    html = staff_client.get("/admin/sync/syncrun/dashboard/").content.decode()
    group = html[html.index("Bouncy"):]
    group = group[: group.index("</article>")]
    assert "The confirmation email to b@example.com bounced (550 no such user). Check the address" in group


def test_ledger_records_cannot_be_added_by_hand_and_runs_link_to_the_dashboard(staff_client):
    for model in ("sync/syncrun", "outbox/outboxmessage", "outbox/auditentry", "sync/webhookdelivery",
                  "sync/bookinglink"):
        assert staff_client.get(f"/admin/{model}/add/").status_code == 403
    assert "/admin/sync/syncrun/dashboard/" in staff_client.get("/admin/sync/syncrun/").content.decode()


def test_unconfigured_sides_say_not_connected_and_how(studio, staff_client):
    html = staff_client.get("/admin/sync/syncrun/dashboard/").content.decode()
    notion = html[html.index("<strong>Notion:</strong>"):]
    notion = notion[: notion.index("</li>")]
    assert "not connected" in notion and "NOTION_API_KEY" in notion
    assert "✓" not in html
    calendar = html[html.index("<strong>Calendar:</strong>"):]
    assert "not connected" in calendar[: calendar.index("</li>")]
    assert "Nothing needs attention." in html


def test_a_failed_delivery_is_one_sentence_with_what_to_do(studio, monday, staff_client):
    from booksync.outbox.models import OutboxMessage

    booking = services.book(services.BookingRequest(start=london(monday, 10), name="Ada", email="ada@example.com",
                                                    service=Service.objects.get(slug="portrait"))).booking
    OutboxMessage.objects.filter(booking=booking).update(
        state="failed", attempts=12, last_error="IntegrationError: Notion answered 401 unauthorized\nTraceback …")
    html = staff_client.get("/admin/sync/syncrun/dashboard/").content.decode()
    assert ("Could not update the customer&#x27;s email: Notion answered 401 unauthorized. Fix the cause, then press"
            in html)
    assert f'href="/admin/bookings/booking/{booking.pk}/change/"' in html
    assert "<details><summary>Details</summary><pre>IntegrationError: Notion answered 401" in html
    assert "Retry failed deliveries (1)" in html
    assert "Ada: Portrait session booked for" in html and "by the customer on the website" in html  # audit
