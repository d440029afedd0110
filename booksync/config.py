"""Every setting a deployment can change, declared once: name, default, parser, purpose.

``VARIABLES`` is the one list. ``settings.py`` reads each through ``read(name)``, the README's
table is generated from it (``scripts/update_readme_vars.py``), and the CLI and ``createadmin``
use the same reader. Kept apart from settings.py so the CLI can read variables without
importing Django. A default that depends on another variable (``SITE_URL`` on ``PORT``, paths on
``DATA_DIR``) is computed in settings.py; ``shown`` is how the table words it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def parse_bool(raw: str) -> bool:
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def parse_list(raw: str) -> list[str]:
    """Comma-separated, blanks dropped."""
    return [item.strip() for item in raw.split(",") if item.strip()]


@dataclass(frozen=True)
class Variable:
    name: str
    default: str  # as the environment would give it; "" = unset
    purpose: str
    parse: Callable[[str], Any] = str
    shown: str = ""  # the table's wording of a default computed from other variables

    @property
    def documented_default(self) -> str:
        return self.shown or self.default


def _var(name: str, default: str, purpose: str, shown: str = "") -> Variable:
    return Variable(name, default, purpose, str, shown)


def _int(name: str, default: str, purpose: str, shown: str = "") -> Variable:
    return Variable(name, default, purpose, int, shown)


def _float(name: str, default: str, purpose: str) -> Variable:
    return Variable(name, default, purpose, float)


def _bool(name: str, default: str, purpose: str, shown: str = "") -> Variable:
    return Variable(name, default, purpose, parse_bool, shown)


def _list(name: str, purpose: str, shown: str) -> Variable:
    return Variable(name, "", purpose, parse_list, shown)


# The table the README and `booksync doctor` show. Adding a variable here is
# how a new integration announces itself.
VARIABLES: tuple[Variable, ...] = (
    _int("PORT", "8000", "Port `booksync serve` listens on (127.0.0.1); the running server leaves its address in $DATA_DIR/server.json, where `createadmin` and `doctor` read it."),
    _var("SITE_URL", "", "Public base URL for links in emails, manage URLs and webhook addresses.", shown="http://127.0.0.1:$PORT"),
    _var("DATABASE_URL", "", "Database; postgresql://… for scale-out.", shown="sqlite:///$DATA_DIR/booksync.sqlite3"),
    _var("DATA_DIR", "", "Where SQLite, the mail outbox and artifacts live.", shown="var/ (in the checkout)"),
    _var("SECRET_KEY", "", "Django secret key.", shown="(generated into $DATA_DIR/secret_key)"),
    _bool("DEBUG", "false", "Django debug mode."),
    _list("ALLOWED_HOSTS", "Comma-separated host names served.", "host of SITE_URL, localhost, 127.0.0.1, testserver (Django's test client)"),
    _var("ADMIN_API_TOKEN", "", "Bearer token for POST /api/admin/sync.", shown="(unset: admin API disabled)"),
    _int("WEB_WORKERS", "2", "gunicorn worker processes started by `booksync serve`."),
    _int("WORKER_PROCESSES", "2", "django-q2 worker processes started by `booksync worker`."),
    _int("OUTBOX_MAX_ATTEMPTS", "12", "Delivery attempts (with exponential backoff) before an effect needs a human."),
    _bool("OUTBOX_WAKE_WORKER", "true", "Wake the worker on commit (the one-minute sweep delivers anyway)."),
    _float("OUTBOX_HEARTBEAT_SECONDS", "10", "How often a worker refreshes its claim on a message it is delivering."),
    _float("OUTBOX_STUCK_AFTER_SECONDS", "30", "A claim not refreshed for this long belongs to a dead worker and is handed back."),
    _float("OUTBOX_TEST_PAUSE_AFTER_HANDLER_SECONDS", "0", "Tests only (0 = off): a worker stops, heartbeat included, this long between an effect and marking it done, on a message's first attempt."),
    _var("LOG_LEVEL", "INFO", "Logging level."),
    _var("INVITES_VIA", "email", "`email` (our email carries the .ics) or `calendar` (the calendar invites the attendee)."),
    _int("SYNC_INTERVAL_MINUTES", "5", "Period of the incremental sync schedule."),
    _var("DAILY_SYNC_TIME", "06:00", "Studio-local time of the daily full reconcile."),
    _var("CALENDAR_IMPORT", "booking", "Hand-made calendar events appear in Notion as a `booking` or as `block`ed time."),
    _var("CALENDAR_OUTAGE_POLICY", "accept", "When the calendar cannot be read: `accept` bookings against its last known busy time (clashes are flagged to the studio later) or `refuse` them with a 503 (ADR 0012)."),
    _var("NOTION_API_KEY", "", "Notion integration token; enables Notion."),
    _var("NOTION_BOOKINGS_DATABASE_ID", "", "The bookings database (id from its URL)."),
    _var("NOTION_WEBHOOK_SECRET", "", "Bearer secret for Notion automation webhooks."),
    _var("NOTION_API_BASE_URL", "https://api.notion.com", "Notion API host."),
    _var("NOTION_PROPERTY_NAMES", "", 'JSON object mapping booksync fields to your column names, e.g. {"name": "Client"}.', shown="(default column names)"),
    _float("NOTION_HTTP_TIMEOUT", "20", "Seconds before a Notion request counts as hung."),
    _float("NOTION_REQUESTS_PER_SECOND", "2.85", "Notion request budget shared by all processes (Notion allows 3/s on average)."),
    _float("NOTION_MAX_WAIT_SECONDS", "30", "Longest a call waits for Notion's rate limit before the outbox retries later."),
    _var("NOTION_RATE_FILE", "", "State file of the shared Notion rate budget on SQLite (on PostgreSQL the budget is a `sync_syncstate` row, shared across machines).", shown="$DATA_DIR/notion-rate.json"),
    _var("GOOGLE_CLIENT_ID", "", "OAuth client id; with the next two enables Google Calendar."),
    _var("GOOGLE_CLIENT_SECRET", "", "OAuth client secret."),
    _var("GOOGLE_REFRESH_TOKEN", "", "OAuth refresh token (`booksync google auth` prints one)."),
    _var("GOOGLE_CALENDAR_ID", "primary", "Calendar that holds the studio's time."),
    _var("GOOGLE_SERVICE_ACCOUNT_FILE", "", "Service-account JSON key instead of OAuth."),
    _var("GOOGLE_IMPERSONATE_USER", "", "User the service account acts for (domain-wide delegation)."),
    _var("GOOGLE_API_BASE_URL", "https://www.googleapis.com/calendar/v3/", "Calendar API endpoint."),
    _float("GOOGLE_HTTP_TIMEOUT", "15", "Seconds before a Google API request is abandoned (and retried later)."),
    _var("GOOGLE_TOKEN_URI", "https://oauth2.googleapis.com/token", "OAuth token endpoint."),
    _var("CALDAV_URL", "", "CalDAV server URL; enables CalDAV instead of Google."),
    _var("CALDAV_USERNAME", "", "CalDAV user."),
    _var("CALDAV_PASSWORD", "", "CalDAV password."),
    _var("CALDAV_CALENDAR", "", "CalDAV calendar name or URL."),
    _var("SENDGRID_API_KEY", "", "Enables SendGrid delivery through django-anymail."),
    _var("SENDGRID_FROM_EMAIL", "", "Sender address for SendGrid."),
    _var("SENDGRID_API_BASE_URL", "https://api.sendgrid.com/v3/", "SendGrid API endpoint."),
    _var("EMAIL_BACKEND", "", "Any Django email backend. Which one is used: SendGrid's when SENDGRID_API_KEY is set, else this variable, else Django's SMTP backend when EMAIL_HOST is set, else the mail folder.", shown="booksync.integrations.mail.OutboxFolderBackend (the mail folder)"),
    _var("EMAIL_HOST", "localhost", "SMTP host; setting it switches to Django's SMTP backend (see EMAIL_BACKEND)."),
    _int("EMAIL_PORT", "587", "SMTP port."),
    _var("EMAIL_HOST_USER", "", "SMTP user."),
    _var("EMAIL_HOST_PASSWORD", "", "SMTP password."),
    _bool("EMAIL_USE_TLS", "true", "SMTP STARTTLS."),
    _float("EMAIL_TIMEOUT", "20", "Seconds before an SMTP or SendGrid call is abandoned (and the email retried later)."),
    _var("DEFAULT_FROM_EMAIL", "bookings@localhost", "Sender address of every email; SENDGRID_FROM_EMAIL, when set, takes its place.", shown="$SENDGRID_FROM_EMAIL, else bookings@localhost"),
    _var("ANYMAIL_WEBHOOK_SECRET", "", "`user:password` the SendGrid event webhook must send (basic auth in its URL)."),
    _var("SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY", "", "SendGrid signed event webhook public key; enables signature checks."),
    _var("LOG_FORMAT", "text", "`text` (readable lines) or `json` (one object per line: use in production)."),
    _var("STUDIO_NOTIFY_EMAIL", "", "Where the studio's emails about new, moved and cancelled bookings go.", shown="(the studio's contact email)"),
    _bool("STUDIO_NOTIFY", "true", "`false` switches the studio's booking emails off (the studio can also turn them off in its settings)."),
    _var("BOOKSYNC_ADMIN_USERNAME", "", "`booksync createadmin`: the login to create (else it asks)."),
    _var("BOOKSYNC_ADMIN_EMAIL", "", "`booksync createadmin`: the login's email address."),
    _var("BOOKSYNC_ADMIN_PASSWORD", "", "`booksync createadmin`: the password (else it asks)."),
    _list("EMBED_ALLOWED_ORIGINS", "Comma-separated origins (https://studio.example) whose pages may frame the booking and manage pages (`/embed.js`).", "(none: no framing)"),
    _int("REMINDER_HOURS_BEFORE", "24", "Hours before a session that the reminder email goes out; 0 disables reminders."),
    _list("TRUSTED_PROXIES", "Comma-separated addresses or networks of your reverse proxies; the client address is read from X-Forwarded-For through them (rate limits, logs, admin lockout).", "(none: X-Forwarded-For ignored)"),
    _var("BOOKING_RATE_PER_CLIENT", "6/h", "Booking attempts one client address may make (API and forms together), as count/period (s, m, h, d)."),
    _var("BOOKING_RATE_PER_EMAIL", "3/h", "Booking attempts for one email address, as count/period."),
    _int("BOOKING_ACTIVE_PER_EMAIL", "5", "Active future bookings one email address may hold."),
    _int("EMAILS_PER_RECIPIENT_PER_HOUR", "5", "Emails sent to one address in any hour; more are held back (shown on the sync dashboard) and go out later."),
    _var("PAGE_POST_RATE", "10/m", "Form POSTs (book, reschedule, cancel) per client address."),
    _var("WEBHOOK_FAILURE_RATE", "20/h", "Refused webhook calls one client address may make before it gets 429."),
    _int("WEBHOOK_RETENTION_DAYS", "14", "Days received webhook records are kept (for de-duplication and the dashboard)."),
    _int("NOTION_VERIFICATION_WINDOW_MINUTES", "15", "How long a Notion handshake is accepted after an admin opens the window."),
    _int("HSTS_SECONDS", "", "Strict-Transport-Security max-age; 0 turns HSTS off.", shown="31536000 with an https SITE_URL, else 0"),
    _bool("HSTS_INCLUDE_SUBDOMAINS", "false", "Add includeSubDomains to HSTS (only if every subdomain is HTTPS)."),
    _bool("HSTS_PRELOAD", "false", "Add preload to HSTS (only when submitting the domain to browsers' preload lists)."),
    _bool("SECURE_SSL_REDIRECT", "", "Redirect plain-HTTP requests to HTTPS.", shown="true with an https SITE_URL and TRUSTED_PROXIES"),
    _int("AXES_FAILURE_LIMIT", "5", "Failed admin logins from one address before it is locked out."),
    _int("AXES_COOLOFF_MINUTES", "15", "Minutes an admin login lockout lasts."),
    _var("STRIPE_SECRET_KEY", "", "Stripe secret key (sk_live_… or sk_test_…); enables deposits and prepayment through Stripe Checkout (ADR 0018). Unset (the default): no money is taken online, everything is paid at the studio."),
    _var("STRIPE_WEBHOOK_SECRET", "", "Signing secret (whsec_…) of the webhook endpoint $SITE_URL/api/webhooks/stripe."),
    _var("STRIPE_API_BASE", "https://api.stripe.com", "Stripe API host (tests and emulators point it elsewhere)."),
    _int("PAYMENT_HOLD_MINUTES", "30", "How long a booking awaiting payment holds its slot (30 is the shortest Checkout expiry Stripe accepts; a shorter hold releases the slot and expires the session itself)."),
    _var("CALENDAR_FEED_DETAILS", "busy", "`busy` (the .ics feed says only \"Booked\") or `names` (service and customer name)."),
)

BY_NAME: dict[str, Variable] = {variable.name: variable for variable in VARIABLES}


def read(name: str, computed: Any = None) -> Any:
    """The variable's value: the environment's, parsed, else ``computed`` (a default that depends
    on other variables), else the declared default. An undeclared name is a KeyError."""
    variable = BY_NAME[name]
    raw = env(name)
    if raw:
        return variable.parse(raw)
    if computed is not None:
        return computed
    return variable.parse(variable.default)


def is_set(name: str) -> bool:
    """Whether the environment sets ``name`` (for a choice that depends on it being there at all)."""
    return bool(env(BY_NAME[name].name))
