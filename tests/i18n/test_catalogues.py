"""Every string a customer reads is translated in every shipped language: extract, then compare."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from booksync.locale_tools import LOCALE_DIR, extract, shipped_languages

pytestmark = pytest.mark.skipif(not shutil.which("xgettext"),
                                reason="GNU gettext is missing (scripts/system-deps.sh installs it)")


@pytest.fixture(scope="module")
def fresh_catalogues(tmp_path_factory) -> Path:
    """The shipped catalogues merged with a fresh extraction of the sources (the repository is untouched)."""
    folder = tmp_path_factory.mktemp("locale")
    shutil.copytree(LOCALE_DIR, folder, dirs_exist_ok=True)
    extract(folder)
    return folder


def _problems(po_path: Path) -> list[str]:
    with po_path.open("rb") as handle:
        catalog = read_po(handle)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(forms):
            problems.append(f"untranslated: {message.id!r}")
        for error in message.check(catalog):
            problems.append(f"{message.id!r}: {error}")
    return problems


@pytest.mark.parametrize("language", shipped_languages())
def test_every_customer_string_is_translated(fresh_catalogues, language):
    po_path = fresh_catalogues / language / "LC_MESSAGES" / "django.po"
    assert po_path.exists(), f"no catalogue for {language}"
    problems = _problems(po_path)
    assert problems == [], f"{language}: run `python -m booksync.locale_tools extract` and translate:\n" + "\n".join(problems)


def test_the_check_catches_a_new_untranslated_string(tmp_path):
    """The comparison itself can fail: a string added to a template arrives untranslated."""
    shutil.copytree(LOCALE_DIR, tmp_path, dirs_exist_ok=True)
    po_path = tmp_path / "de" / "LC_MESSAGES" / "django.po"
    po_path.write_text(po_path.read_text(encoding="utf-8") + '\nmsgid "A sentence nobody translated"\nmsgstr ""\n',
                       encoding="utf-8")
    assert _problems(po_path) == ["untranslated: 'A sentence nobody translated'"]


def test_compiled_catalogues_are_not_committed():
    gitignore = (Path(__file__).resolve().parents[2] / ".gitignore").read_text().split()
    assert "*.mo" in gitignore
