"""Deletes under the unread-edit rule (ADR 0016): a push that finds its record deleted, and telling
the studio when a delete met another side's edit before booksync had read both.

A deleted event, or a page in the trash, is a change of the booking's status on that side. A push
asks ``plan.unread_edits`` about the record as it finds it; when the rule keeps the delete, the
store writes nothing and ``keep_the_delete`` cancels the booking through the one door, from that
side, with what booksync holds now (the other side's time and notes). Either way a delete that
met an edit is a ``delete_clash``: one audit entry with one sentence (who deleted what, who edited
what, what booksync kept), listed on the sync dashboard with a Restore button, and an alert to
the studio.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from booksync.bookings import services
from booksync.bookings.external import apply_changes
from booksync.bookings.messages import studio_mail
from booksync.bookings.messages.sentences import admin_link, when
from booksync.bookings.models import Booking, BookingStatus, Studio
from booksync.integrations.ports import CalendarStore, KeepFields, SideRecord, WriteResult
from booksync.integrations.registry import calendar_provider
from booksync.outbox import effects
from booksync.outbox.models import AuditEntry

from .ledger import link_of, remember
from .models import BookingLink
from .plan import CALENDAR, CANCELLED, NOTION, TIME, DeleteClash, project, unread_edits
from .snapshot import fingerprint

log = logging.getLogger("booksync.sync")

CLASH_ACTION = "delete_clash"
RESTORED_ACTION = "restored_after_delete"


class Seen:
    """What a push's ``keep`` was asked and answered (the last record the store showed it)."""

    def __init__(self) -> None:
        self.record: SideRecord | None = None
        self.kept: frozenset[str] = frozenset()


def keep_fields(side: str, booking: Booking, link: BookingLink, seen: Seen | None = None) -> KeepFields:
    """The push's ``keep``: ``plan.unread_edits``, and ``"deleted"`` when the rule keeps the record's
    delete (its presence on the calendar, its status in Notion) that no sync has read."""
    known = link_of(booking, link)

    def keep(record: SideRecord) -> frozenset[str]:
        fields = set(unread_edits(side, known, record))
        if record.deleted and fields & {"present", "status"}:
            fields.add("deleted")
        if seen is not None:
            seen.record, seen.kept = record, frozenset(fields)
        return frozenset(fields)

    return keep


def _field_names(names: Iterable[str]) -> list[str]:
    out = []
    for name in names:
        shown = "time" if name in TIME else name
        if shown not in out and shown not in ("present", "status", "deleted"):
            out.append(shown)
    return out


def _last_edit(booking: Booking) -> tuple[str, list[str]]:
    """Who made the booking's latest change, and which fields: the edit a push was carrying."""
    entry = (AuditEntry.objects.filter(booking=booking).exclude(action__in=(CLASH_ACTION, "conflict"))
             .order_by("-at", "-pk").first())
    if entry is None:
        return "booksync", []
    return entry.actor, _field_names((entry.detail or {}).get("fields") or [])


def keep_the_delete(side: str, booking: Booking, link: BookingLink, result: WriteResult) -> Booking:
    """The record on ``side`` was deleted since the base and the rule lets the delete stand: the
    booking is cancelled through the one door with what it holds now, the ledger remembers the
    record as deleted (the next read of it is an echo), and the studio hears of the clash."""
    edited_by, fields = _last_edit(booking)
    with transaction.atomic():
        cancelled = apply_changes(str(booking.pk), {"status": CANCELLED}, side)
        if side == CALENDAR:
            remember(CALENDAR, str(cancelled.pk), link.calendar_event_id,
                     {"start": cancelled.start, "end": cancelled.end, "present": False})
            BookingLink.objects.filter(pk=link.pk).update(calendar_written_hash=fingerprint(CALENDAR, cancelled))
        else:
            record = result.record or SideRecord(external_id=result.external_id, deleted=True)
            remember(NOTION, str(cancelled.pk), result.external_id, project(NOTION, record))
        if edited_by != side:
            flag(cancelled, DeleteClash(str(cancelled.pk), side, edited_by, tuple(fields), "delete"))
    log.info("booking %s: its record on %s was deleted since booksync last read it; the delete stands",
             booking.pk, side, extra={"booking_id": str(booking.pk)})
    return cancelled


def cancellation_met_edits(booking: Booking, base_before: dict | None, seen: Seen) -> None:
    """A push of a cancellation to Notion found edits there no sync had read: when the
    cancellation came from the calendar's delete, that delete met Notion's edit."""
    if booking.status != BookingStatus.CANCELLED or not base_before or base_before.get("status") == CANCELLED:
        return
    fields = _field_names(seen.kept)
    link = BookingLink.objects.filter(booking=booking).first()
    if not fields or link is None or (link.calendar_base or {}).get("present") is not False:
        return
    flag(booking, DeleteClash(str(booking.pk), CALENDAR, NOTION, tuple(fields), "delete"))


def unread_calendar_time(booking: Booking, link: BookingLink, store: CalendarStore) -> SideRecord | None:
    """Before a cancellation removes the event: the event, when a person gave it a time since
    booksync last read it that the rule takes (a field changed on one side only comes from that
    side). One read of the event; None when there is nothing to take."""
    if not link.calendar_event_id or link.calendar_base is None:
        return None
    record = (store.fetch(link.calendar_event_id, calendar=link.calendar_name) if link.calendar_name
              else store.fetch(link.calendar_event_id))  # the calendar the event lives in (ADR 0017)
    if record is None or record.deleted or not (record.start and record.end):
        return None
    if not {"start", "end"} & set(unread_edits(CALENDAR, link_of(booking, link), record)):
        return None
    return record


