"""Reading the environment: every setting a deployment can change comes through here.

Kept apart from settings.py so the CLI's `doctor` can describe the same
variables without importing Django.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    raw = env(name)
    if not raw:
        return default
    return raw.lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    raw = env(name)
    return int(raw) if raw else default


@dataclass(frozen=True)
class Variable:
    name: str
    default: str
    purpose: str


# The table the README and `booksync doctor` show. Adding a variable here is
# how a new integration announces itself.
VARIABLES: tuple[Variable, ...] = (
    Variable("PORT", "8000", "Port `booksync serve` listens on (127.0.0.1)."),
    Variable("SITE_URL", "http://127.0.0.1:$PORT", "Public base URL for links in emails, manage URLs and webhook addresses."),
    Variable("DATABASE_URL", "sqlite:///var/booksync.sqlite3", "Database; postgresql://… for scale-out."),
    Variable("DATA_DIR", "var/", "Where SQLite, the mail outbox and artifacts live."),
    Variable("SECRET_KEY", "(generated into var/secret_key)", "Django secret key."),
    Variable("DEBUG", "false", "Django debug mode."),
    Variable("ALLOWED_HOSTS", "host of SITE_URL, localhost, 127.0.0.1", "Comma-separated host names served."),
    Variable("ADMIN_API_TOKEN", "(unset: admin API disabled)", "Bearer token for POST /api/admin/sync."),
    Variable("WEB_WORKERS", "2", "gunicorn worker processes started by `booksync serve`."),
    Variable("WORKER_PROCESSES", "2", "django-q2 worker processes started by `booksync worker`."),
    Variable("OUTBOX_MAX_ATTEMPTS", "12", "Delivery attempts (with exponential backoff) before an effect needs a human."),
    Variable("OUTBOX_WAKE_WORKER", "true", "Wake the worker on commit (the one-minute sweep delivers anyway)."),
    Variable("LOG_LEVEL", "INFO", "Logging level."),
    Variable("INVITES_VIA", "email", "`email` (our email carries the .ics) or `calendar` (the calendar invites the attendee)."),
    Variable("SYNC_INTERVAL_MINUTES", "5", "Period of the incremental sync schedule."),
    Variable("DAILY_SYNC_TIME", "06:00", "Studio-local time of the daily full reconcile."),
    Variable("CALENDAR_IMPORT", "booking", "Hand-made calendar events appear in Notion as a `booking` or as `block`ed time."),
    Variable("NOTION_API_KEY", "", "Notion integration token; enables Notion."),
    Variable("NOTION_BOOKINGS_DATABASE_ID", "", "The bookings database (id from its URL)."),
    Variable("NOTION_WEBHOOK_SECRET", "", "Bearer secret for Notion automation webhooks."),
    Variable("NOTION_API_BASE_URL", "https://api.notion.com", "Notion API host."),
    Variable("NOTION_PROPERTY_NAMES", "(default column names)", 'JSON object mapping booksync fields to your column names, e.g. {"name": "Client"}.'),
    Variable("NOTION_HTTP_TIMEOUT", "20", "Seconds before a Notion request counts as hung."),
    Variable("NOTION_REQUESTS_PER_SECOND", "2.85", "Notion request budget shared by all processes (Notion allows 3/s on average)."),
    Variable("NOTION_MAX_WAIT_SECONDS", "30", "Longest a call waits for Notion's rate limit before the outbox retries later."),
    Variable("NOTION_RATE_FILE", "var/notion-rate.json", "State file of the shared Notion rate budget."),
    Variable("GOOGLE_CLIENT_ID", "", "OAuth client id; with the next two enables Google Calendar."),
    Variable("GOOGLE_CLIENT_SECRET", "", "OAuth client secret."),
    Variable("GOOGLE_REFRESH_TOKEN", "", "OAuth refresh token (`booksync google auth` prints one)."),
    Variable("GOOGLE_CALENDAR_ID", "primary", "Calendar that holds the studio's time."),
    Variable("GOOGLE_SERVICE_ACCOUNT_FILE", "", "Service-account JSON key instead of OAuth."),
    Variable("GOOGLE_IMPERSONATE_USER", "", "User the service account acts for (domain-wide delegation)."),
    Variable("GOOGLE_API_BASE_URL", "https://www.googleapis.com/calendar/v3/", "Calendar API endpoint."),
    Variable("GOOGLE_HTTP_TIMEOUT", "15", "Seconds before a Google API request is abandoned (and retried later)."),
    Variable("GOOGLE_TOKEN_URI", "https://oauth2.googleapis.com/token", "OAuth token endpoint."),
    Variable("CALDAV_URL", "", "CalDAV server URL; enables CalDAV instead of Google."),
    Variable("CALDAV_USERNAME", "", "CalDAV user."),
    Variable("CALDAV_PASSWORD", "", "CalDAV password."),
    Variable("CALDAV_CALENDAR", "", "CalDAV calendar name or URL."),
    Variable("SENDGRID_API_KEY", "", "Enables SendGrid delivery through django-anymail."),
    Variable("SENDGRID_FROM_EMAIL", "", "Sender address for SendGrid."),
    Variable("SENDGRID_API_BASE_URL", "https://api.sendgrid.com/v3/", "SendGrid API endpoint."),
    Variable("EMAIL_BACKEND", "booksync.integrations.mail.OutboxFolderBackend", "Any Django email backend (SMTP, anymail…)."),
    Variable("EMAIL_HOST", "", "SMTP host; switches to Django's SMTP backend."),
    Variable("EMAIL_PORT", "587", "SMTP port."),
    Variable("EMAIL_HOST_USER", "", "SMTP user."),
    Variable("EMAIL_HOST_PASSWORD", "", "SMTP password."),
    Variable("EMAIL_USE_TLS", "true", "SMTP STARTTLS."),
    Variable("DEFAULT_FROM_EMAIL", "bookings@localhost", "Sender when SendGrid is not used."),
    Variable("ANYMAIL_WEBHOOK_SECRET", "", "`user:password` the SendGrid event webhook must send (basic auth in its URL)."),
    Variable("SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY", "", "SendGrid signed event webhook public key; enables signature checks."),
    Variable("LOG_FORMAT", "text", "`text` (readable lines) or `json` (one object per line: use in production)."),
    Variable("REMINDER_HOURS_BEFORE", "24", "Hours before a session that the reminder email goes out; 0 disables reminders."),
)
