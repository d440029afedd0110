"""Reconciliation planning: three versions of a booking in, a list of actions out. Pure: no Django, no I/O.

For every record a side reports as changed, the planner compares three
versions of the booking field by field:

- ``base``: what that side and booksync last agreed on (kept by the link ledger),
- ``local``: the booking as booksync holds it now,
- ``remote``: the record as the side holds it now.

A field the side changed (remote ≠ base) flows into the booking; a field
booksync changed (local ≠ base) is pushed to the side; when both changed it is
a conflict: the newer edit wins and Notion wins ties. Both sides' records of a
booking are planned together (``plan_sync``), so when Notion and the calendar
both changed a field since their last agreement the same rule picks one edit,
whichever side was read first; the losers' sides are pushed the winner. Edit
times are compared to the minute when Notion is involved (Notion rounds
``last_edited_time`` down to the minute), and start and end are one field,
"time", so a conflict never mixes one side's start with the other's end. A record equal to the
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

from booksync.integrations.ports import SideRecord

NOTION = "notion"
CALENDAR = "calendar"
CANCELLED = "cancelled"

# The fields each side carries, in the planner's own terms. The calendar knows a
# booking's time and whether it still takes time ("present"), nothing more.
SIDE_FIELDS: dict[str, tuple[str, ...]] = {
    NOTION: ("start", "end", "status", "name", "email", "phone", "notes", "service", "person", "room"),
    CALENDAR: ("start", "end", "present"),
}
# Notion also carries one field per booking question (ADR 0019): "answer:<key>". A record carries
# the answers whose column its database has (None: empty); the booking, those it holds. A missing
# answer reads as None, so the three-way merge treats each like any other field.
ANSWER = "answer:"


WHO = ("person", "room")


def _stripped(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def project(side: str, record: SideRecord) -> dict[str, Any]:
    """The values of ``record`` that ``side`` carries, normalised for comparison."""
    if side == NOTION:
        values = {name: getattr(record, name) for name in SIDE_FIELDS[NOTION] if name not in WHO}
        # Who and where (ADR 0017) ride in ``extra``: None when the page has no such column.
        values.update({name: _stripped(record.extra.get(name)) for name in WHO})
        if record.deleted:  # a page in the trash is a cancelled booking, never a deleted one
            values["status"] = CANCELLED
        values["email"] = (values["email"] or "").strip().lower()
        for name in ("name", "phone", "notes", "service"):
            values[name] = (values[name] or "").strip()
        for key, value in record.answers:
            values[ANSWER + key] = tuple(value) if isinstance(value, list) else value
        return values
    present = not record.deleted and record.status != CANCELLED
    return {"start": record.start, "end": record.end, "present": present}


@dataclass(frozen=True)
class Link:
    """One booking as the ledger knows it: its current state and what each side last agreed to."""

    booking_id: str
    booking: SideRecord  # the booking as booksync holds it, in a record's shape
    booking_edited_at: datetime | None = None
    notion_id: str = ""
    notion_base: Mapping[str, Any] | None = None
    calendar_id: str = ""
    calendar_base: Mapping[str, Any] | None = None
    calendar_name: str = ""  # the calendar the event lives in ("" = the studio's), ADR 0017

    def external_id(self, side: str) -> str:
        return self.notion_id if side == NOTION else self.calendar_id

    def base(self, side: str) -> Mapping[str, Any] | None:
        return self.notion_base if side == NOTION else self.calendar_base


# --- actions ------------------------------------------------------------------------------
@dataclass(frozen=True)
class UpdateBooking:
    """Apply a side's changes to the booking (which then owes pushes and emails to the others)."""

    booking_id: str
    side: str
    changes: Mapping[str, Any]


@dataclass(frozen=True)
class ImportRecord:
    """A record made by a person on ``side`` becomes a booking (or a block, for calendars)."""

    side: str
    record: SideRecord
    as_block: bool = False


@dataclass(frozen=True)
class Push:
    """Make ``side`` show the booking as booksync holds it."""

    side: str
    booking_id: str


@dataclass(frozen=True)
class Remember:
    """Record in the ledger that ``side`` and booksync agree on ``base``."""

    side: str
    booking_id: str
    external_id: str
    base: Mapping[str, Any]


@dataclass(frozen=True)
class Problem:
    """A record booksync cannot read as a booking: reported to the studio (on the Notion page too)."""

    side: str
    external_id: str
    message: str
    booking_id: str | None = None


LOCAL = "local"  # booksync's own edit (website, API, admin), as a party to a conflict


