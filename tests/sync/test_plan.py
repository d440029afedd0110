"""The pure planner: examples of each direction, and properties over random interleavings of edits.

An in-memory world (booksync's bookings, Notion pages, calendar events, the ledger) applies
plans the way the engine does; the properties are that every interleaving converges to one
state on all sides and that planning again right after a sync yields no write.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from booksync.integrations.ports import SideRecord
from booksync.sync.plan import (
    CALENDAR,
    NOTION,
    ImportRecord,
    Link,
    Problem,
    Push,
    Remember,
    Settings,
    UpdateBooking,
    plan_changes,
    plan_local,
    project,
)

T0 = datetime(2026, 12, 7, 9, tzinfo=UTC)


def at(slot: int) -> datetime:
    return T0 + timedelta(hours=slot)


@dataclass
class World:
    local: dict[str, dict[str, Any]] = field(default_factory=dict)
    local_edited: dict[str, int] = field(default_factory=dict)
    notion: dict[str, dict[str, Any]] = field(default_factory=dict)
    calendar: dict[str, dict[str, Any]] = field(default_factory=dict)
    ledger: dict[str, dict[str, Any]] = field(default_factory=dict)
    changed: dict[str, set[str]] = field(default_factory=lambda: {NOTION: set(), CALENDAR: set()})
    owed: set[tuple[str, str]] = field(default_factory=set)
    clock: itertools.count = field(default_factory=lambda: itertools.count(1))
    ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    # -- what booksync holds ---------------------------------------------------------------
    def local_record(self, bid: str) -> SideRecord:
        b = self.local[bid]
        return SideRecord(external_id=bid, booking_id=bid, start=b["start"], end=b["end"], status=b["status"],
                             name=b["name"], email=b["email"], phone="", notes="", service=b["service"])

    def links(self) -> list[Link]:
        out = []
        for bid in self.local:
            led = self.ledger.get(bid, {})
            out.append(Link(bid, self.local_record(bid), booking_edited_at=_ts(self.local_edited.get(bid, 0)),
                            notion_id=led.get("notion_id", ""), notion_base=led.get("notion_base"),
                            calendar_id=led.get("calendar_id", ""), calendar_base=led.get("calendar_base")))
        return out

    def local_change(self, bid: str, **changes: Any) -> None:
        self.local[bid].update(changes)
        self.local_edited[bid] = next(self.clock)
        self.owed |= {(NOTION, bid), (CALENDAR, bid)}

    def new_local(self, slot: int, name: str) -> str:
        bid = f"b{next(self.ids)}"
        self.local[bid] = {"start": at(slot), "end": at(slot + 1), "status": "confirmed", "name": name,
                           "email": f"{name}@example.com", "service": "Portrait"}
        self.local_edited[bid] = next(self.clock)
        self.owed |= {(NOTION, bid), (CALENDAR, bid)}
        return bid

    # -- what the sides hold ---------------------------------------------------------------
    def record(self, side: str, ext: str) -> SideRecord:
        r = (self.notion if side == NOTION else self.calendar)[ext]
        if side == NOTION:
            return SideRecord(external_id=ext, booking_id=r.get("booking_id"), start=r["start"], end=r["end"],
                                 status=r["status"], name=r["name"], email=r["email"], service=r["service"],
                                 deleted=r.get("trashed", False), edited_at=_ts(r["edited"]))
        if r.get("deleted"):
            return SideRecord(external_id=ext, booking_id=r.get("booking_id"), deleted=True,
                                 edited_at=_ts(r["edited"]))
        return SideRecord(external_id=ext, booking_id=r.get("booking_id"), start=r["start"], end=r["end"],
                             edited_at=_ts(r["edited"]))

    def human(self, side: str, ext: str, **changes: Any) -> None:
        store = self.notion if side == NOTION else self.calendar
        store[ext].update(changes, edited=next(self.clock))
        self.changed[side].add(ext)

    def human_new(self, side: str, slot: int, name: str) -> None:
        ext = f"{side[0]}{next(self.ids)}"
        row = {"start": at(slot), "end": at(slot + 1), "edited": next(self.clock)}
        if side == NOTION:
            row.update(status="confirmed", name=name, email="", service="Portrait")
        (self.notion if side == NOTION else self.calendar)[ext] = row
        self.changed[side].add(ext)

    # -- one sync, as the engine runs it ---------------------------------------------------------
    def plan(self, sides=(NOTION, CALENDAR)):
        links = self.links()
        plan = None
        for side in sides:
            records = [self.record(side, ext) for ext in sorted(self.changed[side])]
            plan = plan_changes(side, records, links, Settings(), plan)
        local = plan_local(links, sides)
        pushes = {(a.side, a.booking_id) for a in plan.actions if isinstance(a, Push)}
        plan.actions.extend(a for a in local.actions if (a.side, a.booking_id) not in pushes)
        return plan

    def sync(self) -> Any:
        plan = self.plan()
        self.changed = {NOTION: set(), CALENDAR: set()}
        for action in plan.actions:
            if isinstance(action, UpdateBooking):
                changes = dict(action.changes)
                self.local[action.booking_id].update(changes)
                self.local_edited[action.booking_id] = next(self.clock)
                self.owed |= {(s, action.booking_id) for s in (NOTION, CALENDAR) if s != action.side}
            elif isinstance(action, ImportRecord):
                r = action.record
                bid = f"b{next(self.ids)}"
                self.local[bid] = {"start": r.start, "end": r.end, "status": r.status or "confirmed",
                                   "name": r.name, "email": r.email, "service": r.service}
                self.local_edited[bid] = next(self.clock)
                led = self.ledger.setdefault(bid, {})
                led[f"{action.side}_id"] = r.external_id
                led[f"{action.side}_base"] = project(action.side, r)
                self.owed |= {(NOTION, bid), (CALENDAR, bid)} if action.side == NOTION else {(NOTION, bid)}
            elif isinstance(action, Remember):
                led = self.ledger.setdefault(action.booking_id, {})
                led[f"{action.side}_id"] = action.external_id
                led[f"{action.side}_base"] = dict(action.base)
            elif isinstance(action, Push):
                self.owed.add((action.side, action.booking_id))
            elif isinstance(action, Problem):
                raise AssertionError(f"unexpected problem {action}")
        self.deliver()
        return plan

    def deliver(self) -> None:
        """The outbox: make each owed side show the booking (an echo lands in its change feed)."""
        for side, bid in sorted(self.owed):
            b = self.local[bid]
            led = self.ledger.setdefault(bid, {})
            ext = led.get(f"{side}_id")
            if side == NOTION:
                if not ext:
                    ext = f"n{next(self.ids)}"
                self.notion[ext] = {**{k: b[k] for k in ("start", "end", "status", "name", "email", "service")},
                                    "booking_id": bid, "edited": next(self.clock)}
            else:
                if b["status"] == "cancelled":
                    if not ext:
                        led["calendar_base"] = project(CALENDAR, self.local_record(bid))
                        continue
                    self.calendar[ext] = {"deleted": True, "booking_id": bid, "edited": next(self.clock)}
                else:
                    ext = ext or f"ev{bid}"
                    self.calendar[ext] = {"start": b["start"], "end": b["end"], "booking_id": bid,
                                          "edited": next(self.clock)}
            led[f"{side}_id"] = ext
            led[f"{side}_base"] = project(side, self.local_record(bid))
            self.changed[side].add(ext)
        self.owed = set()

    def agrees(self) -> list[str]:
        problems = []
        for bid, b in self.local.items():
            led = self.ledger.get(bid, {})
            page = self.notion.get(led.get("notion_id", ""))
            if page is None:
                problems.append(f"{bid}: no page")
            else:
                wanted = project(NOTION, self.local_record(bid))
                got = project(NOTION, self.record(NOTION, led["notion_id"]))
                if wanted != got:
                    problems.append(f"{bid}: page {got} != {wanted}")
            event = self.calendar.get(led.get("calendar_id", ""))
            shows = event is not None and not event.get("deleted")
            if shows != (b["status"] != "cancelled"):
                problems.append(f"{bid}: calendar shows={shows} status={b['status']}")
            elif shows and (event["start"], event["end"]) != (b["start"], b["end"]):
                problems.append(f"{bid}: event time differs")
        return problems


def _ts(tick: int) -> datetime:
    return T0 - timedelta(days=30) + timedelta(seconds=tick)


def writes(plan) -> list:
    return [a for a in plan.actions if isinstance(a, UpdateBooking | ImportRecord | Push)]


# --- examples ------------------------------------------------------------------------------------
def test_website_booking_is_pushed_to_both_sides_and_the_echo_costs_nothing():
    world = World()
    world.new_local(0, "ann")
    world.deliver()
    assert world.agrees() == []
    plan = world.sync()  # reads back our own writes
    assert writes(plan) == []
    assert writes(world.sync()) == []


def test_notion_edit_of_time_flows_to_local_and_calendar():
    world = World()
    bid = world.new_local(0, "ann")
    world.deliver()
    world.sync()
    page = world.ledger[bid]["notion_id"]
    world.human(NOTION, page, start=at(3), end=at(4))
    plan = world.sync()
    assert [type(a) for a in writes(plan)] == [UpdateBooking]
    assert world.local[bid]["start"] == at(3)
    assert world.agrees() == []


def test_notion_cancel_and_trash_cancel_the_booking_and_remove_the_event():
    world = World()
    a = world.new_local(0, "ann")
    b = world.new_local(2, "bob")
    world.deliver()
    world.sync()
    world.human(NOTION, world.ledger[a]["notion_id"], status="cancelled")
    world.human(NOTION, world.ledger[b]["notion_id"], trashed=True)
    world.sync()
    assert world.local[a]["status"] == world.local[b]["status"] == "cancelled"
    assert world.calendar[world.ledger[a]["calendar_id"]].get("deleted")
    assert world.calendar[world.ledger[b]["calendar_id"]].get("deleted")
    assert b in world.local  # never deleted, only cancelled


def test_new_page_and_new_event_become_bookings():
    world = World()
    world.human_new(NOTION, 1, "walk-in")
    world.human_new(CALENDAR, 5, "dentist")
    plan = world.sync()
    assert len(plan.of(ImportRecord)) == 2
    assert len(world.local) == 2
    world.sync()
    assert world.agrees() == []
    assert len(world.calendar) == 2  # the imported event is reused, not copied
    assert writes(world.plan()) == []


def test_calendar_move_and_delete_flow_back():
    world = World()
    a = world.new_local(0, "ann")
    b = world.new_local(2, "bob")
    world.deliver()
    world.sync()
    world.human(CALENDAR, world.ledger[a]["calendar_id"], start=at(6), end=at(7))
    world.human(CALENDAR, world.ledger[b]["calendar_id"], deleted=True)
    world.sync()
    assert world.local[a]["start"] == at(6)
    assert world.local[b]["status"] == "cancelled"
    assert world.notion[world.ledger[b]["notion_id"]]["status"] == "cancelled"
    assert world.agrees() == []


def test_conflicting_edits_newer_wins_and_notion_wins_ties():
    world = World()
    bid = world.new_local(0, "ann")
    world.deliver()
    world.sync()
    page = world.ledger[bid]["notion_id"]
    world.local_change(bid, name="local-name")
    world.human(NOTION, page, name="notion-name")  # later edit
    plan = world.sync()
    assert plan.conflicts and plan.conflicts[0].winner == NOTION
    assert world.local[bid]["name"] == "notion-name"
    link = Link(bid, replace(world.local_record(bid), name="x"), booking_edited_at=None, notion_id=page,
                notion_base=project(NOTION, world.local_record(bid)))
    tie = plan_changes(NOTION, [replace(world.record(NOTION, page), name="y", edited_at=None)], [link])
    assert tie.conflicts[0].winner == NOTION


def test_unreadable_record_is_reported_not_applied():
    link_plan = plan_changes(NOTION, [SideRecord(external_id="p1", problem="no date")], [])
    assert link_plan.actions == [Problem(NOTION, "p1", "no date", None)]


def test_missing_record_never_deletes():
    world = World()
    world.new_local(0, "ann")
    world.deliver()
    world.sync()
    # A side that reports nothing (a failed or partial read) changes nothing.
    plan = plan_changes(NOTION, [], world.links())
    assert plan.actions == []


# --- properties ---------------------------------------------------------------------------------
OPS = st.one_of(
    st.tuples(st.just("local_new"), st.integers(0, 20)),
    st.tuples(st.just("local_move"), st.integers(0, 5), st.integers(0, 20)),
    st.tuples(st.just("local_cancel"), st.integers(0, 5)),
    st.tuples(st.just("local_rename"), st.integers(0, 5), st.sampled_from(["amy", "ben", "cy"])),
    st.tuples(st.just("notion_new"), st.integers(0, 20)),
    st.tuples(st.just("notion_move"), st.integers(0, 5), st.integers(0, 20)),
    st.tuples(st.just("notion_rename"), st.integers(0, 5), st.sampled_from(["amy", "ben", "cy"])),
    st.tuples(st.just("notion_cancel"), st.integers(0, 5)),
    st.tuples(st.just("notion_trash"), st.integers(0, 5)),
    st.tuples(st.just("cal_new"), st.integers(0, 20)),
    st.tuples(st.just("cal_move"), st.integers(0, 5), st.integers(0, 20)),
    st.tuples(st.just("cal_delete"), st.integers(0, 5)),
    st.tuples(st.just("sync")),
    st.tuples(st.just("deliver")),
)


def _pick(items: list, index: int):
    return items[index % len(items)] if items else None


def run_ops(world: World, ops: list[tuple]) -> None:
    for op in ops:
        kind = op[0]
        bids = sorted(world.local)
        pages = sorted(p for p, r in world.notion.items() if not r.get("trashed"))
        events = sorted(e for e, r in world.calendar.items() if not r.get("deleted"))
        if kind == "local_new":
            world.new_local(op[1], f"n{op[1]}")
        elif kind == "local_move" and bids:
            world.local_change(_pick(bids, op[1]), start=at(op[2]), end=at(op[2] + 1))
        elif kind == "local_cancel" and bids:
            world.local_change(_pick(bids, op[1]), status="cancelled")
        elif kind == "local_rename" and bids:
            world.local_change(_pick(bids, op[1]), name=op[2])
        elif kind == "notion_new":
            world.human_new(NOTION, op[1], f"p{op[1]}")
        elif kind == "notion_move" and pages:
            world.human(NOTION, _pick(pages, op[1]), start=at(op[2]), end=at(op[2] + 1))
        elif kind == "notion_rename" and pages:
            world.human(NOTION, _pick(pages, op[1]), name=op[2])
        elif kind == "notion_cancel" and pages:
            world.human(NOTION, _pick(pages, op[1]), status="cancelled")
        elif kind == "notion_trash" and pages:
            world.human(NOTION, _pick(pages, op[1]), trashed=True)
        elif kind == "cal_new":
            world.human_new(CALENDAR, op[1], "")
        elif kind == "cal_move" and events:
            world.human(CALENDAR, _pick(events, op[1]), start=at(op[2]), end=at(op[2] + 1))
        elif kind == "cal_delete" and events:
            world.human(CALENDAR, _pick(events, op[1]), deleted=True)
        elif kind == "sync":
            world.sync()
        elif kind == "deliver":
            world.deliver()


@settings(max_examples=300, deadline=None)
@given(st.lists(OPS, max_size=25))
def test_any_interleaving_converges_and_a_second_sync_is_quiet(ops):
    world = World()
    run_ops(world, ops)
    world.sync()
    world.sync()
    assert world.agrees() == []
    assert writes(world.plan()) == []  # idempotence: planning again right away writes nothing


@settings(max_examples=200, deadline=None)
@given(st.lists(OPS, max_size=20))
def test_planning_is_deterministic(ops):
    world = World()
    run_ops(world, ops)
    assert world.plan().actions == world.plan().actions
