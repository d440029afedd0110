"""Running a sync: read each side's changes, plan, apply, deliver, report in the seed's shape.

Level-triggered: a webhook, a push notification, the schedule and the admin
button all end here. Each side is read from its cursor (Notion: edit time with
an overlap window; calendar: sync token) or in full, the pure planner
(``plan.py``) turns what it reads plus the link ledger into actions, and the
actions go through the same booking service and outbox as a website booking.
A side that cannot be read is skipped for this run, never taken as empty.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from booksync.bookings.errors import BookingError
from booksync.bookings.models import Booking
from booksync.integrations.ports import ChangeBatch, IntegrationError, RemoteBooking
from booksync.integrations.registry import (
    calendar_provider,
    calendar_store,
    notion_enabled,
    notion_store,
)
from booksync.outbox import claims, delivery, effects, liveness
from booksync.outbox.models import AuditEntry, OutboxMessage, OutboxState

from .ledger import (
    links_for_incremental,
    load_links,
    load_links_for_pages,
    mark_local_sweep,
    remember,
    with_links_for,
)
from .lock import acquire, release
from .models import BookingLink, SyncRun, SyncState
from .plan import (
    CALENDAR,
    NOTION,
    Conflict,
    CreateLocal,
    Link,
    Plan,
    Problem,
    Push,
    Remember,
    Settings,
    UpdateLocal,
    plan_local,
    plan_sync,
    project,
)
from .snapshot import calendar_fingerprint

log = logging.getLogger("booksync.sync")
CURSOR_FORMAT = 1


def enabled_sides() -> list[str]:
    sides = []
    if notion_enabled():
        sides.append(NOTION)  # first: Notion is the source of truth
    if calendar_provider() != "local":
        sides.append(CALENDAR)
    return sides


def store_for(side: str):
    return notion_store() if side == NOTION else calendar_store()


@dataclass
class Report:
    counts: Counter = field(default_factory=Counter)
    errors: list[dict] = field(default_factory=list)
    actions: list[dict] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    owed: list[int] = field(default_factory=list)  # outbox messages carrying this run's effects
    in_progress: list[dict] = field(default_factory=list)
    # (side, booking id) → how a push planned by this run counts once it is delivered (not before).
    pushes: dict[tuple[str, str], str] = field(default_factory=dict)

    def error(self, side: str, message: str, external_id: str = "") -> None:
        self.errors.append({"side": side, "id": external_id, "error": message})


# --- reading -----------------------------------------------------------------------------------
def _read_side(side: str, store, links: list[Link], full: bool, page_ids: list[str] | None,
               report: Report) -> tuple[list[RemoteBooking], str | None]:
    """The records ``side`` reports as changed, and the cursor to keep if the run succeeds."""
    if page_ids is not None:
        records = []
        for external_id in page_ids:
            record = store.fetch(external_id)
            records.append(record or RemoteBooking(external_id=external_id, deleted=True))
        return records, None
    cursor = None if full else SyncState.get(f"cursor:{side}", CURSOR_FORMAT)
    batch: ChangeBatch = store.changes(cursor)
    records = list(batch.records)
    if batch.full and batch.complete:
        # Pages in the trash drop out of query results, deleted events out of a full calendar
        # list; absence alone proves nothing, so each missing linked record is looked at
        # before anything is concluded (else a deletion read first by a full sync is lost).
        listed = {r.external_id for r in records}
        for link in links if full else load_links():  # an incremental run holds only the links it needs
            external_id = link.external_id(side)
            if external_id and external_id not in listed and link.local.status != "cancelled":
                try:
                    record = store.fetch(external_id)
                except IntegrationError as exc:
                    report.error(side, str(exc), external_id)
                    continue
                records.append(record or RemoteBooking(external_id=external_id, deleted=True))
    return records, batch.cursor


# --- applying ------------------------------------------------------------------------------------
def _report_problem(side: str, external_id: str, message: str, report: Report) -> None:
    report.error(side, message, external_id)
    if side == NOTION:
        try:
            notion_store().report_problem(external_id, message)
        except IntegrationError as exc:
            log.warning("could not write the problem to Notion page %s: %s", external_id, exc)


def _clear_fixed_pages(records: list[RemoteBooking], report: Report) -> None:
    """Empty the Sync Error of pages that read as bookings again and got no new error in this run
    (an admin fixed the page). The store skips a write when the page already shows none."""
    flagged = {error["id"] for error in report.errors if error["side"] == NOTION}
    for record in records:
        if record.extra.get("sync_error") and not (record.problem or record.deleted) \
                and record.external_id not in flagged:
            try:
                notion_store().clear_problem(record.external_id)
            except IntegrationError as exc:
                log.warning("could not clear the problem of Notion page %s: %s", record.external_id, exc)


def _apply(plan: Plan, report: Report) -> None:
    from booksync.bookings.external import apply_changes, import_record

    for action in plan.actions:
        if isinstance(action, Problem):
            _report_problem(action.side, action.external_id, action.message, report)
        elif isinstance(action, UpdateLocal):
            try:
                booking = apply_changes(action.booking_id, dict(action.changes), action.origin)
            except BookingError as exc:
                link = BookingLink.objects.filter(booking_id=action.booking_id).first()
                external_id = (link.notion_page_id if action.origin == NOTION else link.calendar_event_id) if link else ""
                _report_problem(action.origin, external_id, f"Not applied: {exc.message}", report)
                continue
            kind = "deleted" if action.changes.get("status") == "cancelled" else "updated"
            report.counts[kind] += 1
            report.actions.append({"action": "update_local", "from": action.origin, "booking": str(booking.pk),
                                   "fields": sorted(action.changes)})
        elif isinstance(action, CreateLocal):
            field_name = "notion_page_id" if action.origin == NOTION else "calendar_event_id"
            if BookingLink.objects.filter(**{field_name: action.record.external_id}).exists():
                continue  # another run imported it a moment ago
            try:
                # The booking and its link commit together: a process killed between the two
                # would leave the record unlinked, and the next run would import it again.
                with transaction.atomic():
                    created = import_record(action.record, action.origin, as_block=action.as_block)
                    remember(action.origin, str(created.pk), action.record.external_id,
                             project(action.origin, action.record))
                    if action.origin == CALENDAR:
                        # The event already shows this booking: nothing to write back to it.
                        BookingLink.objects.filter(booking=created).update(
                            calendar_written_hash=calendar_fingerprint(created))
            except BookingError as exc:
                _report_problem(action.origin, action.record.external_id, f"Not imported: {exc.message}", report)
                continue
            report.counts["created"] += 1
            report.counts["imported"] += 1
            report.actions.append({"action": "create_local", "from": action.origin, "id": str(created.pk)})
        elif isinstance(action, Remember):
            remember(action.side, action.booking_id, action.external_id, action.snapshot)
        elif isinstance(action, Push):
            booking = Booking.objects.filter(pk=action.booking_id).first()
            if booking is None:
                continue
            link = BookingLink.objects.filter(booking=booking).first()
            has_record = bool(link and (link.notion_page_id if action.side == NOTION else link.calendar_event_id))
            report.owed.append(effects.ensure_push(action.side, booking).pk)
            # Counted in _deliver, and only if the push lands: a failed delete is an error, not a deletion.
            if not has_record:
                report.pushes[(action.side, str(booking.pk))] = "created"
            elif action.side == CALENDAR and booking.status == "cancelled":
                report.pushes[(action.side, str(booking.pk))] = "deleted"
            else:
                report.pushes[(action.side, str(booking.pk))] = "updated"
            report.actions.append({"action": "push", "to": action.side, "booking": str(booking.pk)})
    for conflict in plan.conflicts:
        effects.audit(conflict.booking_id, AuditEntry.Actor.SYSTEM, "conflict", conflict_detail(conflict))
        report.conflicts.append(conflict)


def conflict_detail(conflict: Conflict) -> dict:
    """A conflict as its audit entry shows it: every party's value and edit time, and who won."""
    def text(value) -> str:
        return " – ".join(_text(v) for v in value) if isinstance(value, tuple) else _text(value)

    return {"field": conflict.field, "winner": conflict.winner, "losers": conflict.losers,
            "values": {party: text(value) for party, value in conflict.values.items()},
            "edited": {party: _text(at) if at else "" for party, at in conflict.edited.items()}}