@dataclass(frozen=True)
class Conflict:
    """Two or more parties changed one field differently since they last agreed.

    ``values`` and ``edited`` are keyed by party: ``"local"``, ``NOTION`` or ``CALENDAR``.
    """

    booking_id: str
    field: str  # "time" (start and end together) or a field's name
    values: Mapping[str, Any]
    edited: Mapping[str, datetime | None]
    winner: str  # a party

    @property
    def losers(self) -> list[str]:
        return sorted(party for party in self.values if party != self.winner)


@dataclass(frozen=True)
class DeleteClash:
    """A record deleted on one side while the other side edited the booking, both unread by booksync.

    ``edited`` names the fields (``"time"`` or a field's name) ``edited_on`` changed; ``kept`` is
    ``"delete"`` when the booking is cancelled (with the other side's edits) or ``"edit"`` when a
    newer status set on the other side brings it back. The studio is told (ADR 0016).
    """

    booking_id: str
    deleted_on: str  # a side (or who cancelled: "customer", "admin")
    edited_on: str  # the other side
    edited: tuple[str, ...]
    kept: str = "delete"
    how: str = "delete"  # "delete": an event deleted, a page trashed; "cancel": a status set to Cancelled


Action = UpdateBooking | ImportRecord | Push | Remember | Problem


@dataclass
class Plan:
    actions: list[Action] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    clashes: list[DeleteClash] = field(default_factory=list)

    def of(self, kind: type) -> list:
        return [a for a in self.actions if isinstance(a, kind)]


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


# Who wins a tie (edit times equal, or unknown): Notion (the source of truth), then booksync.
TIE_ORDER = (NOTION, LOCAL, CALENDAR)
TIME = ("start", "end")


def _groups(side: str, views: Mapping[str, _View] | None = None) -> list[tuple[str, ...]]:
    """The side's fields as conflicts see them: start and end are one, "time"; then, on Notion,
    each answer any of ``views`` knows of."""
    groups = [TIME, *((name,) for name in SIDE_FIELDS[side] if name not in TIME)]
    if side == NOTION and views:
        answers = {name for view in views.values() for values in (view.local, view.remote, view.base)
                   for name in values if name.startswith(ANSWER)}
        groups.extend((name,) for name in sorted(answers))
    return groups


def _group_name(group: tuple[str, ...]) -> str:
    return "time" if group == TIME else group[0]


def _to_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def newest_edit(edited: Mapping[str, datetime | None]) -> str:
    """The party whose edit is newest; ties (and unknown times) go by ``TIE_ORDER``.

    Notion reports edit times rounded down to the minute, so with Notion among the
    parties every time is compared to the minute: an edit in the same minute as
    Notion's cannot be shown to be newer, and Notion wins it.
    """
    minute = NOTION in edited
    best = None
    for party in sorted(edited, key=TIE_ORDER.index):
        if best is None:
            best = party
            continue
        ours, theirs = edited[best], edited[party]
        if ours is not None and theirs is not None:
            if minute:
                ours, theirs = _to_minute(ours), _to_minute(theirs)
            if theirs > ours:
                best = party
    return best  # type: ignore[return-value]


@dataclass
class _View:
    """One side's record of a booking beside what booksync holds and what they last agreed."""

    record: SideRecord
    local: dict[str, Any]
    remote: dict[str, Any]
    base: dict[str, Any]


def _view(side: str, link: Link, record: SideRecord) -> _View:
    local = project(side, link.booking)
    remote = project(side, record)
    base = dict(link.base(side) or local)  # no agreed state yet: count the side's differences as its edits
    if side == NOTION:
        for name in WHO:
            if remote.get(name) is None or (remote[name] == "" and local[name] != ""):
                # No such column, or nobody chosen there yet: the page has no say (the push fills it).
                remote[name] = local[name]
    if side == CALENDAR and not remote["present"]:
        # A deleted event may carry no times at all; only its absence means anything.
        remote["start"], remote["end"] = local["start"], local["end"]
    return _View(record, local, remote, base)


