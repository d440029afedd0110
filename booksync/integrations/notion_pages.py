"""A booking as Notion page properties, and a Notion page read back as a ``SideRecord``.

Reading and writing are each other's inverse for everything the Notion
fingerprint covers (start and end to the minute, status, name, email, phone,
notes, service), so the hash of what we wrote equals the hash of what we read
back and our own writes are recognised as echoes.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any

from .notion_answers import read_answers, same_answer, write_answer
from .notion_schema import SOURCE_NAMES, STATUS_NAMES, Schema
from .ports import AnswerColumn, SideRecord

TEXT_CHUNK = 2000  # Notion refuses a rich-text item longer than this
MAX_CHUNKS = 100  # … and arrays longer than this

_STATUS_BY_NAME = {name.casefold(): value for value, name in STATUS_NAMES.items()}
_STATUS_BY_NAME.update({"no show": "no_show", "noshow": "no_show", "canceled": "cancelled"})
_SOURCE_BY_NAME = {name.casefold(): value for value, name in SOURCE_NAMES.items()}

# Fields a booking write may touch, in the order they are compared.
WRITTEN_FIELDS = ("name", "email", "phone", "service", "date", "status", "notes", "source", "booking_id",
                  "calendar_event_id", "person", "room", "payment", "paid", "price")
# Shown on the page, carried in ``extra`` (not the planner's fields): who and where (ADR 0017).
SHOWN_FIELDS = ("calendar_event_id", "person", "room")
# booksync's own columns (ADR 0018): written from the booking, never read back as a person's change.
MONEY_FIELDS = ("payment", "paid", "price")


def rich_text(text: str) -> list[dict[str, Any]]:
    """Text as rich-text items of at most 2000 characters each."""
    chunks = [text[i : i + TEXT_CHUNK] for i in range(0, len(text), TEXT_CHUNK)][:MAX_CHUNKS]
    return [{"type": "text", "text": {"content": chunk}} for chunk in chunks]


def plain_text(items: list[dict[str, Any]] | None) -> str:
    return "".join(item.get("plain_text") or item.get("text", {}).get("content", "") for item in items or [])


def read_value(prop: dict[str, Any] | None) -> Any:
    """A page property as plain Python: text as str ('' when empty), select/status as its name, date as a dict."""
    if prop is None:
        return None
    kind = prop.get("type", "")
    value = prop.get(kind)
    if kind in ("title", "rich_text"):
        return plain_text(value)
    if kind in ("select", "status"):
        return value["name"] if value else ""
    if kind in ("email", "phone_number", "url"):
        return value or ""
    return value


def write_value(kind: str, value: Any) -> dict[str, Any]:
    """The write payload of one property of type ``kind`` (empty text → null where Notion refuses "")."""
    if kind in ("title", "rich_text"):
        return {kind: rich_text(value or "")}
    if kind in ("select", "status"):
        return {kind: {"name": value} if value else None}
    if kind in ("email", "phone_number", "url"):
        return {kind: value or None}
    return {kind: value}


def _parse_time(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _read_date(value: dict[str, Any] | None, column: str) -> tuple[datetime | None, datetime | None, str]:
    """(start, end, problem) of a Notion date value."""
    if not value or not value.get("start"):
        return None, None, f"{column} is empty. Fix: give the booking a start and end time."
    if len(value["start"]) == 10:
        return None, None, f"{column} has no time of day. Fix: switch on 'Include time' and set start and end."
    start = _parse_time(value["start"])
    if not value.get("end"):
        return start, None, f"{column} has no end time. Fix: switch on 'End date' and set when the session ends."
    end = _parse_time(value["end"])
    if end <= start:
        return start, end, f"{column} ends before it starts. Fix: correct the end time."
    return start, end, ""


def page_record(page: dict[str, Any], schema: Schema, questions: tuple[AnswerColumn, ...] = ()) -> SideRecord:
    """A Notion page as a booking record; ``problem`` says why it cannot be read as one.

    An unknown service is not a problem: its name is kept as text. A page
    with neither title nor email is fine too (a walk-in).
    """
    props = page.get("properties") or {}

    def text(field_name: str) -> str:
        column = schema.column(field_name)
        value = read_value(props.get(column)) if column else None
        return value.strip() if isinstance(value, str) else ""

    date_column = schema.column("date") or "Date"
    start, end, problem = _read_date(read_value(props.get(date_column)), date_column)
    status_name = text("status")
    answers, answer_problem = read_answers(props, questions, text("service"))
    problem = problem or answer_problem
    parent = page.get("parent") or {}
    edited = page.get("last_edited_time")
    return SideRecord(
        external_id=page["id"],
        booking_id=text("booking_id") or None,
        start=start,
        end=end,
        status=_STATUS_BY_NAME.get(status_name.casefold()) if status_name else None,
        name=text("name"),
        email=text("email"),
        phone=text("phone"),
        notes=text("notes"),
        service=text("service"),
        source=_SOURCE_BY_NAME.get(text("source").casefold(), ""),
        deleted=bool(page.get("in_trash", page.get("archived", False))),
        edited_at=_parse_time(edited) if edited else None,
        problem=problem,
        answers=answers,
        extra={
            "sync_error": text("sync_error"),
            "calendar_event_id": text("calendar_event_id"),
            "person": text("person") if schema.column("person") else None,
            "room": text("room") if schema.column("room") else None,
            **{field_name: read_value(props.get(schema.column(field_name) or "")) for field_name in MONEY_FIELDS
               if schema.column(field_name)},
            "status_name": status_name,
            "url": page.get("url", ""),
            "data_source_id": parent.get("data_source_id", ""),
        },
    )


def _minute(moment: datetime | None) -> float | None:
    return None if moment is None else moment.timestamp() // 60


def _same(field_name: str, current: SideRecord, desired: SideRecord) -> bool:
    if field_name == "date":
        return _minute(current.start) == _minute(desired.start) and _minute(current.end) == _minute(desired.end)
    if field_name in SHOWN_FIELDS:
        # Only ours to fill once there is a value (an event id; who and where in a studio of several):
        # an empty one never clears the column.
        ours = desired.extra.get(field_name, "")
        return not ours or ours == current.extra.get(field_name, "")
    if field_name in MONEY_FIELDS:
        return desired.extra.get(field_name) == current.extra.get(field_name)
    ours, theirs = getattr(desired, field_name) or "", getattr(current, field_name) or ""
    if field_name == "email":
        return ours.strip().casefold() == theirs.strip().casefold()
    return ours.strip() == theirs.strip() if isinstance(ours, str) else ours == theirs


ANSWER = "answer:"  # a question's answer as a written field: "answer:<key>" (the planner's name too)


def changed_fields(current: SideRecord | None, desired: SideRecord,
                   questions: tuple[AnswerColumn, ...] = ()) -> list[str]:
    """The fields a write must send: all of them for a new page, else only those that differ."""
    by_key = {q.key: q for q in questions}
    if current is None:
        return [f for f in WRITTEN_FIELDS if (f not in SHOWN_FIELDS and f not in MONEY_FIELDS)
                or desired.extra.get(f) not in (None, "")] + [
            ANSWER + key for key, value in desired.answers if key in by_key and value not in (None, "", ())]
    shown = dict(current.answers)
    answers = [ANSWER + key for key, value in desired.answers
               if key in by_key and key in shown and not same_answer(shown[key], value, by_key[key])]
    return [f for f in WRITTEN_FIELDS if not _same(f, current, desired)] + answers


def booking_properties(desired: SideRecord, fields: list[str], schema: Schema, zone: tzinfo,
                       questions: tuple[AnswerColumn, ...] = ()) -> dict[str, Any]:
    """The ``properties`` payload that writes ``fields`` of ``desired`` (columns the database lacks are skipped).

    Times go out with their offset in the studio's zone, so a person reading
    the raw value sees the studio's wall clock.
    """
    values: dict[str, Any] = {
        "name": desired.name,
        "email": desired.email,
        "phone": desired.phone,
        "service": desired.service,
        "notes": desired.notes,
        "status": STATUS_NAMES.get(desired.status or "", ""),
        "source": SOURCE_NAMES.get(desired.source, ""),
        "booking_id": desired.booking_id or "",
        "calendar_event_id": desired.extra.get("calendar_event_id", ""),
        "person": desired.extra.get("person", ""),
        "room": desired.extra.get("room", ""),
        **{field_name: desired.extra[field_name] for field_name in MONEY_FIELDS if field_name in desired.extra},
    }
    if desired.start and desired.end:
        values["date"] = {
            "start": desired.start.astimezone(zone).isoformat(timespec="seconds"),
            "end": desired.end.astimezone(zone).isoformat(timespec="seconds"),
        }
    out = {}
    by_key, answers = {q.key: q for q in questions}, dict(desired.answers)
    for field_name in fields:
        if field_name.startswith(ANSWER):
            question = by_key.get(field_name.removeprefix(ANSWER))
            kind = schema.property_types.get(question.column, "") if question else ""
            payload = write_answer(question, kind, answers.get(question.key)) if question and kind else None
            if question and payload is not None:
                out[question.column] = payload
            continue
        column, kind = schema.column(field_name), schema.type_of(field_name)
        if column is None or kind is None or field_name not in values:
            continue
        out[column] = write_value(kind, values[field_name])
    return out
