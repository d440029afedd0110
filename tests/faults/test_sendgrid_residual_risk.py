"""The known limit of "exactly once" for email: SendGrid has no idempotency key.

When SendGrid accepts a message and the answer is lost (a timeout, a reset),
booksync cannot tell it from a send that never arrived, and the outbox's retry
sends it again. This test pins that behaviour, so a change that removes the
risk (or makes it worse) is noticed; the fault tests keep SendGrid's faults to
ones that happen before a message is accepted.
"""

import pytest

from booksync.outbox.delivery import deliver_due
from booksync.outbox.models import OutboxMessage, OutboxState
from tests.faults.chaos import lose_answers, restore
from tests.sync.test_scenarios import book_on_website

pytestmark = pytest.mark.django_db


def test_sendgrid_lost_answer_is_a_known_duplicate(world, sendgrid, monday):
    world.NOTION_API_KEY = ""  # email only
    book_on_website(monday, 10)
    lose_answers(sendgrid, rate=1.0, path=r"^/v3/mail/send$")
    deliver_due(force=True, topics=["email"])
    restore(sendgrid)
    deliver_due(force=True, topics=["email"])
    [message] = OutboxMessage.objects.filter(topic="email")
    assert message.state == OutboxState.DONE and message.attempts == 2
    assert len(sendgrid.messages) == 2  # accepted twice: the residual risk, documented in chaos.py
