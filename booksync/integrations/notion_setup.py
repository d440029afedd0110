"""`booksync notion init`: create a bookings database with booksync's schema under a page."""

from __future__ import annotations

from typing import Any

from .notion_answers import missing_properties, property_config, with_renames
from .notion_http import call, make_client
from .notion_schema import database_properties, property_names
from .ports import answer_columns


def create_bookings_database(parent_page_id: str, services: list[str], title: str = "Bookings", *,
                             people: list[str] | None = None, rooms: list[str] | None = None) -> tuple[str, str]:
    """Create the database under ``parent_page_id`` (shared with the integration) → (database id, data source id).

    Column names follow ``NOTION_PROPERTY_NAMES``; ``services`` become the Service column's options.
    """
    properties = database_properties(property_names(), [s for s in services if "," not in s],
                                     [p for p in people or [] if "," not in p], [r for r in rooms or [] if "," not in r])
    # One typed column per booking question (ADR 0019).
    properties.update({c.column: property_config(c) for c in with_renames(answer_columns())
                       if c.column not in properties})
    database = call(
        "creating the bookings database", make_client().databases.create, repeatable=False,
        parent={"type": "page_id", "page_id": parent_page_id},
        title=[{"type": "text", "text": {"content": title}}],
        initial_data_source={"properties": properties},
    )
    return database["id"], database["data_sources"][0]["id"]


def add_missing_columns(database_id: str, services: list[str]) -> list[str]:
    """Give an existing bookings database the columns it lacks (booksync's and the questions'),
    each of the type ``init`` would create → the names added (none: it had them all)."""
    client = make_client()
    database = call("reading the bookings database", client.databases.retrieve, database_id=database_id)
    sources = database.get("data_sources") or []
    if not sources:
        raise ValueError(f"the bookings database {database_id} has no data source")
    data_source_id = sources[0]["id"]
    data_source = call("reading the bookings database's columns", client.data_sources.retrieve,
                       data_source_id=data_source_id)
    existing: dict[str, Any] = data_source.get("properties") or {}
    wanted = database_properties(property_names(), [s for s in services if "," not in s])
    missing = {name: spec for name, spec in wanted.items() if name not in existing and "title" not in spec}
    missing.update({k: v for k, v in missing_properties(existing, with_renames(answer_columns())).items()
                    if k not in missing})
    if missing:
        call("adding columns to the bookings database", client.data_sources.update,
             data_source_id=data_source_id, properties=missing)
    return list(missing)
