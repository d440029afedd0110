"""`booksync notion init`: create a bookings database with booksync's schema under a page."""

from __future__ import annotations

from .notion_http import call, make_client
from .notion_schema import database_properties, property_names


def create_bookings_database(parent_page_id: str, services: list[str], title: str = "Bookings", *,
                             people: list[str] | None = None, rooms: list[str] | None = None) -> tuple[str, str]:
    """Create the database under ``parent_page_id`` (shared with the integration) → (database id, data source id).

    Column names follow ``NOTION_PROPERTY_NAMES``; ``services`` become the Service column's options.
    """
    properties = database_properties(property_names(), [s for s in services if "," not in s],
                                     [p for p in people or [] if "," not in p], [r for r in rooms or [] if "," not in r])
    database = call(
        "creating the bookings database", make_client().databases.create, repeatable=False,
        parent={"type": "page_id", "page_id": parent_page_id},
        title=[{"type": "text", "text": {"content": title}}],
        initial_data_source={"properties": properties},
    )
    return database["id"], database["data_sources"][0]["id"]