def _text(value) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


# How an effect that was already owed before the run counts once the run delivers it.
OWED_COUNTS = {"confirmation": "created", "update": "updated", "cancellation": "deleted", "push": "updated"}


def _due(ids: set[int]) -> list[int]:
    """Of ``ids``, the messages due now: pending past their backoff, or in a worker's hands."""
    due = Q(state=OutboxState.PENDING, not_before__lte=timezone.now()) | Q(state=OutboxState.IN_FLIGHT)
    return list(OutboxMessage.objects.filter(due, pk__in=ids).order_by("created_at", "id").values_list("pk", flat=True))


def _deliver(report: Report, owed_before: set[int]) -> None:
    """Deliver what this run owes, so the summary tells the truth about the outside world.

    Only the run's own effects (and, for a full reconcile, earlier ones that are due now):
    a message waiting out its backoff keeps it, and one another worker holds is "in
    progress", not an error. See docs/decisions/0006-one-truth-under-concurrency.md.
    """
    ids = list(dict.fromkeys(report.owed + _due(owed_before)))
    outcomes = delivery.deliver(ids)
    for message in OutboxMessage.objects.filter(pk__in=list(outcomes)).order_by("created_at", "id"):
        outcome = outcomes[message.pk]
        planned = report.pushes.pop((message.topic, str(message.booking_id)), None) \
            if message.action == "push" else None
        if outcome == "failed":
            report.error(message.topic, message.last_error or "delivery failed", str(message.booking_id or ""))
        elif message.state in (OutboxState.PENDING, OutboxState.IN_FLIGHT):
            held = message.state == OutboxState.IN_FLIGHT or outcome == "in progress"
            report.in_progress.append({"topic": message.topic, "kind": message.action,
                                       "booking": str(message.booking_id or ""),
                                       "state": "in progress" if held else f"retry at {message.not_before.isoformat()}"})
        elif message.state == OutboxState.FAILED:
            report.error(message.topic, message.last_error or "needs a human", str(message.booking_id or ""))
        elif outcome == "delivered" and planned:
            report.counts[planned] += 1
        elif outcome == "delivered" and message.pk in owed_before and message.action in OWED_COUNTS:
            # Owed by an earlier change (a website booking, a failed delivery): delivered now.
            report.counts[OWED_COUNTS[message.action]] += 1
            report.actions.append({"action": f"deliver_{message.topic}", "kind": message.action,
                                   "booking": str(message.booking_id)})


