"""Keeping a worker's outbox claims honest: a heartbeat while a message is worked, and which
messages a delivery went on to owe.

A claim's ``claimed_at`` is its heartbeat. While a handler runs, a small thread
refreshes it every ``OUTBOX_HEARTBEAT_SECONDS``, so a slow but live delivery is
never taken for a dead one and sent again; a worker that dies stops beating and
its claim is handed back once it is ``OUTBOX_STUCK_AFTER_SECONDS`` old: by the
next delivery pass, or sooner by the watch every worker process keeps
(``watch.keep_watch``), which looks every heartbeat interval, so a dead worker's
message goes out again within a minute while any worker lives.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .models import OutboxMessage, OutboxState

log = logging.getLogger("booksync.outbox")

_local = threading.local()


def heartbeat_seconds() -> float:
    return float(settings.OUTBOX_HEARTBEAT_SECONDS)


class ClaimLost(Exception):
    """This worker's claim was handed back meanwhile (it stopped for longer than the stale time)
    and another worker may hold the message now: this one records nothing and lets it finish."""

    retryable = True


def still_held(message) -> dict:
    """The filter of ``message`` while it is in flight under this worker's claim (its token)."""
    held = {"pk": message.pk, "state": OutboxState.IN_FLIGHT}
    if getattr(message, "claim_token", ""):
        held["claim_token"] = message.claim_token
    return held


@contextlib.contextmanager
def held(message) -> Iterator[None]:
    """A transaction that first re-checks, in one conditional UPDATE, that this worker still holds
    its claim on ``message`` (raising ``ClaimLost`` if not). The UPDATE keeps the message's row
    locked until the transaction ends, so the claim cannot be handed back while the block
    records what a side answered (the ledger after a push, the delivery record after a send)."""
    with transaction.atomic():
        if not OutboxMessage.objects.filter(**still_held(message)).update(claimed_at=timezone.now()):
            raise ClaimLost(f"outbox message {message.pk}: this worker's claim was handed back")
        yield


@contextlib.contextmanager
def heartbeat(message_id: int, token: str = "") -> Iterator[None]:
    """Refresh the claim on ``message_id`` (this worker's, ``token``) until the block ends."""
    if connection.in_atomic_block:
        # Inside a transaction (a test, a caller's atomic block) the claim is not visible to
        # other workers anyway, and a second connection could only wait for this one's lock.
        yield
        return
    stop = threading.Event()
    beater = threading.Thread(target=_beat, args=(message_id, token, stop, heartbeat_seconds()),
                              name=f"outbox-heartbeat-{message_id}", daemon=True)
    beater.start()
    try:
        yield
    finally:
        stop.set()
        beater.join()


def _beat(message_id: int, token: str, stop: threading.Event, every: float) -> None:
    mine = {"claim_token": token} if token else {}
    try:
        while not stop.wait(every):
            try:
                # Only this worker's claim: a claim handed back and taken by another is not kept alive.
                OutboxMessage.objects.filter(pk=message_id, state=OutboxState.IN_FLIGHT, **mine).update(
                    claimed_at=timezone.now())
            except Exception:  # a missed beat is survivable; the next one may get through
                log.warning("could not refresh the claim on outbox message %s", message_id, exc_info=True)
    finally:
        connection.close()  # this thread's own connection


# --- what a delivery owes next -------------------------------------------------------------------
def note_recorded(message_id: int) -> None:
    """Called by ``delivery.record``: tell a collecting caller (in this thread) of the message."""
    collector = getattr(_local, "collector", None)
    if collector is not None:
        collector.append(message_id)


@contextlib.contextmanager
def collecting() -> Iterator[list[int]]:
    """The ids of the outbox messages recorded in this thread inside the block (nested: both see them)."""
    outer = getattr(_local, "collector", None)
    ids: list[int] = []
    _local.collector = ids
    try:
        yield ids
    finally:
        _local.collector = outer
        if outer is not None:
            outer.extend(ids)
