"""`booksync google auth` and the calendar doctor checks."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from booksync.doctor import run_doctor


def test_google_auth_refuses_clearly_without_a_client(tmp_path):
    env = {**os.environ, "GOOGLE_CLIENT_ID": "", "GOOGLE_CLIENT_SECRET": "", "DATA_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "booksync.cli", "google", "auth"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "set GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET first" in done.stderr
    assert "Traceback" not in done.stderr


def doctor_lines() -> list[str]:
    lines: list[str] = []
    run_doctor(lines.append)
    return [line for line in lines if "[google calendar]" in line or "[caldav]" in line]


def test_doctor_on_a_healthy_google_calendar_only_misses_the_push_channel(google_settings, studio):
    from booksync.sync.calendar_channels import watch

    [line] = doctor_lines()
    assert "no Google push channel" in line
    watch()
    assert doctor_lines() == []


def test_doctor_says_in_one_sentence_when_google_refuses_the_token(google_settings, gcal, studio):
    gcal.revoke_refresh_token(gcal.refresh_token)
    [line] = doctor_lines()
    assert "booksync google auth" in line and "\n" not in line and "Traceback" not in line


@pytest.mark.radicale
def test_doctor_on_caldav(caldav_settings, studio):
    assert doctor_lines() == []
    caldav_settings.CALDAV_PASSWORD = "wrong"
    [line] = doctor_lines()
    assert "CALDAV_USERNAME/CALDAV_PASSWORD" in line
