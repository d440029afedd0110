"""Booking questions: which a service asks, checking the answers, and showing them (ADR 0019).

One validator (``clean_answers``) serves every door: the API, the booking form and the
booking service itself. An answer it refuses is a ``BookingError`` (422) whose field is
``answers.<key>`` and whose message names the question; nothing is stored.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from booksync.integrations.ports import AnswerColumn, Answers, answers_of

from .errors import BookingError
from .question_models import CHOICE_TYPES, TEXT_LIMITS, Question, QuestionType
from .text import UnsafeText, checked, defused, defused_answers


class AnswerError(BookingError):
    code = "invalid_answer"


ANSWER = "answer:"  # an answer as a changed field from a side: "answer:<key>" (sync/plan.py's name)


def default_name(service) -> str:
    """The service's name in the default language: what a booking keeps as booked (ADR 0020)."""
    return getattr(service, f"name_{settings.MODELTRANSLATION_DEFAULT_LANGUAGE}", None) or service.name


def with_answers(stored: Mapping[str, Any] | None, changed: Mapping[str, Any]) -> dict[str, Any]:
    """``stored`` answers with ``changed`` ones applied (None clears an answer), in JSON's shape."""
    answers = dict(stored or {})
    for key, value in changed.items():
        if value is None or value == "" or value == ():
            answers.pop(key, None)
        else:
            answers[key] = list(value) if isinstance(value, tuple) else value
    return answers


def long_text_keys(service=None) -> set[str]:
    """The keys of the long-text questions (of ``service``, else of every service): their answers keep their lines."""
    found = Question.objects.filter(type=QuestionType.LONG_TEXT)
    if service is not None:
        found = found.filter(service=service)
    return set(found.values_list("key", flat=True))


def asked(service) -> list[Question]:
    """The active questions of ``service`` in their order ([] without a service)."""
    if service is None or service.pk is None:
        return []
    return list(service.questions.filter(active=True).order_by("order", "pk"))


def _number_range(question: Question) -> str:
    low, high = _shown_number(question.min_value), _shown_number(question.max_value)
    if low is not None and high is not None:
        return _("a number from %(low)s to %(high)s") % {"low": low, "high": high}
    if low is not None:
        return _("a number of at least %(low)s") % {"low": low}
    if high is not None:
        return _("a number of at most %(high)s") % {"high": high}
    return _("a number")


def _shown_number(value: float | None) -> str | None:
    if value is None:
        return None
    return str(int(value)) if float(value).is_integer() else str(value)


def _finite(value: float) -> bool:
    """A number a float can hold (JSON may carry an integer of 400 digits, or a form 1e999)."""
    try:
        return math.isfinite(value) and abs(value) < 1e15
    except OverflowError:
        return False


def _refuse(question: Question, problem: str, code: str = "invalid_answer") -> AnswerError:
    return AnswerError(f"{question.label}: {problem}", code=code, field=f"answers.{question.key}")


def clean_answer(question: Question, value: Any) -> Any:
    """The stored form of one answer, ``None`` when unanswered; raises ``AnswerError``."""
    if value is None:
        return None
    kind = question.type
    if kind in TEXT_LIMITS:
        if not isinstance(value, str):
            raise _refuse(question, _("give the answer as text."), "wrong_type")
        # The one rule for text that reaches a header or an .ics line (bookings/text.py): line
        # breaks normalised, an encoded-word look-alike refused, naming the question.
        try:
            text = checked(f"answers.{question.key}", value, multiline=kind == QuestionType.LONG_TEXT)
        except UnsafeText:
            raise _refuse(question, _("write the text itself, without an encoded word (=?…?=)."),
                          "unsafe_text") from None
        if len(text) > TEXT_LIMITS[kind]:
            raise _refuse(question, _("at most %(count)s characters.") % {"count": TEXT_LIMITS[kind]})
        return text or None
    if kind == QuestionType.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float) or not _finite(value):
            raise _refuse(question, _("give %(range)s.") % {"range": _number_range(question)}, "wrong_type")
        if (question.min_value is not None and value < question.min_value) or (
                question.max_value is not None and value > question.max_value):
            raise _refuse(question, _("give %(range)s.") % {"range": _number_range(question)}, "out_of_range")
        return int(value) if float(value).is_integer() else float(value)
    if kind == QuestionType.YES_NO:
        if not isinstance(value, bool):
            raise _refuse(question, _("answer yes (true) or no (false)."), "wrong_type")
        return value
    keys = [str(item.get("key")) for item in question.choices or []]
    if kind == QuestionType.ONE_CHOICE:
        if not isinstance(value, str):
            raise _refuse(question, _("give one of: %(keys)s.") % {"keys": ", ".join(keys)}, "wrong_type")
        if value == "":
            return None
        if value not in keys:
            raise _refuse(question, _("%(value)r is not one of: %(keys)s.") % {"value": value[:60],
                                                                              "keys": ", ".join(keys)},
                          "unknown_choice")
        return value
    if kind == QuestionType.SEVERAL_CHOICES:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise _refuse(question, _("give a list of: %(keys)s.") % {"keys": ", ".join(keys)}, "wrong_type")
        unknown = [item for item in value if item not in keys]
        if unknown:
            raise _refuse(question, _("%(value)r is not one of: %(keys)s.") % {"value": unknown[0][:60],
                                                                              "keys": ", ".join(keys)},
                          "unknown_choice")
        chosen = [key for key in keys if key in value]  # the question's order, each once
        return chosen or None
    raise _refuse(question, "this question cannot be answered.")  # pragma: no cover - a new type


