"""Booking answers as typed Notion properties, against the emulator (ADR 0019).

`notion init` adds the typed columns and the doctor names a missing or wrong-typed one; every
answer type goes Notion-ward on a push and flows back when a person edits it there; a value
that cannot be the question's answer is a Sync Error on the page, and nothing else changes.
"""

from __future__ import annotations

import pytest

from booksync.bookings.models import Booking, Question, QuestionType, Service
from booksync.bookings.services import BookingRequest, apply_change, book
from booksync.cli import main
from booksync.integrations.notion import forget_stores
from booksync.integrations.notion_doctor import notion_problems
from booksync.outbox.delivery import deliver_due
from booksync.sync.engine import run_sync
from booksync.sync.models import BookingLink
from tests.conftest import london

from .notion_fixtures import SEED_SCHEMA

pytestmark = pytest.mark.usefixtures("notion_settings")

CHOICES = [{"key": "red", "label": "Red"}, {"key": "blue", "label": "Blue"}, {"key": "green", "label": "Green"}]
COLUMNS = {"Title wish": "rich_text", "Your story": "rich_text", "Guests": "number", "Colour": "select",
           "Props": "multi_select", "Outdoors?": "checkbox"}


@pytest.fixture
def asking(studio):
    portrait = Service.objects.get(slug="portrait")
    specs = [("title", QuestionType.SHORT_TEXT, "Title wish", {}),
             ("story", QuestionType.LONG_TEXT, "Your story", {}),
             ("guests", QuestionType.NUMBER, "Guests", {"min_value": 1, "max_value": 6}),
             ("colour", QuestionType.ONE_CHOICE, "Colour", {"choices": CHOICES}),
             ("props", QuestionType.SEVERAL_CHOICES, "Props", {"choices": CHOICES}),
             ("outdoor", QuestionType.YES_NO, "Outdoors?", {})]
    for order, (key, kind, label, extra) in enumerate(specs):
        Question.objects.create(service=portrait, key=key, type=kind, label=label, order=order, **extra)
    return portrait


def use_database(settings, emu, schema) -> str:
    database_id, data_source_id = emu.create_database("Studio bookings", schema)
    settings.NOTION_BOOKINGS_DATABASE_ID = database_id
    forget_stores()
    return data_source_id


def with_question_columns(emu, settings) -> str:
    return use_database(settings, emu, {**SEED_SCHEMA, **{name: {kind: {}} for name, kind in COLUMNS.items()}})


def sync(full=True):
    result = run_sync(trigger="admin", full=full)
    return result


ANSWERS = {"title": "Headshots", "story": "Line one\nline two", "guests": 3, "colour": "blue",
           "props": ["red", "green"], "outdoor": True}


def booked(monday, answers=ANSWERS, hour=10):
    return book(BookingRequest(start=london(monday, hour), name="Ann", email="ann@example.com",
                               service=Service.objects.get(slug="portrait"), answers=answers)).booking


def page_of(booking) -> str:
    return BookingLink.objects.get(booking=booking).notion_page_id


# --- init and the doctor ---------------------------------------------------------------------------------
def test_init_adds_the_typed_columns_the_doctor_asked_for(asking, emu, settings, capsys):
    data_source_id = use_database(settings, emu, {k: v for k, v in SEED_SCHEMA.items()
                                                  if k not in ("How many people?", "What is the occasion?")})
    problems = notion_problems()
    assert len(problems) == 8  # the six questions here and the demo's two
    assert any("no property 'Guests'" in p and "a number property" in p and "notion init" in p for p in problems)
    assert main(["notion", "init"]) == 0
    assert "Guests" in capsys.readouterr().out
    types = {name: prop["type"] for name, prop in emu.schema(data_source_id).items()}
    assert {name: types[name] for name in COLUMNS} == COLUMNS
    assert types["How many people?"] == "number" and types["What is the occasion?"] == "select"
    options = [o["name"] for o in emu.schema(data_source_id)["Colour"]["select"]["options"]]
    assert options == ["Red", "Blue", "Green"]
    forget_stores()
    assert notion_problems() == []
    assert main(["notion", "init"]) == 0 and "every column" in capsys.readouterr().out


def test_init_with_a_parent_page_creates_the_question_columns(asking, emu, capsys):
    assert main(["notion", "init", "--parent-page", emu.root_page_id]) == 0
    database_id = capsys.readouterr().out.strip().splitlines()[-1].removeprefix("NOTION_BOOKINGS_DATABASE_ID=")
    props = next(emu.schema(ds_id) for ds_id, ds in emu.data_sources.items() if ds.database_id == database_id)
    types = {name: prop["type"] for name, prop in props.items()}
    assert {name: types.get(name) for name in COLUMNS} == COLUMNS


