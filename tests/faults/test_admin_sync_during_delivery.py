"""POST /api/admin/sync while a real worker is delivering: the run answers ``success: true``.

The worker (two django-q2 processes) is paused right after sending an email it claimed,
before marking it done (``pausing_mail``). The admin's full sync finds that message owed:
it is "in progress" in the answer, not an error. The same run resolves a conflict (time
edited in Google Calendar, then 3 s later in Notion) and counts it.
"""

from __future__ import annotations

import pytest

from booksync.outbox.delivery import deliver_due
from booksync.outbox.models import AuditEntry, OutboxMessage, OutboxState
from tests.faults.test_claim_heartbeat import attempts, wait_for
from tests.faults.test_worker_burst import burst_env
from tests.faults.test_worker_kill import kill, start_worker
from tests.sync.test_conflicts import google_then_notion
from tests.sync.test_scenarios import book_on_website, sync

pytestmark = [pytest.mark.dbspecific, pytest.mark.django_db(transaction=True)]

TOKEN = "an-admin-token-for-the-sync-test"


def test_admin_sync_while_a_worker_delivers_succeeds_and_counts_the_conflict(
        both, emu, notion_db, gcal, monday, tmp_path, client):
    both.ADMIN_API_TOKEN = TOKEN
    both.NOTION_RATE_FILE = str(tmp_path / "notion-rate.json")
    settled = book_on_website(monday, 10)
    deliver_due()
    sync()
    google_then_notion(emu, gcal, settled)
    held = book_on_website(monday, 13, email="held@example.com")  # its email: the worker's to send
    send_log = tmp_path / "sends.log"
    log = tmp_path / "worker.log"
    env = {**burst_env(both, emu, notion_db, gcal, tmp_path),
           "EMAIL_BACKEND": "tests.faults.pausing_mail.PausingOutboxBackend",
           "SEND_LOG": str(send_log), "PAUSE_AFTER_SEND_SECONDS": "20"}
    worker = start_worker(env, log)
    try:
        assert wait_for(lambda: sum(attempts(send_log).values()) >= 1, 60), f"the worker sent nothing; see {log}"
        email = OutboxMessage.objects.get(topic="email", booking=held)
        assert email.state == OutboxState.IN_FLIGHT  # sent, not yet marked done: the worker holds it

        body = client.post("/api/admin/sync", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").json()
    finally:
        kill(worker)

    print(f"\nadmin sync: {body['summary']}, conflicts {body['conflicts']}, in progress {body['in_progress']}")
    assert body["success"] is True, body["error_details"]
    assert body["summary"]["errors"] == 0
    assert body["conflicts"] == 1
    assert {"topic": "email", "kind": "confirmation", "booking": str(held.pk), "state": "in progress"} \
        in body["in_progress"]
    assert AuditEntry.objects.filter(booking=settled, action="conflict").count() == 1
