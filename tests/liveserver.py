"""Run the real product (gunicorn via `booksync serve`, the worker) against the test database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection


def database_url() -> str:
    """The URL of the database the current test is using (its test copy)."""
    conf = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{conf['NAME']}"
    auth = quote(conf["USER"] or "")
    if conf.get("PASSWORD"):
        auth += ":" + quote(conf["PASSWORD"])
    return f"postgresql://{auth}@{conf['HOST'] or '127.0.0.1'}:{conf['PORT'] or 5432}/{conf['NAME']}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Abuse limits lifted, for load benches and races where one test address plays many customers.
NO_BOOKING_LIMITS = {"BOOKING_RATE_PER_CLIENT": "1000000/m", "BOOKING_RATE_PER_EMAIL": "1000000/m",
                     "BOOKING_ACTIVE_PER_EMAIL": "1000000", "PAGE_POST_RATE": "1000000/m",
                     "EMAILS_PER_RECIPIENT_PER_HOUR": "0"}


def product_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url(),
            "DATA_DIR": str(settings.DATA_DIR),
            "SECRET_KEY": settings.SECRET_KEY,
            "DJANGO_SETTINGS_MODULE": "booksync.settings",
        }
    )
    env.update(extra)
    return env


def wait_until_up(url: str, timeout: float = 30.0, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/api/health", timeout=2):
                return
        except Exception:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up in {timeout} s")


@contextmanager
def running_server(workers: int = 2, **env: str):
    """Serve the product with gunicorn on a free port; yields its base URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = Path(settings.DATA_DIR) / f"server-{port}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "booksync.cli", "serve", "--port", str(port), "--workers", str(workers)],
            env=product_env(SITE_URL=url, **env), stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        wait_until_up(url, process=process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