def _merge_link(link: Link, records: Mapping[str, SideRecord], plan: Plan) -> None:
    """Plan one booking against every side that reported it changed, all at once."""
    views = {side: _view(side, link, record) for side, record in records.items()}
    edited = {side: view.record.edited_at for side, view in views.items()}
    edited[LOCAL] = link.booking_edited_at
    incoming: dict[str, dict[str, Any]] = {side: {} for side in views}
    groups = dict.fromkeys(group for side in (NOTION, CALENDAR) if side in views for group in _groups(side, views))
    for group in groups:
        values = _changed_values(group, views)
        if not values:
            continue
        if len(set(values.values())) == 1:
            winner = next(side for side in (NOTION, CALENDAR) if side in values)
        else:
            winner = newest_edit({party: edited.get(party) for party in values})
            plan.conflicts.append(Conflict(link.booking_id, _group_name(group), values,
                                           {party: edited.get(party) for party in values}, winner))
        if winner != LOCAL:
            incoming[winner].update(zip(group, values[winner], strict=True))
    _settle_status(link, views, edited, incoming, plan)
    merged = _take_incoming(link, incoming, plan)
    for side, view in views.items():
        if not _same(side, _wanted(side, merged), view.remote):
            if link.base(side) is not None and view.base != view.remote:
                # Seen and decided: what the side shows now is the base the push writes over, so
                # the push does not take this run's losing edit for one no sync has read.
                plan.actions.append(Remember(side, link.booking_id, view.record.external_id, view.remote))
            plan.actions.append(Push(side, link.booking_id))  # the push records the new agreed state
        elif view.base != view.remote or link.base(side) is None:
            plan.actions.append(Remember(side, link.booking_id, view.record.external_id, view.remote))
        # else: an echo of our own write, already remembered


def _deleted_on(side: str, view: _View) -> bool:
    """The side's record was deleted (an event gone, a page in the trash) since it last agreed."""
    if side == CALENDAR:
        return view.remote["present"] is False and view.base.get("present") is not False
    return bool(view.record.deleted) and view.base.get("status") != CANCELLED


def _settle_status(link: Link, views: Mapping[str, _View], edited: Mapping[str, datetime | None],
                   incoming: dict[str, dict[str, Any]], plan: Plan) -> None:
    """A delete on one side is that side's status edit: against the other side's status edit the
    newer wins (Notion wins ties); against its other edits it is a clash the studio hears of."""
    for gone, other in ((CALENDAR, NOTION), (NOTION, CALENDAR)):
        if gone not in views or other not in views or not _deleted_on(gone, views[gone]):
            continue
        theirs = incoming.get(other, {})
        kept = "delete"
        if other == NOTION and theirs.get("status") not in (None, CANCELLED):
            parties = {gone: edited.get(gone), other: edited.get(other)}
            winner = newest_edit(parties)
            plan.conflicts.append(Conflict(link.booking_id, "status", {gone: CANCELLED, other: theirs["status"]},
                                           parties, winner))
            if winner == other:
                incoming[gone].pop("present", None)
                incoming[gone].pop("status", None)
                kept = "edit"
            else:
                theirs.pop("status")
        fields = sorted({"time" if name in TIME else name for name in theirs if name != "present"})
        if fields or kept == "edit":
            plan.clashes.append(DeleteClash(link.booking_id, gone, other, tuple(fields), kept))


def unread_edits(side: str, link: Link, record: SideRecord) -> frozenset[str]:
    """The fields a push must leave as ``record`` shows them: edits made on ``side`` since it
    last agreed with booksync that no sync has read yet, and that the conflict rule lets win.

    A push writes the booking as booksync holds it. Without this, a person's edit on that side
    which the next sync would have imported is overwritten first (a calendar move that changed
    the booking pushes it to Notion while someone is typing its notes there). A field booksync
    did not change since the base is always left; a field both changed goes to the newer edit,
    as the planner decides it, so the planner and the push never undo each other.
    """
    if link.base(side) is None:
        return frozenset()  # nothing agreed yet: every difference is for the push to settle
    views = {side: _view(side, link, record)}
    edited = {side: record.edited_at, LOCAL: link.booking_edited_at}
    keep: set[str] = set()
    for group in _groups(side, views):
        values = _changed_values(group, views)  # the planner's own reading of who changed what
        if side in values and (LOCAL not in values or newest_edit({p: edited[p] for p in values}) == side):
            keep.update(group)
    return frozenset(keep)


def _changed_values(group: tuple[str, ...], views: Mapping[str, _View]) -> dict[str, tuple]:
    """Each party's value of ``group`` where it changed since it last agreed: the sides that
    changed it, and booksync (``LOCAL``) too when it changed it since one of those sides agreed."""
    values: dict[str, tuple] = {}
    local_changed = False
    carriers = [view for view in views.values() if all(name in view.remote for name in group)]
    ours = tuple(carriers[0].local.get(name) for name in group) if carriers else ()
    for side in (NOTION, CALENDAR):
        view = views.get(side)
        if view is None or view not in carriers:
            continue
        theirs = tuple(view.remote[name] for name in group)
        agreed = tuple(view.base.get(name) for name in group)
        if theirs in (ours, agreed):
            continue  # the side did not change it, or already agrees with us
        values[side] = theirs
        local_changed |= ours != agreed  # booksync changed it too since this side last agreed
    if values and local_changed:
        values[LOCAL] = ours
    return values


