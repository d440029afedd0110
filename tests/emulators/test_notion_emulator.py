"""The Notion emulator, driven through the real notion_client SDK over HTTP.

Runs without Django: ``.venv/bin/pytest -p no:django tests/emulators/test_notion_emulator.py``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from notion_client import APIResponseError, Client, RetryOptions
from notion_client.errors import UnknownHTTPResponseError
from notion_client.helpers import collect_paginated_api

from tests.emulators.notion import NotionEmulator

VERSION = "2025-09-03"
SCHEMA = {
    "Name": {"title": {}},
    "Notes": {"rich_text": {}},
    "Status": {"status": {}},
    "Kind": {"select": {"options": [{"name": "Lesson"}, {"name": "Rehearsal"}]}},
    "When": {"date": {}},
    "Email": {"email": {}},
    "Phone": {"phone_number": {}},
    "Paid": {"checkbox": {}},
    "Seats": {"number": {}},
}


@pytest.fixture
def emu() -> Iterator[NotionEmulator]:
    emulator = NotionEmulator()
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def notion(emu: NotionEmulator) -> Iterator[Client]:
    client = Client(auth=emu.token, base_url=emu.url, notion_version=VERSION)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def ds_id(emu: NotionEmulator, notion: Client) -> str:
    db = notion.databases.create(
        parent={"type": "page_id", "page_id": emu.root_page_id},
        title=[{"type": "text", "text": {"content": "Bookings"}}],
        initial_data_source={"properties": SCHEMA},
    )
    return db["data_sources"][0]["id"]


def title(text: str) -> dict[str, Any]:
    return {"title": [{"text": {"content": text}}]}


def api_error(call: Any, *args: Any, **kwargs: Any) -> APIResponseError:
    with pytest.raises(APIResponseError) as info:
        call(*args, **kwargs)
    return info.value


# -- headers and auth ---------------------------------------------------------------
def test_missing_version_is_400(emu: NotionEmulator) -> None:
    resp = httpx.get(f"{emu.url}/v1/users/me", headers={"Authorization": f"Bearer {emu.token}"})
    assert resp.status_code == 400
    body = resp.json()
    assert body["object"] == "error" and body["code"] == "missing_version"
    assert body["request_id"]
    # The SDK does not know this code: it surfaces as UnknownHTTPResponseError.
    client = Client(auth=emu.token, base_url=emu.url, notion_version="")
    with pytest.raises(UnknownHTTPResponseError) as info:
        client.users.me()
    assert info.value.status == 400


def test_bad_token_is_401(emu: NotionEmulator) -> None:
    client = Client(auth="ntn_wrong", base_url=emu.url)
    err = api_error(client.users.me)
    assert (err.status, err.code) == (401, "unauthorized")


def test_legacy_version_and_databases_query_refused(emu: NotionEmulator, ds_id: str) -> None:
    old = Client(auth=emu.token, base_url=emu.url, notion_version="2022-06-28")
    err = api_error(old.users.me)
    assert err.status == 400 and "2022-06-28" in str(err)
    new = Client(auth=emu.token, base_url=emu.url, notion_version=VERSION)
    db_id = new.data_sources.retrieve(ds_id)["parent"]["database_id"]
    err = api_error(new.request, path=f"databases/{db_id}/query", method="POST", body={})
    assert err.code == "invalid_request_url"


def test_bot_user(emu: NotionEmulator, notion: Client) -> None:
    me = notion.users.me()
    assert me["id"] == emu.bot_id and me["type"] == "bot"
    assert emu.client().users.retrieve(emu.human_id)["type"] == "person"


# -- databases, data sources, pages -------------------------------------------------------
def test_database_and_data_source_discovery(
    emu: NotionEmulator, notion: Client, ds_id: str
) -> None:
    ds = notion.data_sources.retrieve(ds_id)
    db = notion.databases.retrieve(ds["parent"]["database_id"])
    assert db["object"] == "database" and "properties" not in db
    assert db["data_sources"] == [{"id": ds_id, "name": "Bookings"}]
    props = ds["properties"]
    assert props["Name"]["id"] == "title" and props["Name"]["type"] == "title"
    assert [o["name"] for o in props["Kind"]["select"]["options"]] == ["Lesson", "Rehearsal"]
    status = props["Status"]["status"]
    assert [o["name"] for o in status["options"]] == ["Not started", "In progress", "Done"]
    assert {g["name"] for g in status["groups"]} == {"To-do", "In progress", "Complete"}
    # Status options cannot be set through the API (only in the app: emu.set_status_options).
    err = api_error(
        notion.data_sources.update,
        ds_id,
        properties={"Status": {"status": {"options": [{"name": "Confirmed"}]}}},
    )
    assert err.code == "validation_error"
    emu.set_status_options(ds_id, "Status", ["Pending", "Confirmed", "Cancelled"])
    opts = notion.data_sources.retrieve(ds_id)["properties"]["Status"]["status"]["options"]
    assert [o["name"] for o in opts] == ["Pending", "Confirmed", "Cancelled"]
    # Adding a column through the API works.
    updated = notion.data_sources.update(ds_id, properties={"Booking ID": {"rich_text": {}}})
    assert updated["properties"]["Booking ID"]["type"] == "rich_text"


def test_page_lifecycle(emu: NotionEmulator, notion: Client, ds_id: str) -> None:
    page = notion.pages.create(
        parent={"data_source_id": ds_id},
        properties={
            "Name": title("Alice"),
            "When": {
                "date": {
                    "start": "2026-11-23T10:00:00",
                    "end": "2026-11-23T11:00:00",
                    "time_zone": "Europe/Paris",
                }
            },
            "Kind": {"select": {"name": "Workshop"}},  # unknown select option: created
            "Email": {"email": "alice@example.com"},
            "Seats": {"number": 2},
        },
    )
    props = page["properties"]
    assert page["parent"]["type"] == "data_source_id" and page["parent"]["data_source_id"] == ds_id
    assert page["parent"]["database_id"]
    assert page["created_by"] == {"object": "user", "id": emu.bot_id}
    assert page["in_trash"] is False and page["archived"] is False
    assert props["Name"]["title"][0]["plain_text"] == "Alice"
    assert props["Name"]["title"][0]["annotations"]["bold"] is False
    assert props["When"]["date"] == {
        "start": "2026-11-23T10:00:00.000+01:00",
        "end": "2026-11-23T11:00:00.000+01:00",
        "time_zone": None,
    }
    assert props["Kind"]["select"]["name"] == "Workshop" and props["Kind"]["select"]["id"]
    assert props["Status"]["status"]["name"] == "Not started"
    assert props["Phone"] == {
        "id": props["Phone"]["id"],
        "type": "phone_number",
        "phone_number": None,
    }
    assert props["Paid"]["checkbox"] is False
    kinds = notion.data_sources.retrieve(ds_id)["properties"]["Kind"]["select"]["options"]
    assert "Workshop" in [o["name"] for o in kinds]

    # partial update: other properties untouched; ids without dashes are accepted
    updated = notion.pages.update(
        page["id"].replace("-", ""),
        properties={"Status": {"status": {"name": "Done"}}, "Email": {"email": None}},
    )
    assert updated["properties"]["Status"]["status"]["name"] == "Done"
    assert updated["properties"]["Email"]["email"] is None
    assert updated["properties"]["Seats"]["number"] == 2

    notion.pages.update(page["id"], in_trash=True)
    assert notion.pages.retrieve(page["id"])["in_trash"] is True
    assert notion.data_sources.query(ds_id)["results"] == []
    err = api_error(notion.pages.update, page["id"], properties={"Seats": {"number": 3}})
    assert err.code == "validation_error"
    notion.pages.update(page["id"], archived=False)  # deprecated alias on 2025-09-03
    assert [p["id"] for p in notion.data_sources.query(ds_id)["results"]] == [page["id"]]
    assert [e.kind for e in emu.edits_by("bot", page["id"])] == [
        "created",
        "updated",
        "trashed",
        "restored",
    ]


def test_database_id_parent_needs_a_single_data_source(
    emu: NotionEmulator, notion: Client, ds_id: str
) -> None:
    db_id = notion.data_sources.retrieve(ds_id)["parent"]["database_id"]
    page = notion.pages.create(parent={"database_id": db_id}, properties={"Name": title("x")})
    assert page["parent"]["data_source_id"] == ds_id
    emu.add_data_source(db_id, {"Title": {"title": {}}})
    err = api_error(notion.pages.create, parent={"database_id": db_id}, properties={})
    assert err.code == "validation_error"


def test_version_2026_drops_archived(emu: NotionEmulator, ds_id: str) -> None:
    client = Client(auth=emu.token, base_url=emu.url, notion_version="2026-03-11")
    page = client.pages.create(parent={"data_source_id": ds_id}, properties={"Name": title("x")})
    assert "archived" not in page and page["in_trash"] is False
    assert api_error(client.pages.update, page["id"], archived=True).code == "validation_error"
    assert client.pages.update(page["id"], in_trash=True)["in_trash"] is True


# -- validation ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "properties",
    [
        {"Notes": {"rich_text": [{"text": {"content": "x" * 2001}}]}},
        {"Email": {"email": ""}},
        {"Phone": {"phone_number": ""}},
        {"Nope": {"rich_text": []}},
        {"Notes": {"title": [{"text": {"content": "wrong type"}}]}},
        {"Notes": {"rich_text": "not a list"}},
        {"Paid": {"checkbox": "yes"}},
        {"Seats": {"number": "2"}},
        {"Status": {"status": {"name": "Confirmed"}}},
        {"When": {"date": {"start": "23/11/2026"}}},
        {"When": {"date": {"start": "2026-11-23T10:00:00+01:00", "time_zone": "Europe/Paris"}}},
        {"When": {"date": {"start": "2026-11-23T10:00:00", "time_zone": "Mars/Base"}}},
        {"Kind": {"select": {"name": "a,b"}}},
    ],
)
def test_invalid_writes_are_400(notion: Client, ds_id: str, properties: dict[str, Any]) -> None:
    err = api_error(notion.pages.create, parent={"data_source_id": ds_id}, properties=properties)
    assert (err.status, err.code) == (400, "validation_error")


def test_2000_chars_is_fine_and_failed_write_creates_no_option(notion: Client, ds_id: str) -> None:
    page = notion.pages.create(
        parent={"data_source_id": ds_id},
        properties={"Notes": {"rich_text": [{"text": {"content": "x" * 2000}}]}},
    )
    assert len(page["properties"]["Notes"]["rich_text"][0]["plain_text"]) == 2000
    api_error(
        notion.pages.create,
        parent={"data_source_id": ds_id},
        properties={"Kind": {"select": {"name": "Ghost"}}, "Email": {"email": ""}},
    )
    options = notion.data_sources.retrieve(ds_id)["properties"]["Kind"]["select"]["options"]
    assert "Ghost" not in [o["name"] for o in options]


# -- time ----------------------------------------------------------------------------
def test_timestamps_rounded_down_to_the_minute(
    emu: NotionEmulator, notion: Client, ds_id: str
) -> None:
    emu.freeze(datetime(2026, 11, 23, 10, 15, 42, tzinfo=UTC))
    page = notion.pages.create(parent={"data_source_id": ds_id}, properties={"Name": title("a")})
    assert page["created_time"] == "2026-11-23T10:15:00.000Z"
    emu.advance(10)  # 10:15:52, same minute
    edited = notion.pages.update(page["id"], properties={"Seats": {"number": 1}})
    assert edited["last_edited_time"] == "2026-11-23T10:15:00.000Z"
    # A filter compares against the rounded value: a poll "since 10:15:30" misses it.
    since = {
        "timestamp": "last_edited_time",
        "last_edited_time": {"on_or_after": "2026-11-23T10:15:30Z"},
    }
    assert notion.data_sources.query(ds_id, filter=since)["results"] == []
    overlap = {
        "timestamp": "last_edited_time",
        "last_edited_time": {"on_or_after": "2026-11-23T10:14:30Z"},
    }
    assert len(notion.data_sources.query(ds_id, filter=overlap)["results"]) == 1
    emu.advance(60)
    assert (
        notion.pages.update(page["id"], in_trash=True)["last_edited_time"]
        == "2026-11-23T10:16:00.000Z"
    )


def test_edit_time_queries_answer_the_same_from_the_index_as_from_every_page(
    emu: NotionEmulator, notion: Client, ds_id: str
) -> None:
    """The edit journal only narrows the pages a query reads; the answer is the full scan's,
    also after the clock moved back (then the journal is out of order and unused)."""
    emu.freeze(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    ids = []
    for i in range(6):
        ids.append(notion.pages.create(parent={"data_source_id": ds_id},
                                       properties={"Name": title(f"p{i}")})["id"])
        emu.advance(120)
    notion.pages.update(ids[1], properties={"Seats": {"number": 2}})  # edited again, at 9:12
    notion.pages.update(ids[4], in_trash=True)

    def edited_since(stamp: str, *, both: bool = False, trash: bool = False) -> list[str]:
        flt: dict[str, Any] = {"timestamp": "last_edited_time", "last_edited_time": {"on_or_after": stamp}}
        if both:
            flt = {"and": [flt, {"property": "Name", "title": {"is_not_empty": True}}]}
        answer = notion.data_sources.query(ds_id, filter=flt, in_trash=trash)
        return [page["id"] for page in answer["results"]]

    assert emu._edit_journal_ordered
    assert edited_since("2026-11-23T09:06:00Z") == [ids[1], ids[3], ids[5]]
    assert edited_since("2026-11-23T09:06:00Z", both=True) == [ids[1], ids[3], ids[5]]
    assert edited_since("2026-11-23T09:06:00Z", trash=True) == [ids[4]]
    emu.advance(-3600)  # 8:12: an edit now sorts before the journal's last entry
    notion.pages.update(ids[0], properties={"Seats": {"number": 3}})
    assert not emu._edit_journal_ordered
    assert edited_since("2026-11-23T08:00:00Z") == [ids[0], ids[1], ids[2], ids[3], ids[5]]
    assert edited_since("2026-11-23T09:06:00Z") == [ids[1], ids[3], ids[5]]


# -- query ----------------------------------------------------------------------------
def test_query_filters_sorts_and_pagination(
    emu: NotionEmulator, notion: Client, ds_id: str
) -> None:
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    for i in range(260):
        notion.pages.create(
            parent={"data_source_id": ds_id},
            properties={
                "Name": title(f"Booking {i:03d}"),
                "Kind": {"select": {"name": "Lesson" if i % 2 else "Rehearsal"}},
                "When": {"date": {"start": (start + timedelta(hours=i)).isoformat()}},
                "Paid": {"checkbox": i % 3 == 0},
                "Seats": {"number": i % 5},
                **({"Email": {"email": f"p{i}@example.com"}} if i % 10 == 0 else {}),
            },
        )
    first = notion.data_sources.query(ds_id, page_size=100)
    assert first["object"] == "list" and first["type"] == "page_or_data_source"
    assert len(first["results"]) == 100 and first["has_more"] and first["next_cursor"]
    second = notion.data_sources.query(ds_id, page_size=100, start_cursor=first["next_cursor"])
    third = notion.data_sources.query(ds_id, page_size=100, start_cursor=second["next_cursor"])
    assert (
        len(third["results"]) == 60 and third["has_more"] is False and third["next_cursor"] is None
    )
    everything = collect_paginated_api(
        notion.data_sources.query, data_source_id=ds_id, page_size=100
    )
    assert len({p["id"] for p in everything}) == 260

    def names(**kwargs: Any) -> list[str]:
        pages = collect_paginated_api(
            notion.data_sources.query, data_source_id=ds_id, page_size=100, **kwargs
        )
        return [p["properties"]["Name"]["title"][0]["plain_text"] for p in pages]

    assert len(names(filter={"property": "Kind", "select": {"equals": "Lesson"}})) == 130
    assert len(names(filter={"property": "Email", "email": {"is_not_empty": True}})) == 26
    assert names(filter={"property": "Email", "email": {"equals": "p20@example.com"}}) == [
        "Booking 020"
    ]
    assert names(filter={"property": "Name", "title": {"contains": "booking 25"}}) == [
        f"Booking {i}" for i in range(250, 260)
    ]
    assert len(names(filter={"property": "Paid", "checkbox": {"equals": True}})) == 87
    assert len(names(filter={"property": "Seats", "number": {"greater_than": 2}})) == 104
    window = {
        "and": [
            {"property": "When", "date": {"on_or_after": "2026-12-02T09:00:00Z"}},
            {"property": "When", "date": {"before": "2026-12-02T12:00:00+00:00"}},
        ]
    }
    assert names(filter=window) == ["Booking 024", "Booking 025", "Booking 026"]
    assert len(names(filter={"property": "When", "date": {"equals": "2026-12-02"}})) == 24
    nested = {
        "or": [
            {"property": "Name", "title": {"equals": "Booking 001"}},
            {
                "and": [
                    {"property": "Kind", "select": {"equals": "Rehearsal"}},
                    {"property": "Seats", "number": {"equals": 0}},
                ]
            },
        ]
    }
    assert len(names(filter=nested)) == 27
    by_date_desc = names(sorts=[{"property": "When", "direction": "descending"}])
    assert by_date_desc[:2] == ["Booking 259", "Booking 258"]
    by_kind = names(
        sorts=[
            {"property": "Kind", "direction": "ascending"},  # option order: Lesson, Rehearsal
            {"property": "Name", "direction": "descending"},
        ]
    )
    assert by_kind[0] == "Booking 259" and by_kind[130] == "Booking 258"
    assert (
        names(sorts=[{"timestamp": "created_time", "direction": "ascending"}])[0] == "Booking 000"
    )

    too_deep = {"and": [{"or": [{"and": [{"property": "Paid", "checkbox": {"equals": True}}]}]}]}
    assert api_error(notion.data_sources.query, ds_id, filter=too_deep).status == 400
    assert api_error(notion.data_sources.query, ds_id, page_size=101).code == "validation_error"
    bad_type = {"property": "Kind", "status": {"equals": "Lesson"}}
    assert api_error(notion.data_sources.query, ds_id, filter=bad_type).code == "validation_error"
    unknown = {"property": "Nope", "select": {"equals": "x"}}
    assert api_error(notion.data_sources.query, ds_id, filter=unknown).code == "validation_error"


def test_filter_properties_limits_returned_properties(notion: Client, ds_id: str) -> None:
    notion.pages.create(parent={"data_source_id": ds_id}, properties={"Name": title("a")})
    page = notion.data_sources.query(ds_id, filter_properties=["title"])["results"][0]
    assert list(page["properties"]) == ["Name"]


# -- sharing --------------------------------------------------------------------------
def test_unshared_database_is_404(emu: NotionEmulator, notion: Client) -> None:
    db_id, hidden_ds = emu.create_database("Private", SCHEMA, shared=False)
    page_id = emu.human_create(hidden_ds, {"Name": title("secret")})
    for call, arg in (
        (notion.databases.retrieve, db_id),
        (notion.data_sources.retrieve, hidden_ds),
        (notion.data_sources.query, hidden_ds),
        (notion.pages.retrieve, page_id),
    ):
        err = api_error(call, arg)
        assert (err.status, err.code) == (404, "object_not_found")
    emu.events.clear()
    emu.human_edit(page_id, {"Seats": {"number": 1}})
    assert emu.deliver_pending("http://127.0.0.1:9/unused") == []  # nothing for unshared pages
    emu.share(db_id)
    assert (
        notion.pages.retrieve(page_id)["properties"]["Name"]["title"][0]["plain_text"] == "secret"
    )
    assert api_error(notion.pages.retrieve, "not-a-uuid").code == "validation_error"


def test_missing_capability_is_403(emu: NotionEmulator, notion: Client, ds_id: str) -> None:
    emu.capabilities.discard("insert")
    err = api_error(notion.pages.create, parent={"data_source_id": ds_id}, properties={})
    assert (err.status, err.code) == (403, "restricted_resource")


# -- faults and rate limits ---------------------------------------------------------------
def test_429_is_retried_by_the_sdk(emu: NotionEmulator, notion: Client) -> None:
    emu.rate_limit_storm(2)
    assert notion.users.me()["id"] == emu.bot_id
    assert [c.status for c in emu.calls("GET", "/v1/users/me")] == [429, 429, 200]
    emu.rate_limit_storm(3)  # more than the SDK's default 2 retries
    err = api_error(notion.users.me)
    assert (err.status, err.code) == (429, "rate_limited")
    assert err.headers["retry-after"] == "0"


def test_5xx_retried_only_for_get(emu: NotionEmulator, notion: Client, ds_id: str) -> None:
    emu.add_notion_fault(503, "service_unavailable", method="GET", retry_after=0)
    assert notion.data_sources.retrieve(ds_id)["id"] == ds_id
    emu.add_notion_fault(500, "internal_server_error", method="POST", path="/pages$")
    err = api_error(notion.pages.create, parent={"data_source_id": ds_id}, properties={})
    assert err.code == "internal_server_error"
    assert len(emu.calls("POST", "/v1/pages$")) == 1
    emu.add_notion_fault(409, "conflict_error", method="PATCH")
    page = notion.pages.create(parent={"data_source_id": ds_id}, properties={})
    assert api_error(notion.pages.update, page["id"], in_trash=True).code == "conflict_error"


def test_rate_limiter_mode(emu: NotionEmulator) -> None:
    emu.enforce_rate_limit(rate=3, burst=3)
    client = Client(auth=emu.token, base_url=emu.url, retry=RetryOptions(max_retries=0))
    statuses = []
    for _ in range(6):
        try:
            client.users.me()
            statuses.append(200)
        except APIResponseError as err:
            statuses.append(err.status)
            assert err.headers["retry-after"] == "1"
    assert statuses[:3] == [200, 200, 200] and 429 in statuses[3:]
    assert emu.rate_limited_count == statuses.count(429)


# -- human edits and webhooks ----------------------------------------------------------------
class _Receiver:
    """A loopback HTTP server that records what it receives."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - stdlib name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/notion"