def clean_answers(service, raw: Mapping[str, Any] | None) -> dict[str, Any]:
    """Every answer to ``service``'s questions in its stored form; raises ``AnswerError`` naming the
    first question whose answer is missing (when required), of the wrong type or out of range, or
    an answer to no question the service asks."""
    raw = dict(raw or {})
    questions = asked(service)
    known = {q.key for q in questions}
    for key in raw:
        if key not in known:
            asked_keys = ", ".join(sorted(known)) or _("none")
            shown = key[:60]  # echoed back: not a whole megabyte of it
            raise AnswerError(_("%(key)r is not a question this service asks (its questions: %(keys)s).")
                              % {"key": shown, "keys": asked_keys}, code="unknown_question", field=f"answers.{shown}")
    answers: dict[str, Any] = {}
    for question in questions:
        value = clean_answer(question, raw.get(question.key))
        if value is None:
            if question.required:
                raise _refuse(question, _("this question needs an answer."), "missing_answer")
            if question.type == QuestionType.YES_NO:
                answers[question.key] = False  # an unticked box: Notion's checkbox has no empty state
            continue
        answers[question.key] = value
    return answers


# --- the booking form (no JavaScript needed) ---------------------------------------------------
def form_name(question: Question) -> str:
    return f"answer-{question.key}"


def answers_from_form(service, data) -> dict[str, Any]:
    """The raw answers a posted booking form carries (``data``: a QueryDict), typed for ``clean_answers``.

    A number that does not parse is passed on as text, so the validator names the question."""
    raw: dict[str, Any] = {}
    for question in asked(service):
        name = form_name(question)
        if question.type == QuestionType.SEVERAL_CHOICES:
            chosen = data.getlist(name)
            if chosen:
                raw[question.key] = chosen
            continue
        value = (data.get(name) or "").strip()
        if value == "":
            continue
        if question.type == QuestionType.NUMBER:
            try:
                number = float(value.replace(",", "."))
                raw[question.key] = int(number) if number.is_integer() else number
            except ValueError:
                raw[question.key] = value
        elif question.type == QuestionType.YES_NO:
            raw[question.key] = {"yes": True, "no": False}.get(value, value)
        else:
            raw[question.key] = data.get(name) or ""
    return raw


def form_errors(service, raw: Mapping[str, Any]) -> dict[str, str]:
    """Every refused answer of a posted form, by question key (the page marks them all at once)."""
    errors: dict[str, str] = {}
    try:
        clean_answers(service, raw)
    except AnswerError:
        for question in asked(service):
            try:
                value = clean_answer(question, raw.get(question.key))
                if value is None and question.required:
                    raise _refuse(question, _("this question needs an answer."), "missing_answer")
            except AnswerError as exc:
                problem = exc.message.removeprefix(f"{question.label}: ")
                errors[question.key] = problem[:1].upper() + problem[1:]
    return errors


