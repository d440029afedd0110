"""Django settings: everything a deployment changes comes from the environment (see config.py)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url

from booksync.config import BASE_DIR, env, env_bool, env_int

DATA_DIR = Path(env("DATA_DIR") or BASE_DIR / "var")
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    if env("SECRET_KEY"):
        return env("SECRET_KEY")
    # A per-checkout key kept out of git, so `make run` needs no set-up.
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG")
PORT = env_int("PORT", 8000)
SITE_URL = (env("SITE_URL") or f"http://127.0.0.1:{PORT}").rstrip("/")
_site_host = urlsplit(SITE_URL).hostname or "127.0.0.1"
ALLOWED_HOSTS = [h.strip() for h in env("ALLOWED_HOSTS").split(",") if h.strip()] or [
    _site_host,
    "localhost",
    "127.0.0.1",
    "testserver",
]
CSRF_TRUSTED_ORIGINS = [SITE_URL] if SITE_URL.startswith("https://") else []

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_q",
    "anymail",
    "booksync.bookings",
    "booksync.sync",
    "booksync.web",
]

MIDDLEWARE = [
    "booksync.web.request_log.RequestLogMiddleware",  # first, so its duration covers the rest
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "booksync.urls"
WSGI_APPLICATION = "booksync.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

# --- database -------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'booksync.sqlite3'}"
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

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

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
        # Shared by every web and worker process of one machine (rate limits,
        # busy-time cache); a scale-out across machines can point this at Redis.
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "booksync_cache",
    }
}

# --- booksync -------------------------------------------------------------------------
ADMIN_API_TOKEN = env("ADMIN_API_TOKEN")
INVITES_VIA = env("INVITES_VIA", "email")
SYNC_INTERVAL_MINUTES = env_int("SYNC_INTERVAL_MINUTES", 5)
DAILY_SYNC_TIME = env("DAILY_SYNC_TIME", "06:00")
CALENDAR_IMPORT = env("CALENDAR_IMPORT", "booking")
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 12)
OUTBOX_WAKE_WORKER = env_bool("OUTBOX_WAKE_WORKER", True)
# A message in flight this long belongs to a worker that died; it is handed back (tests shorten it).
OUTBOX_STUCK_AFTER_SECONDS = 600

NOTION_API_KEY = env("NOTION_API_KEY")
NOTION_BOOKINGS_DATABASE_ID = env("NOTION_BOOKINGS_DATABASE_ID")
NOTION_WEBHOOK_SECRET = env("NOTION_WEBHOOK_SECRET")
NOTION_API_BASE_URL = env("NOTION_API_BASE_URL", "https://api.notion.com")
# JSON object: our field → the studio's column name (parsed by integrations/notion_schema.py,
# so `booksync doctor` can report bad JSON instead of the site failing to start).
NOTION_PROPERTY_NAMES = env("NOTION_PROPERTY_NAMES")
NOTION_HTTP_TIMEOUT = float(env("NOTION_HTTP_TIMEOUT", "20"))  # seconds; a hung call must end
NOTION_REQUESTS_PER_SECOND = float(env("NOTION_REQUESTS_PER_SECOND", "2.85"))  # Notion allows 3 on average
NOTION_MAX_WAIT_SECONDS = float(env("NOTION_MAX_WAIT_SECONDS", "30"))  # longer Retry-After: retry later
NOTION_RATE_FILE = env("NOTION_RATE_FILE") or str(DATA_DIR / "notion-rate.json")

GOOGLE_CLIENT_ID = env("GOOGLE_CLIENT_ID")
GOOGLE_CLIENT_SECRET = env("GOOGLE_CLIENT_SECRET")
GOOGLE_REFRESH_TOKEN = env("GOOGLE_REFRESH_TOKEN")
GOOGLE_CALENDAR_ID = env("GOOGLE_CALENDAR_ID", "primary")
GOOGLE_SERVICE_ACCOUNT_FILE = env("GOOGLE_SERVICE_ACCOUNT_FILE")
GOOGLE_IMPERSONATE_USER = env("GOOGLE_IMPERSONATE_USER")
GOOGLE_API_BASE_URL = env("GOOGLE_API_BASE_URL", "https://www.googleapis.com/calendar/v3/")
GOOGLE_TOKEN_URI = env("GOOGLE_TOKEN_URI", "https://oauth2.googleapis.com/token")
GOOGLE_HTTP_TIMEOUT = float(env("GOOGLE_HTTP_TIMEOUT", "15"))  # seconds; a hung call must end

CALDAV_URL = env("CALDAV_URL")
CALDAV_USERNAME = env("CALDAV_USERNAME")
CALDAV_PASSWORD = env("CALDAV_PASSWORD")
CALDAV_CALENDAR = env("CALDAV_CALENDAR")

# --- email ----------------------------------------------------------------------------
SENDGRID_API_KEY = env("SENDGRID_API_KEY")
SENDGRID_FROM_EMAIL = env("SENDGRID_FROM_EMAIL")
SENDGRID_API_BASE_URL = env("SENDGRID_API_BASE_URL", "https://api.sendgrid.com/v3/")
EMAIL_OUTBOX_DIR = DATA_DIR / "outbox"
DEFAULT_FROM_EMAIL = SENDGRID_FROM_EMAIL or env("DEFAULT_FROM_EMAIL", "bookings@localhost")
if SENDGRID_API_KEY:
    EMAIL_BACKEND = "anymail.backends.sendgrid.EmailBackend"
elif env("EMAIL_BACKEND"):
    EMAIL_BACKEND = env("EMAIL_BACKEND")
elif env("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    EMAIL_BACKEND = "booksync.integrations.mail.OutboxFolderBackend"
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 20
# Delivery-status webhook (/anymail/sendgrid/tracking/): basic auth "user:password" and,
# where SendGrid's signed event webhook is on, its verification key.
ANYMAIL_WEBHOOK_SECRET = env("ANYMAIL_WEBHOOK_SECRET")
SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY = env("SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY")
ANYMAIL = {
    "SENDGRID_API_KEY": SENDGRID_API_KEY,
    "SENDGRID_API_URL": SENDGRID_API_BASE_URL,
    "REQUESTS_TIMEOUT": EMAIL_TIMEOUT,
    **({"WEBHOOK_SECRET": ANYMAIL_WEBHOOK_SECRET} if ANYMAIL_WEBHOOK_SECRET else {}),
    **({"SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY": SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY}
       if SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY else {}),
}
# Hours before a session that the reminder email goes out (0: no reminders).
REMINDER_HOURS_BEFORE = env_int("REMINDER_HOURS_BEFORE", 24)

# --- worker -----------------------------------------------------------------------------
Q_CLUSTER = {
    "name": "booksync",
    "orm": "default",
    "workers": env_int("WORKER_PROCESSES", 2),
    "timeout": 120,
    "retry": 180,
    "max_attempts": 1,  # the outbox does its own retries with backoff
    "catch_up": False,
    "ack_failures": True,
    "save_limit": 500,
    "poll": 0.5,
    "label": "Worker",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
                   "json": {"()": "booksync.logging.JsonFormatter"}},
    # LOG_FORMAT=json in production (one object per line); text reads better in a terminal.
    "handlers": {"console": {"class": "logging.StreamHandler",
                             "formatter": "json" if env("LOG_FORMAT", "text") == "json" else "line"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "httpx": {"level": "WARNING"}},
}
