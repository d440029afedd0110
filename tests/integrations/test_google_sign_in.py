"""A refused Google refresh token (invalid_grant) waits, is told once, and every owed write lands once after (ADR 0016).

The emulator's token endpoint answers a revoked refresh token as Google documents it:
400 {"error": "invalid_grant"}.
"""

from __future__ import annotations

from collections import Counter

import pytest
from django.core import mail

from booksync.bookings import services
from booksync.bookings.models import Booking, Service
from booksync.doctor import run_doctor
from booksync.integrations.google_api import SIGN_IN_AGAIN
from booksync.outbox.delivery import deliver_due
from booksync.outbox.models import OutboxMessage, OutboxState
from tests.conftest import london

DASHBOARD = "/admin/sync/syncrun/dashboard/"


def book(day, hour) -> Booking:
    return services.book(services.BookingRequest(start=london(day, hour), name=f"Ann {hour}", email=f"a{hour}@example.com",
                                                 service=Service.objects.get(slug="portrait"))).booking


def studio_alerts() -> list:
    return [m for m in mail.outbox if m.extra_headers.get("X-Booksync-Notice") == "studio"]


def test_a_revoked_refresh_token_waits_is_told_once_and_every_write_lands_once_after_signing_in(
        google_settings, gcal, studio, monday, studio_emails, client, django_user_model):
    google_settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    first = book(monday, 9)
    deliver_due()
    gcal.revoke_refresh_token(gcal.refresh_token)  # the studio removed booksync's access in its Google account
    gcal.expire_access_tokens()
    owed = [book(monday, hour) for hour in (11, 13, 15)]
    services.reschedule(Booking.objects.get(pk=first.pk), london(monday, 10), actor="admin")
    for _ in range(3):
        deliver_due(force=True)
    waiting = OutboxMessage.objects.filter(topic="calendar").exclude(state=OutboxState.DONE)
    assert waiting.count() == 4
    assert all(m.state == OutboxState.PENDING for m in waiting), [(m.key, m.state, m.last_error) for m in waiting]
    assert all(SIGN_IN_AGAIN in m.last_error for m in waiting)
    alerts = [m for m in studio_alerts() if "sign in to Google again" in m.body]
    assert len(alerts) == 1, [m.subject for m in studio_alerts()]  # one email, not one per message
    assert SIGN_IN_AGAIN in alerts[0].body

    lines: list[str] = []
    run_doctor(lines.append)
    assert [line for line in lines if SIGN_IN_AGAIN in line] == [f"PROBLEM [google calendar] {SIGN_IN_AGAIN}"]
    admin = django_user_model.objects.create_superuser("admin", "admin@example.com", "pw-for-tests-only")
    client.force_login(admin)
    html = client.get(DASHBOARD).content.decode().replace("&#x27;", "'").replace("&#x60;", "`")
    assert SIGN_IN_AGAIN in html

    inserts_before = len([c for c in gcal.calls("POST", r"/events$") if c.status == 200])
    gcal.register_client(gcal.client_id, gcal.client_secret, "a-new-refresh-token")  # `booksync google auth`
    google_settings.GOOGLE_REFRESH_TOKEN = "a-new-refresh-token"
    deliver_due(force=True)
    assert not OutboxMessage.objects.exclude(state=OutboxState.DONE).exists()
    inserted = Counter(c.path for c in gcal.calls("POST", r"/events$") if c.status == 200)
    assert sum(inserted.values()) - inserts_before == len(owed)  # each new booking's event, once
    events = {e["extendedProperties"]["private"]["bookingId"]: e for e in gcal.events("primary")}
    assert set(events) == {str(b.pk) for b in [first, *owed]}
    assert events[str(first.pk)]["start"]["dateTime"].startswith(london(monday, 10).isoformat()[:16])
    html = client.get(DASHBOARD).content.decode().replace("&#x27;", "'").replace("&#x60;", "`")
    assert SIGN_IN_AGAIN not in html
    assert len([m for m in studio_alerts() if "sign in to Google again" in m.body]) == 1


@pytest.mark.parametrize("grant", ["invalid_grant"])
def test_the_refusal_is_retryable_and_names_the_fix(google_settings, gcal, grant):
    from booksync.integrations.google_calendar import google_calendar
    from booksync.integrations.ports import SignInRefused

    gcal.revoke_refresh_token(gcal.refresh_token)
    with pytest.raises(SignInRefused) as refused:
        google_calendar().calendar_zone()
    assert refused.value.retryable and "booksync google auth" in str(refused.value) and grant in str(refused.value)
