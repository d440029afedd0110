"""Fixtures for the integration tests (each provider keeps its own in a module imported here)."""

from .google_fixtures import gcal, google_settings  # noqa: F401
