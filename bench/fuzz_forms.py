"""The long fuzz pass over the forms and webhooks: 150 hypothesis examples per target (7 targets: 1,050 requests).

Usage: .venv/bin/python bench/fuzz_forms.py [--examples 150]

Runs tests/security/test_fuzz_forms_webhooks.py with FUZZ_EXAMPLES set (``make test`` runs it with
40 per target) and prints the requests made and the statuses seen; the run fails on any 5xx.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=150)
    args = parser.parse_args()
    env = {**os.environ, "FUZZ_EXAMPLES": str(args.examples)}
    env.pop("DATABASE_URL", None)
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider",
                          "tests/security/test_fuzz_forms_webhooks.py"], cwd=ROOT, env=env,
                         capture_output=True, text=True)
    for line in run.stdout.splitlines():
        found = re.search(r"fuzz: .*|\d+ (passed|failed).*", line)
        if found:
            print(found.group(0))
    if run.returncode:
        print(run.stdout[-4000:], run.stderr[-2000:])
    return run.returncode


if __name__ == "__main__":
    sys.exit(main())
