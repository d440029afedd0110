"""The Google change feed and error handling, through the adapter against the emulator."""

from __future__ import annotations

from datetime import timedelta

import pytest

from booksync.integrations.google_calendar import google_calendar
from booksync.integrations.ports import IntegrationError, PermanentError
from booksync.scheduling import Interval
from tests.conftest import london

pytestmark = pytest.mark.usefixtures("google_settings")


def test_full_list_then_incremental_then_an_expired_token_resyncs(gcal, studio, monday):
    store = google_calendar()
    kept = gcal.human_insert("primary", london(monday, 9), london(monday, 10), "Kept")
    moved = gcal.human_insert("primary", london(monday, 11), london(monday, 12), "Moved")
    gone = gcal.human_insert("primary", london(monday, 13), london(monday, 14), "Gone")
    holiday = gcal.human_insert("primary", monday, monday + timedelta(days=1), "Holiday", all_day=True)
    first = store.changes(None)
    assert first.full and first.cursor
    assert {r.external_id for r in first.records} == {kept["id"], moved["id"], gone["id"], holiday["id"]}
    day = next(r for r in first.records if r.external_id == holiday["id"])
    assert (day.start, day.end) == (london(monday, 0), london(monday + timedelta(days=1), 0))

    gcal.human_move(moved["id"], london(monday, 15), london(monday, 16))
    gcal.human_delete(gone["id"])
    second = store.changes(first.cursor)
    assert not second.full
    by_id = {r.external_id: r for r in second.records}
    assert set(by_id) == {moved["id"], gone["id"]}
    assert by_id[moved["id"]].start == london(monday, 15) and not by_id[moved["id"]].deleted
    assert by_id[gone["id"]].deleted

    assert store.changes(second.cursor).records == []  # nothing new
    gcal.expire_sync_tokens()
    third = store.changes(second.cursor)
    assert third.full and {r.external_id for r in third.records} == {kept["id"], moved["id"], holiday["id"]}
    assert [c.status for c in gcal.calls("GET", r"/events$")][-2:] == [410, 200]


def test_short_pages_are_followed(gcal, studio, monday):
    gcal.max_page_size = 2
    for hour in range(9, 14):
        gcal.human_insert("primary", london(monday, hour), london(monday, hour, 30), f"E{hour}")
    batch = google_calendar().changes(None)
    assert len(batch.records) == 5 and batch.cursor


def test_our_events_carry_the_booking_id(gcal, studio, monday):
    ours = gcal.human_insert("primary", london(monday, 9), london(monday, 10), "Ours",
                             extendedProperties={"private": {"bookingId": "abc", "booksync": "1"}})
    record = google_calendar().fetch(ours["id"])
    assert record.booking_id == "abc" and record.extra["ours"]
    assert google_calendar().fetch("nosuchevent0") is None


def window(monday) -> Interval:
    return Interval(london(monday, 0), london(monday + timedelta(days=1), 0))


def test_rate_limits_are_retried_within_the_call(gcal, studio, monday):
    gcal.fail_rate_limited(status=403, reason="rateLimitExceeded", times=1)
    gcal.fail_rate_limited(status=429, times=1)
    assert google_calendar().busy(window(monday), live=True) == []
    assert [c.status for c in gcal.calls("POST", r"/freeBusy$")] == [403, 429, 200]


def test_persistent_5xx_becomes_a_retryable_error(gcal, studio, monday):
    gcal.fail_backend(status=503, times=None)
    with pytest.raises(IntegrationError) as caught:
        google_calendar().busy(window(monday), live=True)
    assert caught.value.retryable and len(gcal.calls("POST", r"/freeBusy$")) == 3


def test_quota_exceeded_is_not_retried_in_the_call(gcal, studio, monday):
    gcal.fail_quota_exceeded(times=None)
    with pytest.raises(IntegrationError) as caught:
        google_calendar().busy(window(monday), live=True)
    assert caught.value.retryable and "quota" in str(caught.value)
    assert len(gcal.calls("POST", r"/freeBusy$")) == 1


def test_a_hanging_server_ends_in_a_retryable_error(gcal, studio, monday):
    gcal.add_fault(kind="hang", seconds=2, path=r"/freeBusy$", times=None)
    with pytest.raises(IntegrationError) as caught:
        google_calendar().busy(window(monday), live=True)
    assert caught.value.retryable and "timed out" in str(caught.value)


def test_other_client_errors_are_permanent(gcal, google_settings, studio, monday):
    google_settings.GOOGLE_CALENDAR_ID = "nobody@example.com"
    # busy() reports any failure as CalendarUnreachable (with the last known busy time, ADR 0012);
    # the adapter's own verdict is its cause, and it stays not retryable.
    with pytest.raises(IntegrationError, match="not found") as caught:
        google_calendar().busy(window(monday), live=True)
    assert isinstance(caught.value.__cause__, PermanentError) and not caught.value.retryable


def test_a_revoked_refresh_token_waits_and_says_what_to_do(gcal, studio, monday):
    from booksync.integrations.ports import SignInRefused

    gcal.revoke_refresh_token(gcal.refresh_token)
    with pytest.raises(IntegrationError, match="booksync google auth") as caught:
        google_calendar().busy(window(monday), live=True)
    # Retryable since issue 24 (ADR 0016): the studio signs in again, then what waited goes out.
    assert isinstance(caught.value.__cause__, SignInRefused) and caught.value.retryable
