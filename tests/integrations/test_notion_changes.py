"""Reading Notion: full reads stream across result pages, incremental polls see every edit once,
and pages that cannot be read as bookings are reported on their Sync Error property, never fatal."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from booksync.integrations.notion import notion_bookings
from tests.conftest import london

from .notion_fixtures import page_properties

pytestmark = pytest.mark.usefixtures("notion_settings")


def add_rows(emu, ds_id, day, count):
    ids = []
    for i in range(count):
        start = london(day, 9) + timedelta(days=i // 8, hours=i % 8)
        ids.append(emu.human_create(ds_id, page_properties(f"Client {i}", start, start + timedelta(hours=1),
                                                           email=f"c{i}@example.com")))
    return ids


def test_a_full_read_streams_more_than_250_pages_100_at_a_time(studio, monday, emu, notion_db):
    ids = add_rows(emu, notion_db.data_source_id, monday, 260)
    emu.reset_log()
    batch = notion_bookings().changes(None)
    assert batch.full and batch.complete
    assert sorted(r.external_id for r in batch.records) == sorted(ids)
    assert not any(r.problem for r in batch.records)
    assert len(emu.calls("POST", r"/query$")) == 3  # 100 + 100 + 60


def test_two_edits_in_the_same_minute_are_both_seen_and_nothing_twice(studio, monday, emu, notion_db):
    minute = datetime.now(UTC).replace(second=0, microsecond=0)
    emu.freeze(minute + timedelta(seconds=5))
    store = notion_bookings()
    store.clock = emu.now  # the poll start, as Notion's clock sees it
    ds = notion_db.data_source_id
    first, second = add_rows(emu, ds, monday, 2)
    baseline = store.changes(None)
    assert {r.external_id for r in baseline.records} == {first, second}

    emu.advance(10)
    emu.human_edit(first, {"Notes": {"rich_text": [{"text": {"content": "Edit one"}}]}})
    poll1 = store.changes(baseline.cursor)
    assert [r.notes for r in poll1.records] == ["Edit one"]  # the second row was already reported

    emu.advance(20)  # same minute: Notion's last_edited_time cannot tell this edit from the last poll
    emu.human_edit(second, {"Notes": {"rich_text": [{"text": {"content": "Edit two"}}]}})
    poll2 = store.changes(poll1.cursor)
    assert [(r.external_id, r.notes) for r in poll2.records] == [(second, "Edit two")]
    assert not poll2.full

    emu.advance(15)
    assert store.changes(poll2.cursor).records == []  # nothing new: nothing reported again

    emu.advance(300)
    quiet = store.changes(poll2.cursor)
    assert quiet.records == [] and json.loads(quiet.cursor)["seen"] == {}  # the window has moved on


def test_incremental_polls_report_trashed_pages_as_deleted(studio, monday, emu, notion_db):
    store = notion_bookings()
    store.clock = emu.now
    (page_id,) = add_rows(emu, notion_db.data_source_id, monday, 1)
    baseline = store.changes(None)
    emu.advance(30)
    emu.human_trash(page_id)
    (record,) = store.changes(baseline.cursor).records
    assert record.external_id == page_id and record.deleted


def test_a_no_change_poll_costs_two_queries(studio, monday, emu, notion_db):
    store = notion_bookings()
    store.clock = emu.now
    add_rows(emu, notion_db.data_source_id, monday, 5)
    cursor = store.changes(None).cursor
    emu.advance(600)
    emu.reset_log()
    assert store.changes(cursor).records == []
    assert [(c.method, c.path.rsplit("/", 1)[-1]) for c in emu.calls()] == [("POST", "query"), ("POST", "query")]


def test_an_unusable_cursor_falls_back_to_a_full_read(studio, monday, emu, notion_db):
    add_rows(emu, notion_db.data_source_id, monday, 2)
    assert notion_bookings().changes('{"v": 0, "since": "x"}').full
    assert notion_bookings().changes("not a time").full
    assert not notion_bookings().changes(emu.now().isoformat()).full  # a bare ISO time is a cursor


def report_and_clear(store, records) -> int:
    """What a sync does with a batch's Sync Errors (engine._report_problem and _clear_fixed_pages)."""
    writes = 0
    for record in records:
        if record.deleted:
            continue
        if record.problem:
            writes += store.report_problem(record.external_id, record.problem)
        elif record.extra.get("sync_error"):
            writes += store.clear_problem(record.external_id)
    return writes


def test_unreadable_pages_are_reported_on_their_sync_error_and_cleared_when_fixed(studio, monday, emu, notion_db):
    ds = notion_db.data_source_id
    start = london(monday, 10)
    good = emu.human_create(ds, page_properties("Good", start, start + timedelta(hours=1)))
    odd_service = emu.human_create(ds, page_properties("Yoga", start, start + timedelta(hours=1), service="Yoga"))
    walk_in = emu.human_create(ds, page_properties("", start, start + timedelta(hours=1)))
    no_date = emu.human_create(ds, page_properties("No date", None, None))
    backwards = emu.human_create(ds, page_properties("Backwards", start, start - timedelta(hours=1)))
    no_end = emu.human_create(ds, page_properties("No end", start, None))
    day_only = emu.human_create(ds, {**page_properties("Day", None, None),
                                     "Date": {"date": {"start": monday.isoformat()}}})
    store = notion_bookings()
    batch = store.changes(None)
    by_id = {r.external_id: r for r in batch.records}
    assert len(by_id) == 7  # an unreadable page never stops the read
    assert not by_id[good].problem and not by_id[walk_in].problem
    assert not by_id[odd_service].problem and by_id[odd_service].service == "Yoga"
    assert "Date is empty" in by_id[no_date].problem
    assert "ends before it starts" in by_id[backwards].problem
    assert "no end time" in by_id[no_end].problem
    assert "no time of day" in by_id[day_only].problem

    assert report_and_clear(store, batch.records) == 4
    assert emu.plain(no_date)["Sync Error"] == by_id[no_date].problem
    assert emu.plain(good)["Sync Error"] == ""
    assert report_and_clear(store, store.changes(None).records) == 0  # already says so: no write

    later = start + timedelta(hours=2)
    emu.human_edit(backwards, {"Date": {"date": {"start": start.isoformat(), "end": later.isoformat()}}})
    assert report_and_clear(store, store.changes(None).records) == 1
    assert emu.plain(backwards)["Sync Error"] == ""
    assert emu.page_ids(ds) == [good, odd_service, walk_in, no_date, backwards, no_end, day_only]  # nothing deleted


def test_a_missing_page_fetches_as_none(studio, monday, emu, notion_db):
    assert notion_bookings().fetch("0" * 32) is None
