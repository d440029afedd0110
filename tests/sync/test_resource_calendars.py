"""A booking's event on its photographer's own calendar (ADR 0017), against the Notion and Google
emulators over real HTTP: written there, moved (same id, ``events.move``) when the Photographer
changes in Notion, read back per calendar, and a quiet incremental sync stays cheap."""

from __future__ import annotations

from datetime import timedelta

import pytest

from booksync.bookings import services
from booksync.bookings.models import Resource, Service
from booksync.outbox.delivery import deliver_due
from booksync.outbox.models import OutboxMessage
from booksync.sync.engine import run_sync
from booksync.sync.models import BookingLink
from tests.conftest import london
from tests.integrations.google_fixtures import gcal, point_at_google  # noqa: F401
from tests.integrations.notion_fixtures import SEED_SCHEMA, NotionDB, emu, point_at_notion  # noqa: F401

pytestmark = pytest.mark.django_db

TEAM_SCHEMA = {**SEED_SCHEMA, "Photographer": {"select": {"options": [{"name": "Alex"}, {"name": "Sam"}]}},
               "Room": {"select": {"options": [{"name": "Big room"}]}}}
ALEX, SAM = "alex@group.calendar.google.com", "sam@group.calendar.google.com"


@pytest.fixture
def team(settings, emu, gcal, team_studio, tmp_path):  # noqa: F811
    """The demo studio (Alex, Sam, the Big room) with Notion and Google; Alex and Sam each have a calendar."""
    from django.core.cache import cache

    from booksync.integrations.notion import forget_stores

    database = NotionDB(*emu.create_database("Bookings", TEAM_SCHEMA))
    point_at_notion(settings, emu, database, tmp_path)
    point_at_google(settings, gcal)
    settings.NOTION_HTTP_TIMEOUT = settings.GOOGLE_HTTP_TIMEOUT = 2.0
    settings.INVITES_VIA = "email"
    settings.CALENDAR_IMPORT = "booking"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    for cid in (ALEX, SAM):
        gcal.add_calendar(cid, time_zone="Europe/London")
    Resource.objects.filter(slug="alex").update(calendar=ALEX)
    Resource.objects.filter(slug="sam").update(calendar=SAM)
    cache.clear()
    forget_stores()
    yield emu, gcal
    forget_stores()


def _sync(full: bool = True) -> dict:
    result = run_sync(trigger="admin", full=full)
    assert result["success"], result["error_details"]
    return result["summary"]


def _book(day, hour, person, name="Ada"):
    return services.book(services.BookingRequest(start=london(day, hour), name=name, email=f"{name.lower()}@example.com",
                                                 service=Service.objects.get(slug="portrait"),
                                                 resource=person)).booking


def _ids(google, cid) -> set[str]:
    return {e["id"] for e in google.events(cid)}


def test_a_booking_for_sam_is_written_to_sam_s_calendar(team, monday):
    _notion, google = team
    booking = _book(monday, 10, "sam")
    deliver_due(force=True)
    link = BookingLink.objects.get(booking=booking)
    assert link.calendar_name == SAM
    assert _ids(google, SAM) == {link.calendar_event_id}
    assert _ids(google, "primary") == set() and _ids(google, ALEX) == set()
    assert google.event(link.calendar_event_id, SAM)["summary"] == "Portrait session – Ada"  # its own calendar: no tag
    quiet = _sync()
    assert (quiet["created"], quiet["updated"], quiet["errors"]) == (0, 0, 0), quiet


