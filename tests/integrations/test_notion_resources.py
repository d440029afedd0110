"""Notion's Photographer and Room columns (ADR 0017), against the Notion emulator over real HTTP.

The page shows who and where; moving a booking to another photographer in the diary rewrites the
page and sends the customer one update email; `notion init` creates the columns with the studio's
people and rooms; the doctor asks for them only in a studio of several and names an option that
matches nobody. (Reassigning from Notion itself is not built yet.)
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from booksync.bookings import services, studio_edits
from booksync.bookings.models import Service
from booksync.integrations.notion_doctor import notion_problems
from booksync.integrations.notion_schema import database_properties, property_names
from booksync.outbox.delivery import deliver_due
from booksync.outbox.models import OutboxMessage
from booksync.sync.models import BookingLink
from tests.conftest import london

from .notion_fixtures import SEED_SCHEMA, NotionDB, emu, point_at_notion  # noqa: F401

pytestmark = pytest.mark.django_db

TEAM_SCHEMA = {**SEED_SCHEMA, "Photographer": {"select": {"options": [{"name": "Alex"}, {"name": "Sam"}]}},
               "Room": {"select": {"options": [{"name": "Big room"}]}}}


@pytest.fixture
def team_notion(settings, emu, team_studio, tmp_path):  # noqa: F811
    database = NotionDB(*emu.create_database("Bookings", TEAM_SCHEMA))
    point_at_notion(settings, emu, database, tmp_path)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from booksync.integrations.notion import forget_stores

    forget_stores()
    yield emu
    forget_stores()


def _page(notion, booking) -> dict:
    return notion.plain(BookingLink.objects.get(booking=booking).notion_page_id)


def test_the_page_names_who_and_a_move_to_another_photographer_rewrites_it(team_notion, monday):
    notion = team_notion
    family = services.book(services.BookingRequest(start=london(monday, 10), name="Ada", email="ada@example.com",
                                                   service=Service.objects.get(slug="family"))).booking
    portrait = services.book(services.BookingRequest(start=london(monday + timedelta(days=1), 10), name="Bo",
                                                     email="bo@example.com", service=Service.objects.get(slug="portrait"),
                                                     resource="alex")).booking
    deliver_due(force=True)
    page = _page(notion, family)
    assert page["Photographer"] == "Alex" and page["Room"] == "Big room"
    assert _page(notion, portrait)["Photographer"] == "Alex"
    studio_edits.move_booking(portrait.pk, portrait.start, by="desk", person="sam")
    deliver_due(force=True)
    assert _page(notion, portrait)["Photographer"] == "Sam"
    updates = OutboxMessage.objects.filter(booking=portrait, topic="email", key__contains=":update:")
    assert updates.count() == 1


def test_notion_init_creates_the_columns_with_the_studio_s_people_and_rooms():
    props = database_properties(property_names(), ["Portrait session"], ["Alex", "Sam"], ["Big room"])
    assert props["Photographer"] == {"select": {"options": [{"name": "Alex"}, {"name": "Sam"}]}}
    assert props["Room"] == {"select": {"options": [{"name": "Big room"}]}}


def test_the_doctor_asks_for_the_columns_only_in_a_studio_of_several(settings, emu, tmp_path, db):  # noqa: F811
    seed = NotionDB(*emu.create_database("Seed", SEED_SCHEMA))
    point_at_notion(settings, emu, seed, tmp_path)
    assert notion_problems(["Memories Studio"], []) == []
    problems = notion_problems(["Alex", "Sam"], ["Big room"])
    assert any("'Photographer'" in p for p in problems) and any("'Room'" in p for p in problems)
    team = NotionDB(*emu.create_database("Team", {**TEAM_SCHEMA, "Photographer": {"select": {"options": [
        {"name": "Alex"}, {"name": "Kim"}]}}}))
    point_at_notion(settings, emu, team, tmp_path)
    problems = notion_problems(["Alex", "Sam"], ["Big room"])
    assert problems == [problems[0]] and "'Kim'" in problems[0] and "match no person" in problems[0]


def _sync() -> dict:
    from booksync.sync.engine import run_sync

    result = run_sync(trigger="admin", full=True)
    assert result["success"], result["error_details"]
    return result


def test_a_photographer_change_in_notion_reassigns_and_a_clash_is_refused_on_the_page(team_notion, monday):
    notion = team_notion
    day = monday + timedelta(days=2)
    portrait = Service.objects.get(slug="portrait")
    ada = services.book(services.BookingRequest(start=london(day, 10), name="Ada", email="ada@example.com",
                                                service=portrait, resource="alex")).booking
    services.book(services.BookingRequest(start=london(day, 14), name="Sid", email="sid@example.com",
                                          service=portrait, resource="sam"))
    deliver_due(force=True)
    quiet = _sync()["summary"]
    assert (quiet["created"], quiet["updated"], quiet["errors"]) == (0, 0, 0), quiet
    page_id = BookingLink.objects.get(booking=ada).notion_page_id

    notion.advance(120)
    notion.human_edit(page_id, {"Photographer": {"select": {"name": "Sam"}}})
    _sync()
    deliver_due(force=True)
    assert {c.resource.slug for c in ada.claims.all()} == {"sam"}
    assert OutboxMessage.objects.filter(booking=ada, topic="email", key__contains=":update:").count() == 1
    after = _sync()["summary"]
    assert (after["created"], after["updated"], after["errors"]) == (0, 0, 0), after

    # Back to Alex, who has Bo at 10:00 now: refused, nothing moves, the page's Sync Error says who is in the way.
    services.book(services.BookingRequest(start=london(day, 10), name="Bo", email="bo@example.com",
                                          service=portrait, resource="alex"))
    notion.advance(120)
    notion.human_edit(page_id, {"Photographer": {"select": {"name": "Alex"}}})
    from booksync.sync.engine import run_sync

    result = run_sync(trigger="admin", full=True)
    assert result["summary"]["errors"] == 1
    assert {c.resource.slug for c in ada.claims.all()} == {"sam"}
    sync_error = notion.plain(page_id)["Sync Error"]
    assert "Alex: Bo · Portrait session" in sync_error, sync_error