def test_the_doctor_names_a_wrong_typed_question_column(asking, emu, settings):
    schema = {**SEED_SCHEMA, **{name: {kind: {}} for name, kind in COLUMNS.items()}, "Guests": {"rich_text": {}}}
    use_database(settings, emu, schema)
    (problem,) = notion_problems()
    assert "'Guests' is of type rich_text" in problem and "'guests' need number" in problem


def test_renaming_a_question_keeps_its_column(asking, emu, settings, monday):
    with_question_columns(emu, settings)
    guests = Question.objects.get(key="guests")
    guests.label = "How many guests?"
    guests.save()
    assert notion_problems() == []  # still the "Guests" column
    booking = booked(monday)
    deliver_due(force=True, topics=["notion"])
    assert emu.plain(page_of(booking))["Guests"] == 3


# --- round trips -----------------------------------------------------------------------------------------
def test_each_answer_type_reaches_notion_typed(asking, emu, settings, monday):
    with_question_columns(emu, settings)
    booking = booked(monday)
    assert deliver_due(force=True, topics=["notion"])["delivered"] == 1
    row = emu.plain(page_of(booking))
    assert row["Title wish"] == "Headshots"
    assert row["Your story"] == "Line one\nline two"
    assert row["Guests"] == 3
    assert row["Colour"] == "Blue"
    assert row["Props"] == ["Red", "Green"]
    assert row["Outdoors?"] is True
    # Read back, the page is an echo: nothing to apply and nothing to write.
    patches = len(emu.calls("PATCH"))
    result = sync()
    assert result["success"] and result["summary"]["updated"] == 0, result
    assert len(emu.calls("PATCH")) == patches


def test_each_answer_type_edited_in_notion_flows_back(asking, emu, settings, monday):
    with_question_columns(emu, settings)
    booking = booked(monday)
    deliver_due(force=True, topics=["notion"])
    sync()
    emu.advance(90)
    emu.human_edit(page_of(booking), {
        "Title wish": {"rich_text": [{"text": {"content": "Team photo"}}]},
        "Your story": {"rich_text": []},
        "Guests": {"number": 5},
        "Colour": {"select": {"name": "Green"}},
        "Props": {"multi_select": [{"name": "Blue"}]},
        "Outdoors?": {"checkbox": False},
    })
    result = sync(full=False)
    assert result["success"], result["error_details"]
    booking.refresh_from_db()
    assert booking.answers == {"title": "Team photo", "guests": 5, "colour": "green", "props": ["blue"],
                               "outdoor": False}
    # Settled: another round reads an echo and writes nothing.
    emu.advance(90)
    patches = len(emu.calls("PATCH"))
    again = sync(full=False)
    assert again["summary"]["updated"] == 0 and len(emu.calls("PATCH")) == patches


def test_an_answer_changed_in_booksync_is_pushed_and_a_notion_edit_of_another_kept(asking, emu, settings,
                                                                                    monday):
    with_question_columns(emu, settings)
    booking = booked(monday)
    deliver_due(force=True, topics=["notion"])
    sync()
    emu.advance(90)
    emu.human_edit(page_of(booking), {"Guests": {"number": 4}})
    apply_change(booking.pk, {"answer:colour": "red"}, actor="admin", skip_sides=("notion",))
    result = sync(full=False)
    assert result["success"], result["error_details"]
    deliver_due(force=True, topics=["notion"])
    booking.refresh_from_db()
    assert booking.answers["guests"] == 4 and booking.answers["colour"] == "red"
    row = emu.plain(page_of(booking))
    assert row["Guests"] == 4 and row["Colour"] == "Red"


@pytest.mark.parametrize(("column", "value", "words"), [
    ("Guests", {"number": 9}, "outside 1 to 6"),
    ("Guests", {"number": 2.5}, None),
    ("Colour", {"select": {"name": "Purple"}}, "'Purple', which is not one of its choices"),
    ("Props", {"multi_select": [{"name": "Red"}, {"name": "Gold"}]}, "'Gold'"),
])
def test_a_value_that_cannot_be_the_answer_is_a_sync_error_and_nothing_changes(asking, emu, settings, monday,
                                                                               column, value, words):
    with_question_columns(emu, settings)
    booking = booked(monday)
    deliver_due(force=True, topics=["notion"])
    sync()
    before = Booking.objects.get(pk=booking.pk)
    emu.advance(90)
    # The same person also edits the notes: none of the page is applied while it cannot be read.
    emu.human_edit(page_of(booking), {column: value, "Notes": {"rich_text": [{"text": {"content": "New notes"}}]}})
    result = sync(full=False)
    if words is None:  # 2.5 guests is inside 1–6: a number question takes decimals
        assert result["success"]
        booking.refresh_from_db()
        assert booking.answers["guests"] == 2.5
        return
    assert not result["success"] and result["summary"]["errors"] == 1
    error = emu.plain(page_of(booking))["Sync Error"]
    assert column in error and words in error and "Fix:" in error
    after = Booking.objects.get(pk=booking.pk)
    assert (after.answers, after.notes, after.version) == (before.answers, before.notes, before.version)
    # The person fixes it: the page reads again, its Sync Error clears, the edits arrive.
    emu.advance(90)
    fixed = {"Guests": {"number": 2}, "Colour": {"select": {"name": "Red"}},
             "Props": {"multi_select": [{"name": "Red"}]}}[column]
    emu.human_edit(page_of(booking), {column: fixed})
    assert sync(full=False)["success"]
    after.refresh_from_db()
    assert after.notes == "New notes" and emu.plain(page_of(booking))["Sync Error"] == ""


