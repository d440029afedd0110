"""Google credentials from settings, and the one-time consent flow behind `booksync google auth`.

Kept apart from the calendar adapter so the adapter only ever sees a
credentials object. Credentials are shared per process: every adapter built
for a request reuses the same access token until it expires, instead of asking
the token endpoint again (one token call per process and hour, not per booking).
"""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from google.oauth2 import service_account
from google.oauth2.credentials import Credentials
from google_auth_oauthlib.flow import InstalledAppFlow

from .ports import NotConfigured

SCOPES = ["https://www.googleapis.com/auth/calendar"]

_lock = threading.Lock()
_cached: dict[tuple, Any] = {}


def _settings_key() -> tuple:
    return (
        settings.GOOGLE_CLIENT_ID, settings.GOOGLE_CLIENT_SECRET, settings.GOOGLE_REFRESH_TOKEN,
        settings.GOOGLE_TOKEN_URI, settings.GOOGLE_SERVICE_ACCOUNT_FILE, settings.GOOGLE_IMPERSONATE_USER,
    )


def _build_credentials() -> Any:
    if settings.GOOGLE_REFRESH_TOKEN:
        missing = [name for name in ("GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET") if not getattr(settings, name)]
        if missing:
            raise NotConfigured(f"GOOGLE_REFRESH_TOKEN is set but {' and '.join(missing)} is not.")

        # Built directly: from_authorized_user_info would ignore a custom token_uri.
        return Credentials(
            token=None,
            refresh_token=settings.GOOGLE_REFRESH_TOKEN,
            client_id=settings.GOOGLE_CLIENT_ID,
            client_secret=settings.GOOGLE_CLIENT_SECRET,
            token_uri=settings.GOOGLE_TOKEN_URI,
            scopes=SCOPES,
        )
    if settings.GOOGLE_SERVICE_ACCOUNT_FILE:
        try:
            creds = service_account.Credentials.from_service_account_file(
                settings.GOOGLE_SERVICE_ACCOUNT_FILE, scopes=SCOPES
            )
        except (OSError, ValueError) as exc:
            raise NotConfigured(f"cannot read GOOGLE_SERVICE_ACCOUNT_FILE: {exc}") from exc
        # Inviting attendees needs domain-wide delegation, i.e. acting as a user.
        return creds.with_subject(settings.GOOGLE_IMPERSONATE_USER) if settings.GOOGLE_IMPERSONATE_USER else creds
    raise NotConfigured("Google Calendar is not configured: set GOOGLE_REFRESH_TOKEN (with "
                        "GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET) or GOOGLE_SERVICE_ACCOUNT_FILE.")


def credentials() -> Any:
    """The process-wide credentials for the configured account (refreshed lazily by the HTTP layer)."""
    key = _settings_key()
    with _lock:
        if key not in _cached:
            _cached.clear()  # settings changed (tests): forget the old account
            _cached[key] = _build_credentials()
        return _cached[key]


def run_consent_flow(*, open_browser: bool = True, port: int = 0) -> dict[str, str]:
    """Ask a person to grant calendar access; return the env lines' values.

    The flow catches Google's redirect on a loopback port (the out-of-band
    copy-paste flow is retired by Google). Without a browser on this machine,
    pass ``open_browser=False`` and a fixed ``port``, forward that port over
    SSH and open the printed URL elsewhere.
    """
    if not (settings.GOOGLE_CLIENT_ID and settings.GOOGLE_CLIENT_SECRET):
        raise NotConfigured(
            "set GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET first (an OAuth client of type "
            "'Desktop app' from the Google Cloud console), then run `booksync google auth` again."
        )

    client_config = {
        "installed": {
            "client_id": settings.GOOGLE_CLIENT_ID,
            "client_secret": settings.GOOGLE_CLIENT_SECRET,
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": settings.GOOGLE_TOKEN_URI,
            "redirect_uris": ["http://localhost"],
        }
    }
    flow = InstalledAppFlow.from_client_config(client_config, SCOPES)
    # access_type=offline + prompt=consent: Google returns a refresh token every time.
    creds = flow.run_local_server(port=port, open_browser=open_browser, access_type="offline", prompt="consent")
    if not creds.refresh_token:
        raise NotConfigured("Google returned no refresh token; revoke booksync's access and try again.")
    return {
        "GOOGLE_CLIENT_ID": settings.GOOGLE_CLIENT_ID,
        "GOOGLE_CLIENT_SECRET": settings.GOOGLE_CLIENT_SECRET,
        "GOOGLE_REFRESH_TOKEN": creds.refresh_token,
        "GOOGLE_CALENDAR_ID": settings.GOOGLE_CALENDAR_ID,
    }
