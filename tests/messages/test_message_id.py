"""Email at most once where the transport allows: one Message-ID per (booking, kind, sequence),
and the outbox folder never writes a second file for one Message-ID."""

from __future__ import annotations

import email
from email import policy

import pytest

from booksync.bookings import services
from booksync.bookings.messages.emails import build_message
from booksync.integrations import mail
from booksync.outbox.delivery import deliver_due
from booksync.outbox.models import OutboxMessage
from tests.conftest import london

from .conftest import book


@pytest.fixture
def folder(settings, tmp_path):
    settings.EMAIL_BACKEND = "booksync.integrations.mail.OutboxFolderBackend"
    settings.EMAIL_OUTBOX_DIR = tmp_path
    settings.OUTBOX_WAKE_WORKER = False
    return tmp_path


def message_ids(folder) -> list[str]:
    return [email.message_from_bytes(p.read_bytes(), policy=policy.default)["Message-ID"]
            for p in sorted(folder.glob("*.eml"))]


def test_message_id_is_one_per_booking_kind_and_sequence(studio, monday, folder):
    booking = book(london(monday, 10))
    first, again = build_message(booking, "confirmation"), build_message(booking, "confirmation")
    assert first.message()["Message-ID"] == again.message()["Message-ID"]
    assert str(booking.pk) in first.message()["Message-ID"]
    assert build_message(booking, "update").message()["Message-ID"] != first.message()["Message-ID"]
    moved = services.reschedule(booking, london(monday, 14), actor="admin")
    assert build_message(moved, "confirmation").message()["Message-ID"] != first.message()["Message-ID"]


def test_the_folder_never_writes_a_second_file_for_one_message_id(studio, monday, folder):
    booking = book(london(monday, 10))
    names = {mail.send(build_message(booking, "confirmation")) for _ in range(3)}
    assert len(names) == 1 and len(list(folder.glob("*.eml"))) == 1
    mail.send(build_message(booking, "reminder"))
    assert len(set(message_ids(folder))) == len(message_ids(folder)) == 2


def test_a_writer_that_died_before_the_visible_file_is_recovered_not_doubled(studio, monday, folder):
    booking = book(london(monday, 10))
    name = mail.send(build_message(booking, "confirmation"))
    (folder / name).unlink()  # as if the process died between claiming the Message-ID and showing the file
    mail.send(build_message(booking, "confirmation"))
    mail.send(build_message(booking, "confirmation"))
    assert len(message_ids(folder)) == 1


def test_a_redelivered_outbox_message_sends_the_same_email(studio, monday, folder):
    book(london(monday, 10))
    deliver_due(force=True, topics=["email"])
    [message] = OutboxMessage.objects.filter(topic="email")
    OutboxMessage.objects.filter(pk=message.pk).update(state="pending")  # a worker died before "done"
    deliver_due(force=True, topics=["email"])
    assert len(message_ids(folder)) == 1
