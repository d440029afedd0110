"""Fixtures for the integration tests (each provider keeps its own in a module imported here)."""

from .caldav_fixtures import (  # noqa: F401
    caldav_settings,
    dav_calendar,
    own_caldav_settings,
    own_calendar,
    own_radicale,
    radicale,
)
from .google_fixtures import gcal, google_settings  # noqa: F401
from .notion_fixtures import emu, notion_db, notion_settings  # noqa: F401