def take_calendar_time(booking: Booking, record: SideRecord) -> Booking:
    """The event's unread time goes into the cancelled booking, and the studio hears that the
    cancellation met that edit."""
    cancelled_by = (AuditEntry.objects.filter(booking=booking, action="cancelled").order_by("-at", "-pk")
                    .values_list("actor", flat=True).first()) or "booksync"
    with transaction.atomic():
        moved = apply_changes(str(booking.pk), {"start": record.start, "end": record.end}, CALENDAR)
        flag(moved, DeleteClash(str(moved.pk), cancelled_by, CALENDAR, ("time",), "delete", how="cancel"))
    return moved


def flag_planned(clashes: Iterable[DeleteClash]) -> None:
    """The clashes a sync's plan found (the delete and the edit read together)."""
    for clash in clashes:
        booking = Booking.objects.filter(pk=clash.booking_id).first()
        if booking is not None:
            flag(booking, clash)


# --- telling the studio ------------------------------------------------------------------------
def _place(side: str) -> str:
    if side == NOTION:
        return "Notion"
    return {"google": "Google Calendar", "caldav": "the CalDAV calendar"}.get(calendar_provider(), "the calendar")


def _who(actor: str) -> str:
    return {NOTION: "someone in Notion", CALENDAR: f"someone in {_place(CALENDAR)}", "customer": "the customer",
            "admin": "the studio in the admin"}.get(actor, actor)


def _and(names: Iterable[str]) -> str:
    names = list(names)
    return " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)


def clash_sentence(booking: Booking, clash: DeleteClash, zone: ZoneInfo) -> str:
    """One sentence: who deleted what, who edited what, what booksync kept."""
    if clash.how == "cancel":
        who = f"Someone in {_place(clash.deleted_on)}" if clash.deleted_on in (NOTION, CALENDAR) \
            else _who(clash.deleted_on).capitalize()
        opening = f"{who} cancelled {booking.name}'s booking"
    elif clash.deleted_on == CALENDAR:
        opening = f"Someone deleted the event of {booking.name}'s booking in {_place(CALENDAR)}"
    else:
        opening = f"Someone moved the Notion page of {booking.name}'s booking to the trash"
    fields = _and(clash.edited) or "details"
    if clash.kept == "delete":
        kept = (f"booksync kept the {'cancellation' if clash.how == 'cancel' else 'delete'} and cancelled the booking, with the {fields} from "
                f"{_place(clash.edited_on) if clash.edited_on in (NOTION, CALENDAR) else 'that edit'} "
                f"({booking.service_name or 'session'}, {when(booking.start, zone)})")
    else:
        kept = (f"booksync kept the newer status set in {_place(clash.edited_on)}, so the booking stays "
                f"{booking.get_status_display().lower()} ({when(booking.start, zone)}) and is written again")
    return f"{opening} while {_who(clash.edited_on)} changed its {fields}; {kept}."


def flag(booking: Booking, clash: DeleteClash) -> AuditEntry:
    """The clash on the dashboard (an audit entry) and to the studio by email, once per booking version."""
    zone = ZoneInfo(Studio.load().timezone)
    sentence = clash_sentence(booking, clash, zone)
    entry, created = AuditEntry.objects.get_or_create(
        booking=booking, action=CLASH_ACTION, detail__version=booking.version,
        defaults={"actor": AuditEntry.Actor.SYSTEM, "detail": {
            "version": booking.version, "sentence": sentence, "deleted_on": clash.deleted_on,
            "edited_on": clash.edited_on, "fields": list(clash.edited), "kept": clash.kept}})
    if created:
        notice = studio_mail.notice(booking, CLASH_ACTION, subject=f"Deleted while edited: {booking.name}, "
                                    f"{when(booking.start, zone)}", text=sentence, link=admin_link(booking),
                                    alert=True)
        if notice is not None:
            effects.owe(booking, notice)
    return entry


def tell_restored(booking: Booking, side: str) -> None:
    """A booking cancelled by a delete is back because of a status set on ``side``: the studio hears of it."""
    zone = ZoneInfo(Studio.load().timezone)
    sentence = (f"{booking.name}'s booking ({booking.service_name or 'session'}, {when(booking.start, zone)}) "
                f"is {booking.get_status_display().lower()} again: its status was set in {_place(side)} after "
                f"the delete, so booksync writes it to every side again.")
    effects.audit(booking.pk, AuditEntry.Actor.SYSTEM, RESTORED_ACTION, {"sentence": sentence, "from": side})
    notice = studio_mail.notice(booking, RESTORED_ACTION, subject=f"Booking back: {booking.name}, "
                                f"{when(booking.start, zone)}", text=sentence, link=admin_link(booking), alert=True)
    if notice is not None:
        effects.owe(booking, notice)


def recent_clashes(limit: int = 20) -> list[tuple[AuditEntry, bool]]:
    """Delete clashes of upcoming bookings from the last 30 days (the dashboard's list), each with
    whether it can still be restored (the booking is cancelled)."""
    since = timezone.now() - timedelta(days=30)
    entries = (AuditEntry.objects.filter(action=CLASH_ACTION, at__gte=since, booking__end__gte=timezone.now())
               .select_related("booking").order_by("-at")[:limit])
    return [(entry, entry.booking.status == BookingStatus.CANCELLED) for entry in entries]


def restore(entry_id: int, by: str) -> Booking:
    """Confirm the booking of a delete clash again, through the studio's door: every side shows it again."""
    entry = AuditEntry.objects.select_related("booking").get(pk=entry_id, action=CLASH_ACTION)
    booking = services.apply_change(entry.booking_id, {"status": BookingStatus.CONFIRMED}, actor="admin",
                                    detail={"by": by, "restored": entry.pk})
    return booking
