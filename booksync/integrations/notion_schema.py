"""Which Notion column holds which booking field, and which column types we can use.

Studios already have their own databases, so every column name can be
overridden with ``NOTION_PROPERTY_NAMES`` (a JSON object: our field → their
column name). Each field accepts a few Notion types: an email kept in a text
column is still an email. This module only knows names and types; turning
values into property payloads and back lives in ``notion_pages``.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

# Our field → the default column name (the seed's "Notion DB — Source of Truth").
DEFAULT_NAMES: dict[str, str] = {
    "name": "Name",
    "email": "Email",
    "phone": "Phone",
    "service": "Service",
    "date": "Date",
    "status": "Status",
    "notes": "Notes",
    "source": "Source",
    "booking_id": "Booking ID",
    "calendar_event_id": "Calendar Event ID",
    "sync_error": "Sync Error",
    "person": "Photographer",
    "room": "Room",
    "payment": "Payment",
    "paid": "Paid",
    "price": "Price",
}
# Columns a one-person studio need not have (ADR 0017): the doctor asks for them once there are several people.
TEAM_FIELDS = ("person", "room")
# Columns a database made before payments may lack: missing, they are skipped, and the doctor asks
# for them only once Stripe is configured (ADR 0018).
PAYMENT_FIELDS = ("payment", "paid", "price")
# The Payment select's options (bookings.money.STATE_LABELS).
PAYMENT_NAMES = ("Not required", "Awaiting payment", "Deposit paid", "Paid", "Partly refunded", "Refunded")

# Column types each field can live in; the first is what `booksync notion init` creates.
USABLE_TYPES: dict[str, tuple[str, ...]] = {
    "name": ("title",),
    "email": ("email", "rich_text"),
    "phone": ("phone_number", "rich_text"),
    "service": ("select", "rich_text"),
    "date": ("date",),
    "status": ("select", "status"),
    "notes": ("rich_text",),
    "source": ("select", "rich_text"),
    "booking_id": ("rich_text",),
    "calendar_event_id": ("rich_text", "url"),
    "sync_error": ("rich_text",),
    "person": ("select", "rich_text"),
    "room": ("select", "rich_text"),
    "payment": ("select", "rich_text"),
    "paid": ("number",),
    "price": ("number",),
}

# BookingStatus value ↔ the option name shown in Notion.
STATUS_NAMES: dict[str, str] = {
    "pending": "Pending",
    "confirmed": "Confirmed",
    "cancelled": "Cancelled",
    "completed": "Completed",
    "no_show": "No-show",
}
SOURCE_NAMES: dict[str, str] = {"website": "Website", "notion": "Notion", "calendar": "Calendar", "admin": "Admin"}


class PropertyNamesError(ValueError):
    """NOTION_PROPERTY_NAMES cannot be used (the message says why)."""


def property_names(raw: Any = None) -> dict[str, str]:
    """Our field → the studio's column name: the defaults, overridden by ``NOTION_PROPERTY_NAMES``.

    The setting may be the JSON text from the environment or (in tests) a dict.
    """
    raw = settings.NOTION_PROPERTY_NAMES if raw is None else raw
    if isinstance(raw, str):
        try:
            raw = json.loads(raw) if raw.strip() else {}
        except ValueError as exc:
            raise PropertyNamesError(f"NOTION_PROPERTY_NAMES is not valid JSON ({exc})") from None
    if not isinstance(raw, dict):
        raise PropertyNamesError("NOTION_PROPERTY_NAMES must be a JSON object like {\"name\": \"Client\"}")
    # "question:<key>" entries name a question's column (notion_answers.with_renames).
    raw = {k: v for k, v in raw.items() if not str(k).startswith("question:")}
    unknown = sorted(set(raw) - set(DEFAULT_NAMES))
    if unknown:
        raise PropertyNamesError(
            f"NOTION_PROPERTY_NAMES names unknown field(s) {', '.join(unknown)}; "
            f"known fields: {', '.join(DEFAULT_NAMES)}"
        )
    names = {**DEFAULT_NAMES, **{k: str(v) for k, v in raw.items()}}
    if len(set(names.values())) != len(names):
        raise PropertyNamesError("NOTION_PROPERTY_NAMES maps two fields to the same column")
    return names


@dataclass(frozen=True)
class Schema:
    """One data source's columns as far as booksync cares: field → (column name, Notion type).

    Fields whose column is missing are left out: writes skip them and the
    doctor reports them.
    """

    data_source_id: str
    columns: dict[str, tuple[str, str]]
    status_options: tuple[str, ...] = ()
    # Every column's type by name (the question columns are looked up here: notion_answers).
    property_types: dict[str, str] = field(default_factory=dict)
    options: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)  # select columns' option names

    @classmethod
    def from_data_source(cls, data_source: dict[str, Any], names: dict[str, str]) -> Schema:
        props = data_source.get("properties") or {}
        columns = {}
        for field_name, column in names.items():
            prop = props.get(column)
            if prop is not None:
                columns[field_name] = (column, prop["type"])
        status = props.get(names["status"]) or {}
        options = tuple(o["name"] for o in (status.get(status.get("type", ""), None) or {}).get("options", []))
        selects = {field_name: tuple(o["name"] for o in (props[column].get("select") or {}).get("options", []))
                   for field_name, (column, kind) in columns.items() if kind == "select"}
        return cls(data_source["id"], columns, options,
                   {name: prop.get("type", "") for name, prop in props.items()}, selects)

    def column(self, field_name: str) -> str | None:
        found = self.columns.get(field_name)
        return found[0] if found else None

    def type_of(self, field_name: str) -> str | None:
        found = self.columns.get(field_name)
        return found[1] if found else None


def schema_problems(schema: Schema, names: dict[str, str], *, people: list[str] | None = None,
                    rooms: list[str] | None = None) -> list[str]:
    """One sentence per mapped column that is missing or has a type booksync cannot use.

    ``people`` and ``rooms``: the studio's names when it has several people (ADR 0017); then the
    Photographer and Room columns are needed, and an option that names nobody is reported."""
    problems = []
    team = {"person": people or [], "room": rooms or []}
    for field_name, column in names.items():
        usable = USABLE_TYPES[field_name]
        kind = schema.type_of(field_name)
        if kind is None and field_name in TEAM_FIELDS and not (people and len(people) > 1 and team[field_name]):
            continue  # a one-person studio (or one without rooms) needs no such column
        if field_name in TEAM_FIELDS and kind == "select":
            unknown = [o for o in schema.options.get(field_name, ()) if o not in team[field_name]]
            if unknown and people and len(people) > 1:
                problems.append(f"property {column!r} has the option(s) {', '.join(map(repr, unknown))}, which match "
                                f"no {'person' if field_name == 'person' else 'room'} of the studio "
                                f"({', '.join(team[field_name]) or 'none'}). Fix: rename or remove them in Notion.")
        if kind is None and field_name in PAYMENT_FIELDS and not settings.STRIPE_SECRET_KEY:
            continue
        if kind is None:
            problems.append(
                f"the bookings database has no property {column!r} ({field_name}). Fix: add a "
                f"{usable[0]} property named {column!r}, or map another column with "
                f"NOTION_PROPERTY_NAMES='{{\"{field_name}\": \"<column>\"}}'."
            )
        elif kind not in usable:
            problems.append(
                f"property {column!r} is of type {kind}, but {field_name} needs "
                f"{' or '.join(usable)}. Fix: change its type in Notion or map another column."
            )
    if schema.type_of("status") == "status":
        missing = [n for n in STATUS_NAMES.values() if n not in schema.status_options]
        if missing:
            problems.append(
                f"the status property {names['status']!r} lacks the option(s) {', '.join(missing)} "
                "(the API cannot add status options). Fix: add them in Notion."
            )
    return problems


def database_properties(names: dict[str, str], services: list[str], people: list[str] | None = None,
                        rooms: list[str] | None = None) -> dict[str, Any]:
    """The schema `booksync notion init` creates (Status as a select: the API cannot set up status options);
    Photographer and Room selects with the studio's people and rooms as options (ADR 0017)."""

    def options(values: Any) -> dict[str, Any]:
        return {"options": [{"name": v} for v in values]}

    config: dict[str, dict[str, Any]] = {
        "service": options(services),
        "status": options(STATUS_NAMES.values()),
        "source": options(SOURCE_NAMES.values()),
        "person": options(people or []),
        "room": options(rooms or []),
        "payment": options(PAYMENT_NAMES),
        "paid": {"format": "number"},
        "price": {"format": "number"},
    }
    return {names[f]: {types[0]: config.get(f, {})} for f, types in USABLE_TYPES.items()}
