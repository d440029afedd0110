"""Booking answers as typed Notion properties (ADR 0019): one column per question, mapped by its key.

number → number, one choice → select, several choices → multi_select, yes/no → checkbox,
short and long text → rich_text. A choice is shown by its label (the studio's default
language) and read back by its label or its key, case-insensitively. A value booksync
cannot read as the question's answer is a problem sentence for the page's Sync Error.
"""

from __future__ import annotations

import json
import math
from typing import Any

from django.conf import settings

from .ports import AnswerColumn, Answers

NOTION_TYPE: dict[str, str] = {
    "short_text": "rich_text",
    "long_text": "rich_text",
    "number": "number",
    "one_choice": "select",
    "several_choices": "multi_select",
    "yes_no": "checkbox",
}
QUESTION_PREFIX = "question:"  # NOTION_PROPERTY_NAMES may rename a question's column: {"question:<key>": "…"}


def with_renames(columns: tuple[AnswerColumn, ...], raw: Any = None) -> tuple[AnswerColumn, ...]:
    """``columns`` with the names ``NOTION_PROPERTY_NAMES`` gives ``question:<key>`` entries."""
    raw = settings.NOTION_PROPERTY_NAMES if raw is None else raw
    if isinstance(raw, str):
        try:
            raw = json.loads(raw) if raw.strip() else {}
        except ValueError:
            raw = {}  # property_names() reports the bad JSON
    if not isinstance(raw, dict):
        return columns
    renamed = []
    for column in columns:
        name = raw.get(QUESTION_PREFIX + column.key)
        renamed.append(column if not name else AnswerColumn(
            column.key, column.kind, str(name), column.choices, column.min_value, column.max_value, column.services))
    return tuple(renamed)


def property_config(column: AnswerColumn) -> dict[str, Any]:
    """The property ``notion init`` creates for the question (options for the choice types)."""
    kind = NOTION_TYPE[column.kind]
    if kind in ("select", "multi_select"):
        return {kind: {"options": [{"name": label} for _key, label in column.choices if "," not in label]}}
    if kind == "number":
        return {"number": {"format": "number"}}
    return {kind: {}}


def missing_properties(properties: dict[str, Any], columns: tuple[AnswerColumn, ...]) -> dict[str, Any]:
    """The question columns a data source (its ``properties``) lacks, as a PATCH payload."""
    return {c.column: property_config(c) for c in columns if c.column not in properties}


def schema_problems(properties: dict[str, Any], columns: tuple[AnswerColumn, ...]) -> list[str]:
    """One sentence per question column that is missing or has a type its answers cannot live in."""
    problems = []
    for column in columns:
        wanted = NOTION_TYPE[column.kind]
        prop = properties.get(column.column)
        if prop is None:
            problems.append(
                f"the bookings database has no property {column.column!r} (the answers to question "
                f"{column.key!r}). Fix: run `booksync notion init` to add it (a {wanted} property), or "
                f"map another column with NOTION_PROPERTY_NAMES='{{\"{QUESTION_PREFIX}{column.key}\": \"<column>\"}}'.")
        elif prop.get("type") != wanted:
            problems.append(
                f"property {column.column!r} is of type {prop.get('type')}, but the answers to question "
                f"{column.key!r} need {wanted}. Fix: change its type in Notion or map another column.")
    return problems


def _choice_key(column: AnswerColumn, name: str) -> str | None:
    wanted = name.strip().casefold()
    for key, label in column.choices:
        if wanted in (key.casefold(), label.strip().casefold()):
            return key
    return None


def _choice_label(column: AnswerColumn, key: str) -> str:
    return next((label for k, label in column.choices if k == key), key)


def read_answer(column: AnswerColumn, prop: dict[str, Any]) -> tuple[Any, str]:
    """(the answer, "") of a page property, or (None, the problem) when it cannot be one."""
    kind = prop.get("type", "")
    wanted = NOTION_TYPE[column.kind]
    where = f"{column.column} (question {column.key!r})"
    if kind != wanted:
        return None, f"{where} is a {kind} property; its answers need {wanted}. Fix: change the column's type back."
    value = prop.get(kind)
    if kind == "rich_text":
        text = "".join(item.get("plain_text") or item.get("text", {}).get("content", "") for item in value or [])
        return text.strip() or None, ""
    if kind == "checkbox":
        return bool(value), ""
    if kind == "number":
        if value is None:
            return None, ""
        if isinstance(value, bool) or not isinstance(value, int | float) or not _finite(value):
            return None, f"{where} holds {value!r}, not a number. Fix: enter a number."
        low, high = column.min_value, column.max_value
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = " to ".join(_shown(v) for v in (low, high) if v is not None)
            return None, f"{where} is {_shown(value)}, outside {bounds}. Fix: enter a number in that range."
        return (int(value) if float(value).is_integer() else float(value)), ""
    names = [value["name"]] if kind == "select" and value else [v["name"] for v in value or []] if \
        kind == "multi_select" else []
    keys = []
    for name in names:
        key = _choice_key(column, name)
        if key is None:
            options = ", ".join(label for _k, label in column.choices)
            return None, f"{where} holds {name!r}, which is not one of its choices ({options}). Fix: pick one of them."
        keys.append(key)
    if kind == "select":
        return (keys[0] if keys else None), ""
    ordered = tuple(key for key, _label in column.choices if key in keys)
    return (ordered or None), ""


def _finite(value: float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _shown(value: float | None) -> str:
    return "" if value is None else str(int(value)) if float(value).is_integer() else str(value)


def read_answers(properties: dict[str, Any], columns: tuple[AnswerColumn, ...], service: str) -> tuple[Answers, str]:
    """The answers a page carries for its service's questions, and the first problem reading them."""
    found = []
    for column in columns:
        if column.services and service.strip().casefold() not in {s.casefold() for s in column.services}:
            continue
        prop = properties.get(column.column)
        if prop is None:
            continue  # the database lacks the column: nothing known (the doctor says so)
        value, problem = read_answer(column, prop)
        if problem:
            return (), problem
        found.append((column.key, value))
    return tuple(sorted(found)), ""


def write_answer(column: AnswerColumn, kind: str, value: Any) -> dict[str, Any] | None:
    """The write payload of one answer into a property of type ``kind`` (None: cannot be written there)."""
    if kind != NOTION_TYPE[column.kind]:
        return None
    if kind == "rich_text":
        text = str(value or "")
        return {"rich_text": [{"type": "text", "text": {"content": text[i:i + 2000]}}
                              for i in range(0, len(text), 2000)][:100]}
    if kind == "checkbox":
        return {"checkbox": bool(value)}
    if kind == "number":
        return {"number": value if isinstance(value, int | float) and not isinstance(value, bool) else None}
    if kind == "select":
        return {"select": {"name": _choice_label(column, str(value))} if value else None}
    values = value if isinstance(value, list | tuple) else ([value] if value else [])
    return {"multi_select": [{"name": _choice_label(column, str(v))} for v in values]}


def same_answer(current: Any, desired: Any, column: AnswerColumn) -> bool:
    """Whether the page already shows ``desired`` (an unanswered yes/no is an unticked box)."""
    if column.kind == "yes_no":
        return bool(current) == bool(desired)
    if isinstance(desired, list):
        desired = tuple(desired)
    return (current if current not in ("", ()) else None) == (desired if desired not in ("", (), []) else None)
