"""Each adapter names its provider's failures with the ports' exceptions (ADR 0013 (c)).

Driven against the emulators through the real SDKs; the edge functions are called directly, since
callers see only these classes (busy() wraps them further, with the last known busy time).
"""

from __future__ import annotations

import pytest

from booksync.integrations.google_api import execute
from booksync.integrations.google_calendar import google_calendar
from booksync.integrations.notion_http import call, make_client
from booksync.integrations.ports import (
    NotAuthorised,
    NotFound,
    PermanentError,
    PreconditionFailed,
    RateLimited,
    TransientError,
)
from tests.conftest import london

from .notion_fixtures import emu, notion_db, notion_settings  # noqa: F401


def _free_busy(store, monday):
    body = {"timeMin": london(monday, 9).isoformat(), "timeMax": london(monday, 17).isoformat(),
            "items": [{"id": store.calendar_id}]}
    return store.service.freebusy().query(body=body)


def test_google_rate_limits_and_outages_have_their_names(google_settings, gcal, studio, monday):
    store = google_calendar()
    gcal.fail_rate_limited(status=429, times=3, retry_after=7, path=r"/freeBusy$")
    with pytest.raises(RateLimited) as limited:
        execute(_free_busy(store, monday), "freeBusy")
    assert limited.value.retryable and limited.value.retry_after == 7

    gcal.fail_backend(status=503, times=3, path=r"/freeBusy$")
    with pytest.raises(TransientError) as down:
        execute(_free_busy(store, monday), "freeBusy")
    assert down.value.retryable and not isinstance(down.value, RateLimited)


def test_google_refusing_the_sign_in_is_not_authorised_and_waits(google_settings, gcal, studio):
    gcal.revoke_refresh_token(gcal.refresh_token)
    with pytest.raises(NotAuthorised) as refused:
        execute(google_calendar().service.calendars().get(calendarId="primary"), "read calendar")
    # Retryable since issue 24, like CalDAV's refused password: a person signs in again, then it goes out.
    assert refused.value.retryable and "booksync google auth" in str(refused.value)


def test_google_answers_about_one_event_have_their_names(google_settings, gcal, studio, monday):
    store = google_calendar()
    with pytest.raises(NotFound):
        execute(store.events.get(calendarId="primary", eventId="nosuchevent0"), "get event")
    event = gcal.human_insert("primary", london(monday, 9), london(monday, 10), "Taken")
    with pytest.raises(PreconditionFailed) as exists:
        execute(store.events.insert(calendarId="primary", body={**event, "id": event["id"]}), "insert event")
    assert exists.value.retryable
    stale = store.events.patch(calendarId="primary", eventId=event["id"], body={"summary": "Mine"})
    stale.headers["If-Match"] = '"not-the-etag"'
    with pytest.raises(PreconditionFailed):
        execute(stale, "patch event")


@pytest.mark.usefixtures("emu")
def test_notion_refusals_and_missing_pages_have_their_names(notion_settings, studio):  # noqa: F811
    with pytest.raises(NotFound) as missing:
        call("reading a page", make_client().pages.retrieve, page_id="0" * 32)
    assert not missing.value.retryable and "share the bookings database" in str(missing.value)
    notion_settings.NOTION_API_KEY = "secret_wrong"
    with pytest.raises(NotAuthorised) as refused:
        call("checking the token", make_client().users.me, repeatable=False)
    assert isinstance(refused.value, PermanentError) and "NOTION_API_KEY" in str(refused.value)


@pytest.mark.radicale
def test_caldav_refusals_and_missing_events_have_their_names(own_caldav_settings, studio):
    from booksync.integrations.caldav import caldav_calendar

    calendar = caldav_calendar()
    assert calendar.fetch("booksync-nothing-here.ics") is None  # NotFound, taken as the answer
    own_caldav_settings.CALDAV_PASSWORD = "not-the-password"
    with pytest.raises(NotAuthorised) as refused:
        caldav_calendar().fetch("booksync-nothing-here.ics")
    # Retryable: a person fixes the password, and what waited in the outbox goes out then.
    assert refused.value.retryable and "refused CALDAV_USERNAME/CALDAV_PASSWORD" in str(refused.value)
