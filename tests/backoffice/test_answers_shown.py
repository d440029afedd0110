"""Where the answers to a booking's questions appear (ADR 0019): the back office (booking form,
list, CSV, diary, the service's questions inline) and the messages (confirmation email, studio
notice, calendar event)."""

from __future__ import annotations

import csv
import email
import io
from email import policy

import pytest
from django.core import mail

from booksync.bookings import services
from booksync.bookings.booking_view import booking_view
from booksync.bookings.models import Booking, Question, Service
from booksync.outbox.delivery import deliver_due
from tests.conftest import london

pytestmark = pytest.mark.django_db
LIST = "/admin/bookings/booking/"


def family_booking(monday, language="", **answers) -> Booking:
    return services.book(services.BookingRequest(
        start=london(monday, 10), name="Fam Ily", email="fam@example.com", service=Service.objects.get(slug="family"),
        language=language, answers=answers or {"people": 4, "occasion": "birthday"})).booking


def test_the_booking_list_and_its_form_show_the_answers(studio, monday, staff_client):
    booking = family_booking(monday)
    page = staff_client.get(LIST).content.decode()
    assert "How many people? 4 · What is the occasion? Birthday" in page
    form = staff_client.get(f"{LIST}{booking.pk}/change/").content.decode()
    assert "<dt>How many people?</dt><dd>4</dd>" in form and "<dd>Birthday</dd>" in form


def test_the_csv_has_a_column_per_question_key(studio, monday, staff_client):
    family_booking(monday)
    services.book(services.BookingRequest(start=london(monday, 14), name="Solo", email="solo@example.com",
                                          service=Service.objects.get(slug="portrait")))
    rows = list(csv.DictReader(io.StringIO(staff_client.get(f"{LIST}export.csv").content.decode())))
    by_name = {r["name"]: r for r in rows}
    assert (by_name["Fam Ily"]["people"], by_name["Fam Ily"]["occasion"]) == ("4", "birthday")
    assert (by_name["Solo"]["people"], by_name["Solo"]["occasion"]) == ("", "")


def test_a_formula_in_an_answer_is_not_run_by_a_spreadsheet(studio, monday, staff_client):
    family = Service.objects.get(slug="family")
    Question.objects.create(service=family, key="wish", type="short_text", label="Any wish?", order=5)
    family_booking(monday, people=2, wish="=HYPERLINK(\"http://evil.example\")")
    (row,) = csv.DictReader(io.StringIO(staff_client.get(f"{LIST}export.csv").content.decode()))
    assert row["wish"].startswith("'=")


def test_the_diary_shows_the_answers(studio, monday, staff_client):
    booking = family_booking(monday)
    page = staff_client.get(f"/admin/diary/booking/{booking.pk}/").content.decode()
    assert '<dt>How many people?</dt><dd class="answer">4</dd>' in page
    assert '<dt>What is the occasion?</dt><dd class="answer">Birthday</dd>' in page


def test_the_service_admin_edits_its_questions_per_language(studio, staff_client):
    family = Service.objects.get(slug="family")
    page = staff_client.get(f"/admin/bookings/service/{family.pk}/change/").content.decode()
    for name in ("questions-0-label_en", "questions-0-label_de", "questions-0-label_fr", "questions-0-help_text_de",
                 "questions-0-key", "questions-0-min_value", "name_de", "description_fr"):
        assert f'name="{name}"' in page, name
    assert 'value="Wie viele Personen?"' in page
    studio_page = staff_client.get(f"/admin/bookings/studio/{studio.pk}/change/").content.decode()
    assert 'name="tagline_de"' in studio_page and 'name="about_fr"' in studio_page


def test_the_confirmation_email_shows_the_answers_in_the_customers_language(studio, monday, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    family_booking(monday, language="de-DE")
    deliver_due(force=True)
    (message,) = mail.outbox
    parsed = email.message_from_bytes(message.message().as_bytes(), policy=policy.default)
    assert "Familien-Sitzung" in parsed["Subject"]
    text = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    assert "Wie viele Personen? 4" in text and "Was ist der Anlass? Geburtstag" in text
    assert "Wie viele Personen?" in html and "<strong" in html and "Geburtstag" in html
    assert "Familien-Sitzung" in text


def test_the_studio_notice_lists_the_answers(studio_emails, studio, monday, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    family_booking(monday, language="fr")
    deliver_due(force=True)
    (notice,) = [m for m in mail.outbox if m.extra_headers.get("X-Booksync-Notice") == "studio"]
    # The studio reads its own (default) language whatever the customer spoke.
    assert "How many people?: 4" in notice.body and "What is the occasion?: Birthday" in notice.body
    html = notice.alternatives[0][0]
    assert "How many people?</th>" in html and "Birthday" in html


def test_the_calendar_event_lists_the_answers(studio, monday):
    view = booking_view(family_booking(monday))
    assert "How many people? 4\nWhat is the occasion? Birthday" in view.description
    assert "How many people? 4" in view.shared_description
    assert dict(view.answers) == {"people": 4, "occasion": "birthday"}


def test_a_question_added_in_the_service_admin_is_asked(studio, staff_client, monday):
    from .conftest import hidden_fields

    mini = Service.objects.get(slug="mini")
    url = f"/admin/bookings/service/{mini.pk}/change/"
    data = hidden_fields(staff_client.get(url).content.decode())
    data.update({
        "studio": str(studio.pk), "name_en": "Mini session", "name_de": "Mini-Sitzung", "name_fr": "Mini-séance",
        "slug": "mini", "duration_minutes": "30", "description_en": "Quick.", "price": "£60", "active": "on",
        "position": "2", "price_amount": "6000", "price_currency": "GBP", "payment_rule": "full",  # ADR 0018
        "questions-TOTAL_FORMS": "1",
        "questions-0-label_en": "Glasses?", "questions-0-label_de": "Brille?", "questions-0-label_fr": "",
        "questions-0-help_text_en": "", "questions-0-key": "glasses", "questions-0-type": "yes_no",
        "questions-0-required": "on", "questions-0-order": "1", "questions-0-active": "on",
        "questions-0-choices": "[]", "questions-0-min_value": "", "questions-0-max_value": "",
        "questions-0-notion_column": "",
    })
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    question = Question.objects.get(service=mini, key="glasses")
    assert (question.label_en, question.label_de, question.notion_column) == ("Glasses?", "Brille?", "Glasses?")
    from django.test import Client

    assert "<legend>Brille?</legend>" in Client().get(f"/de/book/mini/?date={monday}").content.decode()
    assert "<legend>Glasses?</legend>" in Client().get(f"/fr/book/mini/?date={monday}").content.decode()  # fallback
    # A bad choice list is refused on the page, naming the field.
    data.update({"questions-0-id": str(question.pk), "questions-0-service": str(mini.pk),
                 "questions-INITIAL_FORMS": "1", "questions-0-type": "one_choice", "questions-0-choices": "[]"})
    refused = staff_client.post(url, data)
    assert refused.status_code == 200 and "A choice question needs at least one choice." in refused.content.decode()
