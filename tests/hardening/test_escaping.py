"""Customer text holding HTML, script and control characters, wherever it is shown or sent.

Pages, the HTML part of emails and the admin must escape it; Notion takes
plain text, so there it must arrive as the literal characters (escaping it
would show ``&lt;`` to the studio) minus control characters. The booking is
made through the booking service directly as well as through the API, because
an admin edit or a calendar import does not pass the API's cleaning.
"""

from __future__ import annotations

import json
from email import message_from_bytes, policy

import pytest

from tests.conftest import london
from tests.integrations.notion_fixtures import emu, notion_db, notion_settings  # noqa: F401

SCRIPT = "<script>alert('x')</script>"
IMG = '<img src=x onerror="alert(1)">'
HOSTILE_NAME = f"{SCRIPT} O'Brien & Sons {IMG}"
HOSTILE_NOTES = f"<b>bold</b> & {SCRIPT}\nsecond line"
CONTROL = "\x07\x1b[31m\x0b\x7f"
HOSTILE_MARKUP = (SCRIPT, IMG, "<b>bold</b>")


def assert_escaped(html: str, *, with_notes: bool = True) -> None:
    """None of the customer's markup is live; the escaped form of it is what the reader sees."""
    for markup in HOSTILE_MARKUP:
        assert markup not in html
    assert "&lt;script&gt;alert(" in html and "&lt;img src=x onerror=" in html
    if with_notes:
        assert "&lt;b&gt;bold&lt;/b&gt;" in html


@pytest.fixture
def hostile_booking(studio, monday, settings):
    """Booked with markup in name and notes and control characters (the booking service removes them too)."""
    from booksync.bookings import services
    from booksync.bookings.models import Service

    settings.OUTBOX_WAKE_WORKER = False
    return services.book(services.BookingRequest(
        start=london(monday, 10), name=HOSTILE_NAME + CONTROL, email="obrien@example.com",
        service=Service.objects.get(slug="portrait"), notes=HOSTILE_NOTES + CONTROL)).booking


def test_the_api_drops_control_characters_but_keeps_the_text(studio, monday, api_client, settings):
    settings.OUTBOX_WAKE_WORKER = False
    body = {"service": "portrait", "start": london(monday, 10).isoformat(), "email": "obrien@example.com",
            "name": HOSTILE_NAME + CONTROL, "notes": HOSTILE_NOTES + CONTROL}
    response = api_client.post("/api/bookings", json.dumps(body), content_type="application/json")
    assert response.status_code == 201
    assert response.json()["name"] == HOSTILE_NAME + "[31m"  # ESC and BEL go, the printable rest stays
    from booksync.bookings.models import Booking

    assert Booking.objects.get().notes == HOSTILE_NOTES + "[31m"


# --- pages -------------------------------------------------------------------------------------
@pytest.mark.parametrize("page", ["/manage/{token}/", "/manage/{token}/confirmed/"])
def test_pages_escape_customer_text(hostile_booking, api_client, page):
    from booksync.bookings.tokens import token_for

    response = api_client.get(page.format(token=token_for(hostile_booking)))
    assert response.status_code == 200
    assert_escaped(response.content.decode(), with_notes=False)


# --- emails ------------------------------------------------------------------------------------
def test_email_html_part_escapes_customer_text_and_headers_stay_single(hostile_booking):
    from booksync.bookings.messages.emails import build_message

    message = message_from_bytes(build_message(hostile_booking, "confirmation").message().as_bytes(),
                                 policy=policy.default)
    html = message.get_body(preferencelist=("html",)).get_content()
    assert_escaped(html, with_notes=False)  # the email does not repeat the notes
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "O'Brien & Sons" in text  # plain text is not HTML: nothing to escape there
    assert message["To"].addresses[0].addr_spec == "obrien@example.com"
    assert len(message["To"].addresses) == 1


def test_a_name_with_line_breaks_cannot_add_email_headers(hostile_booking):
    from booksync.bookings.messages.emails import build_message

    hostile_booking.name = "Ann\r\nBcc: victim@example.com\r\nX-Evil: 1"
    message = message_from_bytes(build_message(hostile_booking, "confirmation").message().as_bytes(),
                                 policy=policy.default)
    assert message["Bcc"] is None and message["X-Evil"] is None
    assert [a.addr_spec for a in message["To"].addresses] == ["obrien@example.com"]


# --- admin -------------------------------------------------------------------------------------
def test_admin_change_list_and_change_form_escape_customer_text(hostile_booking, client, django_user_model):
    admin = django_user_model.objects.create_superuser("admin", "admin@example.com", "pw-for-tests")
    client.force_login(admin)
    listing = client.get("/admin/bookings/booking/")
    assert listing.status_code == 200
    assert_escaped(listing.content.decode(), with_notes=False)  # the list shows no notes
    form = client.get(f"/admin/bookings/booking/{hostile_booking.pk}/change/")
    assert form.status_code == 200
    assert_escaped(form.content.decode())


# --- Notion ----------------------------------------------------------------------------------------
@pytest.mark.usefixtures("notion_settings")
def test_notion_gets_the_literal_text_without_control_characters(hostile_booking, request):
    from booksync.bookings.models import Booking
    from booksync.outbox.delivery import deliver_due
    from booksync.sync.models import BookingLink

    assert deliver_due(force=True, topics=["notion"]) == {"delivered": 1, "failed": 0}
    page_id = BookingLink.objects.get(booking=hostile_booking).notion_page_id
    props = request.getfixturevalue("emu").page(page_id)["properties"]
    title = "".join(item["text"]["content"] for item in props["Name"]["title"])
    notes = "".join(item["text"]["content"] for item in props["Notes"]["rich_text"])
    assert title == HOSTILE_NAME + "[31m"  # literal markup, not &lt;…
    assert notes == HOSTILE_NOTES + "[31m"  # line break kept, control characters gone

    # What was written hashes like what is read back: the next sync sees an echo, not an edit.
    from booksync.sync.engine import run_sync

    summary = run_sync(trigger="test", full=True)["summary"]
    assert (summary["updated"], summary["errors"]) == (0, 0)
    # The booking service cleaned the name on the way in (bookings/text.py), as every door does.
    assert Booking.objects.get(pk=hostile_booking.pk).name == HOSTILE_NAME + "[31m"
