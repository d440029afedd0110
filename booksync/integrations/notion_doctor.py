"""`booksync doctor` checks for Notion: the token, the database's sharing, and its columns.

Each problem is one sentence with its fix; the checks stop at the first
failure that makes the later ones meaningless (a bad token hides everything).
"""

from __future__ import annotations

from django.conf import settings

from .notion_answers import schema_problems as answer_problems
from .notion_answers import with_renames
from .notion_http import call, make_client
from .notion_schema import PropertyNamesError, Schema, property_names, schema_problems
from .ports import IntegrationError, NotAuthorised, NotFound, PermanentError, answer_columns


def notion_problems(people: list[str] | None = None, rooms: list[str] | None = None) -> list[str]:
    """``people``/``rooms``: the studio's active people's and rooms' names (the Photographer and Room columns)."""
    if not settings.NOTION_API_KEY and not settings.NOTION_BOOKINGS_DATABASE_ID:
        return []  # Notion is off; nothing to check
    if not settings.NOTION_API_KEY:
        return ["NOTION_BOOKINGS_DATABASE_ID is set but NOTION_API_KEY is not. Fix: set it to the "
                "integration's secret (notion.so/my-integrations)."]
    if not settings.NOTION_BOOKINGS_DATABASE_ID:
        return ["NOTION_API_KEY is set but NOTION_BOOKINGS_DATABASE_ID is not. Fix: set it to the id in the "
                "database's URL, or create one with `booksync notion init --parent-page <page id>`."]
    try:
        names = property_names()
    except PropertyNamesError as exc:
        return [f"{exc}. Fix: correct NOTION_PROPERTY_NAMES."]
    client = make_client()
    try:
        call("checking the token", client.users.me, repeatable=False)
    except NotAuthorised:
        return ["Notion does not accept NOTION_API_KEY (401 unauthorized). Fix: copy the integration's "
                "Internal Integration Secret from notion.so/my-integrations into NOTION_API_KEY."]
    except PermanentError as exc:
        return [_sentence(exc)]
    except IntegrationError as exc:
        return [f"cannot reach Notion at {settings.NOTION_API_BASE_URL} ({_short(exc)}). "
                "Fix: check the network and NOTION_API_BASE_URL."]
    database_id = settings.NOTION_BOOKINGS_DATABASE_ID
    try:
        database = call("reading the bookings database", client.databases.retrieve,
                        database_id=database_id, repeatable=False)
        sources = database.get("data_sources") or []
        if not sources:
            return [f"the bookings database {database_id} has no data source. Fix: check NOTION_BOOKINGS_DATABASE_ID."]
        data_source = call("reading the bookings database's columns", client.data_sources.retrieve,
                           data_source_id=sources[0]["id"], repeatable=False)
    except NotFound:
        return [f"the bookings database {database_id} is not shared with the integration (or does not exist). "
                "Fix: share the database with the integration (open it in Notion → ••• → Connections → add "
                "the integration) and check NOTION_BOOKINGS_DATABASE_ID."]
    except IntegrationError as exc:
        return [_sentence(exc)]
    problems = schema_problems(Schema.from_data_source(data_source, names), names, people=people, rooms=rooms)
    # One typed column per booking question (ADR 0019): missing or of a type its answers cannot use.
    return problems + answer_problems(data_source.get("properties") or {}, with_renames(answer_columns()))


def _short(exc: Exception) -> str:
    return str(exc).split(" while ")[0][:200]


def _sentence(exc: Exception) -> str:
    return str(exc)[:400]
