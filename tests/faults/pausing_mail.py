"""An email backend for the worker tests: the outbox folder, then a pause at a point the test chooses.

The worker process is pointed at it through ``EMAIL_BACKEND`` (any Django backend is
allowed there), so nothing in the product is patched. After each send it appends
``<pid> <Message-ID>`` to ``SEND_LOG`` (every attempt, including ones the folder then
recognises as already sent) and sleeps ``PAUSE_AFTER_SEND_SECONDS``: the message is
out, the outbox has not marked it done yet. The test kills the worker there, or lets
it live and checks that nobody else takes its message meanwhile.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from booksync.integrations.mail import OutboxFolderBackend


class PausingOutboxBackend(OutboxFolderBackend):
    def send_messages(self, email_messages) -> int:
        sent = super().send_messages(email_messages)
        with open(Path(os.environ["SEND_LOG"]), "a") as log:
            for message in email_messages:
                log.write(f"{os.getpid()} {message.extra_headers.get('Message-ID', '')}\n")
            log.flush()
            os.fsync(log.fileno())
        time.sleep(float(os.environ.get("PAUSE_AFTER_SEND_SECONDS", "0")))
        return sent
