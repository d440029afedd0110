"""Settings declared once: with no variable set, every setting equals the default config.py declares.

Each check loads booksync.settings in a fresh interpreter whose environment holds none of the
declared variables, so nothing from this test run (pytest-django's overrides, a developer's
shell) can hide a default that settings.py computes differently from the README's table.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from booksync.config import BASE_DIR, VARIABLES

# Where a variable lands among Django's settings when its setting has another name or shape.
DUMP = r"""
import json, sys
import django
django.setup()
from django.conf import settings
from booksync.config import VARIABLES, read

def value(name):
    special = {
        "HSTS_SECONDS": lambda: settings.SECURE_HSTS_SECONDS,
        "HSTS_INCLUDE_SUBDOMAINS": lambda: settings.SECURE_HSTS_INCLUDE_SUBDOMAINS,
        "HSTS_PRELOAD": lambda: settings.SECURE_HSTS_PRELOAD,
        "AXES_COOLOFF_MINUTES": lambda: settings.AXES_COOLOFF_TIME.total_seconds() / 60,
        "WORKER_PROCESSES": lambda: settings.Q_CLUSTER["workers"],
        "LOG_LEVEL": lambda: settings.LOGGING["root"]["level"],
    }
    if name in special:
        return special[name]()
    if hasattr(settings, name):
        return getattr(settings, name)
    return read(name)  # read outside Django's settings (the CLI, createadmin) through the same reader

json.dump({v.name: value(v.name) for v in VARIABLES}, sys.stdout, default=str)
"""

VAR = BASE_DIR / "var"
# The defaults that depend on other variables, as they come out with none set (the table's `shown`).
COMPUTED = {
    "SITE_URL": "http://127.0.0.1:8000",
    "DATABASE_URL": f"sqlite:///{VAR / 'booksync.sqlite3'}",
    "DATA_DIR": str(VAR),
    "SECRET_KEY": None,  # generated into var/secret_key: compared with that file below
    "ALLOWED_HOSTS": ["127.0.0.1", "localhost", "testserver"],
    "ADMIN_API_TOKEN": "",
    "NOTION_PROPERTY_NAMES": "",
    "NOTION_RATE_FILE": str(VAR / "notion-rate.json"),
    "STUDIO_NOTIFY_EMAIL": "",
    "EMBED_ALLOWED_ORIGINS": [],
    "TRUSTED_PROXIES": [],
    "HSTS_SECONDS": 0,  # http SITE_URL
    "SECURE_SSL_REDIRECT": False,
    "EMAIL_BACKEND": "booksync.integrations.mail.OutboxFolderBackend",
    "DEFAULT_FROM_EMAIL": "bookings@localhost",
}


def load_settings(**environment: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {v.name for v in VARIABLES}}
    env.update(environment, DJANGO_SETTINGS_MODULE="booksync.settings")
    done = subprocess.run([sys.executable, "-c", DUMP], env=env, cwd=BASE_DIR, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_every_setting_equals_its_declared_default_in_a_clean_environment():
    loaded = load_settings()
    assert set(COMPUTED) == {v.name for v in VARIABLES if v.shown}, "a computed default needs its value here"
    wrong = {}
    for variable in VARIABLES:
        if variable.name == "SECRET_KEY":
            expected = Path(loaded["DATA_DIR"], "secret_key").read_text().strip()
        elif variable.shown:
            expected = COMPUTED[variable.name]
        else:
            expected = variable.parse(variable.default)
        if loaded[variable.name] != expected:
            wrong[variable.name] = (loaded[variable.name], expected)
    assert wrong == {}, f"setting differs from config.py's default (got, declared): {wrong}"
    assert loaded["EMAIL_HOST"] == "localhost"  # the one ADR 0013 found: the table said ""


def test_the_email_backend_precedence_the_table_states():
    assert load_settings(EMAIL_HOST="smtp.example")["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert load_settings(EMAIL_HOST="smtp.example", EMAIL_BACKEND="x.Backend")["EMAIL_BACKEND"] == "x.Backend"
    chosen = load_settings(SENDGRID_API_KEY="SG.k", EMAIL_BACKEND="x.Backend", SENDGRID_FROM_EMAIL="a@b.example")
    assert chosen["EMAIL_BACKEND"] == "anymail.backends.sendgrid.EmailBackend"
    assert chosen["DEFAULT_FROM_EMAIL"] == "a@b.example"
