"""The embedded default: each email is an .eml file any mail program can open."""

from __future__ import annotations

import email
from email import policy

import pytest

from booksync.bookings import services
from booksync.outbox.delivery import deliver_due
from tests.conftest import london

from .conftest import book
from .invites import parse_invite


@pytest.fixture
def outbox_folder(settings, tmp_path):
    settings.EMAIL_BACKEND = "booksync.integrations.mail.OutboxFolderBackend"
    settings.EMAIL_OUTBOX_DIR = tmp_path
    settings.INVITES_VIA = "email"
    settings.OUTBOX_WAKE_WORKER = False
    return tmp_path


def read_emails(folder) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(path.read_bytes(), policy=policy.default)
            for path in sorted(folder.glob("*.eml"))]


def calendar_part(message):
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return part


def test_eml_files_parse_and_carry_a_text_calendar_part(studio, monday, outbox_folder):
    booking = book(london(monday, 10), name="Ann <b>Bold</b>, Jr.")
    deliver_due(force=True, topics=["email"])
    services.cancel(booking, actor="admin")
    deliver_due(force=True, topics=["email"])

    confirmation, cancellation = read_emails(outbox_folder)
    assert confirmation["To"].addresses[0].addr_spec == "ann@example.com"
    assert confirmation["To"].addresses[0].display_name == "Ann <b>Bold</b>, Jr."
    assert confirmation["From"].addresses[0].display_name == "Memories Studio"
    for message, method in ((confirmation, "REQUEST"), (cancellation, "CANCEL")):
        part = calendar_part(message)
        assert part.get_param("method") == method  # what Outlook needs to show an invitation
        calendar, event = parse_invite(part.get_content().encode())
        assert str(calendar["METHOD"]) == method
        assert str(event["UID"]) == f"{booking.pk}@booksync"
        [attachment] = [p for p in message.iter_attachments() if p.get_filename() == "invite.ics"]
        assert parse_invite(attachment.get_content())[0]["METHOD"] == method
        html = message.get_body(("html",)).get_content()
        assert "Ann &lt;b&gt;Bold&lt;/b&gt;, Jr." in html
    # text/plain, text/html and the invite sit side by side as alternatives
    alternative = next(p for p in confirmation.walk() if p.get_content_type() == "multipart/alternative")
    assert [p.get_content_type() for p in alternative.iter_parts()] == ["text/plain", "text/html", "text/calendar"]


def test_no_ics_when_the_calendar_sends_the_invites(studio, monday, outbox_folder, settings):
    settings.INVITES_VIA = "calendar"
    book(london(monday, 10))
    deliver_due(force=True, topics=["email"])
    [message] = read_emails(outbox_folder)
    assert not [p for p in message.walk() if "calendar" in p.get_content_type()]
    assert not list(message.iter_attachments())