def test_a_photographer_change_in_notion_moves_the_event_under_the_same_id(team, monday):
    notion, google = team
    day = monday + timedelta(days=2)
    ada = _book(day, 10, "sam")
    deliver_due(force=True)
    quiet = _sync()
    assert (quiet["created"], quiet["updated"], quiet["errors"]) == (0, 0, 0), quiet
    link = BookingLink.objects.get(booking=ada)
    event_id, page_id = link.calendar_event_id, link.notion_page_id
    google.reset_log()

    notion.advance(120)
    notion.human_edit(page_id, {"Photographer": {"select": {"name": "Alex"}}})
    _sync()
    deliver_due(force=True)
    assert {c.resource.slug for c in ada.claims.all()} == {"alex"}
    assert _ids(google, ALEX) == {event_id} and _ids(google, SAM) == set()  # the same id, now on Alex's calendar
    assert len(google.calls("POST", r"/events/[^/]+/move")) == 1
    assert not google.calls("DELETE") and not google.calls("POST", r"/events$")  # moved, not deleted and made anew
    link.refresh_from_db()
    assert (link.calendar_event_id, link.calendar_name) == (event_id, ALEX)
    assert OutboxMessage.objects.filter(booking=ada, topic="email", key__contains=":update:").count() == 1
    # Sam's calendar now shows the event cancelled, Alex's shows it: read back, neither is a change.
    after = _sync(full=False)
    assert (after["created"], after["updated"], after["deleted"], after["errors"]) == (0, 0, 0, 0), after
    after = _sync()
    assert (after["created"], after["updated"], after["deleted"], after["errors"]) == (0, 0, 0, 0), after
    assert ada.__class__.objects.get(pk=ada.pk).status == "confirmed"
    # And back to Sam: moved again, still the same id.
    notion.advance(120)
    notion.human_edit(page_id, {"Photographer": {"select": {"name": "Sam"}}})
    _sync()
    deliver_due(force=True)
    assert _ids(google, SAM) == {event_id} and _ids(google, ALEX) == set()
    assert len(google.calls("POST", r"/events/[^/]+/move")) == 2
    after = _sync(full=False)
    assert (after["created"], after["updated"], after["deleted"], after["errors"]) == (0, 0, 0, 0), after


def test_a_person_without_a_calendar_uses_the_studio_s_tagged_with_their_name(team, monday):
    _notion, google = team
    Resource.objects.filter(slug="sam").update(calendar="")
    booking = _book(monday, 11, "sam", name="Bo")
    deliver_due(force=True)
    link = BookingLink.objects.get(booking=booking)
    assert link.calendar_name == ""
    assert google.event(link.calendar_event_id, "primary")["summary"] == "Portrait session – Bo (Sam)"


def test_a_quiet_incremental_sync_with_three_calendars_costs_at_most_four_google_requests(team, monday):
    _notion, google = team
    _book(monday, 10, "sam")
    _book(monday, 10, "alex", name="Bo")
    deliver_due(force=True)
    _sync()
    _sync(full=False)
    google.reset_log()
    quiet = _sync(full=False)
    assert (quiet["created"], quiet["updated"], quiet["errors"]) == (0, 0, 0), quiet
    assert len(google.log) <= 4, [(e.method, e.path) for e in google.log]  # the token endpoint counted too
    requests = [entry for entry in google.log if "/token" not in entry.path]
    assert len(requests) <= 4, [(e.method, e.path) for e in requests]
    assert len(requests) == 3, [(e.method, e.path) for e in requests]  # measured: the three lists, nothing else
    assert len(google.calls("GET", r"/events$")) == 3  # one list per calendar, each from its own sync token


def test_one_push_channel_per_calendar_each_renewed_before_it_expires(team):
    from django.utils import timezone

    from booksync.sync.calendar_channels import renew_channels
    from booksync.sync.models import CalendarChannel

    _notion, google = team
    first = renew_channels()
    assert first["opened"] == 3 and set(first["channels"]) == {"primary", ALEX, SAM}
    assert {google.channels[c].calendar_id for c in first["channels"].values()} == {"studio@example.com", ALEX, SAM}
    assert renew_channels()["opened"] == 0  # still a week to go on each
    # Sam's channel nears its end: only Sam's is opened anew, and the old one stopped at Google.
    old = CalendarChannel.objects.get(calendar_id=SAM, stopped_at__isnull=True)
    CalendarChannel.objects.filter(pk=old.pk).update(expires_at=timezone.now() + timedelta(hours=3))
    second = renew_channels()
    assert (second["opened"], second["stopped"]) == (1, 1)
    assert google.channels[old.channel_id].stopped
    assert second["channels"][SAM] != old.channel_id and second["channels"][ALEX] == first["channels"][ALEX]
    # Sam gives up his own calendar: his channel is stopped, the others stay.
    Resource.objects.filter(slug="sam").update(calendar="")
    third = renew_channels()
    assert (third["opened"], third["stopped"]) == (0, 1) and set(third["channels"]) == {"primary", ALEX}
    assert CalendarChannel.objects.filter(stopped_at__isnull=True).count() == 2


