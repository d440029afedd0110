"""Applying a plan: one small function per action type, each returning what it did as an ``Outcome``.

``APPLY`` changes the world (bookings through the booking service's door, the ledger,
the outbox); ``PREVIEW`` says what the same action would do, for a dry run, in the same
``Outcome`` shape. Neither counts nor logs: the run's ``Tally`` does that once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from django.db import transaction

from booksync.bookings.errors import BookingError
from booksync.bookings.external import apply_changes, import_record
from booksync.bookings.models import Booking
from booksync.integrations.ports import IntegrationError, SideRecord
from booksync.integrations.registry import notion_store
from booksync.outbox import claims, effects
from booksync.outbox.models import AuditEntry

from . import deletes
from .ledger import remember
from .models import BookingLink
from .plan import (
    CALENDAR,
    NOTION,
    Action,
    Conflict,
    ImportRecord,
    Link,
    Plan,
    Problem,
    Push,
    Remember,
    UpdateBooking,
    project,
)
from .snapshot import fingerprint
from .tally import CANCELLED, CREATED, UPDATED, Outcome, error

log = logging.getLogger("booksync.sync")


def apply(plan: Plan) -> tuple[list[Outcome], list[int]]:
    """Apply every action and audit every conflict; the outcomes, and the outbox messages they owe."""
    with claims.collecting() as recorded:
        outcomes = [APPLY[type(action)](action) for action in plan.actions]
    for conflict in plan.conflicts:
        effects.audit(conflict.booking_id, AuditEntry.Actor.SYSTEM, "conflict", conflict_detail(conflict))
    if plan.clashes:
        with claims.collecting() as told:
            deletes.flag_planned(plan.clashes)
        recorded.extend(told)
    owed = [*recorded, *(outcome.owes for outcome in outcomes if outcome.owes)]
    return outcomes, owed


def _side_says(side: str, external_id: str, message: str) -> Outcome:
    """An error about a record; a Notion page shows it in its Sync Error column too."""
    if side == NOTION:
        try:
            notion_store().report_problem(external_id, message)
        except IntegrationError as exc:
            log.warning("could not write the problem to Notion page %s: %s", external_id, exc)
    return error(side, message, external_id)


def clear_fixed_pages(records: Iterable[SideRecord], outcomes: Iterable[Outcome]) -> None:
    """Empty the Sync Error of pages that read as bookings again and got no new error in this run
    (an admin fixed the page). The store skips a write when the page already shows none."""
    flagged = {o.error["id"] for o in outcomes if o.error and o.error["side"] == NOTION}
    for record in records:
        if record.extra.get("sync_error") and not (record.problem or record.deleted) \
                and record.external_id not in flagged:
            try:
                notion_store().clear_problem(record.external_id)
            except IntegrationError as exc:
                log.warning("could not clear the problem of Notion page %s: %s", record.external_id, exc)


def _counted_change(changes) -> str:
    return CANCELLED if changes.get("status") == "cancelled" else UPDATED


def apply_problem(action: Problem) -> Outcome:
    return _side_says(action.side, action.external_id, action.message)


def apply_update(action: UpdateBooking) -> Outcome:
    was_cancelled = Booking.objects.filter(pk=action.booking_id, status="cancelled").exists()
    try:
        booking = apply_changes(action.booking_id, dict(action.changes), action.side)
    except BookingError as exc:
        link = BookingLink.objects.filter(booking_id=action.booking_id).first()
        external_id = (link.notion_page_id if action.side == NOTION else link.calendar_event_id) if link else ""
        return _side_says(action.side, external_id, f"Not applied: {exc.message}")
    if was_cancelled and booking.is_active:
        deletes.tell_restored(booking, action.side)
    return Outcome("update_booking", str(booking.pk), _counted_change(action.changes),
                   detail={"from": action.side, "fields": sorted(action.changes)})


def apply_import(action: ImportRecord) -> Outcome:
    external_id = action.record.external_id
    field_name = "notion_page_id" if action.side == NOTION else "calendar_event_id"
    if BookingLink.objects.filter(**{field_name: external_id}).exists():
        return Outcome()  # another run imported it a moment ago
    try:
        # The booking and its link commit together: a process killed between the two
        # would leave the record unlinked, and the next run would import it again.
        with transaction.atomic():
            created = import_record(action.record, action.side, as_block=action.as_block)
            remember(action.side, str(created.pk), external_id, project(action.side, action.record))
            if action.side == CALENDAR:
                # The event already shows this booking: nothing to write back to it.
                BookingLink.objects.filter(booking=created).update(
                    calendar_written_hash=fingerprint(CALENDAR, created),
                    calendar_name=str(action.record.extra.get("calendar") or ""))  # where it was found
    except BookingError as exc:
        return _side_says(action.side, external_id, f"Not imported: {exc.message}")
    return Outcome("import_record", str(created.pk), CREATED, imported=True, detail={"from": action.side})


def apply_remember(action: Remember) -> Outcome:
    remember(action.side, action.booking_id, action.external_id, action.base)
    return Outcome()


def apply_push(action: Push) -> Outcome:
    """Owe the push; it counts once delivered (a failed delete is an error, not a cancellation)."""
    booking = Booking.objects.filter(pk=action.booking_id).first()
    if booking is None:
        return Outcome()
    link = BookingLink.objects.filter(booking=booking).first()
    has_record = bool(link and (link.notion_page_id if action.side == NOTION else link.calendar_event_id))
    message = effects.ensure_push(action.side, booking)
    return Outcome("push", str(booking.pk), detail={"to": action.side}, owes=message.pk,
                   on_delivery=_push_count(action.side, has_record, booking.status == "cancelled"))


def _push_count(side: str, has_record: bool, cancelled: bool) -> str:
    if not has_record:
        return CREATED
    return CANCELLED if side == CALENDAR and cancelled else UPDATED


APPLY: dict[type, Callable[[Action], Outcome]] = {
    UpdateBooking: apply_update,  # type: ignore[dict-item]
    ImportRecord: apply_import,  # type: ignore[dict-item]
    Push: apply_push,  # type: ignore[dict-item]
    Remember: apply_remember,  # type: ignore[dict-item]
    Problem: apply_problem,  # type: ignore[dict-item]
}


# --- the dry run ------------------------------------------------------------------------------
def preview(plan: Plan, links: Iterable[Link]) -> list[Outcome]:
    """What applying ``plan`` would do, counted from the plan alone."""
    known = {(side, link.booking_id) for link in links for side in (NOTION, CALENDAR) if link.external_id(side)}
    return [PREVIEW[type(action)](action, known) for action in plan.actions]


def _preview_update(action: UpdateBooking, known) -> Outcome:
    return Outcome("update_booking", action.booking_id, _counted_change(action.changes),
                   detail={"from": action.side, "fields": sorted(action.changes)})


def _preview_import(action: ImportRecord, known) -> Outcome:
    return Outcome("import_record", "", CREATED, detail={"from": action.side})


def _preview_push(action: Push, known) -> Outcome:
    count = UPDATED if (action.side, action.booking_id) in known else CREATED
    return Outcome("push", action.booking_id, count, detail={"to": action.side})


PREVIEW: dict[type, Callable[[Action, set], Outcome]] = {
    UpdateBooking: _preview_update,  # type: ignore[dict-item]
    ImportRecord: _preview_import,  # type: ignore[dict-item]
    Push: _preview_push,  # type: ignore[dict-item]
    Remember: lambda action, known: Outcome(),
    Problem: lambda action, known: error(action.side, action.message, action.external_id),  # type: ignore[attr-defined]
}


# --- conflicts ----------------------------------------------------------------------------------
def conflict_detail(conflict: Conflict) -> dict:
    """A conflict as its audit entry shows it: every party's value and edit time, and who won."""
    def text(value) -> str:
        return " – ".join(_text(v) for v in value) if isinstance(value, tuple) else _text(value)

    return {"field": conflict.field, "winner": conflict.winner, "losers": conflict.losers,
            "values": {party: text(value) for party, value in conflict.values.items()},
            "edited": {party: _text(at) if at else "" for party, at in conflict.edited.items()}}


def _text(value) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