def _plan_preview(plan: Plan, links: list[Link]) -> Report:
    """Counts for a dry run, from the plan alone."""
    report = Report()
    known = {(side, link.booking_id): bool(link.external_id(side)) for link in links for side in (NOTION, CALENDAR)}
    for action in plan.actions:
        if isinstance(action, CreateLocal):
            report.counts["created"] += 1
        elif isinstance(action, UpdateLocal):
            report.counts["deleted" if action.changes.get("status") == "cancelled" else "updated"] += 1
        elif isinstance(action, Push):
            report.counts["updated" if known.get((action.side, action.booking_id)) else "created"] += 1
        elif isinstance(action, Problem):
            report.error(action.side, action.message, action.external_id)
        if not isinstance(action, Remember):
            report.actions.append({"action": type(action).__name__, **{
                k: str(v) for k, v in vars(action).items() if k in ("side", "origin", "booking_id")}})
    report.conflicts = list(plan.conflicts)
    return report


def run_sync(*, trigger: str = "admin", full: bool = True, dry_run: bool = False,
             sides: list[str] | None = None, notion_page_ids: list[str] | None = None,
             wait_seconds: float = 60.0, progress: Callable[[str, int], None] | None = None) -> dict:
    """Reconcile and return ``{"success", "summary": {...}, "conflicts", ...}`` (the seed's shape).

    ``progress(step, steps_in_total)`` is told of each step (reading a side, applying, delivering).
    """
    token = acquire(wait_seconds) if not dry_run else None
    run = SyncRun.objects.create(trigger=trigger, full=full, dry_run=dry_run)
    try:
        return _run(run, full=full, dry_run=dry_run, sides=sides, notion_page_ids=notion_page_ids,
                    progress=progress or (lambda step, total: None))
    finally:
        if token:
            release(token)


