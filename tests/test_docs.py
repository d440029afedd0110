"""The README stays true: its set-up commands and every environment variable the code reads."""

from __future__ import annotations

import re
from pathlib import Path

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
