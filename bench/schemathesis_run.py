"""A long schemathesis CLI pass over every API operation of a freshly set-up product; prints its summary.

    .venv/bin/python bench/schemathesis_run.py [--max-examples 200] [--workers 4]

Sets up a throw-away SQLite database with the demo studio, serves it with
gunicorn (`booksync serve`), and runs `schemathesis run` with every phase
(examples, coverage, fuzzing, stateful) and every check but one:
``positive_data_acceptance`` expects a 2xx for any schema-valid request, and
ours rightly refuse many (a start in the past, neither service nor duration,
an unsigned webhook) for rules a JSON schema cannot state. The admin API and the
Notion automation webhook share one secret here, so the one Authorization
header the CLI sends opens both and their authorised paths are fuzzed too.
Exit status is schemathesis' own (0: no failures).

Why a shim instead of the plain `schemathesis` command: caldav depends on
niquests, which installs urllib3-future over urllib3; schemathesis' requests
transport then fails while counting pooled connections (an AttributeError on
urllib3-future's pool container) before its first request. The shim turns that
count, used only to decide whether to resend after a dropped keep-alive
connection, into a constant; requests themselves are untouched.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.liveserver import free_port, wait_until_up  # noqa: E402

SECRET = "bench-schemathesis-secret"
SHIM = (
    "import sys, schemathesis.transport.requests as transport\n"
    "transport._count_opened_connections = lambda session: 0\n"
    "from schemathesis.cli import schemathesis\n"
    "sys.argv[0] = 'schemathesis'\n"
    "schemathesis()\n"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=200, help="examples per operation and phase")
    # One worker: with several, schemathesis 4.32's own schema walk fails in threads (runtime errors
    # inside schemathesis, not answers from us).
    parser.add_argument("--workers", type=int, default=1, help="concurrent schemathesis workers")
    parser.add_argument("--web-workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="booksync-schemathesis-") as data_dir:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "DATA_DIR": data_dir, "DATABASE_URL": f"sqlite:///{data_dir}/bench.sqlite3",
               "SECRET_KEY": "bench-" + "k" * 40, "SITE_URL": url, "ADMIN_API_TOKEN": SECRET,
               "NOTION_WEBHOOK_SECRET": SECRET, "OUTBOX_WAKE_WORKER": "false", "LOG_LEVEL": "WARNING",
               "NO_PROXY": "127.0.0.1,localhost"}
        cli = [sys.executable, "-m", "booksync.cli"]
        subprocess.run([*cli, "setup"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        server_log = Path(data_dir) / "server.log"
        with open(server_log, "wb") as out:
            server = subprocess.Popen([*cli, "serve", "--port", str(port), "--workers", str(args.web_workers)],
                                      env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_until_up(url, timeout=60.0, process=server)
            started = time.monotonic()
            command = [sys.executable, "-c", SHIM, "run", f"{url}/api/openapi.json",
                       "--checks", "all", "--exclude-checks", "positive_data_acceptance", "--max-examples", str(args.max_examples), "--workers", str(args.workers),
                       "--seed", str(args.seed), "--request-timeout", "30",
                       "--header", f"Authorization: Bearer {SECRET}"]
            print("$ schemathesis " + " ".join(command[3:]), flush=True)
            status = subprocess.run(command, env=env, cwd=ROOT).returncode
            print(f"\nschemathesis exit status {status} after {time.monotonic() - started:.0f} s "
                  f"({args.max_examples} examples per operation and phase)")
        finally:
            server.terminate()
            server.wait(timeout=30)
        errors = [line for line in server_log.read_text(errors="replace").splitlines() if "Traceback" in line]
        print(f"server tracebacks logged: {len(errors)}")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
