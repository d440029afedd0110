"""Free text that reaches an email header or an .ics line, through every door.

An RFC 2047 encoded word (``=?utf-8?q?…=0D=0A…?=``) in a name decodes to CR LF inside
``To:``, where ``email.policy.default`` refuses the header; a Unicode line break (U+2028,
U+2029, U+0085, …) stays raw in an .ics content line, where a reader splits it into a
stray property. Every door normalises or refuses them (``bookings.text``): the API (a 422
naming the field), the pages' forms, the admin and the diary (a form error), and what
arrives from Notion and the calendar (defused, never refused). Each email produced is read
back from the outbox folder with the strict policy, and each .ics unfolded and parsed by
``icalendar`` with no stray property.
"""

from __future__ import annotations

import email
import json
import re
from email import policy

import pytest
from icalendar import Calendar

from booksync.bookings.models import Block, Booking, BookingStatus, Studio
from booksync.bookings.text import LINE_BREAKS
from booksync.outbox.delivery import deliver_due
from tests.conftest import london
from tests.integrations.google_fixtures import gcal, point_at_google  # noqa: F401
from tests.integrations.notion_fixtures import emu, notion_db, page_properties, point_at_notion  # noqa: F401

ENCODED = "=?utf-8?q?evil=0D=0ABcc:victim@example.com?="
SEPARATORS = "\u2028", "\u2029", "\u0085"
BROKEN_NAME = "Ann\u2028Bcc: victim@example.com\u2029X-Evil: 1\u0085DTSTART:20000101T000000Z"
BROKEN_NOTES = "First line\u2028ATTENDEE:mailto:victim@example.com\u2029second\u0085third\r\nfourth"
BROKEN_REASON = "Ill\u2028STATUS:CONFIRMED\u2029sorry\u0085bye"

# The properties our events hold, and those of the calendar around them (RFC 5545 names, the
# feed's X-WR- names, and the VTIMEZONE's that icalendar writes, its COMMENT included).
EVENT_PROPERTIES = {"UID", "SEQUENCE", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "DESCRIPTION", "LOCATION",
                    "ORGANIZER", "ATTENDEE", "STATUS", "TRANSP"}
KNOWN_PROPERTIES = EVENT_PROPERTIES | {
    "BEGIN", "END", "PRODID", "VERSION", "CALSCALE", "METHOD", "TZID", "TZNAME", "TZOFFSETFROM", "TZOFFSETTO",
    "RRULE", "RDATE", "COMMENT", "X-WR-CALNAME", "X-WR-TIMEZONE",
}


# --- reading back what was sent -----------------------------------------------------------------
def assert_ics_clean(data: bytes) -> Calendar:
    """Raw lines end only at CR LF (LF once a mail part has been decoded to text); unfolded, each
    line starts with a known property; icalendar parses it with no error and no property it does
    not expect."""
    text = data.decode("utf-8")
    lines = re.split(r"\r?\n", text)
    assert not any(ch in line for line in lines for ch in LINE_BREAKS), "a line break inside a line"
    unfolded = re.sub(r"\r?\n[ \t]", "", text)
    for line in filter(None, re.split(r"\r?\n", unfolded)):
        name = re.match(r"[A-Za-z0-9-]+", line)
        assert name and name.group().upper() in KNOWN_PROPERTIES and line[name.end()] in ";:", f"stray: {line!r}"
    calendar = Calendar.from_ical(data)
    for component in calendar.walk():
        assert component.errors == [], component.errors
        assert set(component) <= KNOWN_PROPERTIES, set(component) - KNOWN_PROPERTIES
    for event in calendar.walk("VEVENT"):
        assert set(event) <= EVENT_PROPERTIES, set(event) - EVENT_PROPERTIES
        for prop in ("SUMMARY", "DESCRIPTION", "LOCATION"):
            assert "=?" not in str(event.get(prop, ""))
        for attendee in [event.get("ATTENDEE")] if event.get("ATTENDEE") else []:
            assert "=?" not in str(attendee.params.get("CN", ""))
    return calendar


