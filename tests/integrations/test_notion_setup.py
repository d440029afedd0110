"""`booksync notion init` and `booksync doctor` against the emulator; studios' own column names."""

from __future__ import annotations

import pytest

from booksync.bookings.models import Service
from booksync.bookings.services import BookingRequest, book
from booksync.cli import main
from booksync.doctor import run_doctor
from booksync.integrations.notion import forget_stores
from booksync.integrations.notion_doctor import notion_problems
from booksync.outbox.delivery import deliver_due
from booksync.sync.models import BookingLink
from tests.conftest import london

from .notion_fixtures import SEED_SCHEMA

pytestmark = pytest.mark.usefixtures("notion_settings")


def use_database(settings, emu, schema, *, shared=True) -> str:
    database_id, data_source_id = emu.create_database("Studio bookings", schema, shared=shared)
    settings.NOTION_BOOKINGS_DATABASE_ID = database_id
    forget_stores()
    return data_source_id


def test_the_seed_database_passes_the_doctor(studio):
    assert notion_problems() == []


def test_doctor_names_a_missing_property_and_a_wrong_type(studio, emu, settings):
    schema = {k: v for k, v in SEED_SCHEMA.items() if k != "Phone"}
    schema["Email"] = {"number": {}}
    use_database(settings, emu, schema)
    problems = notion_problems()
    assert len(problems) == 2
    wrong_type, missing = problems  # in field order: email, then phone
    assert "'Email' is of type number" in wrong_type and "email or rich_text" in wrong_type
    assert "no property 'Phone'" in missing and "Fix:" in missing


def test_doctor_says_to_share_an_unshared_database(studio, emu, settings):
    use_database(settings, emu, SEED_SCHEMA, shared=False)
    (problem,) = notion_problems()
    assert "not shared with the integration" in problem and "Connections" in problem


def test_doctor_puts_bad_credentials_in_one_sentence(studio, settings):
    settings.NOTION_API_KEY = "ntn_not_a_real_token"
    (problem,) = notion_problems()
    assert problem.startswith("Notion does not accept NOTION_API_KEY (401 unauthorized).")
    assert "Traceback" not in problem and "\n" not in problem


def test_doctor_reports_status_options_the_api_cannot_add(studio, emu, settings):
    schema = dict(SEED_SCHEMA, Status={"status": {"options": [{"name": "Pending"}, {"name": "Confirmed"}]}})
    use_database(settings, emu, schema)
    (problem,) = notion_problems()
    assert "Cancelled, Completed, No-show" in problem


def test_doctor_exits_non_zero_with_one_line_per_problem(studio, emu, settings):
    use_database(settings, emu, {k: v for k, v in SEED_SCHEMA.items() if k not in ("Notes", "Sync Error")})
    lines: list[str] = []
    assert run_doctor(echo=lines.append) == 1
    notion_lines = [line for line in lines if line.startswith("PROBLEM [notion]")]
    assert len(notion_lines) == 2


def test_notion_init_creates_a_database_the_doctor_accepts(studio, emu, settings, capsys):
    assert main(["notion", "init", "--parent-page", emu.root_page_id]) == 0
    out = capsys.readouterr().out
    database_id = out.strip().splitlines()[-1].removeprefix("NOTION_BOOKINGS_DATABASE_ID=")
    assert database_id in emu.databases
    settings.NOTION_BOOKINGS_DATABASE_ID = database_id
    forget_stores()
    assert notion_problems() == []
    # Status is a select there: a booking writes {"select": …} and reads back the same.
    booking = book(BookingRequest(start=london(_monday(), 10), name="Ann", email="ann@example.com",
                                  service=Service.objects.get(slug="portrait"))).booking
    assert deliver_due(force=True, topics=["notion"])["delivered"] == 1
    row = emu.plain(BookingLink.objects.get(booking=booking).notion_page_id)
    assert row["Status"] == "Confirmed" and row["Service"] == "Portrait session"


def test_notion_init_on_an_unshared_page_is_one_clear_error(studio, emu, capsys):
    hidden = emu.create_parent_page("Private", shared=False)
    assert main(["notion", "init", "--parent-page", hidden]) == 1
    assert "share the bookings database" in capsys.readouterr().err


def test_a_studios_own_column_names_are_used(studio, monday, emu, settings):
    schema = {("Client" if k == "Name" else "When" if k == "Date" else k): v for k, v in SEED_SCHEMA.items()}
    use_database(settings, emu, schema)
    settings.NOTION_PROPERTY_NAMES = '{"name": "Client", "date": "When"}'
    forget_stores()
    assert notion_problems() == []
    booking = book(BookingRequest(start=london(monday, 10), name="Ann", email="ann@example.com",
                                  service=Service.objects.get(slug="portrait"))).booking
    deliver_due(force=True, topics=["notion"])
    row = emu.plain(BookingLink.objects.get(booking=booking).notion_page_id)
    assert row["Client"] == "Ann" and row["When"]["start"].startswith(london(monday, 10).isoformat()[:16])


def test_bad_property_names_are_a_doctor_problem(studio, settings):
    settings.NOTION_PROPERTY_NAMES = '{"nmae": "Client"}'
    (problem,) = notion_problems()
    assert "unknown field(s) nmae" in problem


def _monday():
    from tests.conftest import next_weekday

    return next_weekday(0)
