"""The admin home is arranged for the studio; the machinery is in a Technical section for those allowed."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

pytestmark = pytest.mark.django_db
STUDIO_LINKS = ["Diary", "Bookings", "Services", "Studio settings", "Blocked time", "Sync status", "Email previews"]


def test_owner_sees_the_studio_first_and_technical_last(studio, staff_client):
    html = staff_client.get("/admin/").content.decode()
    positions = [html.index(f"<strong>{title}</strong>") for title in STUDIO_LINKS]
    assert positions == sorted(positions)
    assert 'href="/admin/diary/"' in html and 'href="/admin/sync/syncrun/dashboard/"' in html
    assert f'href="/admin/bookings/studio/{studio.pk}/change/"' in html
    technical = html[html.index('id="technical-heading"'):]
    assert "Outbox messages" in technical and "Queued tasks" in technical and "Users" in technical
    assert html.index("<strong>Diary</strong>") < html.index('id="technical-heading"')


def test_staff_without_the_permission_see_no_machinery(studio, client, django_user_model):
    user = django_user_model.objects.create_user("frontdesk", password="pw-for-tests-only", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="bookings")
                              .exclude(codename="view_technical"))
    client.force_login(user)
    html = client.get("/admin/").content.decode()
    assert "<strong>Diary</strong>" in html and "<strong>Bookings</strong>" in html
    assert "Technical" not in html and "Outbox messages" not in html
    assert "<strong>Sync status</strong>" not in html  # no sync permission
    page = client.get("/admin/bookings/booking/").content.decode()
    assert "Outbox messages" not in page  # nor in the side navigation
    user.user_permissions.add(Permission.objects.get(codename="view_technical"))
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label__in=["sync", "outbox"]))
    client.force_login(user)
    html = client.get("/admin/").content.decode()
    assert 'id="technical-heading"' in html and "Outbox messages" in html
