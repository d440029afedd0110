"""One hostile client, 60 seconds: how many slots it takes and how many emails it makes the studio send.

Usage: .venv/bin/python bench/abuse.py [--seconds 60]

For each scenario a fresh product (SQLite, demo studio, gunicorn with two
workers) is served and one scripted client, alone, repeats two attacks as fast
as the server answers, alternating the JSON API and the web form (CSRF token
and all, as a browser would):
  - fill the diary: book the next free slot, a new email address each time;
  - mail-bomb: book a slot for the victim's address, then cancel it.
It does so with and without a rotating ``X-Forwarded-For`` (a new made-up
address per request), first with the abuse limits lifted (the baseline: what
the same client got before issue 13) and then with the shipped defaults.
After each run the outbox is delivered (as the worker would, honouring
held-back emails) and the script prints the bookings that got through, the
free slots left in the 60-day horizon, and the emails that reached the victim
(held back: owed but waiting for the hourly limit).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.liveserver import NO_BOOKING_LIMITS, free_port, wait_until_up  # noqa: E402

VICTIM = "victim@example.com"
CLI = [sys.executable, "-m", "booksync.cli"]


def product_env(data_dir: str, url: str, limits: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "BOOKING_", "EMAILS_PER"))}
    env.update({"DATA_DIR": data_dir, "DATABASE_URL": f"sqlite:///{data_dir}/abuse.sqlite3", "SITE_URL": url,
                "DJANGO_SETTINGS_MODULE": "booksync.settings", "OUTBOX_WAKE_WORKER": "false", "LOG_LEVEL": "WARNING",
                "NO_PROXY": "127.0.0.1,localhost"})
    env.update(limits)
    return env


def bookable(starts: list[str], minutes: int = 60) -> list[str]:
    """Starts that do not overlap one another (a booked hour blocks the half-hour starts inside it)."""
    from datetime import datetime

    chosen: list[str] = []
    for start in sorted(starts, key=datetime.fromisoformat):
        if not chosen or datetime.fromisoformat(start) >= datetime.fromisoformat(chosen[-1]) + timedelta(minutes=minutes):
            chosen.append(start)
    return chosen


def free_slots(session: requests.Session, url: str) -> list[str]:
    """Every free portrait start in the next 60 days (two batch calls of up to 62 dates)."""
    days = [str(date.today() + timedelta(days=n)) for n in range(61)]
    starts: list[str] = []
    for chunk in (days[:31], days[31:]):
        answer = session.post(f"{url}/api/calendar/availability-batch", json={"dates": chunk, "service": "portrait"})
        answer.raise_for_status()
        starts += [slot["start"] for day in answer.json()["days"] for slot in day["slots"]]
    return starts


class Attacker:
    def __init__(self, url: str, rotate_forwarded_for: bool):
        self.url = url
        self.session = requests.Session()
        self.rotate = rotate_forwarded_for
        self.fake = (f"198.51.{n // 250}.{n % 250 + 1}" for n in itertools.count())
        self.statuses: dict[int, int] = {}
        self.bookings = 0
        self.last_status = 0

    def headers(self) -> dict[str, str]:
        return {"X-Forwarded-For": next(self.fake)} if self.rotate else {}

    def note(self, status: int) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1

    def book_api(self, start: str, email: str) -> str | None:
        """A booking through the API; returns its manage token when it got through."""
        answer = self.session.post(f"{self.url}/api/bookings", headers=self.headers(),
                                   json={"service": "portrait", "start": start, "name": "Spam Spam", "email": email})
        self.note(answer.status_code)
        self.last_status = answer.status_code
        if answer.status_code == 201:
            self.bookings += 1
            return answer.json()["manage_url"].rstrip("/").rsplit("/", 1)[1]
        return None

    def book_form(self, start: str, email: str) -> str | None:
        day = start[:10]
        page = self.session.get(f"{self.url}/book/portrait/", params={"date": day}, headers=self.headers())
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        key = re.search(r'name="idempotency_key" value="([^"]+)"', page.text)
        if not csrf:
            self.note(page.status_code)
            self.last_status = page.status_code
            return None
        utc = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(_epoch(start)))
        answer = self.session.post(f"{self.url}/book/portrait/", allow_redirects=False, headers={
            **self.headers(), "Referer": f"{self.url}/book/portrait/"}, data={
            "csrfmiddlewaretoken": csrf.group(1), "idempotency_key": key.group(1) if key else "", "start": utc,
            "date": day, "timezone": "Europe/London", "name": "Spam Spam", "email": email})
        self.note(answer.status_code)
        self.last_status = answer.status_code
        if answer.status_code == 302 and "/manage/" in answer.headers.get("Location", ""):
            self.bookings += 1
            return answer.headers["Location"].split("/manage/")[1].split("/")[0]
        return None

    def cancel(self, token: str) -> None:
        answer = self.session.post(f"{self.url}/api/bookings/manage/{token}/cancel", json={},
                                   headers=self.headers())
        self.note(answer.status_code)


def _epoch(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso).timestamp()


def attack(url: str, seconds: float, rotate: bool) -> Attacker:
    attacker = Attacker(url, rotate)
    starts = bookable(free_slots(requests.Session(), url))
    # The victim's slot is the last one: far enough ahead that the customer may still cancel it.
    victim_slot = starts.pop()
    slots = iter(starts)
    start, fill_status = None, 0
    deadline = time.monotonic() + seconds
    for n in itertools.count():
        if time.monotonic() >= deadline:
            break
        book = attacker.book_api if n % 4 < 2 else attacker.book_form
        if n % 2 == 0:  # fill the diary: move on to the next slot once this one is taken
            if start is None or fill_status in (201, 302, 409):
                start = next(slots, None)
            if start is None:
                break
            book(start, f"filler{n}@example.com")
            fill_status = attacker.last_status
        else:  # mail-bomb the victim: book and cancel the same slot again and again
            token = book(victim_slot, VICTIM)
            if token:
                attacker.cancel(token)
    return attacker


def deliver(env: dict[str, str]) -> None:
    code = ("import django; django.setup(); from booksync.outbox.delivery import deliver_due; "
            "[deliver_due() for _ in range(20)]")
    subprocess.run([*CLI[:1], "-c", code], env=env, cwd=ROOT, check=True)


def victim_figures(env: dict[str, str], outbox: Path) -> tuple[int, int]:
    sent = sum(1 for path in outbox.glob("*.eml")
               if VICTIM in str(message_from_bytes(path.read_bytes(), policy=policy.default)["To"]))
    code = ("import django; django.setup(); from booksync.bookings.messages.mail_limits import held_back_emails; "
            f"print(sum(1 for m in held_back_emails() if m.booking.email == {VICTIM!r}))")
    held = subprocess.run([*CLI[:1], "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    return sent, int(held.stdout.strip().splitlines()[-1])


def scenario(name: str, limits: dict[str, str], rotate: bool, seconds: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="booksync-abuse-") as data_dir:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = product_env(data_dir, url, limits)
        subprocess.run([*CLI, "setup"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        server = subprocess.Popen([*CLI, "serve", "--port", str(port), "--workers", "2"], env=env, cwd=ROOT,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_until_up(url, process=server)
            slots_before = len(free_slots(requests.Session(), url))
            started = time.monotonic()
            attacker = attack(url, seconds, rotate)
            elapsed = time.monotonic() - started
            slots_after = len(free_slots(requests.Session(), url))
        finally:
            server.terminate()
            server.wait(timeout=15)
        deliver(env)
        sent, held = victim_figures(env, Path(data_dir) / "outbox")
    return {"scenario": name, "seconds": round(elapsed, 1), "requests": sum(attacker.statuses.values()),
            "bookings": attacker.bookings, "free slots": f"{slots_after}/{slots_before}",
            "emails to victim": sent, "held back": held, "statuses": dict(sorted(attacker.statuses.items()))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    lifted = {k: v for k, v in NO_BOOKING_LIMITS.items()}
    results = []
    for limits_name, limits in (("limits lifted (baseline)", lifted), ("default limits", {})):
        for rotate in (False, True):
            name = f"{limits_name}, {'rotating' if rotate else 'no'} X-Forwarded-For"
            results.append(scenario(name, limits, rotate, args.seconds))
            print(json.dumps(results[-1]), flush=True)
    print()
    print(f"{'scenario':55} {'bookings':>8} {'free slots':>11} {'emails to victim':>17} {'held back':>9}")
    for r in results:
        print(f"{r['scenario']:55} {r['bookings']:>8} {r['free slots']:>11} {r['emails to victim']:>17} "
              f"{r['held back']:>9}")
    base = {r["scenario"].split(", ", 1)[1]: r for r in results[:2]}
    for r in results[2:]:
        b = base[r["scenario"].split(", ", 1)[1]]
        print(f"ratio default/baseline ({r['scenario'].split(', ', 1)[1]}): bookings "
              f"{r['bookings'] / max(b['bookings'], 1):.3f}, emails to victim "
              f"{r['emails to victim'] / max(b['emails to victim'], 1):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
