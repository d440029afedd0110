"""CalDAV requests for a full read and a no-change incremental read, against the library's defaults.

Starts a real Radicale behind a logging proxy (tests/integrations/dav_proxy.py)
and fills a calendar with N events for several N. For each N it counts the
requests of, first, the baseline measured in the same run (the `caldav`
library's defaults as booksync used them before: a new client per call, which
asks unauthenticated first and is answered 401, discovery by PROPFIND each time,
then sync-collection with ``load_objects=True``, a GET per event) and then
booksync's own ``CalDAVCalendar.changes`` (one client per thread with Basic
credentials up front, the calendar by URL, sync-collection plus one
calendar-multiget). Prints both counts by method and their ratio.
Usage: .venv/bin/python bench/caldav_calls.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")

from tests.integrations.caldav_fixtures import PASSWORD, USER, RadicaleServer  # noqa: E402
from tests.integrations.dav_proxy import DavProxy  # noqa: E402

SIZES = (10, 100, 500)

server = RadicaleServer(Path(tempfile.mkdtemp(prefix="booksync-bench-radicale-"))).start()
proxy = DavProxy(server.url).start()
os.environ.update({
    "DATA_DIR": tempfile.mkdtemp(prefix="booksync-bench-caldav-"),
    "DJANGO_SETTINGS_MODULE": "booksync.settings",
    "OUTBOX_WAKE_WORKER": "0",
    "CALDAV_URL": proxy.url,
    "CALDAV_USERNAME": USER,
    "CALDAV_PASSWORD": PASSWORD,
})
os.environ.pop("DATABASE_URL", None)

import caldav  # noqa: E402
import django  # noqa: E402

django.setup()
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from booksync.integrations.caldav import caldav_calendar  # noqa: E402


def fill(calendar, count: int) -> None:
    start = datetime(2030, 1, 7, 9, tzinfo=UTC)
    for n in range(count):
        begin = start + timedelta(days=n // 8, hours=n % 8)
        calendar.save_event(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:{uuid.uuid4()}\r\nDTSTAMP:20300101T000000Z\r\nDTSTART:{begin:%Y%m%dT%H%M%SZ}\r\n"
            f"DTEND:{begin + timedelta(hours=1):%Y%m%dT%H%M%SZ}\r\nSUMMARY:Event {n}\r\n"
            "END:VEVENT\r\nEND:VCALENDAR\r\n")


def counted(operation) -> Counter:
    mark = proxy.mark()
    operation()
    seen = proxy.since(mark)
    kinds = Counter(s.method for s in seen)
    kinds["401 answers"] = sum(1 for s in seen if s.status == 401)
    return kinds


def baseline(name: str, token: str | None = None):
    """The library's defaults: a new client, discovery, then a GET for every event."""
    def read():
        client = caldav.DAVClient(url=proxy.url, username=USER, password=PASSWORD, timeout=15)
        for calendar in client.principal().calendars():
            if calendar.get_display_name() == name:
                list(calendar.get_objects_by_sync_token(sync_token=token, load_objects=True))
    return read


def show(label: str, kinds: Counter) -> int:
    total = sum(v for k, v in kinds.items() if k != "401 answers")
    detail = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()) if v)
    print(f"    {label:<9} {total:4d} requests ({detail})")
    return total


def main() -> None:
    call_command("migrate", verbosity=0)
    from booksync.bookings.demo import load_demo

    load_demo()
    principal = caldav.DAVClient(url=server.url, username=USER, password=PASSWORD).principal()
    print("CalDAV requests through a logging proxy in front of Radicale "
          "(baseline: the caldav library's defaults, as booksync used them before):")
    for size in SIZES:
        name = f"Bench {size}"
        calendar = principal.make_calendar(name=name, cal_id=uuid.uuid4().hex)
        fill(calendar, size)
        settings.CALDAV_CALENDAR = proxy.url.rstrip("/") + calendar.url.path
        print(f"  full read of {size} events:")
        before = show("baseline", counted(baseline(name)))
        batch = None

        def ours_full():
            nonlocal batch
            batch = caldav_calendar().changes(None)

        ours = show("booksync", counted(ours_full))
        assert len(batch.records) == size
        print(f"    ratio baseline/booksync: {before / ours:.1f}x")
        cursor = batch.cursor
        print(f"  no-change incremental read ({size} events):")
        before = show("baseline", counted(baseline(name, cursor.removeprefix("c1:"))))
        ours = show("booksync", counted(lambda cursor=cursor: caldav_calendar().changes(cursor)))
        print(f"    ratio baseline/booksync: {before / ours:.1f}x")
    proxy.stop()
    server.stop()


if __name__ == "__main__":
    main()
