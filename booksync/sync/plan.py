"""Reconciliation planning: three snapshots in, a list of actions out. Pure: no Django, no I/O.

For every record a side reports as changed, the planner compares three
versions of the booking field by field:

- ``base``: what that side and booksync last agreed on (the link ledger's snapshot),
- ``local``: the booking as booksync holds it now,
- ``remote``: the record as the side holds it now.

A field the side changed (remote ≠ base) flows into the booking; a field
booksync changed (local ≠ base) is pushed to the side; when both changed it is
a conflict: the newer edit wins and Notion wins ties. A record equal to the
booking is an echo of our own write (or already applied) and costs nothing
but a ledger update. Records the planner cannot read are reported, records
it has never seen become new bookings, and nothing is ever deleted because a
record is *missing*: only a record that says it is gone (trashed page,
cancelled event) cancels a booking.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from booksync.integrations.ports import RemoteBooking

NOTION = "notion"
CALENDAR = "calendar"
CANCELLED = "cancelled"

# The fields each side carries, in the planner's own terms. The calendar knows a
# booking's time and whether it still takes time ("present"), nothing more.
SIDE_FIELDS: dict[str, tuple[str, ...]] = {
    NOTION: ("start", "end", "status", "name", "email", "phone", "notes", "service"),
    CALENDAR: ("start", "end", "present"),
}


def project(side: str, record: RemoteBooking) -> dict[str, Any]:
    """The values of ``record`` that ``side`` carries, normalised for comparison."""
    if side == NOTION:
        values = {name: getattr(record, name) for name in SIDE_FIELDS[NOTION]}
        if record.deleted:  # a page in the trash is a cancelled booking, never a deleted one
            values["status"] = CANCELLED
        values["email"] = (values["email"] or "").strip().lower()
        for name in ("name", "phone", "notes", "service"):
            values[name] = (values[name] or "").strip()
        return values
    present = not record.deleted and record.status != CANCELLED
    return {"start": record.start, "end": record.end, "present": present}


@dataclass(frozen=True)
class Link:
    """One booking as the ledger knows it: its current state and what each side last agreed to."""

    booking_id: str
    local: RemoteBooking
    local_edited_at: datetime | None = None
    notion_id: str = ""
    notion_base: Mapping[str, Any] | None = None
    calendar_id: str = ""
    calendar_base: Mapping[str, Any] | None = None

    def external_id(self, side: str) -> str:
        return self.notion_id if side == NOTION else self.calendar_id

    def base(self, side: str) -> Mapping[str, Any] | None:
        return self.notion_base if side == NOTION else self.calendar_base


# --- actions ------------------------------------------------------------------------------
@dataclass(frozen=True)
class UpdateLocal:
    """Apply a side's changes to the booking (which then owes pushes and emails to the others)."""

    booking_id: str
    origin: str
    changes: Mapping[str, Any]


@dataclass(frozen=True)
class CreateLocal:
    """A record made by a person on ``origin`` becomes a booking (or a block, for calendars)."""

    origin: str
    record: RemoteBooking
    as_block: bool = False


@dataclass(frozen=True)
class Push:
    """Make ``side`` show the booking as booksync holds it."""

    side: str
    booking_id: str


@dataclass(frozen=True)
class Remember:
    """Record in the ledger that ``side`` and booksync agree on ``snapshot``."""

    side: str
    booking_id: str
    external_id: str
    snapshot: Mapping[str, Any]


@dataclass(frozen=True)
class Problem:
    side: str
    external_id: str
    message: str
    booking_id: str | None = None


@dataclass(frozen=True)
class Conflict:
    booking_id: str
    side: str
    field: str
    local_value: Any
    remote_value: Any
    winner: str  # "local" or the side's name


Action = UpdateLocal | CreateLocal | Push | Remember | Problem


@dataclass
class Plan:
    actions: list[Action] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    skipped: int = 0

    def of(self, kind: type) -> list:
        return [a for a in self.actions if isinstance(a, kind)]

    @property
    def writes(self) -> list[Action]:
        return [a for a in self.actions if isinstance(a, UpdateLocal | CreateLocal | Push)]


@dataclass(frozen=True)
class Settings:
    calendar_import: str = "booking"  # "booking" or "block"


def _index(links: Iterable[Link]) -> tuple[dict[str, Link], dict[tuple[str, str], Link]]:
    by_booking: dict[str, Link] = {}
    by_external: dict[tuple[str, str], Link] = {}
    for link in links:
        by_booking[link.booking_id] = link
        for side in (NOTION, CALENDAR):
            if link.external_id(side):
                by_external[(side, link.external_id(side))] = link
    return by_booking, by_external


