"""Getting in: `booksync createadmin` from environment variables or prompts, and `booksync setup` says how."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.http import HttpRequest  # django-axes needs the request a login comes with

from tests.liveserver import product_env


def test_from_environment_variables(db, monkeypatch, client):
    monkeypatch.setenv("BOOKSYNC_ADMIN_USERNAME", "owner")
    monkeypatch.setenv("BOOKSYNC_ADMIN_EMAIL", "owner@studio.example")
    monkeypatch.setenv("BOOKSYNC_ADMIN_PASSWORD", "correct horse battery")
    call_command("createadmin")
    user = get_user_model().objects.get(username="owner")
    assert user.is_staff and user.is_superuser and user.email == "owner@studio.example"
    assert client.login(request=HttpRequest(), username="owner", password="correct horse battery")
    monkeypatch.setenv("BOOKSYNC_ADMIN_PASSWORD", "a new long password")  # run again: resets the password
    call_command("createadmin")
    assert client.login(request=HttpRequest(), username="owner", password="a new long password")
    assert get_user_model().objects.count() == 1


def test_from_prompts(db, monkeypatch):
    for name in ("BOOKSYNC_ADMIN_USERNAME", "BOOKSYNC_ADMIN_EMAIL", "BOOKSYNC_ADMIN_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    from booksync.backoffice.management.commands import createadmin

    answers = iter(["frontdesk", "fd@studio.example"])
    secrets = iter(["long enough secret", "long enough secret"])
    monkeypatch.setattr(createadmin.sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))
    monkeypatch.setattr(createadmin.getpass, "getpass", lambda prompt: next(secrets))
    call_command("createadmin")
    assert get_user_model().objects.get(username="frontdesk").check_password("long enough secret")


def test_a_short_password_is_refused_and_nothing_is_made(db, monkeypatch):
    monkeypatch.setenv("BOOKSYNC_ADMIN_USERNAME", "owner")
    monkeypatch.setenv("BOOKSYNC_ADMIN_PASSWORD", "short")
    with pytest.raises(CommandError, match="too short"):
        call_command("createadmin")
    assert not get_user_model().objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_command_without_a_terminal_or_variables_says_what_to_set():
    env = product_env()
    for name in ("BOOKSYNC_ADMIN_USERNAME", "BOOKSYNC_ADMIN_PASSWORD"):
        env.pop(name, None)
    result = subprocess.run([sys.executable, "-m", "booksync.cli", "createadmin"], env=env, stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "set BOOKSYNC_ADMIN_USERNAME and BOOKSYNC_ADMIN_PASSWORD" in result.stderr
    env.update(BOOKSYNC_ADMIN_USERNAME="owner", BOOKSYNC_ADMIN_PASSWORD="correct horse battery")
    made = subprocess.run([sys.executable, "-m", "booksync.cli", "createadmin"], env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    assert "Created the admin login 'owner'. Log in at" in made.stdout
    assert get_user_model().objects.get(username="owner").is_superuser


@pytest.mark.django_db(transaction=True)
def test_setup_prints_how_to_get_a_login():
    env = product_env()
    env.pop("BOOKSYNC_ADMIN_USERNAME", None)
    result = subprocess.run([sys.executable, "-m", "booksync.cli", "setup"], env=env, stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "no login yet: run .venv/bin/booksync createadmin to make one" in result.stdout
