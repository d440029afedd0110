"""Running a sync: read → plan → apply → deliver → record, in the seed's shape.

Level-triggered: a webhook, a push notification, the schedule and the admin
button all end here. Each side is read from its cursor (Notion: edit time with
an overlap window; calendar: sync token) or in full, the pure planner
(``plan.py``) turns what it reads plus the link ledger into actions, and the
actions (``apply.py``) go through the same booking service and outbox as a website
booking. A side that cannot be read is skipped for this run, never taken as empty.
Every step returns ``Outcome``s; one ``Tally`` (``tally.py``) counts them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from booksync.bookings.models import Booking
from booksync.integrations.ports import ChangeBatch, IntegrationError, SideRecord
from booksync.integrations.registry import calendar_store, enabled_sides, notion_store
from booksync.outbox import delivery, liveness
from booksync.outbox.models import OutboxMessage, OutboxState

from .apply import apply, clear_fixed_pages, preview
from .ledger import (
    links_for_incremental,
    load_links,
    load_links_for_pages,
    mark_local_sweep,
    with_links_for,
)
from .lock import acquire, release
from .models import SyncRun, SyncState
from .plan import NOTION, Link, Plan, Push, Settings, plan_local, plan_sync
from .tally import CANCELLED, CREATED, UPDATED, Outcome, Tally, error

log = logging.getLogger("booksync.sync")
CURSOR_FORMAT = 1
Progress = Callable[[str, int], None]


def store_for(side: str):
    return notion_store() if side == NOTION else calendar_store()


@dataclass(frozen=True)
class Scope:
    """What one run covers: which sides, read in full or from their cursors, and for real or not."""

    sides: list[str]
    full: bool = True
    dry_run: bool = False
    notion_page_ids: list[str] | None = None  # a webhook's pages: only these are read

    @property
    def targeted(self) -> bool:
        # A webhook names a few pages, and only their bookings can match them: reading every
        # booking's link (seconds at 10,000 bookings) would make its latency grow with the database.
        return self.notion_page_ids is not None and self.sides == [NOTION]


@dataclass
class Reading:
    """What the sides reported: their records, the cursors to keep if the run succeeds, read errors."""

    links: list[Link]
    records: dict[str, list[SideRecord]] = field(default_factory=dict)
    cursors: dict[str, str] = field(default_factory=dict)
    errors: list[Outcome] = field(default_factory=list)


def run_sync(*, trigger: str = "admin", full: bool = True, dry_run: bool = False,
             sides: list[str] | None = None, notion_page_ids: list[str] | None = None,
             wait_seconds: float = 60.0, progress: Progress | None = None) -> dict:
    """Reconcile and return ``{"success", "summary": {...}, "conflicts", ...}`` (the seed's shape).

    ``progress(step, steps_in_total)`` is told of each step (reading a side, applying, delivering).
    """
    token = acquire(wait_seconds) if not dry_run else None
    run = SyncRun.objects.create(trigger=trigger, full=full, dry_run=dry_run)
    try:
        scope = Scope([s for s in (sides or enabled_sides()) if s in enabled_sides()], full, dry_run, notion_page_ids)
        return _run(run, scope, progress or (lambda step, total: None))
    finally:
        if token:
            release(token)


def _run(run: SyncRun, scope: Scope, progress: Progress) -> dict:
    steps = len(scope.sides) + 2
    owed_before = _owed_before(scope)
    reading = read(scope, _first_links(scope), progress, steps)
    plan = make_plan(reading, scope)
    progress(f"{'planning' if scope.dry_run else 'applying'} {len(plan.actions)} actions", steps)
    if scope.dry_run:
        outcomes = preview(plan, reading.links) + _preview_owed(owed_before)
    else:
        outcomes, owed = apply(plan)
        clear_fixed_pages(reading.records.get(NOTION, []), outcomes)
        progress("delivering to Notion, the calendar and email", steps)
        outcomes += deliver(owed, outcomes, owed_before)
    return record(run, scope, reading, plan, outcomes)


def _first_links(scope: Scope) -> list[Link]:
    """The links a run starts from. A full run compares every booking. An incremental run reads
    the links of recent local changes now and those its records can match after each read, so
    its work follows what changed, not how many bookings exist; a webhook's, only the latter."""
    if scope.targeted:
        return []
    return load_links() if scope.full else links_for_incremental(scope.sides)


# --- read ---------------------------------------------------------------------------------------
def read(scope: Scope, links: list[Link], progress: Progress, steps: int) -> Reading:
    """Every side's changed records; a side that cannot be read is left out, never taken as empty."""
    reading = Reading(links)
    for side in scope.sides:
        progress(f"reading {side}", steps)
        page_ids = scope.notion_page_ids if side == NOTION else None
        try:
            records, cursor, errors = _read_side(side, store_for(side), reading.links, scope.full, page_ids)
        except IntegrationError as exc:
            reading.errors.append(error(side, f"could not read {side}: {exc}"))
            continue
        reading.errors.extend(errors)
        if not errors:
            liveness.record_success(side)
        if scope.targeted:
            reading.links = load_links_for_pages(records)
        elif not scope.full:
            reading.links = with_links_for(side, records, reading.links)
        if side != NOTION:
            records = _left_behind(records, reading.links)
        reading.records[side] = records
        if cursor:
            reading.cursors[side] = cursor
    return reading


def _read_side(side: str, store, links: list[Link], full: bool,
               page_ids: list[str] | None) -> tuple[list[SideRecord], str | None, list[Outcome]]:
    """The records ``side`` reports as changed, the cursor to keep, and the records it could not fetch."""
    if page_ids is not None:
        return [_fetched(store, external_id) for external_id in page_ids], None, []
    cursor = None if full else SyncState.get(f"cursor:{side}", CURSOR_FORMAT)
    batch: ChangeBatch = store.changes(cursor)
    records, errors = list(batch.records), []
    if batch.full and batch.complete:
        # Pages in the trash drop out of query results, deleted events out of a full calendar
        # list; absence alone proves nothing, so each missing linked record is looked at
        # before anything is concluded (else a deletion read first by a full sync is lost).
        listed = {r.external_id for r in records}
        for link in links if full else load_links():  # an incremental run holds only the links it needs
            external_id = link.external_id(side)
            if external_id and external_id not in listed and link.booking.status != "cancelled":
                try:
                    records.append(_fetched(store, external_id, link.calendar_name if side != NOTION else ""))
                except IntegrationError as exc:
                    errors.append(error(side, str(exc), external_id))
    return records, batch.cursor, errors


def _fetched(store, external_id: str, calendar: str = "") -> SideRecord:
    """The record as the side holds it now; one it no longer has reads as deleted. ``calendar``: the
    resource calendar the ledger says the event lives in (ADR 0017; "" = the studio's)."""
    found = store.fetch(external_id, calendar=calendar) if calendar else store.fetch(external_id)
    return found or SideRecord(external_id=external_id, deleted=True)


def _left_behind(records: list[SideRecord], links: list[Link]) -> list[SideRecord]:
    """Calendar records less the deletions read on a calendar the event has left (moved to a new
    photographer's calendar, ADR 0017): only the calendar the ledger names speaks for the event."""
    where = {link.calendar_id: link.calendar_name for link in links if link.calendar_id}
    return [r for r in records
            if not (r.deleted and "calendar" in r.extra and r.external_id in where
                    and r.extra["calendar"] != where[r.external_id])]


# --- plan ---------------------------------------------------------------------------------------
def make_plan(reading: Reading, scope: Scope) -> Plan:
    """Every side's records planned together (a booking changed on both sides is merged once,
    against both, so the conflict rule does not depend on which side was read first), then the
    pushes booksync owes on its own, each (side, booking) once."""
    plan = plan_sync(reading.records, reading.links, Settings(calendar_import=settings.CALENDAR_IMPORT))
    if scope.notion_page_ids is None:
        already = {(a.side, a.booking_id) for a in plan.of(Push)}
        owed_locally = plan_local(reading.links, scope.sides).actions
        plan.actions.extend(a for a in owed_locally if (a.side, a.booking_id) not in already)
    return plan


# --- deliver ------------------------------------------------------------------------------------
# How an effect that was already owed before the run counts once the run delivers it.
OWED_COUNTS = {"confirmation": CREATED, "update": UPDATED, "cancellation": CANCELLED, "push": UPDATED}


def _owed_before(scope: Scope) -> set[int]:
    """A full reconcile also settles what earlier changes owe and is due now (never forcing a
    backoff); an incremental or webhook run delivers only what it produced itself."""
    if scope.targeted or not scope.full:
        return set()
    return set(OutboxMessage.objects.filter(state__in=[OutboxState.PENDING, OutboxState.IN_FLIGHT])
               .values_list("pk", flat=True))


def _due(ids: set[int]) -> list[int]:
    """Of ``ids``, the messages due now: pending past their backoff, or in a worker's hands."""
    due = Q(state=OutboxState.PENDING, not_before__lte=timezone.now()) | Q(state=OutboxState.IN_FLIGHT)
    return list(OutboxMessage.objects.filter(due, pk__in=ids).order_by("created_at", "id").values_list("pk", flat=True))


def deliver(owed: list[int], applied: list[Outcome], owed_before: set[int]) -> list[Outcome]:
    """Deliver what this run owes, so the summary tells the truth about the outside world.

    Only the run's own effects (and, for a full reconcile, earlier ones that are due now):
    a message waiting out its backoff keeps it, and one another worker holds is "in
    progress", not an error. A planned push counts here, once delivered. See
    docs/decisions/0006-one-truth-under-concurrency.md.
    """
    planned = {(o.detail["to"], o.booking): o.on_delivery for o in applied if o.on_delivery}
    outcomes = delivery.deliver(list(dict.fromkeys(owed + _due(owed_before))))
    messages = OutboxMessage.objects.filter(pk__in=list(outcomes)).order_by("created_at", "id")
    return [_delivered(message, outcomes[message.pk], planned, owed_before) for message in messages]


def _delivered(message: OutboxMessage, outcome: str, planned: dict, owed_before: set[int]) -> Outcome:
    booking = str(message.booking_id or "")
    counts = planned.pop((message.topic, booking), None) if message.action == "push" else None
    if outcome == "failed" or message.state == OutboxState.FAILED:
        fallback = "delivery failed" if outcome == "failed" else "needs a human"
        return error(message.topic, message.last_error or fallback, booking)
    if message.state in (OutboxState.PENDING, OutboxState.IN_FLIGHT):
        held = message.state == OutboxState.IN_FLIGHT or outcome == "in progress"
        state = "in progress" if held else f"retry at {message.not_before.isoformat()}"
        return Outcome(in_progress={"topic": message.topic, "kind": message.action, "booking": booking, "state": state})
    if outcome == "delivered" and counts:
        return Outcome(count=counts)
    if outcome == "delivered" and message.pk in owed_before and message.action in OWED_COUNTS:
        return _owed_delivered(message)  # owed by an earlier change (a website booking, a failed delivery)
    return Outcome()


def _owed_delivered(message: OutboxMessage) -> Outcome:
    return Outcome(f"deliver_{message.topic}", str(message.booking_id), OWED_COUNTS[message.action],
                   detail={"kind": message.action})


def _preview_owed(owed_before: set[int]) -> list[Outcome]:
    """For a dry run: the earlier effects this run would deliver."""
    due = OutboxMessage.objects.filter(pk__in=_due(owed_before), state=OutboxState.PENDING)
    return [_owed_delivered(message) for message in due if message.action in OWED_COUNTS]


# --- record -------------------------------------------------------------------------------------
def record(run: SyncRun, scope: Scope, reading: Reading, plan: Plan, outcomes: list[Outcome]) -> dict:
    """Count the outcomes once, keep the cursors, close the SyncRun, log; the seed's answer."""
    tally = Tally.of([*reading.errors, *outcomes])
    if not scope.dry_run:
        for line in tally.lines:  # one line per action, findable by booking id
            log.info("sync %s: %s", run.pk, line,
                     extra={"sync_run": run.pk, "sync_action": line["action"], "booking_id": line["booking"]})
        for side, cursor in reading.cursors.items():
            SyncState.put(f"cursor:{side}", cursor, CURSOR_FORMAT)
        if scope.notion_page_ids is None and set(scope.sides) == set(enabled_sides()):
            mark_local_sweep(run.started_at)
    full_count = scope.full and not scope.targeted
    total = len(reading.links) + tally.imported if full_count else Booking.objects.count()
    summary = tally.summary(total)
    run.summary = {**summary, "conflicts": len(plan.conflicts), "sides": scope.sides,
                   "in_progress": len(tally.in_progress)}
    run.errors = tally.errors
    run.finished_at = timezone.now()
    run.save()
    log.info("sync %s (%s%s): %s", run.pk, run.trigger, ", dry run" if scope.dry_run else "", summary)
    return {
        "success": not tally.errors,
        "dry_run": scope.dry_run,
        "summary": summary,  # "deleted" counts the bookings the run cancelled (the seed's name)
        "conflicts": len(plan.conflicts),
        "actions": tally.lines,
        # Owed effects this run left to their worker: held by another one, or waiting out a backoff.
        "in_progress": tally.in_progress,
        "error_details": tally.errors,
    }