def _remote_wins(side: str, link: Link, record: RemoteBooking) -> bool:
    """Who wins a field both sides changed: the newer edit; on a tie Notion (the source of truth)."""
    if record.edited_at and link.local_edited_at and record.edited_at != link.local_edited_at:
        return record.edited_at > link.local_edited_at
    return side == NOTION


def _merge(side: str, link: Link, record: RemoteBooking, plan: Plan) -> None:
    local = project(side, link.local)
    remote = project(side, record)
    base = dict(link.base(side) or local)  # no agreed state yet: count the side's differences as its edits
    if side == CALENDAR and not remote["present"]:
        # A deleted event may carry no times at all; only its absence means anything.
        remote["start"], remote["end"] = local["start"], local["end"]
    incoming: dict[str, Any] = {}
    for name in SIDE_FIELDS[side]:
        if remote[name] == local[name] or remote[name] == base.get(name):
            continue  # the side did not change it, or already agrees with us
        if local[name] != base.get(name):
            winner = side if _remote_wins(side, link, record) else "local"
            plan.conflicts.append(Conflict(link.booking_id, side, name, local[name], remote[name], winner))
            if winner == "local":
                continue
        incoming[name] = remote[name]
    if side == CALENDAR and "present" in incoming:
        # A deleted event cancels the booking (its times no longer matter); a restored
        # event does not revive a cancelled booking: the push below removes it again.
        incoming = {"present": False} if incoming["present"] is False else {
            k: v for k, v in incoming.items() if k != "present"}
    merged = {**local, **incoming}
    if incoming:
        plan.actions.append(UpdateLocal(link.booking_id, side, _booking_changes(side, incoming)))
    if merged != remote:
        plan.actions.append(Push(side, link.booking_id))  # the push records the new agreed state
    elif base != remote or link.base(side) is None:
        plan.actions.append(Remember(side, link.booking_id, record.external_id, remote))
    elif not incoming:
        plan.skipped += 1  # an echo of our own write, already remembered


def _booking_changes(side: str, incoming: Mapping[str, Any]) -> dict[str, Any]:
    """A side's changed values in booking terms (a calendar's absence is a cancellation)."""
    if side == CALENDAR and incoming.get("present") is False:
        return {"status": CANCELLED}
    return dict(incoming)


def _new_record(side: str, record: RemoteBooking, settings: Settings, plan: Plan) -> None:
    if side == NOTION:
        if record.deleted:
            plan.skipped += 1  # a page trashed before we ever saw it
            return
        plan.actions.append(CreateLocal(NOTION, record))
        return
    if record.deleted or record.transparent or record.booking_id:
        # Cancelled or "free" events take no time; an event carrying a booking id we do not
        # know belongs to another installation (or a booking deleted from our database).
        plan.skipped += 1
        return
    plan.actions.append(CreateLocal(CALENDAR, record, as_block=settings.calendar_import == "block"))


def plan_changes(
    side: str,
    records: Iterable[RemoteBooking],
    links: Iterable[Link],
    settings: Settings = Settings(),
    plan: Plan | None = None,
) -> Plan:
    """Actions that bring booksync and ``side`` into agreement after ``records`` changed there."""
    plan = plan or Plan()
    by_booking, by_external = _index(links)
    seen: set[str] = set()
    for record in records:
        if record.external_id in seen:
            continue  # the same record twice in one batch (overlapping polls): once is enough
        seen.add(record.external_id)
        if record.problem:
            plan.actions.append(Problem(side, record.external_id, record.problem, record.booking_id))
            continue
        link = by_external.get((side, record.external_id)) or (
            by_booking.get(record.booking_id) if record.booking_id else None
        )
        if link is None:
            _new_record(side, record, settings, plan)
        else:
            _merge(side, link, record, plan)
    return plan


def plan_local(links: Iterable[Link], sides: Iterable[str]) -> Plan:
    """Pushes owed from booksync's side alone: bookings a side has never received or that changed since."""
    plan = Plan()
    sides = tuple(sides)
    for link in links:
        local = link.local
        for side in sides:
            wanted = project(side, local)
            if side == CALENDAR and not link.calendar_id and not wanted["present"]:
                continue  # a cancelled booking that never had an event needs none
            if not link.external_id(side) or dict(link.base(side) or {}) != wanted:
                plan.actions.append(Push(side, link.booking_id))
            else:
                plan.skipped += 1
    return plan
