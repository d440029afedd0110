"""``booksync createadmin``: an admin login for the studio, from environment variables or prompts.

Non-interactive when ``BOOKSYNC_ADMIN_USERNAME`` and ``BOOKSYNC_ADMIN_PASSWORD`` are set (and
``BOOKSYNC_ADMIN_EMAIL`` optionally); otherwise it asks in the terminal. Run again for an existing
login, it sets the new password (a way back in for a forgotten one).
"""

from __future__ import annotations

import getpass
import sys

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from booksync.config import read
from booksync.server_address import site_url


def _ask(prompt: str, *, secret: bool = False) -> str:
    if not sys.stdin.isatty():
        raise CommandError(
            "No terminal to ask in: set BOOKSYNC_ADMIN_USERNAME and BOOKSYNC_ADMIN_PASSWORD "
            "(and BOOKSYNC_ADMIN_EMAIL) and run it again.")
    return (getpass.getpass(prompt) if secret else input(prompt)).strip()


def ensure_admin(username: str, email: str, password: str) -> bool:
    """Create or update the login; True if it was created."""
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(username=username, defaults={"email": email})
    try:
        validate_password(password, user)
    except ValidationError as exc:
        if created:
            user.delete()
        raise CommandError(" ".join(exc.messages)) from exc
    user.email = email or user.email
    user.is_staff = user.is_superuser = user.is_active = True
    user.set_password(password)
    user.save()
    return created


class Command(BaseCommand):
    help = "Create (or reset) an admin login for the studio, from BOOKSYNC_ADMIN_* variables or prompts."

    def handle(self, *args, **options):
        username = read("BOOKSYNC_ADMIN_USERNAME") or _ask("Username: ")
        email = read("BOOKSYNC_ADMIN_EMAIL") if read("BOOKSYNC_ADMIN_USERNAME") else _ask("Email (optional): ")
        password = read("BOOKSYNC_ADMIN_PASSWORD")
        if not password:
            password = _ask("Password: ", secret=True)
            if _ask("Password again: ", secret=True) != password:
                raise CommandError("The passwords differ; nothing was changed.")
        if not username or not password:
            raise CommandError("A username and a password are needed.")
        created = ensure_admin(username, email, password)
        action = "Created" if created else "Updated"
        self.stdout.write(f"{action} the admin login {username!r}. Log in at {site_url()}/admin/")