def test_a_room_with_its_own_calendar_gets_a_copy_that_goes_when_the_booking_does(team, monday):
    _notion, google = team
    room = "big-room@group.calendar.google.com"
    google.add_calendar(room, time_zone="Europe/London")
    Resource.objects.filter(slug="big-room").update(calendar=room)
    family = services.book(services.BookingRequest(start=london(monday, 10), name="Ada", email="ada@example.com",
                                                   service=Service.objects.get(slug="family"),
                                                   answers={"people": 2})).booking
    deliver_due(force=True)
    link = BookingLink.objects.get(booking=family)
    assert (link.calendar_name, link.calendar_room_name) == (ALEX, room)
    assert _ids(google, ALEX) == {link.calendar_event_id}
    assert _ids(google, room) == {link.calendar_event_id + "room"}
    assert google.event(link.calendar_event_id + "room", room)["summary"] == "Family session – Ada"
    for full in (True, False, False):
        quiet = _sync(full=full)
        assert (quiet["created"], quiet["updated"], quiet["deleted"], quiet["errors"]) == (0, 0, 0, 0), quiet
    services.cancel(family, actor="customer")
    deliver_due(force=True)
    assert _ids(google, ALEX) == set() and _ids(google, room) == set()
    assert BookingLink.objects.get(booking=family).calendar_room_name == ""


def test_a_person_moving_the_event_on_sam_s_calendar_moves_the_booking(team, monday):
    """Reads per calendar: the edit is found through Sam's own sync token, and the unread-edit guard
    of the next push reads the event where it lives."""
    _notion, google = team
    booking = _book(monday, 10, "sam")
    deliver_due(force=True)
    _sync()
    link = BookingLink.objects.get(booking=booking)
    google.human_move(link.calendar_event_id, london(monday, 15), london(monday, 16), calendar_id=SAM)
    changed = _sync(full=False)
    assert changed["updated"] == 1 and changed["errors"] == 0, changed
    booking.refresh_from_db()
    assert booking.start == london(monday, 15)
    deliver_due(force=True)
    assert _ids(google, SAM) == {link.calendar_event_id} and _ids(google, "primary") == set()
    quiet = _sync(full=False)
    assert (quiet["created"], quiet["updated"], quiet["errors"]) == (0, 0, 0), quiet


def test_a_one_person_studio_writes_to_the_studio_s_calendar_untagged(settings, gcal, studio, monday):  # noqa: F811
    from django.core.cache import cache

    point_at_google(settings, gcal)
    settings.NOTION_API_KEY = ""
    settings.INVITES_VIA = "email"
    cache.clear()
    booking = services.book(services.BookingRequest(start=london(monday, 10), name="Ada", email="ada@example.com",
                                                    service=Service.objects.get(slug="portrait"))).booking
    deliver_due(force=True)
    link = BookingLink.objects.get(booking=booking)
    assert (link.calendar_name, link.calendar_room_name) == ("", "")
    assert [e["summary"] for e in gcal.events("primary")] == ["Portrait session – Ada"]
    gcal.reset_log()
    quiet = _sync(full=False)
    assert (quiet["created"], quiet["updated"], quiet["errors"]) == (0, 0, 0), quiet
    assert len(gcal.calls("GET", r"/events$")) == 1  # one calendar, one list, as before
