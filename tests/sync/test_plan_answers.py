"""The pure planner with booking answers (ADR 0019): each answer is one Notion field under the
same three-way merge and conflict rule as the notes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from booksync.integrations.ports import SideRecord
from booksync.sync.plan import (
    NOTION,
    Link,
    Push,
    Remember,
    UpdateBooking,
    plan_changes,
    plan_local,
    project,
)

T0 = datetime(2026, 12, 7, 9, tzinfo=UTC)


def record(answers=(), edited=T0, external_id="page-1") -> SideRecord:
    return SideRecord(external_id=external_id, booking_id="b1", start=T0, end=T0 + timedelta(hours=1),
                      status="confirmed", name="Ann", email="ann@example.com", service="Family session",
                      answers=tuple(sorted(answers)), edited_at=edited)


def link(local_answers, base_answers, local_edited=T0) -> Link:
    booking = record(local_answers, external_id="b1")
    base = project(NOTION, record(base_answers))
    return Link("b1", booking, booking_edited_at=local_edited, notion_id="page-1", notion_base=base)


def test_an_answer_edited_in_notion_flows_into_the_booking():
    plan = plan_changes(NOTION, [record({("people", 5)})], [link({("people", 4)}, {("people", 4)})])
    assert plan.of(UpdateBooking) == [UpdateBooking("b1", NOTION, {"answer:people": 5})]
    assert not plan.of(Push) and not plan.conflicts


def test_two_answers_changed_on_two_sides_both_survive():
    # Notion changed the number; booksync changed the choice: no conflict, each goes its way.
    page = record({("people", 5), ("occasion", "birthday")})
    ours = link({("people", 4), ("occasion", "new_baby")}, {("people", 4), ("occasion", "birthday")})
    plan = plan_changes(NOTION, [page], [ours])
    assert plan.of(UpdateBooking) == [UpdateBooking("b1", NOTION, {"answer:people": 5})]
    assert plan.of(Push) == [Push(NOTION, "b1")] and not plan.conflicts


def test_one_answer_changed_on_both_sides_goes_to_the_newer_edit():
    newer_in_notion = plan_changes(NOTION, [record({("people", 5)}, edited=T0 + timedelta(minutes=5))],
                                   [link({("people", 3)}, {("people", 4)}, local_edited=T0)])
    assert newer_in_notion.of(UpdateBooking) == [UpdateBooking("b1", NOTION, {"answer:people": 5})]
    (conflict,) = newer_in_notion.conflicts
    assert (conflict.field, conflict.winner) == ("answer:people", NOTION)
    newer_here = plan_changes(NOTION, [record({("people", 5)}, edited=T0)],
                              [link({("people", 3)}, {("people", 4)}, local_edited=T0 + timedelta(minutes=5))])
    assert not newer_here.of(UpdateBooking) and newer_here.of(Push) == [Push(NOTION, "b1")]
    assert newer_here.conflicts[0].winner == "local"


def test_a_cleared_answer_flows_back_as_none_and_a_missing_column_is_no_edit():
    cleared = plan_changes(NOTION, [record({("people", None)})], [link({("people", 4)}, {("people", 4)})])
    assert cleared.of(UpdateBooking) == [UpdateBooking("b1", NOTION, {"answer:people": None})]
    # The page's database has no column for the answer: the record does not carry it at all.
    no_column = plan_changes(NOTION, [record(())], [link({("people", 4)}, {("people", 4)})])
    assert not no_column.of(UpdateBooking) and not no_column.of(Push)


def test_several_choices_compare_as_tuples_and_an_echo_costs_nothing():
    choice = ("props", ("red", "green"))
    echo = plan_changes(NOTION, [record({choice})], [link([("props", ["red", "green"])], {choice})])
    assert echo.actions == [] or all(isinstance(a, Remember) for a in echo.actions)
    assert not plan_local([link({choice}, {choice})], [NOTION]).actions
    assert plan_local([link({("props", ("red",))}, {choice})], [NOTION]).of(Push) == [Push(NOTION, "b1")]