def test_a_column_whose_type_was_changed_is_a_sync_error_not_a_crash(asking, emu, settings, monday):
    data_source_id = with_question_columns(emu, settings)
    booking = booked(monday)
    deliver_due(force=True, topics=["notion"])
    sync()
    emu.advance(90)
    emu.human_edit(page_of(booking), {"Notes": {"rich_text": [{"text": {"content": "x"}}]}})
    # Someone turns the Guests column into text.
    emu.client().data_sources.update(data_source_id=data_source_id, properties={"Guests": {"rich_text": {}}})
    forget_stores()
    result = sync(full=False)
    assert not result["success"]
    assert "Guests" in emu.plain(page_of(booking))["Sync Error"]
    booking.refresh_from_db()
    assert booking.answers == {**ANSWERS, "props": ["red", "green"]} and booking.notes == ""


def test_a_page_of_a_service_without_the_question_carries_no_answer(asking, emu, settings, monday):
    with_question_columns(emu, settings)
    mini = book(BookingRequest(start=london(monday, 14), name="Bo", email="bo@example.com",
                               service=Service.objects.get(slug="mini"))).booking
    deliver_due(force=True, topics=["notion"])
    result = sync()
    assert result["success"]
    mini.refresh_from_db()
    assert mini.answers == {}


def test_a_question_added_later_does_not_erase_answers_when_its_column_appears(asking, emu, settings, monday):
    schema = {**SEED_SCHEMA, **{name: {kind: {}} for name, kind in COLUMNS.items() if name != "Guests"}}
    data_source_id = use_database(settings, emu, schema)
    booking = booked(monday)
    deliver_due(force=True, topics=["notion"])
    assert sync()["success"]
    assert main(["notion", "init"]) == 0  # adds the Guests column, empty on every page
    forget_stores()
    assert "Guests" in emu.schema(data_source_id)
    result = sync()
    assert result["success"]
    deliver_due(force=True, topics=["notion"])
    booking.refresh_from_db()
    assert booking.answers["guests"] == 3  # kept: the empty new column is not a person's edit
    assert emu.plain(page_of(booking))["Guests"] == 3  # and written there


def test_a_page_a_person_made_brings_its_answers(studio, emu, notion_db, monday):
    from .notion_fixtures import page_properties

    props = page_properties("Walk In", london(monday, 11), london(monday, 12, 30), service="Family session")
    props.update({"How many people?": {"number": 3}, "What is the occasion?": {"select": {"name": "Birthday"}}})
    emu.human_create(notion_db.data_source_id, props)
    assert sync()["success"]
    assert Booking.objects.get(name="Walk In").answers == {"people": 3, "occasion": "birthday"}


def test_text_answers_from_notion_are_defused_and_shown_back_cleaned(asking, emu, settings, monday):
    with_question_columns(emu, settings)
    booking = booked(monday)
    deliver_due(force=True, topics=["notion"])
    sync()
    emu.advance(90)
    emu.human_edit(page_of(booking), {
        "Title wish": {"rich_text": [{"text": {"content": "=?utf-8?q?Team=0D=0ABcc:_x@example.com?="}}]},
        "Your story": {"rich_text": [{"text": {"content": "One\u2028two\u0085three"}}]},
    })
    assert sync(full=False)["success"]
    booking.refresh_from_db()
    assert booking.answers["title"] == "Team Bcc: x@example.com"  # read as a mail reader would show it, one line
    assert booking.answers["story"] == "One\ntwo\nthree"
    deliver_due(force=True, topics=["notion"])
    row = emu.plain(page_of(booking))
    assert row["Title wish"] == "Team Bcc: x@example.com" and row["Your story"] == "One\ntwo\nthree"
