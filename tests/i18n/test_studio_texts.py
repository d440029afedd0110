"""The studio's own texts (ADR 0020): every shipped language has a column, every text a fallback."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import translation

from booksync.bookings.models import Question, Service, Studio
from booksync.bookings.translation import TRANSLATED, texts_without_fallback

pytestmark = pytest.mark.django_db


def test_every_studio_text_has_a_column_in_every_shipped_language():
    for model, fields in TRANSLATED.items():
        columns = {f.name for f in model._meta.get_fields()}
        for name in fields:
            for code, _label in settings.LANGUAGES:
                assert f"{name}_{code}" in columns, f"{model.__name__}.{name} has no {code} column"


def test_the_demo_studio_is_translated_into_every_shipped_language(studio):
    rows = [studio, *Service.objects.all(), *Question.objects.all()]
    for row in rows:
        for name in TRANSLATED[type(row)]:
            if not getattr(row, f"{name}_en"):
                continue  # an empty text (a question without help) needs no translation
            for code, _label in settings.LANGUAGES:
                assert getattr(row, f"{name}_{code}"), f"{type(row).__name__} {row.pk} {name} lacks {code}"
    assert texts_without_fallback() == []


def test_a_text_missing_in_a_language_falls_back_to_the_default(studio):
    Service.objects.filter(slug="mini").update(name_de=None, description_de="")
    Studio.objects.filter(pk=studio.pk).update(tagline_fr=None)
    with translation.override("de"):
        mini = Service.objects.get(slug="mini")
        assert (mini.name, mini.description) == ("Mini session", "A quick update of your profile picture.")
    with translation.override("fr"):
        assert Studio.load().tagline == "Photo sessions for people and families"


def test_a_text_typed_in_another_language_only_becomes_the_default_too(studio):
    family = Service.objects.get(slug="family")
    with translation.override("de"):
        question = Question.objects.create(service=family, key="pets", label="Haustiere dabei?", order=9)
    question.refresh_from_db()
    assert question.label_en == "Haustiere dabei?" and question.notion_column == "Haustiere dabei?"
    with translation.override("fr"):
        assert Question.objects.get(pk=question.pk).label == "Haustiere dabei?"


def test_the_check_fails_on_a_text_without_fallback(studio):
    """The check itself can fail: a default-language text emptied behind the signal's back."""
    Service.objects.filter(slug="portrait").update(name_en="")
    assert texts_without_fallback() == [f"Service {Service.objects.get(slug='portrait').pk} name"]


def test_a_side_names_a_service_by_its_default_name_in_any_active_language(studio):
    from booksync.bookings.services import service_named

    with translation.override("de"):
        assert service_named("portrait session") == Service.objects.get(slug="portrait")
