"""The Google Calendar emulator, exercised through the real googleapiclient over HTTP."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from google.auth.exceptions import RefreshError
from googleapiclient.errors import HttpError

from .google_calendar import GoogleCalendarEmulator

DAY = datetime(2030, 5, 6, tzinfo=UTC)  # a Monday, far from "now"


def at(hour: float, day: datetime = DAY) -> str:
    return (day + timedelta(hours=hour)).isoformat().replace("+00:00", "Z")


def event_body(start: float, end: float, **extra: Any) -> dict[str, Any]:
    return {"start": {"dateTime": at(start)}, "end": {"dateTime": at(end)}, **extra}


def reason(exc: HttpError) -> str:
    return json.loads(exc.content)["error"]["errors"][0]["reason"]


@pytest.fixture
def emu() -> Iterator[GoogleCalendarEmulator]:
    emulator = GoogleCalendarEmulator()
    emulator.start()
    yield emulator
    emulator.stop()


@pytest.fixture
def service(emu: GoogleCalendarEmulator) -> Any:
    return emu.build_service()


def raw(emu: GoogleCalendarEmulator, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """A request outside the SDK (which refuses unknown parameters itself)."""
    form = (
        f"grant_type=refresh_token&client_id={emu.client_id}"
        f"&client_secret={emu.client_secret}&refresh_token={emu.refresh_token}"
    ).encode()
    with urllib.request.urlopen(urllib.request.Request(emu.token_uri, data=form)) as resp:
        token = json.loads(resp.read())["access_token"]
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        emu.url + path,
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request) as resp:
            payload = resp.read()
            return resp.status, json.loads(payload) if payload else None
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


# ----------------------------------------------------------------------------- auth
def test_token_refresh_and_expiry(emu: GoogleCalendarEmulator, service: Any) -> None:
    cal = service.calendars().get(calendarId="primary").execute()
    assert cal["timeZone"] == "Europe/Berlin"
    assert emu.token_requests == 1
    emu.expire_access_tokens()
    service.calendars().get(calendarId="primary").execute()  # 401 → refresh → retry
    assert emu.token_requests == 2
    assert [e.status for e in emu.calls("GET", r"/calendars/")] == [200, 401, 200]


def test_bad_refresh_token_and_missing_bearer(emu: GoogleCalendarEmulator) -> None:
    bad = emu.build_service(emu.credentials(refresh_token="not-registered"))
    with pytest.raises(RefreshError, match="invalid_grant"):
        bad.calendars().get(calendarId="primary").execute()
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(emu.api_endpoint + "calendars/primary")
    assert info.value.code == 401
    assert json.loads(info.value.read())["error"]["errors"][0]["reason"] == "authError"


# ----------------------------------------------------------------------------- events
def test_client_ids_duplicates_and_deletion(emu: GoogleCalendarEmulator, service: Any) -> None:
    events = service.events()
    created = events.insert(calendarId="primary", body=event_body(9, 10, id="bk0001abc")).execute()
    assert created["id"] == "bk0001abc" and created["status"] == "confirmed"
    assert created["kind"] == "calendar#event" and created["start"]["dateTime"].endswith("+02:00")
    with pytest.raises(HttpError) as dup:
        events.insert(calendarId="primary", body=event_body(9, 10, id="bk0001abc")).execute()
    assert dup.value.status_code == 409 and reason(dup.value) == "duplicate"
    with pytest.raises(HttpError) as bad_id:
        events.insert(calendarId="primary", body=event_body(9, 10, id="Bad_Id_W")).execute()
    assert bad_id.value.status_code == 400

    events.delete(calendarId="primary", eventId="bk0001abc").execute()
    with pytest.raises(HttpError) as gone:
        events.delete(calendarId="primary", eventId="bk0001abc").execute()
    assert gone.value.status_code == 410 and reason(gone.value) == "deleted"
    with pytest.raises(HttpError) as again:
        events.insert(calendarId="primary", body=event_body(9, 10, id="bk0001abc")).execute()
    assert again.value.status_code == 409
    # the docs: "The get method always returns them" (deleted = status cancelled)
    assert events.get(calendarId="primary", eventId="bk0001abc").execute()["status"] == "cancelled"
    with pytest.raises(HttpError) as missing:
        events.get(calendarId="primary", eventId="unknown00").execute()
    assert missing.value.status_code == 404


def test_send_updates_and_invitation_log(emu: GoogleCalendarEmulator, service: Any) -> None:
    body = event_body(9, 10, attendees=[{"email": "guest@client.test"}])
    ev = service.events().insert(calendarId="primary", body=body, sendUpdates="all").execute()
    assert ev["attendees"] == [{"email": "guest@client.test", "responseStatus": "needsAction"}]
    quiet = service.events().insert(calendarId="primary", body=body, sendUpdates="none").execute()
    assert [i.email for i in emu.invitations_for(ev["id"])] == ["guest@client.test"]
    assert emu.invitations_for(quiet["id"]) == []
    assert [c.send_updates for c in emu.send_updates_log] == ["all", "none"]
    guests = [{"email": "guest@client.test"}, {"email": "new@client.test"}]
    service.events().patch(
        calendarId="primary", eventId=ev["id"], body={"attendees": guests}, sendUpdates="all"
    ).execute()
    assert [(i.email, i.kind) for i in emu.invitations_for(ev["id"])][1:] == [
        ("guest@client.test", "update"),
        ("new@client.test", "invitation"),
    ]
    service.events().delete(calendarId="primary", eventId=ev["id"], sendUpdates="all").execute()
    assert {i.kind for i in emu.invitations[-2:]} == {"cancellation"}
    status, _ = raw(emu, "POST", "/calendar/v3/calendars/primary/events?sendUpdates=some", body)
    assert status == 400


def test_if_match_and_sequence(emu: GoogleCalendarEmulator, service: Any) -> None:
    ev = service.events().insert(calendarId="primary", body=event_body(9, 10)).execute()
    stale = ev["etag"]
    request = service.events().patch(
        calendarId="primary", eventId=ev["id"], body={"summary": "renamed"}
    )
    request.headers["If-Match"] = stale
    renamed = request.execute()
    assert renamed["etag"] != stale and renamed["sequence"] == 0
    moved = (
        service.events()
        .patch(calendarId="primary", eventId=ev["id"], body=event_body(11, 12))
        .execute()
    )
    assert moved["sequence"] == 1 and moved["summary"] == "renamed"
    request = service.events().delete(calendarId="primary", eventId=ev["id"])
    request.headers["If-Match"] = stale
    with pytest.raises(HttpError) as info:
        request.execute()
    assert info.value.status_code == 412 and reason(info.value) == "conditionNotMet"


def test_schema_validation(emu: GoogleCalendarEmulator, service: Any) -> None:
    insert = service.events().insert
    for body in (
        event_body(9, 10, bookingId="x"),  # not an Event field
        event_body(9, 10, summary=5),  # wrong type
        {"start": {"dateTime": at(9)}},  # no end
        event_body(10, 9),  # end before start
        {"start": {"dateTime": "2030-05-06T09:00:00"}, "end": {"dateTime": "2030-05-06T10:00:00"}},
    ):
        with pytest.raises(HttpError) as info:
            insert(calendarId="primary", body=body).execute()
        assert info.value.status_code == 400, body
    status, body = raw(emu, "GET", "/calendar/v3/calendars/primary/events?bogus=1")
    assert status == 400 and body["error"]["code"] == 400
    with pytest.raises(HttpError) as info:
        service.events().list(calendarId="primary", orderBy="startTime").execute()
    assert info.value.status_code == 400
    assert emu.events() == []


def test_list_filters(emu: GoogleCalendarEmulator, service: Any) -> None:
    private = {"private": {"bookingId": "42"}}
    mine = (
        service.events()
        .insert(calendarId="primary", body=event_body(9, 10, extendedProperties=private))
        .execute()
    )
    service.events().insert(calendarId="primary", body=event_body(10, 11)).execute()
    found = (
        service.events()
        .list(calendarId="primary", privateExtendedProperty="bookingId=42")
        .execute()
    )
    assert [e["id"] for e in found["items"]] == [mine["id"]]
    assert found["items"][0]["extendedProperties"] == private
    # timeMin compares with the end, timeMax with the start, both exclusive
    window = (
        service.events()
        .list(
            calendarId="primary",
            timeMin=at(10),
            timeMax=at(11),
            singleEvents=True,
            orderBy="startTime",
        )
        .execute()
    )
    assert len(window["items"]) == 1 and window["items"][0]["id"] != mine["id"]


def test_full_then_incremental_sync(emu: GoogleCalendarEmulator, service: Any) -> None:
    a = emu.human_insert("primary", DAY + timedelta(hours=9), DAY + timedelta(hours=10), "A")
    b = emu.human_insert("primary", DAY + timedelta(hours=11), DAY + timedelta(hours=12), "B")
    first = service.events().list(calendarId="primary", maxResults=1).execute()
    assert "nextSyncToken" not in first and first["nextPageToken"]
    last = (
        service.events()
        .list(calendarId="primary", maxResults=1, pageToken=first["nextPageToken"])
        .execute()
    )
    token = last["nextSyncToken"]
    assert [e["id"] for e in first["items"] + last["items"]] == [a["id"], b["id"]]

    emu.human_move(a["id"], DAY + timedelta(hours=14), DAY + timedelta(hours=15))
    emu.human_delete(b["id"])
    changes = service.events().list(calendarId="primary", syncToken=token).execute()
    by_id = {e["id"]: e for e in changes["items"]}
    assert by_id[a["id"]]["start"]["dateTime"] == "2030-05-06T16:00:00+02:00"
    assert by_id[b["id"]]["status"] == "cancelled" and "start" not in by_id[b["id"]]
    assert changes["nextSyncToken"] != token

    with pytest.raises(HttpError) as clash:
        service.events().list(calendarId="primary", syncToken=token, timeMin=at(0)).execute()
    assert clash.value.status_code == 400
    emu.expire_sync_tokens()
    with pytest.raises(HttpError) as expired:
        service.events().list(calendarId="primary", syncToken=changes["nextSyncToken"]).execute()
    assert expired.value.status_code == 410 and reason(expired.value) == "fullSyncRequired"


def test_a_sync_token_returns_each_changed_event_once_in_change_order(
    emu: GoogleCalendarEmulator, service: Any
) -> None:
    """Sync-token lists are answered from the change journal: an event changed twice appears once,
    where its last change puts it; events of other calendars and older changes do not appear."""
    events = [emu.human_insert("primary", DAY + timedelta(hours=h), DAY + timedelta(hours=h, minutes=30), f"E{h}")
              for h in range(8, 13)]
    token = service.events().list(calendarId="primary").execute()["nextSyncToken"]
    other = emu.add_calendar("other@example.com").id
    emu.human_insert(other, DAY, DAY + timedelta(hours=1), "elsewhere")
    emu.human_move(events[3]["id"], DAY + timedelta(hours=15), DAY + timedelta(hours=16))
    emu.human_move(events[1]["id"], DAY + timedelta(hours=17), DAY + timedelta(hours=18))
    emu.human_move(events[3]["id"], DAY + timedelta(hours=19), DAY + timedelta(hours=20))
    changes = service.events().list(calendarId="primary", syncToken=token).execute()
    assert [e["id"] for e in changes["items"]] == [events[1]["id"], events[3]["id"]]
    quiet = service.events().list(calendarId="primary", syncToken=changes["nextSyncToken"]).execute()
    assert quiet["items"] == []


# ----------------------------------------------------------------------------- freeBusy
def test_freebusy_merges_and_ignores_free_time(emu: GoogleCalendarEmulator, service: Any) -> None:
    h = lambda n: DAY + timedelta(hours=n)  # noqa: E731
    emu.human_insert("primary", h(8), h(9), "busy 1")
    emu.human_insert("primary", h(8.5), h(10), "busy 2 overlaps")
    emu.human_insert("primary", h(11), h(12), "free", transparent=True)
    gone = emu.human_insert("primary", h(13), h(14), "deleted")
    emu.human_delete(gone["id"])
    emu.human_insert("primary", date(2030, 5, 8), date(2030, 5, 9), "holiday", all_day=True)
    body = {
        "timeMin": at(0),
        "timeMax": at(0, DAY + timedelta(days=3)),
        "items": [{"id": "primary"}, {"id": "nobody@example.com"}],
    }
    result = service.freebusy().query(body=body).execute()
    assert result["kind"] == "calendar#freeBusy"
    assert result["calendars"]["primary"]["busy"] == [
        {"start": "2030-05-06T08:00:00Z", "end": "2030-05-06T10:00:00Z"},
        # the all-day event blocks its day in the calendar's zone (Europe/Berlin, UTC+2)
        {"start": "2030-05-07T22:00:00Z", "end": "2030-05-08T22:00:00Z"},
    ]
    assert result["calendars"]["nobody@example.com"]["errors"][0]["reason"] == "notFound"
    body["timeMax"] = at(0, DAY + timedelta(days=120))
    with pytest.raises(HttpError) as info:
        service.freebusy().query(body=body).execute()
    assert info.value.status_code == 400


# ----------------------------------------------------------------------------- push
class _Receiver(BaseHTTPRequestHandler):
    received: list[dict[str, str]]

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.received.append({k.lower(): v for k, v in self.headers.items()})
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def test_watch_and_push(emu: GoogleCalendarEmulator, service: Any) -> None:
    received: list[dict[str, str]] = []
    handler = type("Receiver", (_Receiver,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        emu.push_enabled = True
        address = f"http://127.0.0.1:{server.server_address[1]}/hook"
        channel = (
            service.events()
            .watch(
                calendarId="primary",
                body={"id": "chan-1", "type": "web_hook", "address": address, "token": "secret"},
            )
            .execute()
        )
        assert channel["kind"] == "api#channel" and channel["resourceId"]
        emu.human_insert("primary", DAY, DAY + timedelta(hours=1), "by hand")
        assert emu.fire_push("chan-1") == 1
        emu.flush_push()
        assert [r["x-goog-resource-state"] for r in received] == ["sync", "exists", "exists"]
        assert [r["x-goog-message-number"] for r in received] == ["1", "2", "3"]
        first = received[0]
        assert first["x-goog-channel-id"] == "chan-1"
        assert first["x-goog-channel-token"] == "secret"
        assert first["x-goog-resource-id"] == channel["resourceId"]
        assert first["x-goog-resource-uri"] == channel["resourceUri"]
        assert "x-goog-channel-expiration" in first
        service.channels().stop(
            body={"id": "chan-1", "resourceId": channel["resourceId"]}
        ).execute()
        assert emu.fire_push() == 0
        assert all(d.error is None for d in emu.push_log)
    finally:
        server.shutdown()
        server.server_close()


# ----------------------------------------------------------------------------- faults, batch
def test_rate_limit_helpers(emu: GoogleCalendarEmulator, service: Any) -> None:
    emu.fail_rate_limited(status=403, reason="userRateLimitExceeded", times=1)
    request = service.calendars().get(calendarId="primary")
    request._sleep = lambda seconds: None  # skip the SDK's backoff sleep
    assert request.execute(num_retries=2)["id"] == emu.owner_email
    emu.fail_quota_exceeded(times=1)
    request = service.calendars().get(calendarId="primary")
    request._sleep = lambda seconds: None
    with pytest.raises(HttpError) as info:
        request.execute(num_retries=2)  # quotaExceeded is not retried by the SDK
    assert info.value.status_code == 403 and reason(info.value) == "quotaExceeded"


def test_batch(emu: GoogleCalendarEmulator, service: Any) -> None:
    results: dict[str, Any] = {}

    def callback(request_id: str, response: Any, exception: Exception | None) -> None:
        results[request_id] = exception or response

    batch = emu.new_batch(callback)
    batch.add(service.events().insert(calendarId="primary", body=event_body(9, 10, id="aaaaa1")))
    batch.add(service.events().insert(calendarId="primary", body=event_body(9, 10, id="aaaaa1")))
    batch.execute()
    assert results["1"]["id"] == "aaaaa1"
    assert isinstance(results["2"], HttpError) and results["2"].status_code == 409
    assert len(emu.calls("POST", r"/calendars/primary/events$")) == 2


def test_events_move_keeps_the_id_and_each_calendar_s_sync_token_sees_it(emu: GoogleCalendarEmulator,
                                                                          service: Any) -> None:
    """events.move as documented: the event changes calendar under the same id; the source's sync
    token sees it cancelled, the destination's sees it arrive; only default events move."""
    emu.add_calendar("sam@group.calendar.google.com", time_zone="UTC")
    sam, me = "sam@group.calendar.google.com", "primary"
    made = service.events().insert(calendarId=me, body=event_body(9, 10, summary="Shoot")).execute()
    tokens = {cid: service.events().list(calendarId=cid).execute()["nextSyncToken"] for cid in (me, sam)}
    moved = service.events().move(calendarId=me, eventId=made["id"], destination=sam).execute()
    assert moved["id"] == made["id"] and moved["summary"] == "Shoot"
    assert moved["organizer"]["email"] == emu.owner_email  # rendered from the destination (same owner here)
    assert [e["id"] for e in emu.events(sam)] == [made["id"]] and emu.events(me) == []
    left = service.events().list(calendarId=me, syncToken=tokens[me]).execute()["items"]
    arrived = service.events().list(calendarId=sam, syncToken=tokens[sam]).execute()["items"]
    assert [(e["id"], e["status"]) for e in left] == [(made["id"], "cancelled")]
    assert [(e["id"], e["status"]) for e in arrived] == [(made["id"], "confirmed")]
    with pytest.raises(HttpError) as gone:  # no longer at the source
        service.events().move(calendarId=me, eventId=made["id"], destination=sam).execute()
    assert gone.value.resp.status == 404
    focus = service.events().insert(calendarId=me, body=event_body(11, 12, eventType="focusTime",
                                                                    focusTimeProperties={})).execute()
    with pytest.raises(HttpError) as refused:
        service.events().move(calendarId=me, eventId=focus["id"], destination=sam).execute()
    assert refused.value.resp.status == 400 and reason(refused.value) == "eventTypeRestriction"
