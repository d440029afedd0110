"""A logged-in staff user, and the admin's forms filled in as a browser would send them."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tests.integrations.google_fixtures import gcal  # noqa: F401
from tests.integrations.notion_fixtures import emu, notion_db  # noqa: F401
from tests.sync.conftest import both  # noqa: F401  (Notion and Google Calendar emulators together)


@pytest.fixture
def staff_client(db, client, django_user_model):
    user = django_user_model.objects.create_user("owner", "owner@studio.example", "pw-for-tests-only",
                                                 is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def summer_weekday(weekday: int = 1) -> date:
    """A ``weekday`` in next July: London is on BST (UTC+1) then."""
    day = date(date.today().year + 1, 7, 1)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day


def hidden_fields(html: str) -> dict[str, str]:
    """The hidden inputs of an admin page (the inline's management form, CSRF)."""
    fields = {}
    for tag in re.findall(r"<input[^>]*type=\"hidden\"[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            fields[name.group(1)] = value.group(1) if value else ""
    return fields


def booking_form(client, url: str, **values: str) -> dict[str, str]:
    """What the admin's booking form posts: its hidden fields plus ``values``."""
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    data = hidden_fields(page.content.decode())
    data.update({"status": "confirmed", "name": "", "email": "", "phone": "", "notes": "", "service": "",
                 "end_0": "", "end_1": ""})
    data.update(values)
    return data
