"""Language, locale, zones and the cookie-free form checks, through Django's test client."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import signing
from django.test import Client

from booksync.bookings import services
from booksync.bookings.messages import formats
from booksync.bookings.messages.emails import build_message, previous_time
from booksync.bookings.models import Booking, Service
from booksync.web import form_guard
from booksync.web.picker import slot_value
from booksync.web.zones import aliases, canonical, canonical_zones, zone_choices
from tests.conftest import csp_directive, london

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def cache_table(db):
    from django.core.cache import cache
    from django.core.management import call_command

    call_command("createcachetable", verbosity=0)
    cache.clear()


def _details(start, **extra) -> dict:
    data = {"start": slot_value(start), "date": start.date().isoformat(), "timezone": "Europe/London",
            "name": "Ada Lovelace", "email": "ada@example.com"}
    data.update(extra)
    return data


# --- formats ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("tag", "expected"), [("en-US", "4:00\u202fPM"), ("en-GB", "16:00"), ("de-DE", "16:00"),
                                               ("fr", "16:00"), ("en", "4:00\u202fPM")])
def test_clock_follows_the_locale(tag, expected):
    moment = datetime(2026, 11, 30, 16, tzinfo=ZoneInfo("Europe/London"))
    assert formats.time_label(moment, tag) == expected


def test_day_names_and_first_weekday_follow_the_locale():
    moment = datetime(2026, 11, 30, 12, tzinfo=UTC)
    assert formats.day_label(moment, "de-DE") == "Montag, 30. November"
    assert formats.day_label(moment, "en-US") == "Monday, November 30"
    assert formats.full_date(moment, "fr") == "lundi 30 novembre 2026"
    assert formats.first_weekday("en-US") == 6 and formats.first_weekday("en-GB") == 0
    assert formats.regional_tag("en", "Europe/London") == "en-GB"


# --- zones ----------------------------------------------------------------------------------------
def test_zone_list_has_friendly_names_no_aliases_and_common_zones_first():
    zones = set(canonical_zones())
    assert "Asia/Kolkata" in zones and "Asia/Calcutta" not in zones and "US/Eastern" not in zones
    assert canonical("Asia/Calcutta") == "Asia/Kolkata" and aliases()["Europe/Kiev"] == "Europe/Kyiv"
    winter = datetime(2026, 1, 15, tzinfo=UTC)
    common, rest = zone_choices("en", winter)
    assert common[0].id == "Europe/London"
    new_york = next(choice for choice in common if choice.id == "America/New_York")
    assert new_york.label == "New York (UTC\u221205:00)"
    assert [c.city for c in rest] == sorted((c.city for c in rest), key=str.casefold)
    assert next(c for c in zone_choices("de", winter)[0] if c.id == "Europe/Vienna").label == "Wien (UTC+01:00)"


def test_the_zone_select_follows_the_calendar(client, studio, monday):
    page = client.get(f"/book/portrait/?date={monday}").content.decode()
    assert page.index('id="month"') < page.index('id="tz"'), "the zone picker comes before the calendar"
    assert 'value="Asia/Calcutta"' not in page and 'value="Asia/Kolkata"' in page


# --- language ------------------------------------------------------------------------------------
def test_language_from_the_browser_then_the_studio_default(client, studio):
    assert 'lang="de"' in client.get("/", HTTP_ACCEPT_LANGUAGE="de-AT,de;q=0.9").content.decode()
    studio.default_language = "fr"
    studio.save()
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9").content.decode()
    assert 'lang="fr"' in page and "Séances" in page
    # A language prefix wins over both, and its links keep it.
    page = client.get("/de/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert 'lang="de"' in page and 'href="/de/book/portrait/"' in page


def test_form_errors_are_translated(client, studio, monday):
    response = client.post("/fr/book/portrait/", _details(london(monday, 10), name="", email="nope"))
    page = response.content.decode()
    assert response.status_code == 422
    assert "Indiquez votre nom." in page and "Cette adresse e-mail ne semble pas correcte." in page


def test_manage_pages_speak_the_bookings_language(client, studio, monday):
    booking = services.book(services.BookingRequest(start=london(monday, 10), name="Hans", email="h@example.com",
                                                    service=Service.objects.get(slug="portrait"), language="de-DE"))
    page = client.get(f"/manage/{booking.token}/", HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert 'lang="de"' in page and "Ihre Buchung" in page and "10:00–11:00" in page


def test_reschedule_opens_on_the_bookings_month(client, studio):
    later = (datetime.now(UTC) + timedelta(days=45)).date()
    while later.weekday() != 1:
        later += timedelta(days=1)
    booking = services.book(services.BookingRequest(start=london(later, 10), name="Later", email="l@example.com",
                                                    service=Service.objects.get(slug="portrait")))
    page = client.get(f"/manage/{booking.token}/reschedule/").content.decode()
    assert f'data-day="{later}"' in page


# --- emails -----------------------------------------------------------------------------------------
def test_update_email_says_was_and_now_in_the_bookings_language(studio, monday):
    booking = services.book(services.BookingRequest(start=london(monday, 10), name="Ann", email="a@example.com",
                                                    service=Service.objects.get(slug="portrait"))).booking
    moved = services.reschedule(booking, london(monday, 14), actor="admin")
    from booksync.outbox.models import OutboxMessage

    payload = OutboxMessage.objects.get(key=f"email:{booking.pk}:update:{moved.sequence}").payload
    was = previous_time(payload)
    assert was == (london(monday, 10), london(monday, 11))
    english = build_message(moved, "update", was=was)
    assert "Was: " in english.body and "10:00–11:00" in english.body and "14:00–15:00" in english.body
    Booking.objects.filter(pk=moved.pk).update(language="de-DE")
    german = build_message(Booking.objects.get(pk=moved.pk), "update", was=was)
    assert german.subject.startswith("Ihre Buchung wurde geändert: ") and "London (UTC" in german.subject
    assert "Bisher: " in german.body and "Jetzt:" in german.body
    from django.utils import translation

    from booksync.bookings.messages.ics import booking_ics

    with translation.override("de"):  # build_message renders the invite inside the booking's language
        assert "Buchung für Ann." in booking_ics(moved, studio).decode().replace("\r\n ", "")


# --- forms without cookies -------------------------------------------------------------------------------
def _token_for(client, path) -> str:
    page = client.get(path).content.decode()
    return re.search(r'name="form_token" value="([^"]+)"', page).group(1)


def test_forms_need_no_cookie_but_refuse_other_sites_and_bad_tokens(studio, monday):
    client = Client(enforce_csrf_checks=True)
    path = f"/book/portrait/?date={monday}"
    token = _token_for(client, path)
    assert client.cookies == {} or all(name != "csrftoken" for name in client.cookies)

    def post(start_hour, **headers):
        fresh = Client(enforce_csrf_checks=True)  # no cookies at all
        return fresh.post("/book/portrait/", _details(london(monday, start_hour), form_token=headers.pop("token", token)),
                          **headers)

    assert post(9, HTTP_ORIGIN="https://evil.example").status_code == 403
    assert post(9, HTTP_ORIGIN="null").status_code == 403
    assert post(9, HTTP_SEC_FETCH_SITE="cross-site").status_code == 403
    assert post(9, token="forged").status_code == 403
    other_page = signing.dumps("cancel:abc", salt="booksync.web.form")
    assert post(9, token=other_page).status_code == 403
    assert not Booking.objects.exists()
    # The same form from this site, with no cookie whatsoever, books.
    ok = post(11, HTTP_ORIGIN="http://testserver", HTTP_SEC_FETCH_SITE="same-origin")
    assert ok.status_code == 302 and Booking.objects.count() == 1


def test_an_old_form_token_expires(studio, monday, settings):
    client = Client(enforce_csrf_checks=True)
    token = _token_for(client, f"/book/portrait/?date={monday}")
    old_age, form_guard.FORM_TOKEN_MAX_AGE = form_guard.FORM_TOKEN_MAX_AGE, -1
    try:
        response = client.post("/book/portrait/", _details(london(monday, 10), form_token=token))
    finally:
        form_guard.FORM_TOKEN_MAX_AGE = old_age
    assert response.status_code == 403 and not Booking.objects.exists()


# --- framing -------------------------------------------------------------------------------------------
def test_framing_is_refused_unless_the_origin_is_allowed(client, studio, settings):
    settings.EMBED_ALLOWED_ORIGINS = []
    page = client.get("/book/portrait/")
    assert page["X-Frame-Options"] == "DENY" and csp_directive(page, "frame-ancestors") == "'none'"
    settings.EMBED_ALLOWED_ORIGINS = ["https://studio.example", "https://www.studio.example"]
    page = client.get("/de/book/portrait/")
    assert csp_directive(page, "frame-ancestors") == "'self' https://studio.example https://www.studio.example"
    assert "X-Frame-Options" not in page
    assert client.get("/api/services")["X-Frame-Options"] == "DENY"


def test_embed_script_names_this_site(client, settings):
    settings.SITE_URL = "https://book.studio.example"
    script = client.get("/embed.js", HTTP_ACCEPT_LANGUAGE="fr")
    body = script.content.decode()
    assert script["Content-Type"].startswith("text/javascript")
    assert 'var ORIGIN = "https://book.studio.example"' in body and "event.origin !== ORIGIN" in body
    assert "Réserver" in body


# --- the API door -------------------------------------------------------------------------------
def _api_book(client, start, headers=None, **extra):
    import json

    body = {"service": "portrait", "start": start.isoformat(), "name": "Ada", "email": "ada@example.com", **extra}
    return client.post("/api/bookings", json.dumps(body), content_type="application/json", headers=headers or {})


def test_an_api_booking_remembers_the_language_it_names(client, studio, monday):
    response = _api_book(client, london(monday, 10), language="de-DE")
    assert response.status_code == 201, response.content
    assert Booking.objects.get(pk=response.json()["id"]).language == "de-DE"


def test_an_api_booking_without_a_language_takes_the_callers_accept_language(client, studio, monday):
    asked = _api_book(client, london(monday, 10), headers={"Accept-Language": "fr-CA,fr;q=0.8"})
    unnamed = _api_book(client, london(monday, 11), headers={"Accept-Language": "ja"})
    assert Booking.objects.get(pk=asked.json()["id"]).language == "fr-CA"
    assert Booking.objects.get(pk=unnamed.json()["id"]).language == ""  # the studio's default at send time


def test_an_api_booking_in_a_language_not_shipped_is_refused_and_changes_nothing(client, studio, monday):
    response = _api_book(client, london(monday, 10), language="tlh")
    assert response.status_code == 422
    assert response.json()["field"] == "language" and "en, de, fr" in response.json()["message"]
    assert not Booking.objects.exists()
