"""Email at most once with real worker processes: a kill right after a send, and a slow live worker.

The worker (a django-q2 cluster of two processes) sends through ``pausing_mail``: the
outbox folder, then a pause after each send, before the outbox marks the message done.

- Killed there and restarted: the message is sent again (its worker died before "done"),
  and the outbox folder recognises its Message-ID: one ``.eml`` per (booking, kind, sequence).
- Left alive there for longer than OUTBOX_STUCK_AFTER_SECONDS: its heartbeat keeps the
  claim, so no one (the other worker process, another machine's sweep) sends it again.

The stale-claim time is shortened here (5 s, heartbeat 1 s) to keep the test short; the
defaults (30 s, 10 s) recover a dead worker's message within a minute (ADR 0006).
"""

from __future__ import annotations

import email
import time
from collections import Counter
from email import policy
from pathlib import Path

import pytest

from booksync.bookings.messages.emails import message_id
from booksync.bookings.models import Booking
from booksync.outbox import delivery as outbox
from booksync.outbox.models import OutboxMessage, OutboxState
from tests.faults.test_worker_burst import wait_until_drained
from tests.faults.test_worker_kill import kill, start_worker
from tests.liveserver import product_env
from tests.sync.test_scenarios import book_on_website

pytestmark = [pytest.mark.dbspecific, pytest.mark.django_db(transaction=True)]

STUCK_AFTER = 5.0
HEARTBEAT = 1.0


def mail_worker_env(data_dir: Path, send_log: Path, pause: float) -> dict[str, str]:
    return product_env(
        DATA_DIR=str(data_dir), EMAIL_BACKEND="tests.faults.pausing_mail.PausingOutboxBackend",
        SEND_LOG=str(send_log), PAUSE_AFTER_SEND_SECONDS=str(pause),
        OUTBOX_STUCK_AFTER_SECONDS=str(STUCK_AFTER), OUTBOX_HEARTBEAT_SECONDS=str(HEARTBEAT),
        NOTION_API_KEY="", GOOGLE_REFRESH_TOKEN="", GOOGLE_SERVICE_ACCOUNT_FILE="", CALDAV_URL="",
        SENDGRID_API_KEY="", EMAIL_HOST="", INVITES_VIA="email", WORKER_PROCESSES="2", LOG_LEVEL="WARNING",
    )


def attempts(send_log: Path) -> Counter:
    """Message-ID → how many times a worker handed it to the mail backend."""
    if not send_log.exists():
        return Counter()
    return Counter(line.split(" ", 1)[1] for line in send_log.read_text().splitlines() if " " in line)


def eml_message_ids(folder: Path) -> Counter:
    return Counter(email.message_from_bytes(path.read_bytes(), policy=policy.default)["Message-ID"].strip()
                   for path in folder.glob("*.eml"))


def owed_message_ids() -> set[str]:
    """The Message-ID of every email the outbox owes: one per (booking, kind, sequence)."""
    owed = set()
    for message in OutboxMessage.objects.filter(topic="email"):
        _, booking_id, kind, sequence = message.key.split(":")
        owed.add(message_id(Booking.objects.get(pk=booking_id), kind, int(sequence)))
    return owed


def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def bookings(studio, monday, settings):
    settings.OUTBOX_WAKE_WORKER = False  # the worker's first pass at start delivers them
    settings.OUTBOX_STUCK_AFTER_SECONDS = STUCK_AFTER
    return [book_on_website(monday, hour, email=f"c{hour}@example.com") for hour in (9, 10, 11)]


def test_worker_killed_right_after_a_send_leaves_one_eml_per_message(bookings, tmp_path):
    send_log = tmp_path / "sends.log"
    log = tmp_path / "worker.log"
    worker = start_worker(mail_worker_env(tmp_path, send_log, pause=600), log)
    try:
        # The point chosen: the first email is out, its worker paused before marking it done.
        assert wait_for(lambda: sum(attempts(send_log).values()) >= 1, 60), f"nothing sent; see {log}"
        [killed_id] = attempts(send_log)
        in_flight = list(OutboxMessage.objects.filter(state=OutboxState.IN_FLIGHT).values_list("key", flat=True))
    finally:
        kill(worker)
    assert len(in_flight) >= 1  # the kill left a claim behind, as a crash would

    restarted = start_worker(mail_worker_env(tmp_path, send_log, pause=0), log)
    try:
        drained = wait_until_drained(90)  # the dead claim goes stale, is handed back and sent
    finally:
        kill(restarted)

    assert drained, list(OutboxMessage.objects.exclude(state=OutboxState.DONE).values_list("key", "state"))
    sent = eml_message_ids(tmp_path / "outbox")
    print(f"\nsend attempts: {dict(attempts(send_log))}\n.eml files: {dict(sent)}")
    assert set(sent) == owed_message_ids() and len(sent) == len(bookings)
    assert max(sent.values()) == 1  # exactly one .eml per (booking, kind, sequence)
    assert attempts(send_log)[killed_id] == 2  # sent again after the restart, recognised by its Message-ID


def test_a_live_worker_keeps_its_claim_past_the_stale_time(bookings, tmp_path):
    send_log = tmp_path / "sends.log"
    log = tmp_path / "worker.log"
    pause = 2 * STUCK_AFTER  # each delivery outlasts the stale-claim time
    worker = start_worker(mail_worker_env(tmp_path, send_log, pause=pause), log)
    released = 0
    beats: dict[int, set] = {}  # message → the claim times seen while it was in flight
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            # Another machine's sweep, every half second: it must find no stale claim.
            released += outbox.release_stuck()
            for pk, claimed_at in OutboxMessage.objects.filter(state=OutboxState.IN_FLIGHT).values_list(
                    "pk", "claimed_at"):
                beats.setdefault(pk, set()).add(claimed_at)
            if not OutboxMessage.objects.exclude(state=OutboxState.DONE).exists():
                break
            time.sleep(0.5)
    finally:
        kill(worker)
    sends = attempts(send_log)
    print(f"\nsend attempts: {dict(sends)}, claims handed back: {released}")
    assert not OutboxMessage.objects.exclude(state=OutboxState.DONE).exists(), f"see {log}"
    assert any(len(times) > 1 for times in beats.values()), beats  # the heartbeat refreshed a live claim
    assert released == 0
    assert set(sends) == owed_message_ids() and max(sends.values()) == 1  # nothing sent twice
    assert all(m.attempts == 1 for m in OutboxMessage.objects.filter(topic="email"))
