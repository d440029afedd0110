"""Rewrite the environment-variable table in README.md from booksync/config.py (the one list of them)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from booksync.config import VARIABLES  # noqa: E402

HEADER = "| variable | default | purpose |\n| --- | --- | --- |\n"


def table() -> str:
    rows = "".join(f"| `{v.name}` | {v.documented_default.replace('|', '/') or '—'} | {v.purpose} |\n" for v in VARIABLES)
    return HEADER + rows


def main() -> None:
    readme = ROOT / "README.md"
    text = readme.read_text()
    pattern = re.compile(re.escape(HEADER) + r"(?:\|.*\|\n)*")
    if not pattern.search(text):
        raise SystemExit("README.md has no variable table to replace")
    readme.write_text(pattern.sub(lambda _: table(), text, count=1))


if __name__ == "__main__":
    main()
