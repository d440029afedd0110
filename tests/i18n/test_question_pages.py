"""The booking form's questions without JavaScript, the manage page's answers, and the studio's
texts in every shipped language (ADR 0019, ADR 0020), through Django's test client."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from booksync.bookings.models import Booking, Question, QuestionType, Service
from booksync.bookings.tokens import token_for
from booksync.web.picker import slot_value
from tests.conftest import london

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def cache_table(db):
    from django.core.cache import cache
    from django.core.management import call_command

    call_command("createcachetable", verbosity=0)
    cache.clear()


def form_token(client, path) -> str:
    page = client.get(path).content.decode()
    return re.search(r'name="form_token" value="([^"]+)"', page).group(1)


def details(start, token, **extra) -> dict:
    data = {"start": slot_value(start), "date": start.date().isoformat(), "timezone": "Europe/London",
            "name": "Ada Lovelace", "email": "ada@example.com", "form_token": token}
    data.update(extra)
    return data


def test_the_family_form_asks_its_questions_in_plain_html(studio, monday):
    page = Client().get(f"/book/family/?date={monday}").content.decode()
    assert '<label for="id_answer-people">How many people?</label>' in page
    assert 'type="number"' in page and 'min="1"' in page and 'max="6"' in page
    assert 'name="answer-people"' in page and "required" in page.split('id="id_answer-people"')[1][:300]
    assert '<select id="id_answer-occasion" name="answer-occasion"' in page
    assert "Wedding anniversary" in page and "(optional)" in page
    # The portrait session asks nothing.
    assert "answer-" not in Client().get(f"/book/portrait/?date={monday}").content.decode()


def test_a_bad_answer_keeps_everything_typed_and_names_the_question(studio, monday):
    client = Client()
    path = f"/book/family/?date={monday}"
    response = client.post("/book/family/", details(london(monday, 10), form_token(client, path),
                                                    **{"answer-people": "9", "answer-occasion": "birthday",
                                                       "notes": "Bring the dog"}))
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="id_answer-people-error">Give a number from 1 to 6.' in page
    assert 'aria-invalid="true"' in page and 'value="9"' in page
    assert '<option value="birthday" selected>' in page and "Bring the dog" in page
    assert not Booking.objects.exists()
    missing = client.post("/book/family/", details(london(monday, 10), form_token(client, path)))
    assert missing.status_code == 422 and "This question needs an answer." in missing.content.decode()
    assert not Booking.objects.exists()


def test_answers_are_stored_and_shown_on_the_confirmation_and_manage_pages(studio, monday):
    client = Client()
    response = client.post("/book/family/", details(london(monday, 10), form_token(client, f"/book/family/?date={monday}"),
                                                    **{"answer-people": "4", "answer-occasion": "new_baby"}))
    assert response.status_code == 302, response.content.decode()[:2000]
    booking = Booking.objects.get()
    assert booking.answers == {"people": 4, "occasion": "new_baby"}
    manage = Client().get(f"/manage/{token_for(booking)}/").content.decode()
    assert "<dt>How many people?</dt><dd class=\"answer\">4</dd>" in manage
    assert "<dt>What is the occasion?</dt><dd class=\"answer\">New baby</dd>" in manage
    german = Client().get(f"/de/manage/{token_for(booking)}/").content.decode()
    assert "<dt>Wie viele Personen?</dt>" in german and "Neues Baby" in german and "Familien-Sitzung" in german


def test_several_choices_and_yes_no_without_javascript(studio, monday):
    family = Service.objects.get(slug="family")
    Question.objects.create(service=family, key="extras", type=QuestionType.SEVERAL_CHOICES, label="Extras?",
                            order=3, choices=[{"key": "prints", "label": "Prints"}, {"key": "album", "label": "Album"}])
    Question.objects.create(service=family, key="pets", type=QuestionType.YES_NO, label="Pets coming?", order=4,
                            required=True)
    client = Client()
    path = f"/book/family/?date={monday}"
    page = client.get(path).content.decode()
    assert '<legend>Pets coming?</legend>' in page and 'type="checkbox" name="answer-extras" value="album"' in page
    response = client.post("/book/family/", details(london(monday, 10), form_token(client, path),
                                                    **{"answer-people": "2", "answer-extras": ["album", "prints"],
                                                       "answer-pets": "no"}))
    assert response.status_code == 302
    assert Booking.objects.get().answers == {"people": 2, "extras": ["prints", "album"], "pets": False}


@pytest.mark.parametrize(("prefix", "title", "tagline"), [
    ("/de", "Buchen: Porträt-Sitzung", "Fotositzungen für Menschen und Familien"),
    ("/fr", "Séance portrait", "Séances photo pour particuliers et familles"),
    ("", "Book: Portrait session", "Photo sessions for people and families"),
])
def test_the_studios_texts_speak_the_page_language(studio, monday, prefix, title, tagline):
    page = Client().get(f"{prefix}/book/portrait/?date={monday}").content.decode()
    assert title in page
    home = Client().get(f"{prefix}/").content.decode()
    assert tagline in home


def test_a_missing_translation_falls_back_to_the_default_language(studio, monday):
    mini = Service.objects.get(slug="mini")
    mini.name_fr = None
    mini.description_fr = ""
    mini.save()
    page = Client().get(f"/fr/book/mini/?date={monday}").content.decode()
    assert "Mini session" in page
