"""The README stays true: its set-up commands and every environment variable the code reads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from booksync.config import VARIABLES

ROOT = Path(__file__).resolve().parent.parent


def test_readme_lists_every_variable():
    readme = (ROOT / "README.md").read_text()
    missing = [v.name for v in VARIABLES if f"`{v.name}`" not in readme]
    assert missing == [], f"run scripts/update_readme_vars.py; missing: {missing}"


def test_settings_read_only_documented_variables():
    settings_src = (ROOT / "booksync" / "settings.py").read_text()
    read = set(re.findall(r'(?:env(?:_bool|_int|_float)?|read|is_set)\("([A-Z0-9_]+)"', settings_src))
    documented = {v.name for v in VARIABLES}
    assert read - documented == set(), f"undocumented variables: {sorted(read - documented)}"


def test_readme_gives_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme


def test_make_bench_runs_every_bench_the_readme_describes():
    """scripts/bench.sh refuses to start when a bench is missing from its list or from bench/README.md."""
    import subprocess

    listed = subprocess.run(["bash", "scripts/bench.sh", "--list"], cwd=ROOT, capture_output=True, text=True)
    assert listed.returncode == 0, listed.stderr
    benches = sorted(path.stem for path in (ROOT / "bench").glob("*.py"))
    assert sorted(listed.stdout.split()) == benches


def _readme() -> str:
    return (ROOT / "README.md").read_text()


def _commands(parser, prefix: str = "booksync") -> list[str]:
    """Every command the CLI parses, sub-commands spelt out (``booksync notion init``)."""
    import argparse

    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                nested = _commands(sub, f"{prefix} {name}")
                found += nested or [f"{prefix} {name}"]
    return found


def test_every_command_is_in_the_readme_table():
    from booksync.cli import build_parser

    rows = [line for line in _readme().splitlines() if line.startswith("| `booksync ")]
    commands = _commands(build_parser())
    assert {"booksync demo", "booksync notion init", "booksync google auth"} <= set(commands)
    missing = [c for c in commands if not any(re.match(rf"\| `{re.escape(c)}(?: |`)", row) for row in rows)]
    assert missing == [], f"README's command table lacks {missing}"


@pytest.mark.django_db
def test_every_endpoint_is_in_the_readme_tables(client):
    readme = _readme()
    schema = client.get("/api/openapi.json").json()
    operations = [f"{method.upper()} {path}" for path, methods in schema["paths"].items() for method in methods]
    assert {"GET /api/ping", "POST /api/webhooks/google"} <= set(operations)
    missing = [op for op in operations if not re.search(rf"^\| `{re.escape(op)}(?:[`?\[])", readme, re.M)]
    assert missing == [], f"README's API table lacks {missing}"

    from django.urls import URLPattern

    from booksync import urls
    from booksync.web import mail_webhooks
    from booksync.web import urls as pages

    def route(pattern) -> str:
        return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", str(pattern.pattern))

    addresses = [route(p) for p in pages.urlpatterns]
    addresses += [route(p) for p in urls.urlpatterns if isinstance(p, URLPattern)]  # /embed.js
    addresses += ["/anymail/" + str(p.pattern) for p in mail_webhooks.urlpatterns]
    addresses += ["/admin/", "/admin/diary/", "/admin/email-preview/"]
    missing = [a for a in addresses if f"`{a}`" not in readme]
    assert missing == [], f"README's address table lacks {missing}"


def test_every_embed_attribute_is_documented():
    script = (ROOT / "booksync" / "web" / "templates" / "booksync" / "embed.js").read_text()
    attributes = {"data-" + re.sub(r"([A-Z])", r"-\1", name).lower() for name in re.findall(r"options\.(\w+)", script)}
    assert attributes == {"data-service", "data-mode", "data-label", "data-language", "data-title"}
    rows = [line for line in _readme().splitlines() if line.startswith("| `data-")]
    missing = [a for a in sorted(attributes) if not any(row.startswith(f"| `{a}`") for row in rows)]
    assert missing == [], f"README's embed table lacks {missing}"


def test_the_readme_says_make_test_needs_root():
    assert "`make test` needs root (it installs Debian packages)" in _readme()
    assert "apt-get" in (ROOT / "scripts" / "system-deps.sh").read_text()  # what the sentence is about


def test_the_variable_table_is_the_generated_one():
    import importlib.util

    spec = importlib.util.spec_from_file_location("update_readme_vars", ROOT / "scripts" / "update_readme_vars.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.table() in _readme(), "run scripts/update_readme_vars.py"