def form_rows(service, data=None, errors: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """The booking form's questions as ``_questions.html`` shows them, with what was typed."""
    rows = []
    for question in asked(service):
        name = form_name(question)
        chosen = data.getlist(name) if data is not None else []
        value = (data.get(name) or "") if data is not None else ""
        rows.append({
            "key": question.key, "kind": question.type, "name": name, "id": f"id_{name}",
            "label": question.label, "help": question.help_text or "", "required": question.required,
            "value": value, "error": (errors or {}).get(question.key, ""),
            "min": _shown_number(question.min_value), "max": _shown_number(question.max_value),
            "choices": [{"key": item["key"], "label": Question.translated_choice(item),
                         "checked": item["key"] in chosen} for item in question.choices or []],
        })
    return rows


# --- showing answers ---------------------------------------------------------------------------
def shown_value(question: Question | None, value: Any) -> str:
    """An answer as a person reads it, in the active language."""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if question is not None and question.type in CHOICE_TYPES:
        values = value if isinstance(value, list) else [value]
        return ", ".join(question.choice_label(str(item)) for item in values)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _questions_of(booking) -> dict[str, Question]:
    return {q.key: q for q in booking.service.questions.all()} if booking.service_id else {}


def _keeping_lines(questions: Mapping[str, Question], answers: Mapping[str, Any]) -> set[str]:
    """The answers whose text keeps its lines: a long text's, and one to a question since removed
    (kept as stored); a short text is one line wherever it goes (bookings/text.py's rule)."""
    return {key for key in answers if key not in questions or questions[key].type == QuestionType.LONG_TEXT}


def answer_lines(booking, *, defuse: bool = False) -> list[tuple[str, str]]:
    """(question label, answer) of every answer the booking holds, in the service's order; an
    answer to a question since removed is shown under its key. ``defuse``: each text by
    ``text.defused``'s rule (what leaves booksync: the calendar event's text), a short text on one line."""
    answers = dict(getattr(booking, "answers", None) or {})
    if not answers:
        return []
    questions = _questions_of(booking)
    ordered = sorted(answers, key=lambda k: (questions[k].order, questions[k].pk) if k in questions else (10**9, 0))
    lines = [(questions[k].label if k in questions else k, shown_value(questions.get(k), answers[k]))
             for k in ordered]
    if not defuse:
        return lines
    multiline = _keeping_lines(questions, answers)
    return [(defused(label), defused(value, multiline=key in multiline))
            for key, (label, value) in zip(ordered, lines, strict=True)]


def answer_line(label: str, value: str) -> str:
    """One answer as a line of text: "How many people? 4", "Shoe size: 42"."""
    return f"{label} {value}" if label.rstrip().endswith(("?", ":", "？")) else f"{label}: {value}"


def question_json(question: Question) -> dict[str, Any]:
    """A question as ``GET /api/services`` lists it (labels in the request's language)."""
    return {
        "key": question.key,
        "type": question.type,
        "label": question.label,
        "help_text": question.help_text or "",
        "required": question.required,
        "choices": [{"key": item["key"], "label": Question.translated_choice(item)}
                    for item in question.choices or []] if question.type in CHOICE_TYPES else [],
        "min": question.min_value,
        "max": question.max_value,
    }


# --- Notion ------------------------------------------------------------------------------------
def answer_columns() -> tuple[AnswerColumn, ...]:
    """Every question's Notion column (one per key; the first service's question wins a key two
    services share), in the plain shape adapters see (ADR 0019)."""
    columns: dict[str, AnswerColumn] = {}
    services: dict[str, list[str]] = {}
    for question in Question.objects.select_related("service").order_by("service__position", "order", "pk"):
        services.setdefault(question.key, []).append(default_name(question.service))
        if question.key in columns:
            continue
        columns[question.key] = AnswerColumn(
            key=question.key, kind=question.type,
            column=question.notion_column or getattr(question, "label_en", "") or question.label,
            choices=tuple((str(c["key"]), str(c.get("label") or c["key"])) for c in question.choices or []),
            min_value=question.min_value, max_value=question.max_value)
    return tuple(AnswerColumn(c.key, c.kind, c.column, c.choices, c.min_value, c.max_value,
                              tuple(services[c.key])) for c in columns.values())


def view_answers(booking) -> Answers:
    """The answers a booking shows outside (``BookingView.answers``): every question of its service
    (None where unanswered, so a cleared answer empties its column) and every answer it holds;
    text by ``text.defused_answers``' rule, as Notion's own answers arrive (a short text on one line)."""
    questions = _questions_of(booking)
    held = dict(booking.answers or {})
    answers: dict[str, Any] = dict.fromkeys(questions)
    answers.update(defused_answers(held, long_text=_keeping_lines(questions, held)))
    return answers_of(answers)
