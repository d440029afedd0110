"""The customer-facing translation catalogues: extract their strings, compile them.

    python -m booksync.locale_tools extract   # refresh booksync/locale/*/django.po (needs GNU gettext)
    python -m booksync.locale_tools compile   # .po → .mo with Babel (pure Python; `make run`/`make test`)

Only what customers read is extracted (pages, form errors, emails, invites):
the studio's admin stays in English, so its templates are left out here and a
new admin string cannot leave a shipped language incomplete. Compiled ``.mo``
files are build output and never committed.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import django
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "django"

# makemessages --ignore patterns (matched against each path and each name).
NOT_CUSTOMER_FACING = [
    ".venv", "var", "tests", "bench", "docs", "scripts", "*.egg-info", "node_modules",
    "booksync/sync", "booksync/cli.py", "booksync/doctor.py", "booksync/integrations/*doctor*.py",
    "admin", "admin.py", "email_admin.py", "email_preview.py", "dashboard.py",
]


def shipped_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


@contextmanager
def _in(folder: Path):
    previous = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(previous)


@contextmanager
def _sources_for(locale_dir: Path):
    """Where makemessages must run to write into ``locale_dir`` and nowhere else.

    makemessages sends an app's strings to any ``locale/`` folder it finds
    beside them, so extracting elsewhere (the completeness test) works on a
    copy of the sources without ``booksync/locale``.
    """
    if locale_dir.resolve() == LOCALE_DIR.resolve():
        yield ROOT
        return
    with tempfile.TemporaryDirectory() as scratch:
        shutil.copytree(ROOT / "booksync", Path(scratch) / "booksync",
                        ignore=shutil.ignore_patterns("locale", "__pycache__", "*.pyc"))
        yield Path(scratch)


def extract(locale_dir: Path = LOCALE_DIR) -> None:
    """Run Django's makemessages over the customer-facing sources into ``locale_dir``.

    New strings arrive untranslated, vanished ones are dropped, existing
    translations are kept (msgmerge).
    """

    with _sources_for(locale_dir) as root, _in(root), override_settings(LOCALE_PATHS=[str(locale_dir)]):
        call_command("makemessages", locale=shipped_languages(), domain=DOMAIN, ignore_patterns=NOT_CUSTOMER_FACING,
                     no_location=True, no_obsolete=True, verbosity=0)


def compile_catalogues(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Compile every ``<lang>/LC_MESSAGES/django.po`` under ``locale_dir`` into its ``.mo`` (Babel)."""

    written = []
    for po_path in sorted(locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parent.parent.name)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        written.append(mo_path)
    return written


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else ""
    if command == "compile":
        for path in compile_catalogues():
            print(f"compiled {path.relative_to(ROOT)}")
        return 0
    if command == "extract":
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "booksync.settings")

        django.setup()
        extract()
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
