"""Page weight and request count of the booking page, as a ratio to the studio's home page.

Runs the real product (gunicorn) on a throwaway SQLite database with the demo studio and
loads both pages in Debian's Chromium with an empty cache, counting every request and the
bytes that came over the wire (Chrome's encodedDataLength: headers plus body as sent).
The booking page is measured once its month view has loaded, so the availability call counts.
Usage: .venv/bin/python bench/page_weight.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Python puts this script's folder first on the path, where bench/calendar.py would
# shadow the standard library's calendar module: put the project root there instead.
sys.path[0] = str(ROOT)
DATA = Path(tempfile.mkdtemp(prefix="booksync-bench-"))
os.environ.setdefault("DATA_DIR", str(DATA))
os.environ["DJANGO_SETTINGS_MODULE"] = "booksync.settings"
os.environ["OUTBOX_WAKE_WORKER"] = "0"

import django  # noqa: E402

django.setup()
from django.core.management import call_command  # noqa: E402

from tests.liveserver import free_port, product_env, wait_until_up  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


@dataclass
class Weight:
    requests: int = 0
    bytes: int = 0
    by_type: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))


def measure(browser, url: str, *, ready_selector: str | None = None, width: int = 375) -> Weight:
    """Load ``url`` in a fresh context (empty cache) and add up what the network carried."""
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB",
                                  timezone_id="Europe/London")
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    kinds: dict[str, str] = {}
    weight = Weight()

    def on_request(event: dict) -> None:
        weight.requests += 1
        kinds[event["requestId"]] = event.get("type", "Other")

    def on_finished(event: dict) -> None:
        size = int(event["encodedDataLength"])
        weight.bytes += size
        entry = weight.by_type[kinds.get(event["requestId"], "Other")]
        entry[0] += 1
        entry[1] += size

    cdp.on("Network.requestWillBeSent", on_request)
    cdp.on("Network.loadingFinished", on_finished)
    page.goto(url, wait_until="load")
    if ready_selector:
        page.locator(ready_selector).first.wait_for()
    page.wait_for_load_state("networkidle")
    context.close()
    return weight


def describe(name: str, weight: Weight) -> None:
    print(f"{name}: {weight.bytes / 1024:.1f} KiB transferred in {weight.requests} requests")
    for kind, (count, size) in sorted(weight.by_type.items()):
        print(f"    {kind:<10} {count:>2} × → {size / 1024:6.1f} KiB")


def main() -> None:
    from playwright.sync_api import sync_playwright

    from booksync.bookings.demo import load_demo

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    load_demo()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = product_env(SITE_URL=base, OUTBOX_WAKE_WORKER="0")
    server = subprocess.Popen([sys.executable, "-m", "booksync.cli", "serve", "--port", str(port), "--workers", "1"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(base, process=server)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            home = measure(browser, base + "/")
            booking = measure(browser, base + "/book/portrait/", ready_selector="#month .day")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=15)
    describe("baseline: home page /", home)
    describe("booking page /book/portrait/ (month view loaded)", booking)
    print(f"ratio booking / home: {booking.bytes / home.bytes:.2f}x bytes, "
          f"{booking.requests / home.requests:.2f}x requests")


if __name__ == "__main__":
    main()