def _take_incoming(link: Link, incoming: Mapping[str, dict[str, Any]], plan: Plan) -> dict[str, Any]:
    """Plan the winning sides' changes into the booking; the booking as it will then be."""
    merged = dict(project(NOTION, link.booking))
    for side in (NOTION, CALENDAR):
        changes = incoming.get(side)
        if changes and side == CALENDAR and "present" in changes:
            # A deleted event cancels the booking (its times no longer matter); a restored
            # event does not revive a cancelled booking: the push below removes it again.
            changes = {"present": False} if changes["present"] is False else {
                k: v for k, v in changes.items() if k != "present"}
        if changes:
            booking_changes = _booking_changes(side, changes)
            merged.update(booking_changes)
            plan.actions.append(UpdateBooking(link.booking_id, side, booking_changes))
    return merged


def _wanted(side: str, merged: Mapping[str, Any]) -> dict[str, Any]:
    """What ``side`` should show once the merged changes are applied."""
    if side == NOTION:
        return dict(merged)
    return {"start": merged["start"], "end": merged["end"], "present": merged["status"] != CANCELLED}


def _same(side: str, wanted: Mapping[str, Any], remote: Mapping[str, Any]) -> bool:
    if side == CALENDAR and not wanted["present"] and not remote["present"]:
        return True  # gone is gone, whatever time it last had
    if side == NOTION:
        # An answer counts where the side has its column (the remote carries it); missing is None.
        fixed = all(wanted.get(name) == remote.get(name) for name in SIDE_FIELDS[NOTION])
        return fixed and all(wanted.get(name) == value for name, value in remote.items() if name.startswith(ANSWER))
    return dict(wanted) == dict(remote)


def _agrees(side: str, base: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    """Whether an agreed state still equals what the booking would show (answers: missing is None)."""
    if side != NOTION:
        return dict(base) == dict(wanted)
    names = {*SIDE_FIELDS[NOTION], *(n for n in (*base, *wanted) if n.startswith(ANSWER))}
    return all(base.get(name) == wanted.get(name) for name in names)


def _booking_changes(side: str, incoming: Mapping[str, Any]) -> dict[str, Any]:
    """A side's changed values in booking terms (a calendar's absence is a cancellation)."""
    if side == CALENDAR and incoming.get("present") is False:
        return {"status": CANCELLED}
    return dict(incoming)


def _new_record(side: str, record: SideRecord, settings: Settings, plan: Plan) -> None:
    if side == NOTION:
        if record.deleted:
            return  # a page trashed before we ever saw it
        plan.actions.append(ImportRecord(NOTION, record))
        return
    if record.deleted or record.transparent or record.booking_id:
        # Cancelled or "free" events take no time; an event carrying a booking id we do not
        # know belongs to another installation (or a booking deleted from our database).
        return
    plan.actions.append(ImportRecord(CALENDAR, record, as_block=settings.calendar_import == "block"))


def plan_changes(
    side: str,
    records: Iterable[SideRecord],
    links: Iterable[Link],
    settings: Settings = Settings(),
    plan: Plan | None = None,
) -> Plan:
    """Actions that bring booksync and ``side`` into agreement after ``records`` changed there."""
    return plan_sync({side: records}, links, settings, plan)


def plan_sync(
    records: Mapping[str, Iterable[SideRecord]],
    links: Iterable[Link],
    settings: Settings = Settings(),
    plan: Plan | None = None,
) -> Plan:
    """Actions that bring booksync and every side into agreement after ``records`` changed there.

    ``records`` maps a side to what it reported. A booking reported by both sides is planned
    once, against both records, so the result does not depend on which side was read first.
    """
    plan = plan or Plan()
    by_booking, by_external = _index(links)
    reported: dict[str, dict[str, SideRecord]] = {}
    for side in (NOTION, CALENDAR):
        seen: set[str] = set()
        for record in records.get(side, ()):
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
                reported.setdefault(link.booking_id, {}).setdefault(side, record)
    for booking_id, found in reported.items():
        _merge_link(by_booking[booking_id], found, plan)
    return plan


def plan_local(links: Iterable[Link], sides: Iterable[str]) -> Plan:
    """Pushes owed from booksync's side alone: bookings a side has never received or that changed since."""
    plan = Plan()
    sides = tuple(sides)
    for link in links:
        for side in sides:
            wanted = project(side, link.booking)
            if side == CALENDAR and not link.calendar_id and not wanted["present"]:
                continue  # a cancelled booking that never had an event needs none
            if not link.external_id(side) or not _agrees(side, link.base(side) or {}, wanted):
                plan.actions.append(Push(side, link.booking_id))
    return plan
