"""Django settings: every variable a deployment can set is declared once, in config.py, and read
here with ``read(name)``; this file only derives Django's own blocks from them."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url

from booksync.config import BASE_DIR, is_set, read
from booksync.files import keep_files_private
from booksync.web.csp import PERMISSIONS, content_security_policy

DATA_DIR = Path(read("DATA_DIR", computed=BASE_DIR / "var"))
# Everything booksync writes (SQLite, .eml files, the secret key) is for its own user only:
# files 0600, folders 0700.
keep_files_private(DATA_DIR)


def _secret_key() -> str:
    if is_set("SECRET_KEY"):
        return read("SECRET_KEY")
    # A per-checkout key kept out of git, so `make run` needs no set-up.
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = read("DEBUG")
PORT = read("PORT")
SITE_URL = read("SITE_URL", computed=f"http://127.0.0.1:{PORT}").rstrip("/")
_site_host = urlsplit(SITE_URL).hostname or "127.0.0.1"
ALLOWED_HOSTS = read("ALLOWED_HOSTS", computed=list(dict.fromkeys([_site_host, "localhost", "127.0.0.1", "testserver"])))
HTTPS = SITE_URL.startswith("https://")
CSRF_TRUSTED_ORIGINS = [SITE_URL] if HTTPS else []

# --- reverse proxy and transport security (docs/operations.md, ADR 0009) -----------------------
# Addresses or networks of the reverse proxies in front of gunicorn; only their X-Forwarded-For
# and X-Forwarded-Proto are believed.
TRUSTED_PROXIES = read("TRUSTED_PROXIES")
if TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Without a trusted proxy the scheme cannot be known behind one, and a redirect would loop.
SECURE_SSL_REDIRECT = read("SECURE_SSL_REDIRECT", computed=HTTPS and bool(TRUSTED_PROXIES))
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = read("HSTS_SECONDS", computed=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = read("HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = read("HSTS_PRELOAD")
# includeSubDomains and preload are the studio's choice (other sites may share its domain), so
# leaving them off is not a deployment defect.
SILENCED_SYSTEM_CHECKS = ["security.W005", "security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = content_security_policy()
PERMISSIONS_POLICY = PERMISSIONS

INSTALLED_APPS = [
    "modeltranslation",  # the studio's own texts per language (ADR 0020); before the admin
    "booksync.backoffice.admin_site.StudioAdminConfig",  # django.contrib.admin, its home arranged for the studio
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_q",
    "anymail",
    "ninja",  # serves /api/docs' Swagger UI from our own static files (the CDN copy breaks the CSP)
    "axes",
    "csp",
    "booksync.bookings",
    "booksync.outbox",
    "booksync.payments",
    "booksync.sync",
    "booksync.web",
    "booksync.backoffice",
]

MIDDLEWARE = [
    "booksync.web.request_log.RequestLogMiddleware",  # first, so its duration covers the rest
    "booksync.web.bad_requests.BadRequestMiddleware",  # before anything reads the body
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "booksync.web.privacy.NoStoreMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "booksync.web.language.CustomerLocaleMiddleware",  # Django's LocaleMiddleware + studio default
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "booksync.backoffice.studio_time.StudioTimeMiddleware",  # the admin shows and reads studio time
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "booksync.web.provider_errors.ProviderErrorMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

# Admin login throttling: django-axes locks an address out after repeated failed logins.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = read("AXES_FAILURE_LIMIT")
AXES_COOLOFF_TIME = timedelta(minutes=read("AXES_COOLOFF_MINUTES"))
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "booksync.web.client_ip.client_ip"
# django-ratelimit's "ip" key: the real client behind TRUSTED_PROXIES.
RATELIMIT_IP_META_KEY = "booksync.web.client_ip.client_ip"

ROOT_URLCONF = "booksync.urls"
WSGI_APPLICATION = "booksync.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Django's admin/base_site.html with the back office's CSS on every admin page (ADR 0021).
        "DIRS": [BASE_DIR / "booksync" / "backoffice" / "templates" / "overrides"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    }
]

# --- database -------------------------------------------------------------------
DATABASE_URL = read("DATABASE_URL", computed=f"sqlite:///{DATA_DIR / 'booksync.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # Every write transaction takes SQLite's write lock at BEGIN, so the
        # overlap check and the insert of a booking cannot interleave.
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests share one file database between threads and processes (race tests);
    # the pid keeps concurrent test runs on one machine apart.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-{os.getpid()}.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

# Customers' languages: English plus complete German and French catalogues (booksync/locale/,
# compiled by `make run` / `make test`). The studio's default language is a Studio field.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "booksync" / "locale"]
# The studio's own texts (service names, tagline, question labels) in every shipped language
# (django-modeltranslation, ADR 0020): a missing translation falls back to the default language's.
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_LANGUAGES = tuple(code for code, _name in LANGUAGES)
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- framing ---------------------------------------------------------------------------
# Every page refuses to be framed (CSP frame-ancestors 'none', X-Frame-Options DENY) except the
# booking and manage pages, which the studio's own sites in EMBED_ALLOWED_ORIGINS may frame
# (booksync/web/embedding.py).
EMBED_ALLOWED_ORIGINS = [origin.rstrip("/") for origin in read("EMBED_ALLOWED_ORIGINS")]
# The policy itself (frame-ancestors 'none' among the rest) is CONTENT_SECURITY_POLICY above.

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"

CACHES = {
    "default": {
        # Shared by every web and worker process of one machine (the sync lock,
        # busy-time cache); a scale-out across machines can point this at Redis.
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "booksync_cache",
    },
    # Rate-limit counters (django-ratelimit): their own table, never culled, increments atomic.
    "ratelimit": {
        "BACKEND": "booksync.web.counter_cache.CounterCache",
        "LOCATION": "booksync_ratelimit",
        "OPTIONS": {"MAX_ENTRIES": 1_000_000},
    },
}
RATELIMIT_USE_CACHE = "ratelimit"

# --- booksync -------------------------------------------------------------------------
ADMIN_API_TOKEN = read("ADMIN_API_TOKEN")
# Abuse limits (ADR 0009): rates are django-ratelimit's "count/period".
BOOKING_RATE_PER_CLIENT = read("BOOKING_RATE_PER_CLIENT")
BOOKING_RATE_PER_EMAIL = read("BOOKING_RATE_PER_EMAIL")
BOOKING_ACTIVE_PER_EMAIL = read("BOOKING_ACTIVE_PER_EMAIL")
EMAILS_PER_RECIPIENT_PER_HOUR = read("EMAILS_PER_RECIPIENT_PER_HOUR")
PAGE_POST_RATE = read("PAGE_POST_RATE")
WEBHOOK_FAILURE_RATE = read("WEBHOOK_FAILURE_RATE")
WEBHOOK_RETENTION_DAYS = read("WEBHOOK_RETENTION_DAYS")
NOTION_VERIFICATION_WINDOW_MINUTES = read("NOTION_VERIFICATION_WINDOW_MINUTES")
CALENDAR_FEED_DETAILS = read("CALENDAR_FEED_DETAILS")
# Bodies above this get 413 (Django's own limit would answer with an HTML 400).
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
INVITES_VIA = read("INVITES_VIA")
SYNC_INTERVAL_MINUTES = read("SYNC_INTERVAL_MINUTES")
DAILY_SYNC_TIME = read("DAILY_SYNC_TIME")
CALENDAR_IMPORT = read("CALENDAR_IMPORT")
CALENDAR_OUTAGE_POLICY = read("CALENDAR_OUTAGE_POLICY")  # ADR 0012
OUTBOX_MAX_ATTEMPTS = read("OUTBOX_MAX_ATTEMPTS")
OUTBOX_WAKE_WORKER = read("OUTBOX_WAKE_WORKER")
# A worker refreshes its claim on a message every OUTBOX_HEARTBEAT_SECONDS while delivering it;
# a claim not refreshed for OUTBOX_STUCK_AFTER_SECONDS belongs to a dead worker and is handed back.
OUTBOX_HEARTBEAT_SECONDS = read("OUTBOX_HEARTBEAT_SECONDS")
OUTBOX_STUCK_AFTER_SECONDS = read("OUTBOX_STUCK_AFTER_SECONDS")
# Tests only: the pause of a worker that lost its claim (tests/faults/test_claim_recheck.py). 0 in production.
OUTBOX_TEST_PAUSE_AFTER_HANDLER_SECONDS = read("OUTBOX_TEST_PAUSE_AFTER_HANDLER_SECONDS")

NOTION_API_KEY = read("NOTION_API_KEY")
NOTION_BOOKINGS_DATABASE_ID = read("NOTION_BOOKINGS_DATABASE_ID")
NOTION_WEBHOOK_SECRET = read("NOTION_WEBHOOK_SECRET")
NOTION_API_BASE_URL = read("NOTION_API_BASE_URL")
# JSON object: our field → the studio's column name (parsed by integrations/notion_schema.py,
# so `booksync doctor` can report bad JSON instead of the site failing to start).
NOTION_PROPERTY_NAMES = read("NOTION_PROPERTY_NAMES")
NOTION_HTTP_TIMEOUT = read("NOTION_HTTP_TIMEOUT")  # seconds; a hung call must end
NOTION_REQUESTS_PER_SECOND = read("NOTION_REQUESTS_PER_SECOND")  # Notion allows 3 on average
NOTION_MAX_WAIT_SECONDS = read("NOTION_MAX_WAIT_SECONDS")  # longer Retry-After: retry later
NOTION_RATE_FILE = read("NOTION_RATE_FILE", computed=str(DATA_DIR / "notion-rate.json"))

GOOGLE_CLIENT_ID = read("GOOGLE_CLIENT_ID")
GOOGLE_CLIENT_SECRET = read("GOOGLE_CLIENT_SECRET")
GOOGLE_REFRESH_TOKEN = read("GOOGLE_REFRESH_TOKEN")
GOOGLE_CALENDAR_ID = read("GOOGLE_CALENDAR_ID")
GOOGLE_SERVICE_ACCOUNT_FILE = read("GOOGLE_SERVICE_ACCOUNT_FILE")
GOOGLE_IMPERSONATE_USER = read("GOOGLE_IMPERSONATE_USER")
GOOGLE_API_BASE_URL = read("GOOGLE_API_BASE_URL")
GOOGLE_TOKEN_URI = read("GOOGLE_TOKEN_URI")
GOOGLE_HTTP_TIMEOUT = read("GOOGLE_HTTP_TIMEOUT")  # seconds; a hung call must end

CALDAV_URL = read("CALDAV_URL")
CALDAV_USERNAME = read("CALDAV_USERNAME")
CALDAV_PASSWORD = read("CALDAV_PASSWORD")
CALDAV_CALENDAR = read("CALDAV_CALENDAR")

# --- email ----------------------------------------------------------------------------
SENDGRID_API_KEY = read("SENDGRID_API_KEY")
SENDGRID_FROM_EMAIL = read("SENDGRID_FROM_EMAIL")
SENDGRID_API_BASE_URL = read("SENDGRID_API_BASE_URL")
EMAIL_OUTBOX_DIR = DATA_DIR / "outbox"
DEFAULT_FROM_EMAIL = SENDGRID_FROM_EMAIL or read("DEFAULT_FROM_EMAIL")
# Which backend sends (the precedence EMAIL_BACKEND's row of the README table states).
if SENDGRID_API_KEY:
    EMAIL_BACKEND = "anymail.backends.sendgrid.EmailBackend"
elif is_set("EMAIL_BACKEND"):
    EMAIL_BACKEND = read("EMAIL_BACKEND")
elif is_set("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    EMAIL_BACKEND = "booksync.integrations.mail.OutboxFolderBackend"
EMAIL_HOST = read("EMAIL_HOST")
EMAIL_PORT = read("EMAIL_PORT")
EMAIL_HOST_USER = read("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = read("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = read("EMAIL_USE_TLS")
EMAIL_TIMEOUT = read("EMAIL_TIMEOUT")
# Delivery-status webhook (/anymail/sendgrid/tracking/): basic auth "user:password" and,
# where SendGrid's signed event webhook is on, its verification key.
ANYMAIL_WEBHOOK_SECRET = read("ANYMAIL_WEBHOOK_SECRET")
SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY = read("SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY")
ANYMAIL = {
    "SENDGRID_API_KEY": SENDGRID_API_KEY,
    "SENDGRID_API_URL": SENDGRID_API_BASE_URL,
    "REQUESTS_TIMEOUT": EMAIL_TIMEOUT,
    **({"WEBHOOK_SECRET": ANYMAIL_WEBHOOK_SECRET} if ANYMAIL_WEBHOOK_SECRET else {}),
    **({"SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY": SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY}
       if SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY else {}),
}
# Studio notifications (new, moved, cancelled bookings): the address, else the studio's contact email;
# STUDIO_NOTIFY=false switches them off for the deployment (the studio can also turn them off in its settings).
STUDIO_NOTIFY_EMAIL = read("STUDIO_NOTIFY_EMAIL")
STUDIO_NOTIFY = read("STUDIO_NOTIFY")

# Payments (ADR 0018): without a secret key nothing is taken online.
STRIPE_SECRET_KEY = read("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = read("STRIPE_WEBHOOK_SECRET")
STRIPE_API_BASE = read("STRIPE_API_BASE")
PAYMENT_HOLD_MINUTES = read("PAYMENT_HOLD_MINUTES")
# Hours before a session that the reminder email goes out (0: no reminders).
REMINDER_HOURS_BEFORE = read("REMINDER_HOURS_BEFORE")

# --- worker -----------------------------------------------------------------------------
Q_CLUSTER = {
    "name": "booksync",
    "orm": "default",
    "workers": read("WORKER_PROCESSES"),
    "timeout": 120,
    "retry": 180,
    "max_attempts": 1,  # the outbox does its own retries with backoff
    "catch_up": False,
    "ack_failures": True,
    "save_limit": 500,
    "poll": 0.5,
    "label": "Worker",
}

LOG_FORMAT = read("LOG_FORMAT")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
                   "json": {"()": "booksync.logging.JsonFormatter"}},
    # LOG_FORMAT=json in production (one object per line); text reads better in a terminal.
    # Tokens are redacted from every line; text lines get their control characters escaped.
    "filters": {"redact": {"()": "booksync.redaction.RedactingFilter", "escape": LOG_FORMAT == "text"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact"],
                             "formatter": "json" if LOG_FORMAT == "json" else "line"}},
    "root": {"handlers": ["console"], "level": read("LOG_LEVEL")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "httpx": {"level": "WARNING"}},
}
