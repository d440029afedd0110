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
    Variable("OUTBOX_HEARTBEAT_SECONDS", "10", "How often a worker refreshes its claim on a message it is delivering."),
    Variable("OUTBOX_STUCK_AFTER_SECONDS", "30", "A claim not refreshed for this long belongs to a dead worker and is handed back."),
    Variable("LOG_LEVEL", "INFO", "Logging level."),
    Variable("INVITES_VIA", "email", "`email` (our email carries the .ics) or `calendar` (the calendar invites the attendee)."),
    Variable("SYNC_INTERVAL_MINUTES", "5", "Period of the incremental sync schedule."),
    Variable("DAILY_SYNC_TIME", "06:00", "Studio-local time of the daily full reconcile."),
    Variable("CALENDAR_IMPORT", "booking", "Hand-made calendar events appear in Notion as a `booking` or as `block`ed time."),
    Variable("CALENDAR_OUTAGE_POLICY", "accept", "When the calendar cannot be read: `accept` bookings against its last known busy time (clashes are flagged to the studio later) or `refuse` them with a 503 (ADR 0012)."),
    Variable("NOTION_API_KEY", "", "Notion integration token; enables Notion."),
    Variable("NOTION_BOOKINGS_DATABASE_ID", "", "The bookings database (id from its URL)."),
    Variable("NOTION_WEBHOOK_SECRET", "", "Bearer secret for Notion automation webhooks."),
    Variable("NOTION_API_BASE_URL", "https://api.notion.com", "Notion API host."),
    Variable("NOTION_PROPERTY_NAMES", "(default column names)", 'JSON object mapping booksync fields to your column names, e.g. {"name": "Client"}.'),
    Variable("NOTION_HTTP_TIMEOUT", "20", "Seconds before a Notion request counts as hung."),
    Variable("NOTION_REQUESTS_PER_SECOND", "2.85", "Notion request budget shared by all processes (Notion allows 3/s on average)."),
    Variable("NOTION_MAX_WAIT_SECONDS", "30", "Longest a call waits for Notion's rate limit before the outbox retries later."),
    Variable("NOTION_RATE_FILE", "var/notion-rate.json", "State file of the shared Notion rate budget on SQLite (on PostgreSQL the budget is a `sync_syncstate` row, shared across machines)."),
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
    Variable("STUDIO_NOTIFY_EMAIL", "(the studio's contact email)", "Where the studio's emails about new, moved and cancelled bookings go."),
    Variable("STUDIO_NOTIFY", "true", "`false` switches the studio's booking emails off (the studio can also turn them off in its settings)."),
    Variable("BOOKSYNC_ADMIN_USERNAME", "", "`booksync createadmin`: the login to create (else it asks)."),
    Variable("BOOKSYNC_ADMIN_EMAIL", "", "`booksync createadmin`: the login's email address."),
    Variable("BOOKSYNC_ADMIN_PASSWORD", "", "`booksync createadmin`: the password (else it asks)."),
    Variable("EMBED_ALLOWED_ORIGINS", "(none: no framing)", "Comma-separated origins (https://studio.example) whose pages may frame the booking and manage pages (`/embed.js`)."),
    Variable("REMINDER_HOURS_BEFORE", "24", "Hours before a session that the reminder email goes out; 0 disables reminders."),
    Variable("TRUSTED_PROXIES", "(none: X-Forwarded-For ignored)", "Comma-separated addresses or networks of your reverse proxies; the client address is read from X-Forwarded-For through them (rate limits, logs, admin lockout)."),
    Variable("BOOKING_RATE_PER_CLIENT", "6/h", "Booking attempts one client address may make (API and forms together), as count/period (s, m, h, d)."),
    Variable("BOOKING_RATE_PER_EMAIL", "3/h", "Booking attempts for one email address, as count/period."),
    Variable("BOOKING_ACTIVE_PER_EMAIL", "5", "Active future bookings one email address may hold."),
    Variable("EMAILS_PER_RECIPIENT_PER_HOUR", "5", "Emails sent to one address in any hour; more are held back (shown on the sync dashboard) and go out later."),
    Variable("PAGE_POST_RATE", "10/m", "Form POSTs (book, reschedule, cancel) per client address."),
    Variable("WEBHOOK_FAILURE_RATE", "20/h", "Refused webhook calls one client address may make before it gets 429."),
    Variable("WEBHOOK_RETENTION_DAYS", "14", "Days received webhook records are kept (for de-duplication and the dashboard)."),
    Variable("NOTION_VERIFICATION_WINDOW_MINUTES", "15", "How long a Notion handshake is accepted after an admin opens the window."),
    Variable("HSTS_SECONDS", "31536000 with an https SITE_URL, else 0", "Strict-Transport-Security max-age; 0 turns HSTS off."),
    Variable("HSTS_INCLUDE_SUBDOMAINS", "false", "Add includeSubDomains to HSTS (only if every subdomain is HTTPS)."),
    Variable("HSTS_PRELOAD", "false", "Add preload to HSTS (only when submitting the domain to browsers' preload lists)."),
    Variable("SECURE_SSL_REDIRECT", "true with an https SITE_URL and TRUSTED_PROXIES", "Redirect plain-HTTP requests to HTTPS."),
    Variable("AXES_FAILURE_LIMIT", "5", "Failed admin logins from one address before it is locked out."),
    Variable("AXES_COOLOFF_MINUTES", "15", "Minutes an admin login lockout lasts."),
    Variable("CALENDAR_FEED_DETAILS", "busy", "`busy` (the .ics feed says only \"Booked\") or `names` (service and customer name)."),
)
