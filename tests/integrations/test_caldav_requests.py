"""CalDAV round trips, counted by a logging proxy in front of a real Radicale (issue 17).

A calendar app finds the calendar once, sends its credentials with the first
request, lists changes with one sync-collection REPORT and fetches their data
with one calendar-multiget. booksync must cost no more.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from booksync.integrations.caldav import caldav_calendar
from booksync.sync.engine import run_sync
from tests.conftest import london

from .caldav_fixtures import Radicale
from .dav_proxy import DavProxy
from .test_caldav_calendar import foreign_event

pytestmark = [pytest.mark.radicale]


@pytest.fixture
def proxy(radicale: Radicale) -> Iterator[DavProxy]:
    server = DavProxy(radicale.url).start()
    yield server
    server.stop()


@pytest.fixture
def proxied(caldav_settings, proxy: DavProxy, dav_calendar):
    """booksync talks to Radicale through the proxy; the calendar is given by URL."""
    caldav_settings.CALDAV_URL = proxy.url
    caldav_settings.CALDAV_CALENDAR = proxy.url.rstrip("/") + dav_calendar.url.path
    return caldav_settings


def fill(dav_calendar, monday, count: int) -> None:
    for n in range(count):
        day = monday + timedelta(days=n // 8)
        foreign_event(dav_calendar, london(day, 9 + n % 8), london(day, 10 + n % 8), f"Event {n}")


def requests_for(proxy: DavProxy, operation) -> list:
    mark = proxy.mark()
    operation()
    return proxy.since(mark)


@pytest.mark.parametrize("count", [3, 40])
def test_a_full_read_costs_the_same_few_requests_whatever_the_number_of_events(
        proxied, proxy, studio, monday, dav_calendar, count):
    fill(dav_calendar, monday, count)
    batch = None

    def read():
        nonlocal batch
        batch = caldav_calendar().changes(None)

    seen = requests_for(proxy, read)
    assert len(batch.records) == count and all(r.start for r in batch.records)
    assert [s.method for s in seen] == ["REPORT", "REPORT"]  # sync-collection, calendar-multiget
    assert len(seen) <= 3
    # Credentials go with the first request: no unauthenticated probe answered 401.
    assert all(s.authorized and s.status != 401 for s in seen)


def test_a_no_change_incremental_read_and_sync_cost_at_most_two_requests(proxied, proxy, studio, monday,
                                                                           dav_calendar):
    fill(dav_calendar, monday, 5)
    cursor = caldav_calendar().changes(None).cursor
    seen = requests_for(proxy, lambda: caldav_calendar().changes(cursor))
    assert [s.method for s in seen] == ["REPORT"]

    run_sync(trigger="admin", full=True)  # imports the five events, settles the cursor
    seen = requests_for(proxy, lambda: run_sync(trigger="schedule", full=False))
    assert [s.method for s in seen] == ["REPORT"]  # the sync-collection: nothing changed, nothing more
    assert all(s.authorized and s.status != 401 for s in seen)


def test_discovery_runs_once_per_process_and_not_at_all_for_a_url(proxied, proxy, studio, monday, dav_calendar):
    fill(dav_calendar, monday, 1)
    window_day = monday

    def busy():
        from booksync.integrations import busy_days
        from booksync.scheduling import Interval

        store = caldav_calendar()
        busy_days.invalidate(store.cache_namespace)
        store.busy(Interval(london(window_day, 0), london(window_day, 23)), live=True)

    # By URL: no PROPFIND ever.
    seen = requests_for(proxy, busy)
    assert "PROPFIND" not in [s.method for s in seen] and len(seen) == 1

    # By name: the first store of the process discovers, every later one reuses what it found.
    proxied.CALDAV_CALENDAR = dav_calendar.get_display_name()
    first = requests_for(proxy, busy)
    assert [s.method for s in first].count("PROPFIND") >= 1
    again = requests_for(proxy, busy)
    assert [s.method for s in again] == ["REPORT"]