def read_emails(folder) -> list[email.message.EmailMessage]:
    """Every .eml in ``folder``, each parsed with the strict policy and checked header by header."""
    messages = []
    for path in sorted(folder.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        for name, value in message.items():  # each header parsed by the registry: it raises when refused
            assert not value.defects, (name, value.defects)
            assert not any(ch in str(value) for ch in LINE_BREAKS), (name, str(value))
            assert "=?" not in str(value), (name, str(value))
        assert len(message["To"].addresses) == 1 and message["Bcc"] is None and message["X-Evil"] is None
        for part in message.walk():
            if part.get_content_type() == "text/calendar" or part.get_filename() == "invite.ics":
                content = part.get_content()
                assert_ics_clean(content.encode() if isinstance(content, str) else content)
        messages.append(message)
    return messages


@pytest.fixture
def outbox_folder(settings, tmp_path, studio_emails):
    settings.EMAIL_BACKEND = "booksync.integrations.mail.OutboxFolderBackend"
    settings.EMAIL_OUTBOX_DIR = tmp_path / "outbox"
    settings.INVITES_VIA = "email"
    settings.OUTBOX_WAKE_WORKER = False
    return tmp_path / "outbox"


def delivered(folder) -> list[email.message.EmailMessage]:
    deliver_due(force=True, topics=["email", "studio"])
    return read_emails(folder)


def to_customer(messages, address: str = "ann@example.com") -> list[str]:
    """The subjects of the emails to ``address`` (the studio's own notices go elsewhere)."""
    return [str(m["Subject"]) for m in messages if m["To"].addresses[0].addr_spec == address]


def assert_normalised(booking: Booking) -> None:
    for value in (booking.name, booking.phone, booking.cancel_reason):
        assert not any(ch in value for ch in LINE_BREAKS) and "=?" not in value
    assert not any(ch in booking.notes for ch in LINE_BREAKS - {"\n"}) and "=?" not in booking.notes


def test_the_reader_catches_what_it_is_for():
    """The checks themselves fail on the two ways through the issue names."""
    raw = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:1\r\n"
           + "SUMMARY:Ann\u2028ATTENDEE:mailto:victim@example.com\r\n".encode() + b"END:VEVENT\r\nEND:VCALENDAR\r\n")
    with pytest.raises(AssertionError):
        assert_ics_clean(raw)
    header = b"To: =?utf-8?q?evil=0D=0ABcc:v@example.com?= <a@example.com>\r\nSubject: x\r\n\r\nbody"
    with pytest.raises(ValueError):
        email.message_from_bytes(header, policy=policy.default)["To"].addresses  # noqa: B018


