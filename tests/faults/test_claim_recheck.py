"""Claims re-checked at the finish (issue 24, ADR 0016), with two real worker processes.

Every message's first attempt stops, heartbeat included, between its effect and "done"
(``OUTBOX_TEST_PAUSE_AFTER_HANDLER_SECONDS``, a test hook that is 0 in production) for longer
than the stale-claim time, as a stop-the-world pause or a suspended VM would. The claim is
handed back, the other worker takes the message over, and the paused worker wakes to find its
claim gone (one booking at a time, so the other worker is free to take over). Counted at the outside services: every email is accepted by SendGrid once, every
booking's event is inserted into Google once, and its Notion page is created once.
"""

from __future__ import annotations

from collections import Counter

import pytest

from booksync.outbox.models import OutboxMessage, OutboxState
from tests.faults.test_worker_burst import wait_until_drained
from tests.faults.test_worker_kill import kill, start_worker, worker_env
from tests.sync.test_scenarios import book_on_website

pytestmark = [pytest.mark.dbspecific, pytest.mark.django_db(transaction=True)]

STUCK_AFTER = 2.0
HEARTBEAT = 0.5
PAUSE = 3 * STUCK_AFTER


def test_a_worker_paused_past_the_stale_time_records_nothing_and_every_effect_happens_once(
        world, emu, notion_db, gcal, sendgrid, monday, tmp_path):
    world.OUTBOX_WAKE_WORKER = True  # each booking wakes the worker, as in production
    env = worker_env(world, emu, notion_db, gcal, sendgrid)
    env.update(OUTBOX_STUCK_AFTER_SECONDS=str(STUCK_AFTER), OUTBOX_HEARTBEAT_SECONDS=str(HEARTBEAT),
               OUTBOX_TEST_PAUSE_AFTER_HANDLER_SECONDS=str(PAUSE), LOG_LEVEL="WARNING")
    log = tmp_path / "worker.log"
    worker = start_worker(env, log)
    bookings, drained = [], True
    try:
        for hour in (10, 12, 14):
            # One booking at a time, so that while one worker is stopped the other is free to take over.
            bookings.append(book_on_website(monday, hour, email=f"c{hour}@example.com"))
            drained = drained and wait_until_drained(90)
    finally:
        kill(worker)
    stuck = list(OutboxMessage.objects.exclude(state=OutboxState.DONE).values_list("key", "state", "last_error"))
    assert drained, f"outbox not drained: {stuck}; see {log}"

    emails = Counter(recipient.lower() for m in sendgrid.messages for recipient in m.recipients)
    inserts = [c for c in gcal.calls("POST", r"/events$") if c.status == 200]
    page_creates = [c for c in emu.calls("POST", r"/v1/pages$") if c.status == 200]
    page_writes = emu.calls("PATCH", r"/v1/pages/")
    taken_over = OutboxMessage.objects.filter(attempts__gte=2).count()
    lost = log.read_text().count("claim was handed back")
    print(f"\nSendGrid messages {len(sendgrid.messages)} ({dict(emails)}), Google inserts {len(inserts)}, "
          f"Notion page creates {len(page_creates)}, Notion page writes {len(page_writes)}, "
          f"messages taken over {taken_over} of {OutboxMessage.objects.count()}, finishes refused {lost}")
    assert emails == Counter({booking.email: 1 for booking in bookings}), emails  # one confirmation each, once
    assert taken_over >= 1 and lost >= 1, f"no claim was taken over; see {log}"
    assert len(inserts) == len(bookings)
    assert len(page_creates) == len(bookings)
    for message in OutboxMessage.objects.all():
        assert message.state == OutboxState.DONE and message.claim_token == "" and message.sent_at is not None
