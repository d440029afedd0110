"""Faults, longer: the convergence test with more rounds, at several fault rates, figures printed.

Runs tests/faults/test_convergence.py (the same workload, emulators and checks)
once per rate with FAULT_ROUNDS and FAULT_BOOKINGS turned up, and prints for
each: injected fault rate (measured over every request the emulators saw),
requests, lost answers, sync actions attempted (sync actions plus outbox
delivery attempts), whether it converged, duplicates (goal 0) and lost (goal 0).

    .venv/bin/python bench/faults.py [--rates 0.2 0.3] [--rounds 12] [--bookings 4]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(rate: float, rounds: int, bookings: int, seed: int) -> tuple[bool, dict]:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "figures.json"
        env = {**os.environ, "FAULT_RATE": str(rate), "FAULT_ROUNDS": str(rounds), "FAULT_BOOKINGS": str(bookings),
               "FAULT_SEED": str(seed), "FAULT_REPORT": str(report)}
        env.pop("DATABASE_URL", None)
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--timeout", "280",
                               "tests/faults/test_convergence.py"], cwd=ROOT, env=env, capture_output=True, text=True)
        figures = json.loads(report.read_text()) if report.exists() else {}
        if done.returncode and not figures:
            print(done.stdout[-3000:], done.stderr[-2000:])
        return done.returncode == 0, figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", type=float, nargs="+", default=[0.2, 0.3])
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--bookings", type=int, default=4)
    parser.add_argument("--seed", type=int, default=21)
    args = parser.parse_args()
    worst = 0
    print("bench/faults.py — mixed workload under injected faults, then convergence checks")
    for rate in args.rates:
        passed, f = run(rate, args.rounds, args.bookings, args.seed)
        actions = f.get("driver", {}).get("sync actions", 0) + f.get("outbox_attempts", 0)
        print(f"\n  configured fault rate        {rate:.2f}")
        print(f"  injected fault rate          {f.get('fault_rate_injected', 0):.3f} "
              f"({f.get('faulted_requests', 0)} of {f.get('requests', 0)} requests, including "
              f"{f.get('lost_answers', 0)} answers lost after the work was done)")
        print(f"  workload                     {f.get('workload', {})}")
        print(f"  sync actions attempted       {actions} ({f.get('driver', {}).get('syncs', 0)} syncs, "
              f"{f.get('outbox_attempts', 0)} outbox delivery attempts)")
        print(f"  emails sent                  {f.get('emails_sent', 0)}")
        print(f"  clean rounds to settle       {f.get('clean_rounds_needed', '?')}")
        print(f"  converged                    {'yes' if passed else 'no'}")
        print(f"  duplicates                   {f.get('duplicates', '?')}")
        print(f"  lost                         {f.get('lost', '?')}")
        for problem in f.get("problems", [])[:10]:
            print(f"    ! {problem}")
        worst = worst or (0 if passed else 1)
    return worst


if __name__ == "__main__":
    raise SystemExit(main())
