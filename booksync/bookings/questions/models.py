"""Booking questions: what a service asks the customer before the shoot (ADR 0019).

Imported by ``models.py`` (the app's models module); ``questions.py`` validates and shows answers.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import slugify
from django.utils.translation import get_language


class QuestionType(models.TextChoices):
    SHORT_TEXT = "short_text", "Short text"
    LONG_TEXT = "long_text", "Long text"
    NUMBER = "number", "Number"
    ONE_CHOICE = "one_choice", "One choice"
    SEVERAL_CHOICES = "several_choices", "Several choices"
    YES_NO = "yes_no", "Yes / no"


CHOICE_TYPES = (QuestionType.ONE_CHOICE, QuestionType.SEVERAL_CHOICES)
TEXT_LIMITS = {QuestionType.SHORT_TEXT: 200, QuestionType.LONG_TEXT: 2000}


def _validate_choices(value) -> None:
    if not isinstance(value, list):
        raise ValidationError('Choices are a list like [{"key": "birthday", "label": "Birthday"}].')
    keys = set()
    for item in value:
        if not isinstance(item, dict) or not str(item.get("key", "")).strip() or not str(item.get("label", "")).strip():
            raise ValidationError('Each choice needs a key and a label, e.g. {"key": "birthday", "label": "Birthday"}.')
        if item["key"] in keys:
            raise ValidationError(f"The choice key {item['key']!r} appears twice.")
        keys.add(item["key"])


class Question(models.Model):
    """One question a service asks; ``key`` is stable (answers and the Notion column follow it)."""

    service = models.ForeignKey("bookings.Service", on_delete=models.CASCADE, related_name="questions")
    key = models.SlugField(
        max_length=50, help_text="Stable name of the answer (API, CSV, Notion mapping). Renaming the label keeps it.")
    type = models.CharField(max_length=20, choices=QuestionType.choices, default=QuestionType.SHORT_TEXT)
    label = models.CharField(max_length=200)
    help_text = models.CharField(max_length=300, blank=True)
    required = models.BooleanField(default=False)
    order = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)
    choices = models.JSONField(
        default=list, blank=True, validators=[_validate_choices],
        help_text='One and several choices: [{"key": "birthday", "label": "Birthday"}, …]. Keys never change.')
    min_value = models.FloatField(null=True, blank=True, help_text="Numbers: the smallest answer allowed.")
    max_value = models.FloatField(null=True, blank=True, help_text="Numbers: the largest answer allowed.")
    notion_column = models.CharField(
        max_length=100, blank=True,
        help_text="The Notion column holding the answer. Filled from the label when first saved and kept "
                  "when the label changes.")

    class Meta:
        ordering = ["service", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["service", "key"], name="question_key_unique_per_service")]

    def __str__(self) -> str:
        return self.label

    def save(self, *args, **kwargs) -> None:
        if not self.key:
            self.key = slugify(self.label)[:50] or "question"
        if not self.notion_column:
            # The default language's label (modeltranslation's column when present).
            self.notion_column = (getattr(self, "label_en", None) or self.label)[:100]
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if not self.key and self.label:
            self.key = slugify(self.label)[:50]
        if self.type in CHOICE_TYPES and not self.choices:
            raise ValidationError({"choices": "A choice question needs at least one choice."})
        if self.type not in CHOICE_TYPES and self.choices:
            raise ValidationError({"choices": "Only choice questions have choices."})
        if self.type != QuestionType.NUMBER and (self.min_value is not None or self.max_value is not None):
            raise ValidationError({"min_value": "Only number questions have a smallest or largest answer."})
        if self.min_value is not None and self.max_value is not None and self.min_value > self.max_value:
            raise ValidationError({"max_value": "The largest answer must not be below the smallest."})

    def choice_label(self, key: str) -> str:
        for item in self.choices or []:
            if item.get("key") == key:
                return str(self.translated_choice(item))
        return key

    @staticmethod
    def translated_choice(item: dict) -> str:
        """A choice's label in the active language (``label_de`` …), else its ``label``."""
        language = (get_language() or "en").split("-")[0]
        return str(item.get(f"label_{language}") or item.get("label") or item.get("key", ""))