def _run(run: SyncRun, *, full: bool, dry_run: bool, sides: list[str] | None,
         notion_page_ids: list[str] | None, progress: Callable[[str, int], None]) -> dict:
    sides = [s for s in (sides or enabled_sides()) if s in enabled_sides()]
    steps = len(sides) + 2
    # A webhook names a few pages, and only their bookings can match them: reading every booking's
    # link (seconds at 10,000 bookings) would make the webhook's latency grow with the database.
    targeted = notion_page_ids is not None and sides == [NOTION]
    # A full reconcile also settles what earlier changes owe and is due now (never forcing a
    # backoff); an incremental or webhook run delivers only what it produced itself.
    owed_before = set() if targeted or not full else set(OutboxMessage.objects.filter(
        state__in=[OutboxState.PENDING, OutboxState.IN_FLIGHT]).values_list("pk", flat=True))
    # An incremental run reads the links of recent local changes now and those its records can
    # match after each read, so its work follows what changed, not how many bookings exist.
    links = [] if targeted else (load_links() if full else links_for_incremental(sides))
    plan = Plan()
    cursors: dict[str, str] = {}
    read_errors: list[dict] = []
    reported: dict[str, list[RemoteBooking]] = {}
    settings_ = Settings(calendar_import=settings.CALENDAR_IMPORT)
    for side in sides:
        progress(f"reading {side}", steps)
        scratch = Report()
        try:
            records, cursor = _read_side(side, store_for(side), links, full,
                                         notion_page_ids if side == NOTION else None, scratch)
        except IntegrationError as exc:
            read_errors.append({"side": side, "id": "", "error": f"could not read {side}: {exc}"})
            continue
        read_errors.extend(scratch.errors)
        if not scratch.errors:
            liveness.record_success(side)
        if targeted:
            links = load_links_for_pages(records)
        elif not full:
            links = with_links_for(side, records, links)
        reported[side] = records
        if cursor:
            cursors[side] = cursor
    # Every side's records are planned together: a booking changed on both sides is merged
    # once against both, so the conflict rule does not depend on which side was read first.
    plan_sync(reported, links, settings_, plan)
    if notion_page_ids is None:
        owed_locally = plan_local(links, sides)
        already = {(a.side, a.booking_id) for a in plan.of(Push)}
        plan.actions.extend(a for a in owed_locally.actions if (a.side, a.booking_id) not in already)

    progress(f"{'planning' if dry_run else 'applying'} {len(plan.actions)} actions", steps)
    if dry_run:
        report = _plan_preview(plan, links)
        for message in OutboxMessage.objects.filter(pk__in=_due(owed_before), state=OutboxState.PENDING):
            if message.action in OWED_COUNTS:
                report.counts[OWED_COUNTS[message.action]] += 1
                report.actions.append({"action": f"deliver_{message.topic}", "kind": message.action,
                                       "booking": str(message.booking_id)})
    else:
        report = Report()
        with claims.collecting() as recorded:
            _apply(plan, report)
        report.owed[:0] = recorded
        _clear_fixed_pages(reported.get(NOTION, []), report)
        progress("delivering to Notion, the calendar and email", steps)
        _deliver(report, owed_before)
        for action in report.actions:  # one line per action, findable by booking id
            log.info("sync %s: %s", run.pk, action, extra={
                "sync_run": run.pk, "sync_action": action["action"],
                "booking_id": action.get("booking") or action.get("booking_id") or action.get("id") or ""})
        for side, cursor in cursors.items():
            SyncState.put(f"cursor:{side}", cursor, CURSOR_FORMAT)
        if notion_page_ids is None and set(sides) == set(enabled_sides()):
            mark_local_sweep(run.started_at)
    report.errors[:0] = read_errors
    touched = {a.get("booking") or a.get("booking_id") or a.get("id") for a in report.actions}
    total = len(links) + report.counts["imported"] if full and not targeted else Booking.objects.count()
    summary = {
        "total": total,
        "created": report.counts["created"],
        "updated": report.counts["updated"],
        "deleted": report.counts["deleted"],
        "skipped": max(total - len(touched), 0),
        "errors": len(report.errors),
    }
    run.summary = {**summary, "conflicts": len(report.conflicts), "sides": sides,
                   "in_progress": len(report.in_progress)}
    run.errors = report.errors
    run.finished_at = timezone.now()
    run.save()
    log.info("sync %s (%s%s): %s", run.pk, run.trigger, ", dry run" if dry_run else "", summary)
    return {
        "success": not report.errors,
        "dry_run": dry_run,
        "summary": summary,
        "conflicts": len(report.conflicts),
        "actions": report.actions,
        # Owed effects this run left to their worker: held by another one, or waiting out a backoff.
        "in_progress": report.in_progress,
        "error_details": report.errors,
    }