@pytest.fixture
def receiver() -> Iterator[_Receiver]:
    rec = _Receiver()
    yield rec
    rec.server.shutdown()
    rec.server.server_close()


def test_human_edits_and_signed_webhooks(
    emu: NotionEmulator, notion: Client, ds_id: str, receiver: _Receiver
) -> None:
    token = "secret_verify_me"
    emu.subscribe(receiver.url, verification_token=token)
    assert emu.send_verification(receiver.url).status == 200
    assert json.loads(receiver.received[0][1]) == {"verification_token": token}

    ours = notion.pages.create(parent={"data_source_id": ds_id}, properties={"Name": title("ours")})
    theirs = emu.human_create(ds_id, {"Name": title("theirs")})
    emu.human_edit(ours["id"], {"Status": {"status": {"name": "In progress"}}})
    emu.human_trash(theirs)
    page = notion.pages.retrieve(ours["id"])
    assert page["last_edited_by"]["id"] == emu.human_id
    assert page["properties"]["Status"]["status"]["name"] == "In progress"
    assert emu.plain(ours["id"])["Status"] == "In progress"
    assert [e.kind for e in emu.edits_by("person")] == ["created", "updated", "trashed"]

    deliveries = emu.deliver_pending(receiver.url)
    assert [d.status for d in deliveries] == [200] * 4
    events = []
    for headers, body in receiver.received[1:]:
        expected = "sha256=" + hmac.new(token.encode(), body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["x-notion-signature"], expected)
        events.append(json.loads(body))
    assert [e["type"] for e in events] == [
        "page.created",
        "page.created",
        "page.properties_updated",
        "page.deleted",
    ]
    assert events[0]["authors"] == [{"id": emu.bot_id, "type": "bot"}]
    assert events[1]["authors"] == [{"id": emu.human_id, "type": "person"}]
    update = events[2]
    status_id = notion.data_sources.retrieve(ds_id)["properties"]["Status"]["id"]
    assert update["entity"] == {"id": ours["id"], "type": "page"}
    assert update["data"]["updated_properties"] == [status_id]
    assert update["data"]["parent"]["data_source_id"] == ds_id
    assert "properties" not in json.dumps(update["data"]).replace("updated_properties", "")
    for key in (
        "id",
        "timestamp",
        "workspace_id",
        "subscription_id",
        "integration_id",
        "attempt_number",
        "api_version",
    ):
        assert key in update
    assert emu.deliver_pending(receiver.url) == []

    # one event by hand, signed with an explicit secret, and a tampered-body check
    msg = emu.build_event("page.properties_updated", ours["id"], secret="other")
    assert msg.headers["X-Notion-Signature"] == emu.sign(msg.body, "other")
    assert msg.headers["X-Notion-Signature"] != emu.sign(msg.body + b" ", "other")


def test_automation_webhook(emu: NotionEmulator, ds_id: str, receiver: _Receiver) -> None:
    page_id = emu.human_create(ds_id, {"Name": title("auto"), "Seats": {"number": 4}})
    delivery = emu.deliver_automation(
        receiver.url, page_id, headers={"Authorization": "Bearer s3cret"}
    )
    assert delivery.status == 200
    headers, body = receiver.received[0]
    assert headers["authorization"] == "Bearer s3cret" and "x-notion-signature" not in headers
    payload = json.loads(body)
    assert payload["source"]["type"] == "automation"
    assert payload["data"]["object"] == "page" and payload["data"]["id"] == page_id
    assert payload["data"]["properties"]["Seats"]["number"] == 4
