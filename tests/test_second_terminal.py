"""A second terminal with nothing exported names the address the server really runs on.

``booksync serve`` leaves its address in DATA_DIR (booksync/server_address.py); ``createadmin``
and ``doctor`` started later without PORT or SITE_URL read it from there instead of printing
the default port of their own empty environment.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings

from booksync import server_address
from tests.liveserver import database_url, free_port, wait_until_up


def test_a_record_names_its_server_while_the_process_lives(tmp_path):
    assert server_address.running(tmp_path) is None
    server_address.leave(tmp_path, "127.0.0.1", 9123)
    found = server_address.running(tmp_path)
    assert found and found.url == "http://127.0.0.1:9123" and found.pid == os.getpid()
    assert (tmp_path / "server.json").stat().st_mode & 0o077 == 0  # private, like the rest of DATA_DIR
    assert server_address.site_address(tmp_path, "http://127.0.0.1:8000", site_url_set=False) == "http://127.0.0.1:9123"
    # SITE_URL, when set, is the public address and wins; the doctor names both.
    assert server_address.site_address(tmp_path, "https://book.example", site_url_set=True) == "https://book.example"
    assert server_address.describe(tmp_path, "https://book.example", site_url_set=True) == (
        f"https://book.example (SITE_URL); the server listens on http://127.0.0.1:9123 (pid {os.getpid()})")
    server_address.leave(tmp_path, "0.0.0.0", 9124)
    assert server_address.running(tmp_path).url == "http://127.0.0.1:9124"


def test_a_record_left_by_a_server_that_has_gone_is_ignored(tmp_path):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    server_address.leave(tmp_path, "127.0.0.1", 9125, pid=gone.pid)
    assert server_address.running(tmp_path) is None
    assert server_address.site_address(tmp_path, "http://127.0.0.1:8000", site_url_set=False) == "http://127.0.0.1:8000"
    assert server_address.describe(tmp_path, "http://127.0.0.1:8000", site_url_set=False) == (
        f"no server running from {tmp_path}; `booksync run` serves on http://127.0.0.1:8000")
    (tmp_path / "server.json").write_text("{not json")
    assert server_address.running(tmp_path) is None


def bare_env(data_dir, **extra: str) -> dict[str, str]:
    """A terminal with nothing exported: no PORT, no SITE_URL, no tokens; the same checkout's
    DATA_DIR and database (here the test's, so both are spelt out)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"),
           "DATA_DIR": str(data_dir), "DATABASE_URL": database_url(), "SECRET_KEY": settings.SECRET_KEY}
    env.update(extra)
    return env


def booksync(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "booksync.cli", *args], env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.django_db(transaction=True)
def test_createadmin_and_doctor_from_a_second_terminal_name_the_served_port(studio, tmp_path):
    data_dir = tmp_path / "data"
    port = free_port()
    assert port != 8000
    with open(tmp_path / "server.log", "wb") as log:
        # The first terminal: PORT exported there only.
        server = subprocess.Popen([sys.executable, "-m", "booksync.cli", "serve", "--workers", "1"],
                                  env=bare_env(data_dir, PORT=str(port)), stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_up(f"http://127.0.0.1:{port}", process=server)
        login = {"BOOKSYNC_ADMIN_USERNAME": "owner", "BOOKSYNC_ADMIN_PASSWORD": "correct horse battery"}
        made = booksync("createadmin", env=bare_env(data_dir, **login))
        assert made.returncode == 0, made.stderr
        assert f"Log in at http://127.0.0.1:{port}/admin/" in made.stdout
        doctor = booksync("doctor", env=bare_env(data_dir))
        assert doctor.returncode == 0, doctor.stdout + doctor.stderr  # ADMIN_API_TOKEN unset: a note
        assert f"site: http://127.0.0.1:{port} (the running server, pid {server.pid})" in doctor.stdout
        assert "NOTE [admin API] ADMIN_API_TOKEN is not set" in doctor.stdout
        assert "PROBLEM" not in doctor.stdout
    finally:
        server.terminate()
        server.wait(timeout=30)
    after = booksync("doctor", env=bare_env(data_dir))
    assert "site: no server running from" in after.stdout and "serves on http://127.0.0.1:8000" in after.stdout
    made = booksync("createadmin", env=bare_env(data_dir, BOOKSYNC_ADMIN_USERNAME="owner",
                                                BOOKSYNC_ADMIN_PASSWORD="correct horse battery"))
    assert "Log in at http://127.0.0.1:8000/admin/" in made.stdout
