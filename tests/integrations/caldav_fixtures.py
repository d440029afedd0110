"""A real Radicale CalDAV server on loopback (temporary storage, htpasswd auth) and settings for it."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.liveserver import free_port

USER, PASSWORD = "studio", "radicale-test-password"


@dataclass
class Radicale:
    url: str
    username: str
    password: str

    def client(self):
        import caldav

        return caldav.DAVClient(url=self.url, username=self.username, password=self.password, timeout=10)


def _wait_until_up(url: str, process: subprocess.Popen, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"radicale exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return  # it answers (401 without credentials): up
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("radicale did not come up")


class RadicaleServer:
    """A Radicale process on a fixed port and storage, so it can be stopped and started again."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        (root / "users").write_text(f"{USER}:{PASSWORD}\n")
        self.config = root / "config"
        self.config.write_text(
            f"[server]\nhosts = 127.0.0.1:{self.port}\n"
            f"[auth]\ntype = htpasswd\nhtpasswd_filename = {root / 'users'}\nhtpasswd_encryption = plain\ndelay = 0\n"
            f"[storage]\nfilesystem_folder = {root / 'collections'}\n"
            "[rights]\ntype = owner_only\n"
            "[logging]\nlevel = warning\n"
        )
        self.url = f"http://127.0.0.1:{self.port}/"
        self.process: subprocess.Popen | None = None
        self._log = None

    def start(self) -> RadicaleServer:
        self._log = open(self.root / "radicale.log", "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen([sys.executable, "-m", "radicale", "--config", str(self.config)],
                                        stdout=self._log, stderr=subprocess.STDOUT)
        _wait_until_up(self.url, self.process)
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def handle(self) -> Radicale:
        return Radicale(self.url, USER, PASSWORD)


@pytest.fixture(scope="session")
def radicale(tmp_path_factory) -> Iterator[Radicale]:
    """One Radicale server for the session; each test makes its own calendar on it."""
    server = RadicaleServer(tmp_path_factory.mktemp("radicale")).start()
    try:
        yield server.handle()
    finally:
        server.stop()


@pytest.fixture
def dav_calendar(radicale: Radicale):
    """A fresh, empty calendar for one test."""
    principal = radicale.client().principal()
    return principal.make_calendar(name="Studio " + uuid.uuid4().hex[:6], cal_id=uuid.uuid4().hex)


@pytest.fixture
def caldav_settings(settings, radicale: Radicale, dav_calendar, db):
    """Configure booksync for CalDAV (Google off) and start with an empty busy cache."""
    from django.core.cache import cache

    settings.GOOGLE_REFRESH_TOKEN = ""
    settings.GOOGLE_SERVICE_ACCOUNT_FILE = ""
    settings.NOTION_API_KEY = ""
    settings.CALDAV_URL = radicale.url
    settings.CALDAV_USERNAME = radicale.username
    settings.CALDAV_PASSWORD = radicale.password
    settings.CALDAV_CALENDAR = str(dav_calendar.url)
    settings.OUTBOX_WAKE_WORKER = False
    cache.clear()
    return settings


@pytest.fixture
def own_radicale(tmp_path) -> Iterator[RadicaleServer]:
    """A Radicale of the test's own, which it may stop and start again."""
    server = RadicaleServer(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def own_calendar(own_radicale: RadicaleServer):
    return own_radicale.handle().client().principal().make_calendar(name="Studio", cal_id=uuid.uuid4().hex)


@pytest.fixture
def own_caldav_settings(settings, own_radicale: RadicaleServer, own_calendar, db):
    """booksync configured for ``own_calendar`` (by URL) on ``own_radicale``, with an empty busy cache."""
    from django.core.cache import cache

    settings.GOOGLE_REFRESH_TOKEN = ""
    settings.GOOGLE_SERVICE_ACCOUNT_FILE = ""
    settings.NOTION_API_KEY = ""
    settings.CALDAV_URL = own_radicale.url
    settings.CALDAV_USERNAME, settings.CALDAV_PASSWORD = USER, PASSWORD
    settings.CALDAV_CALENDAR = str(own_calendar.url)
    settings.OUTBOX_WAKE_WORKER = False
    cache.clear()
    return settings
