"""A process that dies between two steps of one logical change must not leave a half that doubles later.

The crash is simulated by making the step after the first one raise (as SIGKILL
would stop it there); the next sync then has to finish the job without a
second booking, page or event.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from booksync.bookings.models import Booking
from booksync.outbox.delivery import deliver_due
from booksync.sync import apply, lock
from booksync.sync.engine import run_sync
from tests.conftest import london
from tests.faults.invariants import calendar_problems, notion_problems
from tests.integrations.notion_fixtures import page_properties

pytestmark = pytest.mark.django_db


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs, not even ``except Exception`` handlers."""


def _die(*args, **kwargs):
    raise Killed


def _made_in_notion(emu, notion_db, gcal, monday) -> str:
    emu.human_create(notion_db.data_source_id, page_properties(
        "Nora", london(monday, 11), london(monday, 12), email="nora@example.com"))
    return "Nora"


def _made_in_calendar(emu, notion_db, gcal, monday) -> str:
    gcal.human_insert("primary", london(monday, 14), london(monday, 15), "Dentist")
    return "Dentist"


@pytest.mark.parametrize("make_record", [_made_in_notion, _made_in_calendar], ids=["notion", "calendar"])
def test_import_dies_before_the_link_is_written(world, emu, notion_db, gcal, monday, monkeypatch, make_record):
    name = make_record(emu, notion_db, gcal, monday)
    monkeypatch.setattr(apply, "remember", _die)
    with pytest.raises(Killed):
        run_sync(trigger="admin", full=True)
    monkeypatch.undo()
    for _ in range(2):
        run_sync(trigger="admin", full=True)
        deliver_due(force=True)
    assert Booking.objects.filter(name=name).count() == 1
    assert notion_problems(emu, notion_db.data_source_id) == ([], 0)
    assert calendar_problems(gcal) == ([], 0)


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_sync_lock_left_by_a_killed_process_is_taken_over(world):
    lock.cache.set(lock.LOCK_KEY, f"{socket.gethostname()}|{_dead_pid()}|dead", timeout=600)
    result = run_sync(trigger="admin", full=True, wait_seconds=2)
    assert result["success"], result["error_details"]
    assert lock.cache.get(lock.LOCK_KEY) is None  # released after the run as usual


def test_a_sync_lock_held_by_a_live_process_is_respected(world):
    lock.cache.set(lock.LOCK_KEY, f"{socket.gethostname()}|{os.getpid()}|alive", timeout=600)
    with pytest.raises(lock.SyncBusy):
        run_sync(trigger="admin", full=True, wait_seconds=0.5)
    lock.cache.set(lock.LOCK_KEY, f"another-host|{_dead_pid()}|remote", timeout=600)
    with pytest.raises(lock.SyncBusy):
        run_sync(trigger="admin", full=True, wait_seconds=0.5)
    lock.cache.delete(lock.LOCK_KEY)


@pytest.mark.parametrize("side", ["calendar", "notion"])
def test_push_dies_between_the_hash_and_the_snapshot(world, emu, notion_db, gcal, monday, side):
    from booksync.sync.models import BookingLink
    from tests.sync.test_scenarios import book_on_website

    booking = book_on_website(monday, 10)
    deliver_due()
    run_sync(trigger="admin", full=True)
    # What a kill right after the written-hash UPDATE leaves: the snapshot of an older state.
    BookingLink.objects.filter(booking=booking).update(**{f"{side}_base": {}})
    run_sync(trigger="admin", full=True)
    again = run_sync(trigger="admin", full=True)["summary"]
    assert (again["created"], again["updated"], again["deleted"]) == (0, 0, 0)


def test_event_made_but_its_id_never_saved_is_removed_on_cancel(world, emu, notion_db, gcal, monday):
    """The worker died after Google created the event and before the link recorded its id."""
    from booksync.bookings import services
    from booksync.sync.models import BookingLink
    from tests.sync.test_scenarios import book_on_website

    booking = book_on_website(monday, 10)
    deliver_due()
    BookingLink.objects.filter(booking=booking).update(calendar_event_id="")  # the lost UPDATE
    services.cancel(booking, actor="admin")
    for _ in range(2):
        run_sync(trigger="admin", full=True)
        deliver_due(force=True)
    assert calendar_problems(gcal) == ([], 0)
    again = run_sync(trigger="admin", full=True)["summary"]
    assert (again["created"], again["updated"], again["deleted"]) == (0, 0, 0)