# --- the API ---------------------------------------------------------------------------------------
def post_booking(api_client, monday, **fields):
    body = {"service": "portrait", "start": london(monday, 10).isoformat(), "email": "ann@example.com",
            "name": "Ann", **fields}
    return api_client.post("/api/bookings", json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("field", ["name", "phone", "notes"])
@pytest.mark.parametrize("word", [ENCODED, "Ann =?UTF-8?B?QW5u?= Lee", "=?iso-8859-1*en?Q?x?=",
                                  "=?utf-8?q?split\u2028word?="])
def test_the_api_refuses_an_encoded_word_naming_the_field(studio, monday, api_client, outbox_folder, field, word):
    response = post_booking(api_client, monday, **{field: word})
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field
    assert not Booking.objects.exists()


def test_the_api_normalises_line_breaks_in_every_field_and_every_email_parses(studio, monday, api_client,
                                                                               outbox_folder):
    response = post_booking(api_client, monday, name=BROKEN_NAME, phone="+44\u202820\u20297946\u00850000",
                            notes=BROKEN_NOTES)
    assert response.status_code == 201, response.content
    booking = Booking.objects.get()
    assert booking.name == "Ann Bcc: victim@example.com X-Evil: 1 DTSTART:20000101T000000Z"
    assert booking.phone == "+44 20 7946 0000"
    assert booking.notes == "First line\nATTENDEE:mailto:victim@example.com\nsecond\nthird\nfourth"
    [confirmation, notice] = delivered(outbox_folder)
    assert confirmation["To"].addresses[0].display_name == booking.name
    assert confirmation["To"].addresses[0].addr_spec == "ann@example.com"
    assert notice["X-Booksync-Notice"] == "studio"

    token = response.json()["manage_url"].rstrip("/").rsplit("/", 1)[1]
    moved = api_client.post(f"/api/bookings/manage/{token}/reschedule",
                            json.dumps({"start": london(monday, 11).isoformat()}), content_type="application/json")
    assert moved.status_code == 200, moved.content
    assert "changed" in to_customer(delivered(outbox_folder))[-1]  # the update email parses too
    for reason in (ENCODED, f"no {ENCODED} thanks"):
        refused = api_client.post(f"/api/bookings/manage/{token}/cancel", json.dumps({"reason": reason}),
                                  content_type="application/json")
        assert refused.status_code == 422 and refused.json()["field"] == "reason"
    assert Booking.objects.get().status == BookingStatus.CONFIRMED
    cancelled = api_client.post(f"/api/bookings/manage/{token}/cancel", json.dumps({"reason": BROKEN_REASON}),
                                content_type="application/json")
    assert cancelled.status_code == 200
    booking.refresh_from_db()
    assert booking.cancel_reason == "Ill STATUS:CONFIRMED sorry bye"
    assert_normalised(booking)
    subjects = to_customer(delivered(outbox_folder))  # and the cancellation (with its CANCEL invite) parses too
    assert len(subjects) == 3 and "cancelled" in subjects[-1]


def test_the_invite_download_and_the_feed_are_clean_for_a_row_stored_before_the_rule(studio, monday, client,
                                                                                   settings):
    """Rows written before the rule (or by hand) still leave as clean headers and .ics lines."""
    from booksync.bookings.messages.emails import build_message
    from booksync.bookings.tokens import token_for

    booking = Booking.objects.create(
        service_name=f"Portrait{SEPARATORS[0]}{ENCODED}", start=london(monday, 10), end=london(monday, 11),
        blocked_start=london(monday, 10), blocked_end=london(monday, 11), status=BookingStatus.CONFIRMED,
        name=ENCODED + BROKEN_NAME, email="ann@example.com", notes=BROKEN_NOTES)
    Block.objects.create(start=london(monday, 14), end=london(monday, 15), reason=BROKEN_REASON + ENCODED)
    from booksync.bookings import tokens

    tokens.assign(booking)
    booking.save()
    settings.INVITES_VIA = "email"
    invite = client.get(f"/manage/{token_for(booking)}/invite.ics")
    assert invite.status_code == 200
    assert_ics_clean(invite.content)
    raw = build_message(booking, "confirmation").message().as_bytes()
    [message] = [email.message_from_bytes(raw, policy=policy.default)]
    assert message["To"].addresses[0].display_name == (
        "evil Bcc:victim@example.comAnn Bcc: victim@example.com X-Evil: 1 DTSTART:20000101T000000Z")
    assert "=?" not in str(message["Subject"])

    from booksync.bookings.messages.ics import feed_ics

    assert_ics_clean(feed_ics(studio, [booking], Block.objects.all(), with_names=True))


# --- the pages' forms ------------------------------------------------------------------------------
def page_details(monday, **fields):
    from booksync.web.picker import slot_value

    start = london(monday, 10)
    return {"start": slot_value(start), "date": start.date().isoformat(), "name": "Ann", "email": "ann@example.com",
            **fields}


@pytest.mark.parametrize("field", ["name", "phone", "notes"])
def test_the_booking_form_refuses_an_encoded_word_with_a_form_error(studio, monday, client, outbox_folder, field):
    response = client.post("/book/portrait/", page_details(monday, **{field: ENCODED}))
    assert response.status_code == 422
    assert "an encoded word" in response.content.decode()
    assert not Booking.objects.exists()


def test_the_booking_and_cancel_forms_normalise_line_breaks(studio, monday, client, outbox_folder):
    response = client.post("/book/portrait/", page_details(monday, name=BROKEN_NAME, phone="0207\u2028946",
                                                           notes=BROKEN_NOTES))
    assert response.status_code == 302, response.content.decode()[:2000]
    booking = Booking.objects.get()
    assert_normalised(booking)
    assert booking.name.startswith("Ann Bcc:") and booking.notes.count("\n") == 4
    assert len(delivered(outbox_folder)) == 2

    from booksync.bookings.tokens import token_for

    cancel = f"/manage/{token_for(booking)}/cancel/"
    refused = client.post(cancel, {"reason": ENCODED})
    assert "an encoded word" in refused.content.decode()
    assert Booking.objects.get().status == BookingStatus.CONFIRMED
    client.post(cancel, {"reason": BROKEN_REASON})
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED and booking.cancel_reason == "Ill STATUS:CONFIRMED sorry bye"
    assert len(delivered(outbox_folder)) == 4


# --- the admin and the diary -----------------------------------------------------------------------
@pytest.fixture
def staff_client(db, client, django_user_model):
    user = django_user_model.objects.create_user("owner", "owner@studio.example", "pw-for-tests-only",
                                                 is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


DIARY = "/admin/diary/"


@pytest.mark.parametrize("field", ["name", "phone", "notes"])
def test_the_admin_booking_form_refuses_an_encoded_word_on_its_field(studio, monday, staff_client, outbox_folder,
                                                                     field):
    from tests.backoffice.test_booking_admin import add_phone_booking

    response = add_phone_booking(staff_client, monday, 10, **{field: f"x {ENCODED}"})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == [field] and "encoded word" in errors[field][0]
    assert not Booking.objects.exists()


def test_the_admin_booking_form_normalises_line_breaks(studio, monday, staff_client, outbox_folder):
    from tests.backoffice.test_booking_admin import add_phone_booking

    response = add_phone_booking(staff_client, monday, 10, name=BROKEN_NAME, phone="0207\u2029946", notes=BROKEN_NOTES)
    assert response.status_code == 302
    assert_normalised(Booking.objects.get())
    assert len(to_customer(delivered(outbox_folder), "pat@example.com")) == 1


def test_the_diary_refuses_encoded_words_and_normalises_line_breaks(studio, monday, staff_client, outbox_folder):
    day = monday.isoformat()
    refused = staff_client.post(f"{DIARY}add/", {"date": day, "start": "14:00", "name": ENCODED,
                                                 "service": "", "end": "15:00", "email": "ann@example.com"})
    assert refused.status_code == 200 and "encoded word" in refused.content.decode()
    assert not Booking.objects.exists()
    staff_client.post(f"{DIARY}add/", {"date": day, "start": "14:00", "end": "15:00", "name": BROKEN_NAME,
                                       "email": "ann@example.com", "phone": "0207\u0085946", "notes": BROKEN_NOTES})
    booking = Booking.objects.get()
    assert_normalised(booking)
    assert len(to_customer(delivered(outbox_folder))) == 1
    url = f"{DIARY}booking/{booking.pk}/"
    refused = staff_client.post(url, {"cancel-reason": f"Flooded {ENCODED}", "cancel": "1"})
    assert "encoded word" in refused.content.decode()
    assert Booking.objects.get().status == BookingStatus.CONFIRMED
    asked = staff_client.post(url, {"cancel-reason": BROKEN_REASON, "cancel": "1"})  # asks first (ADR 0021)
    assert "will be emailed" in asked.content.decode() and Booking.objects.get().status == BookingStatus.CONFIRMED
    staff_client.post(f"{url}cancel/", {"cancel-reason": BROKEN_REASON, "confirm": "yes"})
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED and booking.cancel_reason == "Ill STATUS:CONFIRMED sorry bye"
    subjects = to_customer(delivered(outbox_folder))
    assert len(subjects) == 2 and "cancelled" in subjects[1]

    blocked = staff_client.post(f"{DIARY}block/", {"date": day, "start": "16:00", "end": "17:00", "reason": ENCODED})
    assert "encoded word" in blocked.content.decode() and not Block.objects.exists()
    staff_client.post(f"{DIARY}block/", {"date": day, "start": "16:00", "end": "17:00", "reason": BROKEN_REASON})
    assert Block.objects.get().reason == "Ill STATUS:CONFIRMED sorry bye"


def test_the_block_admin_form_refuses_an_encoded_word(studio, monday, staff_client):
    from tests.backoffice.conftest import hidden_fields

    add = "/admin/bookings/block/add/"
    data = {**hidden_fields(staff_client.get(add).content.decode()), "start_0": monday.isoformat(),
            "start_1": "16:00", "end_0": monday.isoformat(), "end_1": "17:00", "reason": ENCODED, "source": "admin"}
    response = staff_client.post(add, data)
    assert response.status_code == 200 and "reason" in response.context["adminform"].form.errors
    assert not Block.objects.exists()


# --- Notion and the calendar (emulators over HTTP) -------------------------------------------------
@pytest.fixture
def sides(settings, emu, notion_db, gcal, tmp_path, db, studio, outbox_folder):  # noqa: F811
    from django.core.cache import cache

    from booksync.integrations.notion import forget_stores

    point_at_notion(settings, emu, notion_db, tmp_path)
    point_at_google(settings, gcal)
    settings.NOTION_HTTP_TIMEOUT = settings.GOOGLE_HTTP_TIMEOUT = 2.0
    settings.CALENDAR_IMPORT = "booking"
    cache.clear()
    forget_stores()
    yield settings
    forget_stores()


def sync(**kwargs) -> dict:
    from booksync.sync.engine import run_sync

    result = run_sync(trigger="admin", full=kwargs.pop("full", True), **kwargs)
    assert result["success"], result["error_details"]
    deliver_due(force=True)
    return result["summary"]


def test_a_notion_page_and_edit_are_defused_and_written_back(sides, emu, gcal, notion_db, monday,  # noqa: F811
                                                             outbox_folder):
    page_id = emu.human_create(notion_db.data_source_id, page_properties(
        ENCODED, london(monday, 11), london(monday, 12), email="nora@example.com", notes=BROKEN_NOTES))
    summary = sync()
    assert summary["errors"] == 0
    booking = Booking.objects.get()
    assert booking.name == "evil Bcc:victim@example.com"  # read as a mail reader would show it, one line
    assert emu.plain(page_id)["Name"] == booking.name  # and written back: Notion shows what the booking holds
    assert booking.notes == "First line\nATTENDEE:mailto:victim@example.com\nsecond\nthird\nfourth"
    [event] = [e for e in gcal.events("primary") if e.get("status") != "cancelled"]
    assert "=?" not in event["summary"] and not any(ch in event["description"] for ch in LINE_BREAKS - {"\n"})
    [confirmation] = [m for m in read_emails(outbox_folder) if m["To"].addresses[0].addr_spec == "nora@example.com"]
    assert confirmation["To"].addresses[0].display_name == "evil Bcc:victim@example.com"

    emu.advance(90)
    emu.human_edit(page_id, {"Name": {"title": [{"text": {"content": BROKEN_NAME}}]},
                             "Phone": {"phone_number": "0207\u2028946"}})
    sync(full=False)
    booking.refresh_from_db()
    assert booking.name == "Ann Bcc: victim@example.com X-Evil: 1 DTSTART:20000101T000000Z"
    assert booking.phone == "0207 946"
    page = emu.plain(page_id)
    assert page["Name"] == booking.name and page["Phone"] == "0207 946"  # the clean text went back to Notion
    quiet = sync()
    assert (quiet["created"], quiet["updated"], quiet["errors"]) == (0, 0, 0), quiet
    read_emails(outbox_folder)


def test_a_calendar_event_is_defused_on_import(sides, emu, gcal, notion_db, monday, outbox_folder):  # noqa: F811
    gcal.human_insert("primary", london(monday, 14), london(monday, 15), BROKEN_NAME,
                      description=BROKEN_NOTES + ENCODED,
                      attendees=[{"email": "cal@example.com", "displayName": ENCODED}])
    gcal.human_insert("primary", london(monday, 16), london(monday, 17), f"Dentist {ENCODED}\u2029")
    summary = sync()
    assert summary["errors"] == 0
    guest, dentist = Booking.objects.order_by("start")
    assert guest.name == "evil Bcc:victim@example.com" and guest.email == "cal@example.com"
    assert guest.notes == "First line\nATTENDEE:mailto:victim@example.com\nsecond\nthird\nfourth" + \
        "evil\nBcc:victim@example.com"
    assert dentist.name == "Dentist evil Bcc:victim@example.com"
    for booking in (guest, dentist):
        assert_normalised(booking)
    pages = {emu.plain(p)["Name"] for p in emu.page_ids(notion_db.data_source_id)}
    assert pages == {guest.name, dentist.name}
    read_emails(outbox_folder)

    from booksync.bookings.messages.ics import feed_ics

    assert_ics_clean(feed_ics(Studio.load(), Booking.objects.all(), [], with_names=True))


# --- booking answers (Booking.answers): a short text and a long text question -----------------------
# The demo's Family session asks a number and one choice; free text is added here, on the portrait.
WISH, STORY = "wish", "story"
BROKEN_WISH = "Sunny\u2028ATTENDEE:mailto:victim@example.com\u2029X-Evil: 1\u0085end"
CLEAN_WISH = "Sunny ATTENDEE:mailto:victim@example.com X-Evil: 1 end"
BROKEN_STORY = "We met\u2028DTSTART:20000101T000000Z\u2029in May\u0085at sea\r\nthe end"
CLEAN_STORY = "We met\nDTSTART:20000101T000000Z\nin May\nat sea\nthe end"
RAW_SEPARATORS = LINE_BREAKS - {"\n"}


@pytest.fixture
def text_questions(studio):
    from booksync.bookings.models import Question, QuestionType, Service

    portrait = Service.objects.get(slug="portrait")
    Question.objects.create(service=portrait, key=WISH, type=QuestionType.SHORT_TEXT, label="Your wish?", order=0)
    Question.objects.create(service=portrait, key=STORY, type=QuestionType.LONG_TEXT, label="Your story?", order=1)
    return portrait


def assert_answers_clean(booking: Booking) -> None:
    """The stored answers: no separator (a long text keeps LF only) and no encoded word."""
    for key, value in booking.answers.items():
        allowed = {"\n"} if key == STORY else set()
        assert not any(ch in value for ch in LINE_BREAKS - allowed) and "=?" not in value, (key, value)


def assert_description_carries(description: str, wish: str, story: str) -> None:
    """The calendar event's text names each answer, cleaned: no raw separator, no encoded word."""
    assert f"Your wish? {wish}" in description
    assert f"Your story? {story}" in description
    assert not any(ch in description for ch in RAW_SEPARATORS) and "=?" not in description


def assert_bodies_clean(messages, *needles: str) -> None:
    """Each email's text part carries the answers (so they did reach it) and no raw separator."""
    for message in messages:
        body = message.get_body(("plain",)).get_content()
        assert not any(ch in body for ch in RAW_SEPARATORS - {"\r"}), str(message["Subject"])
        for needle in needles:
            assert needle in body, (needle, str(message["Subject"]))


def assert_feed_clean() -> None:
    from booksync.bookings.messages.ics import feed_ics

    assert_ics_clean(feed_ics(Studio.load(), Booking.objects.all(), Block.objects.all(), with_names=True))


@pytest.mark.parametrize("key", [WISH, STORY])
@pytest.mark.parametrize("word", [ENCODED, "Ann =?UTF-8?B?QW5u?= Lee", "=?utf-8?q?split\u2028word?="])
def test_the_api_refuses_an_encoded_word_in_a_text_answer_naming_it(text_questions, monday, api_client,
                                                                     outbox_folder, key, word):
    response = post_booking(api_client, monday, answers={key: word})
    assert response.status_code == 422, response.content
    assert (response.json()["field"], response.json()["error"]) == (f"answers.{key}", "unsafe_text")
    assert not Booking.objects.exists()
    assert not list(outbox_folder.glob("*.eml")) if outbox_folder.exists() else True


def test_the_api_normalises_separators_in_text_answers_and_every_email_and_ics_is_clean(
        text_questions, monday, api_client, outbox_folder):
    from booksync.bookings.booking_view import booking_view

    response = post_booking(api_client, monday, answers={WISH: BROKEN_WISH, STORY: BROKEN_STORY})
    assert response.status_code == 201, response.content
    booking = Booking.objects.get()
    assert booking.answers == {WISH: CLEAN_WISH, STORY: CLEAN_STORY}
    assert response.json()["answers"] == booking.answers
    messages = delivered(outbox_folder)  # each header strict, each attached invite unfolded and parsed
    assert len(messages) == 2 and any(m["X-Booksync-Notice"] == "studio" for m in messages)
    assert_bodies_clean([m for m in messages if m["X-Booksync-Notice"] != "studio"], f"Your wish? {CLEAN_WISH}")
    view = booking_view(booking)
    assert_description_carries(view.description, CLEAN_WISH, CLEAN_STORY)
    assert_description_carries(view.shared_description, CLEAN_WISH, CLEAN_STORY)
    assert dict(view.answers) == {WISH: CLEAN_WISH, STORY: CLEAN_STORY}
    assert_feed_clean()

    token = response.json()["manage_url"].rstrip("/").rsplit("/", 1)[1]
    moved = api_client.post(f"/api/bookings/manage/{token}/reschedule",
                            json.dumps({"start": london(monday, 11).isoformat()}), content_type="application/json")
    assert moved.status_code == 200, moved.content
    assert "changed" in to_customer(delivered(outbox_folder))[-1]  # the update email parses too
    cancelled = api_client.post(f"/api/bookings/manage/{token}/cancel", json.dumps({"reason": "Ill"}),
                                content_type="application/json")
    assert cancelled.status_code == 200
    subjects = to_customer(delivered(outbox_folder))  # and the cancellation (its CANCEL invite) too
    assert len(subjects) == 3 and "cancelled" in subjects[-1]


def test_answers_stored_before_the_rule_leave_clean(text_questions, monday, settings):
    """A row written before the rule (or by hand) with raw separators and encoded words in its answers:
    the event text, the emails and the .ics still come out clean."""
    from booksync.bookings import tokens
    from booksync.bookings.booking_view import booking_view
    from booksync.bookings.messages.emails import build_message

    booking = Booking.objects.create(
        service=text_questions, service_name="Portrait session", start=london(monday, 10), end=london(monday, 11),
        blocked_start=london(monday, 10), blocked_end=london(monday, 11), status=BookingStatus.CONFIRMED,
        name="Ann", email="ann@example.com",
        answers={WISH: BROKEN_WISH + ENCODED, STORY: BROKEN_STORY + "\u2028" + ENCODED})
    tokens.assign(booking)
    booking.save()
    settings.INVITES_VIA = "email"
    view = booking_view(booking)
    assert_description_carries(view.description, CLEAN_WISH + "evil Bcc:victim@example.com",
                               CLEAN_STORY + "\nevil\nBcc:victim@example.com")
    # What Notion is shown: the short text on one line, the long text keeping its lines.
    assert dict(view.answers) == {WISH: CLEAN_WISH + "evil Bcc:victim@example.com",
                                  STORY: CLEAN_STORY + "\nevil\nBcc:victim@example.com"}
    raw = build_message(booking, "confirmation").message().as_bytes()
    message = email.message_from_bytes(raw, policy=policy.default)
    for name, value in message.items():
        assert not value.defects and "=?" not in str(value), name
    for part in message.walk():
        if part.get_content_type() == "text/calendar" or part.get_filename() == "invite.ics":
            content = part.get_content()
            assert_ics_clean(content.encode() if isinstance(content, str) else content)
    assert_feed_clean()


@pytest.mark.parametrize("key", [WISH, STORY])
def test_the_booking_form_refuses_an_encoded_word_in_an_answer_with_a_form_error(text_questions, monday, client,
                                                                                 outbox_folder, key):
    response = client.post("/book/portrait/", page_details(monday, **{f"answer-{key}": f"Hi {ENCODED}"}))
    assert response.status_code == 422
    page = response.content.decode()
    error = re.search(rf'<p class="error" id="id_answer-{key}-error">([^<]*)</p>', page)
    assert error and "an encoded word" in error.group(1), page[:3000]
    assert not Booking.objects.exists()


def test_the_booking_form_normalises_separators_in_answers(text_questions, monday, client, outbox_folder):
    from booksync.bookings.booking_view import booking_view

    response = client.post("/book/portrait/", page_details(monday, **{f"answer-{WISH}": BROKEN_WISH,
                                                                      f"answer-{STORY}": BROKEN_STORY}))
    assert response.status_code == 302, response.content.decode()[:2000]
    booking = Booking.objects.get()
    assert booking.answers == {WISH: CLEAN_WISH, STORY: CLEAN_STORY}
    messages = delivered(outbox_folder)
    assert len(messages) == 2
    assert_bodies_clean([m for m in messages if m["X-Booksync-Notice"] != "studio"], f"Your wish? {CLEAN_WISH}")
    assert_description_carries(booking_view(booking).description, CLEAN_WISH, CLEAN_STORY)
    assert_feed_clean()


def answer_columns_in(emu, notion_db) -> None:  # noqa: F811
    from booksync.integrations.notion import forget_stores

    emu.client().data_sources.update(data_source_id=notion_db.data_source_id,
                                     properties={"Your wish?": {"rich_text": {}}, "Your story?": {"rich_text": {}}})
    forget_stores()


def rich(text: str) -> dict:
    return {"rich_text": [{"text": {"content": text}}]}


def live_event(gcal) -> dict:  # noqa: F811
    [event] = [e for e in gcal.events("primary") if e.get("status") != "cancelled"]
    return event


def test_notion_answers_are_defused_never_refused_and_written_back(text_questions, sides, monday, outbox_folder,
                                                                   emu, gcal, notion_db):  # noqa: F811
    answer_columns_in(emu, notion_db)
    props = page_properties("Nora", london(monday, 11), london(monday, 12), email="nora@example.com")
    props.update({"Your wish?": rich(ENCODED + "\u2028" + BROKEN_WISH), "Your story?": rich(BROKEN_STORY)})
    page_id = emu.human_create(notion_db.data_source_id, props)
    summary = sync()
    assert summary["errors"] == 0 and emu.plain(page_id)["Sync Error"] == ""
    booking = Booking.objects.get()
    assert booking.answers == {WISH: "evil Bcc:victim@example.com " + CLEAN_WISH, STORY: CLEAN_STORY}
    page = emu.plain(page_id)
    assert (page["Your wish?"], page["Your story?"]) == (booking.answers[WISH], CLEAN_STORY)  # the clean text went back
    assert_description_carries(live_event(gcal)["description"], booking.answers[WISH], CLEAN_STORY)
    [confirmation] = [m for m in read_emails(outbox_folder) if m["To"].addresses[0].addr_spec == "nora@example.com"]
    assert_bodies_clean([confirmation], f"Your wish? {booking.answers[WISH]}")

    emu.advance(90)
    # Moved too: the calendar event is written when its time changes (its push fingerprint is the time).
    emu.human_edit(page_id, {"Your wish?": rich(f"Rain {ENCODED}\u0085please"),
                             "Your story?": rich(f"Line\u2029{ENCODED}\u2028end"),
                             "Date": {"date": {"start": london(monday, 13).isoformat(),
                                               "end": london(monday, 14).isoformat()}}})
    summary = sync(full=False)
    assert summary["errors"] == 0
    booking.refresh_from_db()
    assert booking.answers == {WISH: "Rain evil Bcc:victim@example.com please",
                               STORY: "Line\nevil\nBcc:victim@example.com\nend"}
    assert_answers_clean(booking)
    page = emu.plain(page_id)
    assert (page["Your wish?"], page["Your story?"]) == (booking.answers[WISH], booking.answers[STORY])
    assert_description_carries(live_event(gcal)["description"], booking.answers[WISH], booking.answers[STORY])
    quiet = sync()
    assert (quiet["created"], quiet["updated"], quiet["errors"]) == (0, 0, 0), quiet
    read_emails(outbox_folder)
    assert_feed_clean()
