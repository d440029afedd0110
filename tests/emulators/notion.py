"""A stateful Notion API emulator (API versions 2025-09-03 and 2026-03-11).

Drive it with the real ``notion_client.Client(auth=emu.token, base_url=emu.url,
notion_version="2025-09-03")``. It keeps databases, data sources and pages in
memory, validates writes the way Notion does for the property types booksync
uses, rounds ``created_time``/``last_edited_time`` down to the minute, hides
objects that are not shared with the integration (404), and can simulate human
edits made in the Notion app, integration webhooks (signed) and database
automation webhooks. Faults come from :class:`~tests.emulators.base.Emulator`;
``rate_limit_storm`` and ``enforce_rate_limit`` add Notion-shaped 429s.

Errors use Notion's body ``{"object": "error", "status", "code", "message",
"request_id"}``. Anything the emulator does not model is refused with a 400
whose message starts with ``"emulator:"`` so a gap is never silently accepted.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import hashlib
import hmac
import json
import random
import re
import socket
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .base import Emulator, Request, Response

SUPPORTED_VERSIONS = ("2025-09-03", "2026-03-11")
LEGACY_VERSIONS = ("2021-05-11", "2021-05-13", "2021-08-16", "2022-02-22", "2022-06-28")

RICH_TEXT_MAX = 2000
ARRAY_MAX = 100
EMAIL_PHONE_MAX = 200
URL_MAX = 2000

WRITABLE_TYPES = (
    "title",
    "rich_text",
    "number",
    "select",
    "multi_select",
    "status",
    "date",
    "checkbox",
    "email",
    "phone_number",
    "url",
)
READ_ONLY_TYPES = ("created_time", "last_edited_time", "created_by", "last_edited_by")
SCHEMA_TYPES = WRITABLE_TYPES + READ_ONLY_TYPES
UNSUPPORTED_TYPES = (
    "people",
    "files",
    "formula",
    "relation",
    "rollup",
    "unique_id",
    "verification",
    "button",
    "place",
)
COLORS = ("default", "gray", "brown", "orange", "yellow", "green", "blue", "purple", "pink", "red")
DEFAULT_STATUS = (
    # (option name, color, group name, group color)
    ("Not started", "default", "To-do", "gray"),
    ("In progress", "blue", "In progress", "blue"),
    ("Done", "green", "Complete", "green"),
)
ANNOTATION_KEYS = ("bold", "italic", "strikethrough", "underline", "code", "color")
TEXT_OPS = (
    "equals",
    "does_not_equal",
    "contains",
    "does_not_contain",
    "starts_with",
    "ends_with",
    "is_empty",
    "is_not_empty",
)
DATE_OPS = ("equals", "before", "after", "on_or_before", "on_or_after", "is_empty", "is_not_empty")
NUMBER_OPS = (
    "equals",
    "does_not_equal",
    "greater_than",
    "less_than",
    "greater_than_or_equal_to",
    "less_than_or_equal_to",
    "is_empty",
    "is_not_empty",
)
FILTER_KEYS_FOR_TYPE = {
    "title": ("title", "rich_text"),
    "rich_text": ("rich_text",),
    "url": ("url", "rich_text"),
    "email": ("email", "rich_text"),
    "phone_number": ("phone_number", "rich_text"),
    "number": ("number",),
    "checkbox": ("checkbox",),
    "select": ("select",),
    "status": ("status",),
    "multi_select": ("multi_select",),
    "date": ("date",),
    "created_time": ("created_time", "date"),
    "last_edited_time": ("last_edited_time", "date"),
}
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_HEX32 = re.compile(r"^[0-9a-fA-F]{32}$")


class NotionError(Exception):
    """A Notion API error; the emulator answers it as an error body."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def _validation(message: str) -> NotionError:
    return NotionError(400, "validation_error", message)


def error_body(status: int, code: str, message: str) -> dict[str, Any]:
    """A Notion error body (also handy for ``add_fault(body=...)``)."""
    return {
        "object": "error",
        "status": status,
        "code": code,
        "message": message,
        "request_id": str(uuid.uuid4()),
    }


def normalize_id(raw: Any) -> str | None:
    """Notion accepts ids with or without dashes; return the dashed lower form."""
    if not isinstance(raw, str):
        return None
    compact = raw.replace("-", "")
    if not _HEX32.match(compact):
        return None
    compact = compact.lower()
    return f"{compact[:8]}-{compact[8:12]}-{compact[12:16]}-{compact[16:20]}-{compact[20:]}"


def minute_iso(moment: datetime) -> str:
    """Notion's timestamp form, rounded down to the minute."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:00.000Z")


def floor_minute(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


def _iso_offset(moment: datetime) -> str:
    ms = moment.microsecond // 1000
    offset = moment.strftime("%z")  # +0100
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{ms:03d}{offset[:3]}:{offset[3:]}"


def _parse_iso(value: Any, where: str) -> date | datetime:
    if not isinstance(value, str):
        raise _validation(f"{where} should be a string, instead was `{json.dumps(value)}`.")
    try:
        if _DATE_ONLY.match(value):
            return date.fromisoformat(value)
        return datetime.fromisoformat(value)
    except ValueError:
        raise _validation(
            f"{where} should be a valid ISO 8601 date string, instead was `{json.dumps(value)}`."
        ) from None


def _as_utc(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def _user(user_id: str) -> dict[str, str]:
    return {"object": "user", "id": user_id}


def _rich_text_plain(items: list[dict[str, Any]]) -> str:
    return "".join(item["plain_text"] for item in items)


@dataclass
class Edit:
    """One change to a page, API or human."""

    page_id: str
    kind: str  # created | updated | trashed | restored
    author_id: str
    author_type: str  # bot | person
    properties: list[str]  # names of the properties written
    at: datetime


@dataclass
class Event:
    """An integration-webhook event the emulator generated from an edit."""

    type: str
    page_id: str
    author_id: str
    author_type: str
    updated_properties: list[str]  # property ids
    at: datetime


@dataclass
class WebhookMessage:
    """A webhook request ready to send (or to replay through a test client)."""

    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Delivery:
    """The answer the webhook receiver gave."""

    status: int
    body: bytes
    message: WebhookMessage


@dataclass
class Subscription:
    id: str
    url: str
    verification_token: str
    verified: bool = False


@dataclass
class _Prop:
    id: str
    name: str
    type: str
    config: dict[str, Any] = field(default_factory=dict)
    description: str = ""

    def render(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "type": self.type,
            self.type: json.loads(json.dumps(self.config)),
        }


@dataclass
class _DataSource:
    id: str
    database_id: str
    name: str
    props: dict[str, _Prop]  # by id, insertion ordered
    created: datetime
    edited: datetime
    created_by: str
    edited_by: str
    in_trash: bool = False

    def prop(self, key: str) -> _Prop | None:
        if key in self.props:
            return self.props[key]
        for prop in self.props.values():
            if prop.name == key:
                return prop
        return None


@dataclass
class _Database:
    id: str
    title: str
    parent_page_id: str
    data_source_ids: list[str]
    shared: bool
    created: datetime
    edited: datetime
    created_by: str
    edited_by: str
    in_trash: bool = False
    is_inline: bool = False


@dataclass
class _Page:
    id: str
    data_source_id: str | None  # None for a plain (non-database) page
    values: dict[str, Any]  # property id → stored value
    created: datetime
    edited: datetime
    created_by: str
    edited_by: str
    seq: int
    in_trash: bool = False
    shared: bool = True  # only used for plain pages
    title: str = ""  # only used for plain pages
    icon: Any = None
    cover: Any = None


class NotionEmulator(Emulator):
    """In-memory Notion. See the module docstring and README of the tests."""

    name = "notion"

    def __init__(
        self,
        token: str = "ntn_emulator_test_token",
        seed: int = 0,
        clock: Callable[[], datetime] | None = None,
        webhook_verification_token: str = "secret_emulator_webhook_token",
    ) -> None:
        super().__init__(seed=seed)
        self._ids = random.Random(seed + 1)
        self.tokens: set[str] = {token}
        self.token = token
        self.bot_id = self.new_id()
        self.bot_name = "booksync"
        self.workspace_id = self.new_id()
        self.workspace_name = "Emulated Studio"
        self.integration_id = self.new_id()
        self.human_id = self.new_id()
        self.human_name = "Studio Admin"
        self.users: dict[str, dict[str, Any]] = {}
        self.add_user(self.human_id, self.human_name, "admin@example.com")
        # read / update / insert; remove one to get 403 restricted_resource
        self.capabilities: set[str] = {"read", "update", "insert"}
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self._offset = timedelta(0)
        self.databases: dict[str, _Database] = {}
        self.data_sources: dict[str, _DataSource] = {}
        self.pages: dict[str, _Page] = {}
        self.edits: list[Edit] = []
        self.events: list[Event] = []
        self._cursors: dict[str, tuple[str, int]] = {}
        self._seq = 0
        # Every (edit time, n, page id) in the order written: the index a real service would answer a
        # "last_edited_time on_or_after" query from, instead of reading every page. Usable while the
        # clock only moves forward (``advance``/``freeze`` can move it back: then every page is read).
        self._edit_journal: list[tuple[datetime, int, str]] = []
        self._edit_journal_ordered = True
        self.webhook_verification_token = webhook_verification_token
        self.subscriptions: dict[str, Subscription] = {}
        self._bucket: tuple[float, float, float, float] | None = None  # rate, burst, tokens, t
        self.rate_limited_count = 0
        self._webhook_lock = threading.Lock()
        self.root_page_id = self.create_parent_page("Booksync", shared=True)

    # ------------------------------------------------------------------ basics
    def new_id(self) -> str:
        return str(uuid.UUID(int=self._ids.getrandbits(128), version=4))

    def now(self) -> datetime:
        """The emulator's clock (``clock()`` plus everything ``advance`` added)."""
        return self.clock().astimezone(UTC) + self._offset

    def advance(self, seconds: float) -> datetime:
        """Move the emulator's clock forward (negative moves it back)."""
        with self.lock:
            self._offset += timedelta(seconds=seconds)
        return self.now()

    def freeze(self, moment: datetime) -> None:
        """Stop the clock at ``moment`` (aware datetime); ``advance`` still works."""
        with self.lock:
            self.clock = lambda: moment
            self._offset = timedelta(0)

    def add_user(self, user_id: str, name: str, email: str | None = None) -> str:
        self.users[user_id] = {
            "object": "user",
            "id": user_id,
            "name": name,
            "avatar_url": None,
            "type": "person",
            "person": {"email": email} if email else {},
        }
        return user_id

    def bot_user(self) -> dict[str, Any]:
        return {
            "object": "user",
            "id": self.bot_id,
            "name": self.bot_name,
            "avatar_url": None,
            "type": "bot",
            "bot": {
                "owner": {"type": "workspace", "workspace": True},
                "workspace_name": self.workspace_name,
                "workspace_id": self.workspace_id,
                "workspace_limits": {"max_file_upload_size_in_bytes": 5 * 1024 * 1024},
            },
        }

    def client(self, version: str = "2025-09-03", **kwargs: Any) -> Any:
        """A real ``notion_client.Client`` pointed at this emulator (retries 429 at once
        when ``Retry-After: 0``; pass ``retry=RetryOptions(...)`` or ``retry=False``)."""
        from notion_client import Client  # test dependency; imported lazily

        kwargs.setdefault("auth", self.token)
        return Client(base_url=self.url, notion_version=version, **kwargs)

    # ------------------------------------------------------------------ setup helpers
    def create_parent_page(self, title: str = "Parent", shared: bool = True) -> str:
        """A plain workspace page (a place to create databases under)."""
        with self.lock:
            page_id = self.new_id()
            now = self.now()
            self._seq += 1
            self.pages[page_id] = _Page(
                id=page_id,
                data_source_id=None,
                values={},
                created=now,
                edited=now,
                created_by=self.human_id,
                edited_by=self.human_id,
                seq=self._seq,
                shared=shared,
                title=title,
            )
            return page_id

    def create_database(
        self,
        title: str = "Bookings",
        properties: dict[str, Any] | None = None,
        *,
        shared: bool = True,
        parent_page_id: str | None = None,
    ) -> tuple[str, str]:
        """Create a database as a human would in the app → ``(database_id, data_source_id)``.

        ``properties`` uses the API schema form (``{"Name": {"title": {}}, ...}``);
        status properties may carry ``{"status": {"options": [{"name": ...}]}}`` here
        (the app allows it; the API does not). ``shared=False`` gives a database the
        integration cannot see (every request for it → 404 object_not_found).
        """
        with self.lock:
            return self._create_database(
                title,
                properties or {"Name": {"title": {}}},
                parent_page_id or self.root_page_id,
                shared=shared,
                author=self.human_id,
                allow_status_options=True,
            )

    def add_data_source(
        self, database_id: str, properties: dict[str, Any], name: str = "Second source"
    ) -> str:
        """Give a database another data source (as the app does)."""
        with self.lock:
            db = self.databases[database_id]
            ds = self._new_data_source(db, name, properties, self.human_id, True)
            return ds.id

    def share(self, object_id: str, shared: bool = True) -> None:
        """Share (or unshare) a database or a plain page with the integration."""
        with self.lock:
            if object_id in self.databases:
                self.databases[object_id].shared = shared
            else:
                self.pages[object_id].shared = shared

    def set_status_options(self, data_source_id: str, prop: str, names: Iterable[str]) -> None:
        """Admin edits a status property's options in the app (all in group To-do
        except the last, which goes in Complete)."""
        with self.lock:
            schema = self.data_sources[data_source_id].prop(prop)
            assert schema is not None and schema.type == "status"
            schema.config = self._status_config([{"name": n} for n in names])

    def rename_property(self, data_source_id: str, old: str, new: str) -> None:
        """Admin renames a column in the app (ids stay the same)."""
        with self.lock:
            schema = self.data_sources[data_source_id].prop(old)
            assert schema is not None
            schema.name = new

    # ------------------------------------------------------------------ human edits
    def human_create(
        self, data_source_id: str, properties: dict[str, Any], user_id: str | None = None
    ) -> str:
        """A person adds a row in the app; properties in API write form. → page id."""
        with self.lock:
            ds = self.data_sources[data_source_id]
            page = self._create_page(ds, properties, user_id or self.human_id, "person")
            return page.id

    def human_edit(
        self, page_id: str, properties: dict[str, Any], user_id: str | None = None
    ) -> None:
        """A person edits properties in the app (API write form; validated)."""
        with self.lock:
            self._update_page(
                self.pages[page_id], {"properties": properties}, user_id or self.human_id, "person"
            )

    def human_trash(self, page_id: str, user_id: str | None = None) -> None:
        with self.lock:
            self._update_page(
                self.pages[page_id], {"in_trash": True}, user_id or self.human_id, "person"
            )

    def human_restore(self, page_id: str, user_id: str | None = None) -> None:
        with self.lock:
            self._update_page(
                self.pages[page_id], {"in_trash": False}, user_id or self.human_id, "person"
            )

    # ------------------------------------------------------------------ inspection
    def page(self, page_id: str, version: str = "2025-09-03") -> dict[str, Any]:
        """The page object exactly as the API would return it."""
        with self.lock:
            return self._render_page(self.pages[normalize_id(page_id) or page_id], version)

    def plain(self, page_id: str) -> dict[str, Any]:
        """Property values simplified: text → str, select/status → name, date → dict,
        multi_select → list of names, other types as stored."""
        with self.lock:
            page = self.pages[normalize_id(page_id) or page_id]
            assert page.data_source_id is not None
            ds = self.data_sources[page.data_source_id]
            return {prop.name: self._plain_value(page, prop, ds) for prop in ds.props.values()}

    def page_ids(self, data_source_id: str, include_trashed: bool = False) -> list[str]:
        with self.lock:
            return [
                p.id
                for p in sorted(self.pages.values(), key=lambda p: p.seq)
                if p.data_source_id == data_source_id and (include_trashed or not p.in_trash)
            ]

    def edits_by(self, author_type: str | None = None, page_id: str | None = None) -> list[Edit]:
        """Edits filtered by ``"bot"``/``"person"`` and/or page."""
        with self.lock:
            return [
                e
                for e in self.edits
                if (author_type is None or e.author_type == author_type)
                and (page_id is None or e.page_id == page_id)
            ]

    def schema(self, data_source_id: str) -> dict[str, Any]:
        with self.lock:
            return {p.name: p.render() for p in self.data_sources[data_source_id].props.values()}

    # ------------------------------------------------------------------ faults
    def add_notion_fault(
        self,
        status: int,
        code: str,
        *,
        message: str | None = None,
        path: str = ".*",
        method: str | None = None,
        times: int | None = 1,
        rate: float = 1.0,
        retry_after: int | None = None,
    ) -> Any:
        """A fault answered with a proper Notion error body (e.g. 409 conflict_error)."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        return self.add_fault(
            kind="status",
            status=status,
            body=error_body(status, code, message or f"Emulated {code}."),
            headers=headers,
            path=path,
            method=method,
            times=times,
            rate=rate,
        )

    def rate_limit_storm(self, n: int, retry_after: int = 0, path: str = ".*") -> Any:
        """The next ``n`` matching requests get 429 rate_limited with ``Retry-After``.

        The SDK honours only an integer Retry-After (delta-seconds or HTTP date);
        ``0`` makes it retry at once. It retries 429s for every method, at most
        ``RetryOptions.max_retries`` (default 2) times.
        """
        return self.add_notion_fault(
            429,
            "rate_limited",
            message="You have been rate limited. Please try again in a few minutes.",
            path=path,
            times=n,
            retry_after=retry_after,
        )

    def enforce_rate_limit(self, rate: float = 3.0, burst: float | None = None) -> None:
        """Token bucket on real (monotonic) time: above ``rate`` req/s on average
        (bursts up to ``burst``, default ``rate``) requests get 429 + Retry-After: 1.
        ``rate_limited_count`` counts them. ``enforce_rate_limit(0)`` turns it off."""
        with self.lock:
            if rate <= 0:
                self._bucket = None
                return
            size = burst if burst is not None else rate
            self._bucket = (rate, size, size, time.monotonic())

    def _take_token(self) -> bool:
        with self.lock:
            if self._bucket is None:
                return True
            rate, size, tokens, last = self._bucket
            now = time.monotonic()
            tokens = min(size, tokens + (now - last) * rate)
            if tokens < 1:
                self._bucket = (rate, size, tokens, now)
                self.rate_limited_count += 1
                return False
            self._bucket = (rate, size, tokens - 1, now)
            return True

    # ------------------------------------------------------------------ HTTP entry
    def _serve(self, handler: Any, request: Request) -> None:
        # base.py writes headers and body separately; without TCP_NODELAY, Nagle plus
        # the client's delayed ACK costs ~40 ms per keep-alive request.
        with contextlib.suppress(OSError):
            handler.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super()._serve(handler, request)

    def route(self, request: Request) -> Response:
        try:
            version = self._check_headers(request)
            if not self._take_token():
                raise NotionError(
                    429,
                    "rate_limited",
                    "You have been rate limited. Please try again in a few minutes.",
                    {"Retry-After": "1"},
                )
            with self.lock:
                body = self._dispatch(request, version)
            if isinstance(body, dict) and body.get("object") == "list":
                body["request_id"] = str(uuid.uuid4())
            return Response(200, body)
        except NotionError as exc:
            return Response(exc.status, error_body(exc.status, exc.code, exc.message), exc.headers)

    def _check_headers(self, request: Request) -> str:
        auth = request.header("authorization") or ""
        if not auth.startswith("Bearer ") or auth[len("Bearer ") :] not in self.tokens:
            raise NotionError(401, "unauthorized", "API token is invalid.")
        version = (request.header("notion-version") or "").strip()
        if not version:
            raise NotionError(
                400,
                "missing_version",
                "Notion-Version header failed validation: Notion-Version header should be "
                "defined, instead was `undefined`.",
            )
        if version in LEGACY_VERSIONS:
            raise _validation(
                f"emulator: Notion-Version {version} is not emulated (its databases/query "
                f"endpoint is gone in {SUPPORTED_VERSIONS[0]}); use one of {SUPPORTED_VERSIONS}."
            )
        if version not in SUPPORTED_VERSIONS:
            raise _validation(
                f"Notion-Version header failed validation: `{version}` is not a valid version; "
                f"the emulator accepts {SUPPORTED_VERSIONS}."
            )
        return version

    def _json_body(self, request: Request) -> dict[str, Any]:
        if not request.body:
            return {}
        try:
            body = json.loads(request.body)
        except ValueError:
            raise NotionError(400, "invalid_json", "Error parsing JSON body.") from None
        if not isinstance(body, dict):
            raise _validation("body failed validation: body should be an object.")
        if len(request.body) > 500 * 1024:
            raise _validation("emulator: request payload exceeds 500KB.")
        return body

    def _need(self, capability: str) -> None:
        if capability not in self.capabilities:
            raise NotionError(
                403,
                "restricted_resource",
                f"Insufficient permissions for this endpoint (integration lacks {capability} "
                "content capability).",
            )

    def _dispatch(self, request: Request, version: str) -> Any:
        method = request.method
        parts = [p for p in request.path.split("/") if p]
        if not parts or parts[0] != "v1":
            raise NotionError(400, "invalid_request_url", "Invalid request URL.")
        parts = parts[1:]
        body = self._json_body(request) if method in ("POST", "PATCH") else {}
        if method in ("GET",) or parts[-1:] == ["query"] or parts == ["search"]:
            self._need("read")
        elif method == "POST":
            self._need("insert")
        elif method == "PATCH":
            self._need("update")
        match (method, parts):
            case ("GET", ["users", "me"]):
                return self.bot_user()
            case ("GET", ["users", user_id]):
                return self._get_user(user_id)
            case ("POST", ["databases"]):
                return self._api_create_database(body, version)
            case ("GET", ["databases", db_id]):
                return self._render_database(self._visible_database(db_id), version)
            case ("PATCH", ["databases", db_id]):
                return self._api_update_database(self._visible_database(db_id), body, version)
            case ("POST", ["databases", _db_id, "query"]):
                raise NotionError(
                    400,
                    "invalid_request_url",
                    f"Invalid request URL: databases/query does not exist in {version}; "
                    "use POST /v1/data_sources/{data_source_id}/query.",
                )
            case ("POST", ["data_sources"]):
                return self._api_create_data_source(body, version)
            case ("GET", ["data_sources", ds_id]):
                return self._render_data_source(self._visible_data_source(ds_id), version)
            case ("PATCH", ["data_sources", ds_id]):
                return self._api_update_data_source(self._visible_data_source(ds_id), body, version)
            case ("POST", ["data_sources", ds_id, "query"]):
                return self._api_query(self._visible_data_source(ds_id), body, request, version)
            case ("POST", ["pages"]):
                return self._api_create_page(body, version)
            case ("GET", ["pages", page_id]):
                page = self._visible_page(page_id)
                return self._render_page(page, version, self._filter_props(request))
            case ("PATCH", ["pages", page_id]):
                return self._api_update_page(self._visible_page(page_id), body, version)
            case ("POST", ["search"]):
                return self._api_search(body, version)
        raise NotionError(400, "invalid_request_url", "Invalid request URL.")

    # ------------------------------------------------------------------ visibility
    def _id_or_400(self, raw: str, what: str) -> str:
        norm = normalize_id(raw)
        if norm is None:
            raise _validation(
                f"path failed validation: path.{what} should be a valid uuid, instead was `{json.dumps(raw)}`."
            )
        return norm

    @staticmethod
    def _not_found(kind: str, object_id: str) -> NotionError:
        return NotionError(
            404,
            "object_not_found",
            f"Could not find {kind} with ID: {object_id}. Make sure the relevant pages and "
            "databases are shared with your integration.",
        )

    def _visible_database(self, raw: str) -> _Database:
        db_id = self._id_or_400(raw, "database_id")
        db = self.databases.get(db_id)
        if db is None or not db.shared:
            raise self._not_found("database", db_id)
        return db

    def _visible_data_source(self, raw: str) -> _DataSource:
        ds_id = self._id_or_400(raw, "data_source_id")
        ds = self.data_sources.get(ds_id)
        if ds is None or not self.databases[ds.database_id].shared:
            raise self._not_found("data_source", ds_id)
        return ds

    def _visible_page(self, raw: str) -> _Page:
        page_id = self._id_or_400(raw, "page_id")
        page = self.pages.get(page_id)
        if page is None or not self._page_shared(page):
            raise self._not_found("page", page_id)
        return page

    def _page_shared(self, page: _Page) -> bool:
        if page.data_source_id is None:
            return page.shared
        return self.databases[self.data_sources[page.data_source_id].database_id].shared

    def _get_user(self, raw: str) -> dict[str, Any]:
        user_id = self._id_or_400(raw, "user_id")
        if user_id == self.bot_id:
            return self.bot_user()
        if user_id not in self.users:
            raise self._not_found("user", user_id)
        return self.users[user_id]

    # ------------------------------------------------------------------ schema
    def _status_config(self, options: list[dict[str, Any]] | None) -> dict[str, Any]:
        if not options:
            specs = [(n, c, g, gc) for n, c, g, gc in DEFAULT_STATUS]
        else:
            names = [o["name"] for o in options]
            specs = [
                (n, o.get("color", "default"), "Complete" if i == len(names) - 1 else "To-do", "")
                for i, (n, o) in enumerate(zip(names, options, strict=True))
            ]
        opts, groups = [], {}
        for name, color, group, group_color in specs:
            opt = {"id": self._short_id(), "name": name, "color": color, "description": None}
            opts.append(opt)
            grp = groups.setdefault(
                group,
                {
                    "id": self._short_id(),
                    "name": group,
                    "color": group_color
                    or {"To-do": "gray", "Complete": "green"}.get(group, "blue"),
                    "option_ids": [],
                },
            )
            grp["option_ids"].append(opt["id"])
        return {"options": opts, "groups": list(groups.values())}

    def _short_id(self) -> str:
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
        return "".join(self._ids.choice(alphabet) for _ in range(4))

    def _select_options(self, raw: Any, where: str) -> list[dict[str, Any]]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            raise _validation(f"{where}.options should be an array.")
        out: list[dict[str, Any]] = []
        for i, opt in enumerate(raw):
            if not isinstance(opt, dict) or not isinstance(opt.get("name"), str):
                raise _validation(f"{where}.options[{i}].name should be a string.")
            self._check_option_name(opt["name"], f"{where}.options[{i}].name")
            if any(o["name"] == opt["name"] for o in out):
                continue
            color = opt.get("color", COLORS[len(out) % len(COLORS)])
            if color not in COLORS:
                raise _validation(f"{where}.options[{i}].color should be one of {COLORS}.")
            out.append(
                {"id": self._short_id(), "name": opt["name"], "color": color, "description": None}
            )
        return out

    @staticmethod
    def _check_option_name(name: str, where: str) -> None:
        if "," in name:
            raise _validation(f"Invalid select option, commas not allowed: {name}")
        if not name.strip():
            raise _validation(f"{where} should not be empty.")
        if len(name) > 100:
            raise _validation(f"{where}.length should be ≤ `100`, instead was `{len(name)}`.")

    def _build_prop(
        self,
        name: str,
        spec: Any,
        where: str,
        allow_status_options: bool,
        prop_id: str | None = None,
    ) -> _Prop:
        if not isinstance(spec, dict):
            raise _validation(f"{where} should be an object.")
        kinds = [k for k in spec if k in SCHEMA_TYPES or k in UNSUPPORTED_TYPES]
        if len(kinds) != 1:
            raise _validation(f"{where} should define exactly one property type.")
        kind = kinds[0]
        if kind in UNSUPPORTED_TYPES:
            raise _validation(f"emulator: property type `{kind}` is not emulated ({where}).")
        cfg = spec[kind] if spec[kind] is not None else {}
        if not isinstance(cfg, dict):
            raise _validation(f"{where}.{kind} should be an object.")
        config: dict[str, Any] = {}
        if kind in ("select", "multi_select"):
            config = {"options": self._select_options(cfg.get("options"), f"{where}.{kind}")}
        elif kind == "status":
            if cfg.get("options") or cfg.get("groups"):
                if not allow_status_options:
                    raise _validation(
                        "It's not possible to set the options or groups of a status property "
                        "via the API; configure them in the Notion app."
                    )
                config = self._status_config(cfg.get("options"))
            else:
                config = self._status_config(None)
        elif kind == "number":
            config = {"format": cfg.get("format", "number")}
        name = spec.get("name", name)
        return _Prop(
            id="title" if kind == "title" else (prop_id or self._short_id()),
            name=name,
            type=kind,
            config=config,
            description=spec.get("description") or "",
        )

    def _build_schema(self, properties: Any, allow_status_options: bool) -> dict[str, _Prop]:
        if not isinstance(properties, dict) or not properties:
            raise _validation("body failed validation: properties should be a non-empty object.")
        props: dict[str, _Prop] = {}
        for name, spec in properties.items():
            prop = self._build_prop(name, spec, f"body.properties.{name}", allow_status_options)
            props[prop.id] = prop
        titles = [p for p in props.values() if p.type == "title"]
        if len(titles) != 1:
            raise _validation(
                f"Data source must have exactly one title property (got {len(titles)})."
            )
        return props

    def _new_data_source(
        self,
        db: _Database,
        name: str,
        properties: Any,
        author: str,
        allow_status_options: bool,
    ) -> _DataSource:
        props = self._build_schema(properties, allow_status_options)
        now = self.now()
        ds = _DataSource(
            id=self.new_id(),
            database_id=db.id,
            name=name,
            props=props,
            created=now,
            edited=now,
            created_by=author,
            edited_by=author,
        )
        self.data_sources[ds.id] = ds
        db.data_source_ids.append(ds.id)
        return ds

    def _create_database(
        self,
        title: str,
        properties: Any,
        parent_page_id: str,
        *,
        shared: bool,
        author: str,
        allow_status_options: bool,
    ) -> tuple[str, str]:
        now = self.now()
        db = _Database(
            id=self.new_id(),
            title=title,
            parent_page_id=parent_page_id,
            data_source_ids=[],
            shared=shared,
            created=now,
            edited=now,
            created_by=author,
            edited_by=author,
        )
        ds = self._new_data_source(db, title, properties, author, allow_status_options)
        self.databases[db.id] = db
        return db.id, ds.id

    # ------------------------------------------------------------------ renderers
    def _rich_text(self, text: str) -> list[dict[str, Any]]:
        if not text:
            return []
        return [self._text_item(text, None, {})]

    @staticmethod
    def _text_item(content: str, url: str | None, annotations: dict[str, Any]) -> dict[str, Any]:
        ann = {
            "bold": False,
            "italic": False,
            "strikethrough": False,
            "underline": False,
            "code": False,
            "color": "default",
        }
        ann.update(annotations)
        return {
            "type": "text",
            "text": {"content": content, "link": {"url": url} if url else None},
            "annotations": ann,
            "plain_text": content,
            "href": url,
        }

    def _render_database(self, db: _Database, version: str) -> dict[str, Any]:
        out = {
            "object": "database",
            "id": db.id,
            "title": self._rich_text(db.title),
            "description": [],
            "icon": None,
            "cover": None,
            "parent": {"type": "page_id", "page_id": db.parent_page_id},
            "is_inline": db.is_inline,
            "in_trash": db.in_trash,
            "is_locked": False,
            "created_time": minute_iso(db.created),
            "last_edited_time": minute_iso(db.edited),
            "created_by": _user(db.created_by),
            "last_edited_by": _user(db.edited_by),
            "data_sources": [
                {"id": ds_id, "name": self.data_sources[ds_id].name} for ds_id in db.data_source_ids
            ],
            "url": f"https://www.notion.so/{db.id.replace('-', '')}",
            "public_url": None,
        }
        if version == "2025-09-03":
            out["archived"] = db.in_trash
        return out

    def _render_data_source(self, ds: _DataSource, version: str) -> dict[str, Any]:
        db = self.databases[ds.database_id]
        out = {
            "object": "data_source",
            "id": ds.id,
            "created_time": minute_iso(ds.created),
            "last_edited_time": minute_iso(ds.edited),
            "created_by": _user(ds.created_by),
            "last_edited_by": _user(ds.edited_by),
            "title": self._rich_text(ds.name),
            "description": [],
            "icon": None,
            "cover": None,
            "properties": {p.name: p.render() for p in ds.props.values()},
            "parent": {"type": "database_id", "database_id": db.id},
            "database_parent": {"type": "page_id", "page_id": db.parent_page_id},
            "is_inline": db.is_inline,
            "in_trash": ds.in_trash,
            "url": f"https://www.notion.so/{ds.id.replace('-', '')}",
            "public_url": None,
        }
        if version == "2025-09-03":
            out["archived"] = ds.in_trash
        return out

    def _render_value(self, page: _Page, prop: _Prop) -> Any:
        value = page.values.get(prop.id)
        if prop.type in ("title", "rich_text", "multi_select"):
            if prop.type == "multi_select":
                return [self._option(prop, oid) for oid in (value or []) if self._option(prop, oid)]
            return json.loads(json.dumps(value or []))
        if prop.type in ("select", "status"):
            return self._option(prop, value) if value else None
        if prop.type == "checkbox":
            return bool(value)
        if prop.type == "date":
            return dict(value) if value else None
        if prop.type == "created_time":
            return minute_iso(page.created)
        if prop.type == "last_edited_time":
            return minute_iso(page.edited)
        if prop.type == "created_by":
            return _user(page.created_by)
        if prop.type == "last_edited_by":
            return _user(page.edited_by)
        return value

    @staticmethod
    def _option(prop: _Prop, option_id: str) -> dict[str, Any] | None:
        for opt in prop.config.get("options", []):
            if opt["id"] == option_id:
                return {"id": opt["id"], "name": opt["name"], "color": opt["color"]}
        return None

    def _render_page(
        self, page: _Page, version: str, only: set[str] | None = None
    ) -> dict[str, Any]:
        out: dict[str, Any] = {
            "object": "page",
            "id": page.id,
            "created_time": minute_iso(page.created),
            "last_edited_time": minute_iso(page.edited),
            "created_by": _user(page.created_by),
            "last_edited_by": _user(page.edited_by),
            "cover": page.cover,
            "icon": page.icon,
        }
        if page.data_source_id is None:
            out["parent"] = {"type": "workspace", "workspace": True}
            props: dict[str, Any] = {
                "title": {"id": "title", "type": "title", "title": self._rich_text(page.title)}
            }
            title = page.title
        else:
            ds = self.data_sources[page.data_source_id]
            out["parent"] = {
                "type": "data_source_id",
                "data_source_id": ds.id,
                "database_id": ds.database_id,
            }
            props = {}
            title = ""
            for prop in ds.props.values():
                value = self._render_value(page, prop)
                if prop.type == "title":
                    title = _rich_text_plain(value)
                if only is not None and prop.id not in only and prop.name not in only:
                    continue
                props[prop.name] = {"id": prop.id, "type": prop.type, prop.type: value}
        if version == "2025-09-03":
            out["archived"] = page.in_trash
        out["in_trash"] = page.in_trash
        out["is_locked"] = False
        out["properties"] = props
        slug = re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-")
        compact = page.id.replace("-", "")
        out["url"] = (
            f"https://www.notion.so/{slug}-{compact}"
            if slug
            else f"https://www.notion.so/{compact}"
        )
        out["public_url"] = None
        return out

    def _plain_value(self, page: _Page, prop: _Prop, ds: _DataSource) -> Any:
        value = self._render_value(page, prop)
        if prop.type in ("title", "rich_text"):
            return _rich_text_plain(value)
        if prop.type in ("select", "status"):
            return value["name"] if value else None
        if prop.type == "multi_select":
            return [v["name"] for v in value]
        return value

    @staticmethod
    def _filter_props(request: Request) -> set[str] | None:
        values = request.query.get("filter_properties") or request.query.get("filter_properties[]")
        if not values:
            return None
        out: set[str] = set()
        for v in values:
            out.update(x for x in v.split(",") if x)
        return out

    # ------------------------------------------------------------------ value validation
    def _rich_text_in(self, raw: Any, where: str) -> list[dict[str, Any]]:
        if not isinstance(raw, list):
            raise _validation(f"{where} should be an array, instead was `{json.dumps(raw)}`.")
        if len(raw) > ARRAY_MAX:
            raise _validation(
                f"{where}.length should be ≤ `{ARRAY_MAX}`, instead was `{len(raw)}`."
            )
        out = []
        for i, item in enumerate(raw):
            at = f"{where}[{i}]"
            if not isinstance(item, dict):
                raise _validation(f"{at} should be an object.")
            kind = item.get("type", "text")
            if kind != "text":
                raise _validation(f"emulator: rich text type `{kind}` is not emulated ({at}).")
            text = item.get("text")
            if not isinstance(text, dict):
                raise _validation(f"{at}.text should be defined, instead was `undefined`.")
            content = text.get("content")
            if not isinstance(content, str):
                raise _validation(
                    f"{at}.text.content should be a string, instead was `{json.dumps(content)}`."
                )
            if len(content) > RICH_TEXT_MAX:
                raise _validation(
                    f"{at}.text.content.length should be ≤ `{RICH_TEXT_MAX}`, instead was `{len(content)}`."
                )
            link = text.get("link")
            url = None
            if link is not None:
                if not isinstance(link, dict) or not isinstance(link.get("url"), str):
                    raise _validation(f"{at}.text.link.url should be a string.")
                url = link["url"]
            annotations = item.get("annotations") or {}
            if not isinstance(annotations, dict) or any(
                k not in ANNOTATION_KEYS for k in annotations
            ):
                raise _validation(f"{at}.annotations has unknown keys; allowed: {ANNOTATION_KEYS}.")
            out.append(self._text_item(content, url, annotations))
        return out

    def _option_in(self, prop: _Prop, raw: Any, where: str, create: bool) -> str:
        if not isinstance(raw, dict) or not ("name" in raw or "id" in raw):
            raise _validation(
                f"{where} should be an object with `name` or `id`, instead was `{json.dumps(raw)}`."
            )
        options = prop.config.setdefault("options", [])
        if "id" in raw:
            for opt in options:
                if opt["id"] == raw["id"]:
                    return opt["id"]
            raise _validation(
                f"{where}.id: option `{raw['id']}` not found for property {prop.name}."
            )
        name = raw["name"]
        if not isinstance(name, str):
            raise _validation(f"{where}.name should be a string, instead was `{json.dumps(name)}`.")
        for opt in options:
            if opt["name"] == name:
                return opt["id"]
        if not create:
            raise _validation(f'Invalid status option. Status option "{name}" does not exist.')
        self._check_option_name(name, f"{where}.name")
        opt = {
            "id": self._short_id(),
            "name": name,
            "color": COLORS[len(options) % len(COLORS)],
            "description": None,
        }
        options.append(opt)
        return opt["id"]

    def _date_in(self, raw: Any, where: str) -> dict[str, Any] | None:
        if raw is None:
            return None
        if not isinstance(raw, dict) or "start" not in raw:
            raise _validation(f"{where}.start should be defined, instead was `undefined`.")
        tz_name = raw.get("time_zone")
        zone = None
        if tz_name is not None:
            try:
                zone = ZoneInfo(tz_name) if isinstance(tz_name, str) else None
            except (ZoneInfoNotFoundError, ValueError):
                zone = None
            if zone is None:
                raise _validation(
                    f"{where}.time_zone should be a valid IANA time zone, instead was `{json.dumps(tz_name)}`."
                )

        def convert(value: Any, key: str) -> str | None:
            if value is None:
                return None
            parsed = _parse_iso(value, f"{where}.{key}")
            if not isinstance(parsed, datetime):
                return parsed.isoformat()
            if zone is not None:
                if parsed.tzinfo is not None:
                    raise _validation(
                        f"{where}.{key}: a date with an offset cannot be combined with time_zone; "
                        "give a naive date-time with time_zone, or an offset without it."
                    )
                parsed = parsed.replace(tzinfo=zone)
            elif parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            return _iso_offset(parsed)

        start = convert(raw.get("start"), "start")
        if start is None:
            raise _validation(f"{where}.start should be a string, instead was `null`.")
        end = convert(raw.get("end"), "end")
        return {"start": start, "end": end, "time_zone": None}

    def _value_in(self, prop: _Prop, raw: Any, where: str) -> Any:
        if prop.type in READ_ONLY_TYPES:
            raise _validation(
                f"{prop.name} is a read-only property ({prop.type}) and cannot be written."
            )
        if not isinstance(raw, dict):
            raise _validation(f"{where} should be an object, instead was `{json.dumps(raw)}`.")
        given = [k for k in raw if k in SCHEMA_TYPES or k in UNSUPPORTED_TYPES]
        if prop.type not in raw:
            if given:
                raise _validation(f"{prop.name} is expected to be {prop.type}.")
            raise _validation(f"{where}.{prop.type} should be defined, instead was `undefined`.")
        if raw.get("type") not in (None, prop.type) or len(given) > 1:
            raise _validation(f"{prop.name} is expected to be {prop.type}.")
        value = raw[prop.type]
        at = f"{where}.{prop.type}"
        if prop.type in ("title", "rich_text"):
            return self._rich_text_in(value, at)
        if prop.type == "number":
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int | float)
            ):
                raise _validation(
                    f"{at} should be a number or `null`, instead was `{json.dumps(value)}`."
                )
            return value
        if prop.type == "checkbox":
            if not isinstance(value, bool):
                raise _validation(f"{at} should be a boolean, instead was `{json.dumps(value)}`.")
            return value
        if prop.type in ("email", "phone_number", "url"):
            if value is None:
                return None
            if not isinstance(value, str):
                raise _validation(
                    f"{at} should be a string or `null`, instead was `{json.dumps(value)}`."
                )
            if value == "":
                raise _validation(f'{at} should be populated or `null`, instead was `""`.')
            limit = URL_MAX if prop.type == "url" else EMAIL_PHONE_MAX
            if len(value) > limit:
                raise _validation(f"{at}.length should be ≤ `{limit}`, instead was `{len(value)}`.")
            return value
        if prop.type == "select":
            return None if value is None else self._option_in(prop, value, at, create=True)
        if prop.type == "status":
            if value is None:
                return prop.config["options"][0]["id"]
            return self._option_in(prop, value, at, create=False)
        if prop.type == "multi_select":
            if not isinstance(value, list):
                raise _validation(f"{at} should be an array, instead was `{json.dumps(value)}`.")
            if len(value) > ARRAY_MAX:
                raise _validation(
                    f"{at}.length should be ≤ `{ARRAY_MAX}`, instead was `{len(value)}`."
                )
            ids: list[str] = []
            for i, item in enumerate(value):
                oid = self._option_in(prop, item, f"{at}[{i}]", create=True)
                if oid not in ids:
                    ids.append(oid)
            return ids
        if prop.type == "date":
            return self._date_in(value, at)
        raise _validation(f"emulator: writing {prop.type} is not emulated.")  # pragma: no cover

    def _values_in(self, ds: _DataSource, properties: Any) -> dict[str, Any]:
        """Validate a properties write; return property id → stored value. Select
        options the write creates are only kept when the whole write is valid."""
        if properties is None:
            return {}
        if not isinstance(properties, dict):
            raise _validation("body failed validation: body.properties should be an object.")
        snapshot = {pid: json.loads(json.dumps(p.config)) for pid, p in ds.props.items()}
        try:
            out: dict[str, Any] = {}
            for key, raw in properties.items():
                prop = ds.prop(key)
                if prop is None:
                    raise _validation(f"{key} is not a property that exists.")
                out[prop.id] = self._value_in(prop, raw, f"body.properties.{key}")
            return out
        except NotionError:
            for pid, config in snapshot.items():
                ds.props[pid].config = config
            raise

    # ------------------------------------------------------------------ page writes
    def _record_edit(
        self, page: _Page, kind: str, author: str, author_type: str, names: list[str]
    ) -> None:
        now = self.now()
        self.edits.append(Edit(page.id, kind, author, author_type, names, now))
        ds = self.data_sources.get(page.data_source_id or "")
        event_type = {
            "created": "page.created",
            "updated": "page.properties_updated",
            "trashed": "page.deleted",
            "restored": "page.undeleted",
        }[kind]
        prop_ids = []
        if ds is not None and kind == "updated":
            prop_ids = [p.id for n in names if (p := ds.prop(n)) is not None]
        self.events.append(Event(event_type, page.id, author, author_type, prop_ids, now))

    def _create_page(
        self, ds: _DataSource, properties: Any, author: str, author_type: str
    ) -> _Page:
        values = self._values_in(ds, properties)
        for prop in ds.props.values():
            if prop.id not in values:
                if prop.type == "status":
                    values[prop.id] = prop.config["options"][0]["id"]
                elif prop.type == "checkbox":
                    values[prop.id] = False
        now = self.now()
        self._seq += 1
        page = _Page(
            id=self.new_id(),
            data_source_id=ds.id,
            values=values,
            created=now,
            edited=now,
            created_by=author,
            edited_by=author,
            seq=self._seq,
        )
        self.pages[page.id] = page
        self._journal_edit(page)
        names = [ds.props[pid].name for pid in values]
        self._record_edit(page, "created", author, author_type, names)
        return page

    def _update_page(
        self, page: _Page, body: dict[str, Any], author: str, author_type: str
    ) -> None:
        trash = body.get("in_trash", body.get("archived"))
        if trash is not None and not isinstance(trash, bool):
            raise _validation("body.in_trash should be a boolean.")
        properties = body.get("properties")
        if page.data_source_id is None:
            if properties:
                raise _validation("emulator: editing plain pages is not emulated.")
            values: dict[str, Any] = {}
            ds = None
        else:
            ds = self.data_sources[page.data_source_id]
            if page.in_trash and properties and trash is not False:
                raise _validation(
                    "Can't edit block that is archived. You must unarchive the block before editing."
                )
            values = self._values_in(ds, properties)
        changed = False
        if values:
            page.values.update(values)
            changed = True
        for key in ("icon", "cover"):
            if key in body:
                setattr(page, key, body[key])
                changed = True
        restored = trashed = False
        if trash is not None and trash != page.in_trash:
            page.in_trash = trash
            trashed, restored = trash, not trash
            changed = True
        if changed:
            page.edited = self.now()
            page.edited_by = author
            self._journal_edit(page)
        if restored:
            self._record_edit(page, "restored", author, author_type, [])
        if values and ds is not None:
            self._record_edit(
                page, "updated", author, author_type, [ds.props[p].name for p in values]
            )
        if trashed:
            self._record_edit(page, "trashed", author, author_type, [])

    # ------------------------------------------------------------------ API handlers
    @staticmethod
    def _check_keys(body: dict[str, Any], allowed: Iterable[str], where: str = "body") -> None:
        unknown = [k for k in body if k not in allowed]
        if unknown:
            raise _validation(f"{where} failed validation: unknown key(s) {unknown}.")

    def _title_text(self, raw: Any, where: str) -> str:
        if raw is None:
            return ""
        return _rich_text_plain(self._rich_text_in(raw, where))

    def _check_archived(self, body: dict[str, Any], version: str) -> None:
        if "archived" in body and version != "2025-09-03":
            raise _validation(
                f"body failed validation: `archived` was removed in {version}; use `in_trash`."
            )

    def _api_create_database(self, body: dict[str, Any], version: str) -> dict[str, Any]:
        self._check_keys(
            body,
            ("parent", "title", "description", "is_inline", "initial_data_source", "icon", "cover"),
        )
        if "properties" in body:
            raise _validation(
                f"body failed validation: in {version} the schema goes in "
                "`initial_data_source.properties`, not `properties`."
            )
        parent = body.get("parent")
        if not isinstance(parent, dict) or "page_id" not in parent:
            raise _validation("body failed validation: body.parent.page_id should be defined.")
        parent_id = self._id_or_400(parent["page_id"], "parent.page_id")
        parent_page = self.pages.get(parent_id)
        if parent_page is None or not self._page_shared(parent_page):
            raise self._not_found("page", parent_id)
        title = self._title_text(body.get("title"), "body.title")
        initial = body.get("initial_data_source") or {}
        if not isinstance(initial, dict):
            raise _validation("body.initial_data_source should be an object.")
        properties = initial.get("properties") or {"Name": {"title": {}}}
        db_id, _ = self._create_database(
            title,
            properties,
            parent_id,
            shared=True,
            author=self.bot_id,
            allow_status_options=False,
        )
        db = self.databases[db_id]
        db.is_inline = bool(body.get("is_inline", False))
        return self._render_database(db, version)

    def _api_update_database(
        self, db: _Database, body: dict[str, Any], version: str
    ) -> dict[str, Any]:
        self._check_archived(body, version)
        self._check_keys(
            body,
            (
                "title",
                "description",
                "is_inline",
                "icon",
                "cover",
                "in_trash",
                "archived",
                "is_locked",
                "parent",
            ),
        )
        if "title" in body:
            db.title = self._title_text(body["title"], "body.title")
        if "is_inline" in body:
            db.is_inline = bool(body["is_inline"])
        trash = body.get("in_trash", body.get("archived"))
        if trash is not None:
            db.in_trash = bool(trash)
        db.edited = self.now()
        db.edited_by = self.bot_id
        return self._render_database(db, version)

    def _api_create_data_source(self, body: dict[str, Any], version: str) -> dict[str, Any]:
        parent = body.get("parent")
        if not isinstance(parent, dict) or "database_id" not in parent:
            raise _validation("body failed validation: body.parent.database_id should be defined.")
        db = self._visible_database(parent["database_id"])
        name = self._title_text(body.get("title"), "body.title") or "Untitled"
        ds = self._new_data_source(db, name, body.get("properties"), self.bot_id, False)
        return self._render_data_source(ds, version)

    def _api_update_data_source(
        self, ds: _DataSource, body: dict[str, Any], version: str
    ) -> dict[str, Any]:
        self._check_archived(body, version)
        self._check_keys(body, ("title", "icon", "properties", "in_trash", "archived", "parent"))
        if "title" in body:
            ds.name = self._title_text(body["title"], "body.title")
        trash = body.get("in_trash", body.get("archived"))
        if trash is not None:
            ds.in_trash = bool(trash)
        props = body.get("properties")
        if props is not None:
            if not isinstance(props, dict):
                raise _validation("body.properties should be an object.")
            new_props = {
                pid: _Prop(p.id, p.name, p.type, json.loads(json.dumps(p.config)), p.description)
                for pid, p in ds.props.items()
            }
            work = _DataSource(
                ds.id,
                ds.database_id,
                ds.name,
                new_props,
                ds.created,
                ds.edited,
                ds.created_by,
                ds.edited_by,
            )
            cleared: list[str] = []
            for key, spec in props.items():
                where = f"body.properties.{key}"
                existing = work.prop(key)
                if spec is None:
                    if existing is None:
                        raise _validation(f"{key} is not a property that exists.")
                    if existing.type == "title":
                        raise _validation("Cannot delete the title property.")
                    del work.props[existing.id]
                    cleared.append(existing.id)
                    continue
                if not isinstance(spec, dict):
                    raise _validation(f"{where} should be an object or `null`.")
                kinds = [k for k in spec if k in SCHEMA_TYPES or k in UNSUPPORTED_TYPES]
                if existing is None:
                    if not kinds:
                        raise _validation(f"{key} is not a property that exists.")
                    prop = self._build_prop(key, spec, where, False)
                    if prop.type == "title":
                        raise _validation("A data source can have only one title property.")
                    work.props[prop.id] = prop
                    continue
                if kinds:
                    kind = kinds[0]
                    if kind == existing.type:
                        if kind in ("select", "multi_select"):
                            extra = (spec[kind] or {}).get("options") or []
                            have = {o["name"] for o in existing.config["options"]}
                            for opt in self._select_options(extra, f"{where}.{kind}"):
                                if opt["name"] not in have:
                                    existing.config["options"].append(opt)
                        elif kind == "status" and spec[kind]:
                            raise _validation(
                                "It's not possible to update the name or options of a status "
                                "property via the API."
                            )
                    else:
                        if existing.type == "title":
                            raise _validation("The type of the title property cannot be changed.")
                        rebuilt = self._build_prop(existing.name, spec, where, False, existing.id)
                        existing.type, existing.config = rebuilt.type, rebuilt.config
                        cleared.append(existing.id)
                if isinstance(spec.get("name"), str):
                    existing.name = spec["name"]
            names = [p.name for p in work.props.values()]
            if len(names) != len(set(names)):
                raise _validation("Property names must be unique.")
            ds.props = work.props
            for page in self.pages.values():
                if page.data_source_id == ds.id:
                    for pid in cleared:
                        page.values.pop(pid, None)
        ds.edited = self.now()
        ds.edited_by = self.bot_id
        return self._render_data_source(ds, version)

    def _resolve_parent(self, parent: Any) -> _DataSource:
        if not isinstance(parent, dict):
            raise _validation("body failed validation: body.parent should be an object.")
        if "data_source_id" in parent:
            return self._visible_data_source(parent["data_source_id"])
        if "database_id" in parent:
            db = self._visible_database(parent["database_id"])
            if len(db.data_source_ids) != 1:
                raise _validation(
                    "Database has multiple data sources; provide parent.data_source_id instead "
                    "of parent.database_id."
                )
            return self.data_sources[db.data_source_ids[0]]
        if "page_id" in parent or "workspace" in parent:
            raise _validation("emulator: only data source (or database) page parents are emulated.")
        raise _validation("body failed validation: body.parent should define data_source_id.")

    def _api_create_page(self, body: dict[str, Any], version: str) -> dict[str, Any]:
        self._check_keys(
            body,
            (
                "parent",
                "properties",
                "icon",
                "cover",
                "content",
                "children",
                "markdown",
                "template",
                "position",
            ),
        )
        ds = self._resolve_parent(body.get("parent"))
        page = self._create_page(ds, body.get("properties") or {}, self.bot_id, "bot")
        page.icon, page.cover = body.get("icon"), body.get("cover")
        return self._render_page(page, version)

    def _api_update_page(self, page: _Page, body: dict[str, Any], version: str) -> dict[str, Any]:
        self._check_archived(body, version)
        self._check_keys(
            body,
            (
                "properties",
                "icon",
                "cover",
                "is_locked",
                "template",
                "erase_content",
                "archived",
                "in_trash",
            ),
        )
        self._update_page(page, body, self.bot_id, "bot")
        return self._render_page(page, version)

    # ------------------------------------------------------------------ query
    def _page_size(self, body: dict[str, Any]) -> int:
        size = body.get("page_size", 100)
        if isinstance(size, bool) or not isinstance(size, int):
            raise _validation(
                f"body failed validation: body.page_size should be a number, instead was `{json.dumps(size)}`."
            )
        if size < 1:
            raise _validation(
                f"body failed validation: body.page_size should be ≥ `1`, instead was `{size}`."
            )
        if size > 100:
            raise _validation(
                f"body failed validation: body.page_size should be ≤ `100`, instead was `{size}`."
            )
        return size

    def _paginate(
        self, scope: str, items: list[Any], body: dict[str, Any]
    ) -> tuple[list[Any], str | None]:
        size = self._page_size(body)
        start = 0
        cursor = body.get("start_cursor")
        if cursor is not None:
            entry = self._cursors.get(cursor) if isinstance(cursor, str) else None
            if entry is None or entry[0] != scope:
                raise _validation(
                    f"body failed validation: body.start_cursor `{cursor}` is not a valid cursor."
                )
            start = entry[1]
        chunk = items[start : start + size]
        next_cursor = None
        if start + size < len(items):
            next_cursor = str(uuid.UUID(int=self._ids.getrandbits(128), version=4))
            self._cursors[next_cursor] = (scope, start + size)
        return chunk, next_cursor

    def _journal_edit(self, page: _Page) -> None:
        entry = (page.edited, len(self._edit_journal), page.id)
        if self._edit_journal and entry < self._edit_journal[-1]:
            self._edit_journal_ordered = False
        self._edit_journal.append(entry)

    def _edited_since(self, flt: Any) -> datetime | None:
        """The instant a query's filter requires ``last_edited_time`` to be at or after, if it says one.

        Only a top-level timestamp filter or one inside a top-level ``and`` narrows; the
        full filter still decides which pages match.
        """
        if not isinstance(flt, dict):
            return None
        parts = flt.get("and") if isinstance(flt.get("and"), list) else [flt]
        for part in parts:
            if not isinstance(part, dict) or part.get("timestamp") != "last_edited_time":
                continue
            cond = part.get("last_edited_time")
            if not isinstance(cond, dict) or len(cond) != 1:
                continue
            op, arg = next(iter(cond.items()))
            if op in ("on_or_after", "after", "equals") and isinstance(arg, str):
                with contextlib.suppress(NotionError):
                    target = _parse_iso(arg, "")
                    if isinstance(target, datetime):
                        return _as_utc(target)
        return None

    def _query_candidates(self, ds: _DataSource, flt: Any) -> list[_Page]:
        """The pages a query can match: from the edit journal when the filter bounds the edit time
        (a page's edit time is at or after its floor to the minute), else every page."""
        since = self._edited_since(flt)
        if since is None or not self._edit_journal_ordered:
            return list(self.pages.values())
        first = bisect.bisect_left(self._edit_journal, (since, -1, ""))
        ids = dict.fromkeys(page_id for _, _, page_id in self._edit_journal[first:])
        return [self.pages[page_id] for page_id in ids if page_id in self.pages]

    def _api_query(
        self, ds: _DataSource, body: dict[str, Any], request: Request, version: str
    ) -> dict[str, Any]:
        self._check_archived(body, version)
        self._check_keys(
            body,
            ("filter", "sorts", "start_cursor", "page_size", "archived", "in_trash", "result_type"),
        )
        want_trash = bool(body.get("in_trash", body.get("archived", False)))
        predicate = (
            self._compile_filter(ds, body.get("filter"), 0)
            if body.get("filter") is not None
            else None
        )
        compare = self._compile_sorts(ds, body.get("sorts"))
        pages = [
            p
            for p in self._query_candidates(ds, body.get("filter"))
            if p.data_source_id == ds.id and p.in_trash == want_trash
        ]
        if predicate is not None:
            pages = [p for p in pages if predicate(p)]
        pages.sort(key=functools.cmp_to_key(compare))
        chunk, next_cursor = self._paginate(f"query:{ds.id}", pages, body)
        only = self._filter_props(request)
        return {
            "object": "list",
            "results": [self._render_page(p, version, only) for p in chunk],
            "next_cursor": next_cursor,
            "has_more": next_cursor is not None,
            "type": "page_or_data_source",
            "page_or_data_source": {},
        }

    def _api_search(self, body: dict[str, Any], version: str) -> dict[str, Any]:
        query = (body.get("query") or "").lower()
        flt = body.get("filter") or {}
        kinds = {"page", "data_source"}
        if flt:
            if flt.get("property") != "object" or flt.get("value") not in kinds:
                raise _validation("body.filter.value should be `page` or `data_source`.")
            kinds = {flt["value"]}
        items: list[tuple[str, Any]] = []
        if "data_source" in kinds:
            for ds in self.data_sources.values():
                if self.databases[ds.database_id].shared and query in ds.name.lower():
                    items.append(("data_source", ds))
        if "page" in kinds:
            for page in sorted(self.pages.values(), key=lambda p: p.seq):
                if page.in_trash or not self._page_shared(page):
                    continue
                rendered = self._render_page(page, version)
                title = next(
                    (
                        _rich_text_plain(v["title"])
                        for v in rendered["properties"].values()
                        if v["type"] == "title"
                    ),
                    "",
                )
                if query in title.lower():
                    items.append(("page", page))
        chunk, next_cursor = self._paginate("search", items, body)
        results = [
            self._render_data_source(obj, version)
            if kind == "data_source"
            else self._render_page(obj, version)
            for kind, obj in chunk
        ]
        return {
            "object": "list",
            "results": results,
            "next_cursor": next_cursor,
            "has_more": next_cursor is not None,
            "type": "page_or_data_source",
            "page_or_data_source": {},
        }

    # -- filters
    def _compile_filter(self, ds: _DataSource, flt: Any, depth: int) -> Callable[[_Page], bool]:
        if not isinstance(flt, dict):
            raise _validation("body failed validation: body.filter should be an object.")
        compound = [k for k in ("and", "or") if k in flt]
        if compound:
            if len(flt) != 1:
                raise _validation("body.filter: a compound filter must have only `and` or `or`.")
            if depth >= 2:
                raise _validation(
                    "body failed validation: filters can be nested at most two levels deep."
                )
            parts = flt[compound[0]]
            if not isinstance(parts, list):
                raise _validation(f"body.filter.{compound[0]} should be an array.")
            if len(parts) > ARRAY_MAX:
                raise _validation(f"body.filter.{compound[0]}.length should be ≤ `{ARRAY_MAX}`.")
            preds = [self._compile_filter(ds, part, depth + 1) for part in parts]
            if compound[0] == "and":
                return lambda p: all(f(p) for f in preds)
            return lambda p: any(f(p) for f in preds)
        if "timestamp" in flt:
            kind = flt["timestamp"]
            if kind not in ("created_time", "last_edited_time") or not isinstance(
                flt.get(kind), dict
            ):
                raise _validation(
                    "body.filter.timestamp should be `created_time` or `last_edited_time` with a matching condition."
                )
            attr = "created" if kind == "created_time" else "edited"
            cond = self._date_condition(flt[kind], f"body.filter.{kind}")
            return lambda p: cond(floor_minute(getattr(p, attr)))
        if "property" not in flt:
            raise _validation("body.filter should be a property, timestamp or compound filter.")
        prop = ds.prop(flt["property"])
        if prop is None:
            raise _validation(f"Could not find property with name or id: {flt['property']}")
        keys = [k for k in flt if k != "property" and k != "type"]
        allowed = FILTER_KEYS_FOR_TYPE.get(prop.type)
        if allowed is None:
            raise _validation(f"emulator: filtering on {prop.type} properties is not emulated.")
        if len(keys) != 1 or keys[0] not in allowed:
            raise _validation(
                f"body.filter: property `{prop.name}` is of type {prop.type}; use one of {allowed}."
            )
        cond = flt[keys[0]]
        where = f"body.filter.{keys[0]}"
        if not isinstance(cond, dict) or len(cond) != 1:
            raise _validation(f"{where} should be an object with exactly one condition.")
        if prop.type == "date":
            dcond = self._date_condition(cond, where)

            def date_pred(p: _Page) -> bool:
                value = p.values.get(prop.id)
                return dcond(_parse_iso(value["start"], "start") if value else None)

            return date_pred
        if prop.type in ("created_time", "last_edited_time"):
            dcond = self._date_condition(cond, where)
            attr = "created" if prop.type == "created_time" else "edited"
            return lambda p: dcond(floor_minute(getattr(p, attr)))
        op, arg = next(iter(cond.items()))
        getter = functools.partial(self._filter_value, prop)
        if prop.type in ("title", "rich_text", "url", "email", "phone_number"):
            return self._text_condition(getter, op, arg, where)
        if prop.type == "number":
            return self._number_condition(getter, op, arg, where)
        if prop.type == "checkbox":
            if op not in ("equals", "does_not_equal") or not isinstance(arg, bool):
                raise _validation(
                    f"{where}: checkbox supports equals/does_not_equal with a boolean."
                )
            return lambda p: (bool(getter(p)) == arg) == (op == "equals")
        if prop.type in ("select", "status"):
            if op in ("is_empty", "is_not_empty"):
                self._require_true(arg, where, op)
                return lambda p: (getter(p) is None) == (op == "is_empty")
            if op not in ("equals", "does_not_equal") or not isinstance(arg, str):
                raise _validation(
                    f"{where}: {prop.type} supports equals/does_not_equal/is_empty/is_not_empty."
                )
            return lambda p: (getter(p) == arg) == (op == "equals")
        if prop.type == "multi_select":
            if op in ("is_empty", "is_not_empty"):
                self._require_true(arg, where, op)
                return lambda p: (not getter(p)) == (op == "is_empty")
            if op not in ("contains", "does_not_contain") or not isinstance(arg, str):
                raise _validation(
                    f"{where}: multi_select supports contains/does_not_contain/is_empty/is_not_empty."
                )
            return lambda p: (arg in getter(p)) == (op == "contains")
        raise _validation(
            f"emulator: filtering on {prop.type} is not emulated."
        )  # pragma: no cover

    def _filter_value(self, prop: _Prop, page: _Page) -> Any:
        value = page.values.get(prop.id)
        if prop.type in ("title", "rich_text"):
            return _rich_text_plain(value or [])
        if prop.type in ("select", "status"):
            opt = self._option(prop, value) if value else None
            return opt["name"] if opt else None
        if prop.type == "multi_select":
            return [o["name"] for oid in value or [] if (o := self._option(prop, oid))]
        return value

    @staticmethod
    def _require_true(arg: Any, where: str, op: str) -> None:
        if arg is not True:
            raise _validation(f"{where}.{op} should be `true`, instead was `{json.dumps(arg)}`.")

    def _text_condition(
        self, getter: Callable[[_Page], Any], op: str, arg: Any, where: str
    ) -> Callable[[_Page], bool]:
        if op not in TEXT_OPS:
            raise _validation(f"{where}: unknown text condition `{op}`; one of {TEXT_OPS}.")
        if op in ("is_empty", "is_not_empty"):
            self._require_true(arg, where, op)
            return lambda p: (not getter(p)) == (op == "is_empty")
        if not isinstance(arg, str):
            raise _validation(f"{where}.{op} should be a string, instead was `{json.dumps(arg)}`.")
        needle = arg.casefold()

        def pred(p: _Page) -> bool:
            text = getter(p) or ""
            folded = text.casefold()
            return {
                "equals": text == arg,
                "does_not_equal": text != arg,
                "contains": needle in folded,
                "does_not_contain": needle not in folded,
                "starts_with": folded.startswith(needle),
                "ends_with": folded.endswith(needle),
            }[op]

        return pred

    def _number_condition(
        self, getter: Callable[[_Page], Any], op: str, arg: Any, where: str
    ) -> Callable[[_Page], bool]:
        if op not in NUMBER_OPS:
            raise _validation(f"{where}: unknown number condition `{op}`; one of {NUMBER_OPS}.")
        if op in ("is_empty", "is_not_empty"):
            self._require_true(arg, where, op)
            return lambda p: (getter(p) is None) == (op == "is_empty")
        if isinstance(arg, bool) or not isinstance(arg, int | float):
            raise _validation(f"{where}.{op} should be a number, instead was `{json.dumps(arg)}`.")

        def pred(p: _Page) -> bool:
            v = getter(p)
            if v is None:
                return op == "does_not_equal"
            return {
                "equals": v == arg,
                "does_not_equal": v != arg,
                "greater_than": v > arg,
                "less_than": v < arg,
                "greater_than_or_equal_to": v >= arg,
                "less_than_or_equal_to": v <= arg,
            }[op]

        return pred

    def _date_condition(self, cond: Any, where: str) -> Callable[[date | datetime | None], bool]:
        """Date filters: a date-only argument compares calendar days (UTC); a
        date-time argument compares instants (naive = UTC; date-only values count
        as midnight UTC). Range values are compared by their start."""
        if not isinstance(cond, dict) or len(cond) != 1:
            raise _validation(f"{where} should be an object with exactly one condition.")
        op, arg = next(iter(cond.items()))
        if op not in DATE_OPS:
            raise _validation(
                f"emulator: date condition `{op}` is not emulated ({where}); one of {DATE_OPS}."
            )
        if op in ("is_empty", "is_not_empty"):
            self._require_true(arg, where, op)
            return lambda v: (v is None) == (op == "is_empty")
        target = _parse_iso(arg, f"{where}.{op}")
        by_day = not isinstance(target, datetime)

        def pred(value: date | datetime | None) -> bool:
            if value is None:
                return False
            if by_day:
                left: Any = _as_utc(value).date() if isinstance(value, datetime) else value
                right: Any = target
            else:
                left, right = _as_utc(value), _as_utc(target)
            return {
                "equals": left == right,
                "before": left < right,
                "after": left > right,
                "on_or_before": left <= right,
                "on_or_after": left >= right,
            }[op]

        return pred

    # -- sorts
    def _compile_sorts(self, ds: _DataSource, sorts: Any) -> Callable[[_Page, _Page], int]:
        """Comparator; empty values sort last in either direction; ties by creation order."""
        if sorts is None:
            sorts = []
        if not isinstance(sorts, list) or len(sorts) > ARRAY_MAX:
            raise _validation("body.sorts should be an array of at most 100 sorts.")
        keys: list[tuple[Callable[[_Page], Any], int]] = []
        for i, sort in enumerate(sorts):
            where = f"body.sorts[{i}]"
            if not isinstance(sort, dict):
                raise _validation(f"{where} should be an object.")
            direction = sort.get("direction", "ascending")
            if direction not in ("ascending", "descending"):
                raise _validation(f"{where}.direction should be `ascending` or `descending`.")
            sign = 1 if direction == "ascending" else -1
            if "timestamp" in sort:
                if sort["timestamp"] not in ("created_time", "last_edited_time"):
                    raise _validation(
                        f"{where}.timestamp should be `created_time` or `last_edited_time`."
                    )
                attr = "created" if sort["timestamp"] == "created_time" else "edited"
                keys.append((lambda p, a=attr: floor_minute(getattr(p, a)), sign))
                continue
            prop = ds.prop(sort.get("property", ""))
            if prop is None:
                raise _validation(
                    f"Could not find sort property with name or id: {sort.get('property')}"
                )
            keys.append((functools.partial(self._sort_value, prop), sign))

        def compare(a: _Page, b: _Page) -> int:
            for key, sign in keys:
                va, vb = key(a), key(b)
                if va is None and vb is None:
                    continue
                if va is None:
                    return 1
                if vb is None:
                    return -1
                if va != vb:
                    return sign * (-1 if va < vb else 1)
            return a.seq - b.seq

        return compare

    def _sort_value(self, prop: _Prop, page: _Page) -> Any:
        value = page.values.get(prop.id)
        if prop.type in ("title", "rich_text"):
            text = _rich_text_plain(value or [])
            return text.casefold() if text else None
        if prop.type in ("select", "status"):
            ids = [o["id"] for o in prop.config.get("options", [])]
            return ids.index(value) if value in ids else None
        if prop.type == "multi_select":
            names = self._filter_value(prop, page)
            return ",".join(sorted(names)) if names else None
        if prop.type == "date":
            return _as_utc(_parse_iso(value["start"], "start")) if value else None
        if prop.type == "checkbox":
            return bool(value)
        if prop.type == "created_time":
            return floor_minute(page.created)
        if prop.type == "last_edited_time":
            return floor_minute(page.edited)
        if prop.type in ("created_by", "last_edited_by"):
            return page.created_by if prop.type == "created_by" else page.edited_by
        return value

    # ------------------------------------------------------------------ webhooks
    def subscribe(self, url: str, verification_token: str | None = None) -> Subscription:
        """Register an integration-webhook subscription for ``url``."""
        with self.lock:
            sub = Subscription(
                self.new_id(), url, verification_token or self.webhook_verification_token
            )
            self.subscriptions[url] = sub
            return sub

    @property
    def webhook_targets(self) -> list[str]:
        """URLs with a webhook subscription (see ``subscribe``)."""
        return list(self.subscriptions)

    def _token_for(self, url: str | None, secret: str | None) -> str:
        if secret is not None:
            return secret
        sub = self.subscriptions.get(url or "")
        return sub.verification_token if sub else self.webhook_verification_token

    @staticmethod
    def sign(body: bytes, secret: str) -> str:
        """``X-Notion-Signature`` value for ``body``."""
        return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()

    def build_verification(
        self, url: str | None = None, secret: str | None = None
    ) -> WebhookMessage:
        body = json.dumps({"verification_token": self._token_for(url, secret)}).encode()
        return WebhookMessage(
            body, {"Content-Type": "application/json", "User-Agent": "notion-api"}
        )

    def build_event(
        self,
        type: str,  # noqa: A002 - Notion's field name
        page_id: str,
        *,
        url: str | None = None,
        secret: str | None = None,
        author_id: str | None = None,
        author_type: str | None = None,
        updated_properties: list[str] | None = None,
        attempt_number: int = 1,
        timestamp: datetime | None = None,
        sign: bool = True,
    ) -> WebhookMessage:
        """An integration-webhook event for a page. The author defaults to the page's
        last editor; ``updated_properties`` (ids) to the last edit's properties."""
        with self.lock:
            page = self.pages[normalize_id(page_id) or page_id]
            ds = self.data_sources.get(page.data_source_id or "")
            if author_id is None:
                author_id = page.edited_by
            if author_type is None:
                author_type = "bot" if author_id == self.bot_id else "person"
            if updated_properties is None and type == "page.properties_updated":
                last = [e for e in self.events if e.page_id == page.id and e.type == type]
                updated_properties = last[-1].updated_properties if last else []
            sub = self.subscriptions.get(url or "")
            data: dict[str, Any] = {}
            if ds is not None:
                data["parent"] = {
                    "id": ds.database_id,
                    "type": "database",
                    "data_source_id": ds.id,
                }
            else:
                data["parent"] = {"id": self.workspace_id, "type": "space"}
            if type == "page.properties_updated":
                data["updated_properties"] = list(updated_properties or [])
            envelope = {
                "id": str(uuid.uuid4()),
                "timestamp": (timestamp or self.now())
                .astimezone(UTC)
                .strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
                + "Z",
                "workspace_id": self.workspace_id,
                "workspace_name": self.workspace_name,
                "subscription_id": sub.id if sub else self.integration_id,
                "integration_id": self.integration_id,
                "type": type,
                "authors": [{"id": author_id, "type": author_type}],
                "accessible_by": [{"id": self.bot_id, "type": "bot"}],
                "attempt_number": attempt_number,
                "api_version": "2025-09-03",
                "entity": {"id": page.id, "type": "page"},
                "data": data,
            }
        body = json.dumps(envelope).encode()
        headers = {"Content-Type": "application/json", "User-Agent": "notion-api"}
        if sign:
            headers["X-Notion-Signature"] = self.sign(body, self._token_for(url, secret))
        return WebhookMessage(body, headers)

    def build_automation(
        self,
        page_id: str,
        headers: dict[str, str] | None = None,
        automation_id: str | None = None,
    ) -> WebhookMessage:
        """A database-automation "Send webhook" request: the full page, no signature,
        the custom headers the admin configured (e.g. ``Authorization: Bearer …``)."""
        with self.lock:
            page = self._render_page(self.pages[normalize_id(page_id) or page_id], "2025-09-03")
        body = {
            "source": {
                "type": "automation",
                "automation_id": automation_id or self.integration_id,
                "action_id": str(uuid.uuid4()),
                "event_id": str(uuid.uuid4()),
                "attempt": 1,
            },
            "data": page,
        }
        all_headers = {"Content-Type": "application/json", "User-Agent": "NotionAutomation"}
        all_headers.update(headers or {})
        return WebhookMessage(json.dumps(body).encode(), all_headers)

    @staticmethod
    def post(url: str, message: WebhookMessage, timeout: float = 10.0) -> Delivery:
        """POST a webhook message; never raises for an HTTP error status."""
        req = urllib.request.Request(url, data=message.body, headers=message.headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - loopback
                return Delivery(resp.status, resp.read(), message)
        except urllib.error.HTTPError as exc:
            return Delivery(exc.code, exc.read(), message)

    def send_verification(self, url: str, secret: str | None = None) -> Delivery:
        """The one-time ``{"verification_token": …}`` POST that activates a subscription."""
        if url not in self.subscriptions:
            self.subscribe(url, secret)
        delivery = self.post(url, self.build_verification(url, secret))
        if 200 <= delivery.status < 300:
            self.subscriptions[url].verified = True
        return delivery

    def deliver_event(
        self,
        url: str,
        type: str,  # noqa: A002 - Notion's field name
        page_id: str,
        secret: str | None = None,
        **kwargs: Any,
    ) -> Delivery:
        """Build (see ``build_event``) and POST one signed event."""
        return self.post(url, self.build_event(type, page_id, url=url, secret=secret, **kwargs))

    def deliver_pending(
        self,
        url: str,
        *,
        only_human: bool = False,
        shuffle: bool = False,
        drop: float = 0.0,
        duplicate: bool = False,
        secret: str | None = None,
    ) -> list[Delivery]:
        """Deliver (and clear) the events generated by edits since the last call.

        ``only_human`` skips our own bot's edits; ``shuffle``/``drop``/``duplicate``
        imitate Notion's unordered, at-most-once delivery with retries."""
        with self._webhook_lock:
            with self.lock:
                events, self.events = list(self.events), []
            with self.lock:  # Notion sends nothing about pages the integration cannot see
                events = [e for e in events if self._page_shared(self.pages[e.page_id])]
            if only_human:
                events = [e for e in events if e.author_type != "bot"]
            rng = random.Random(len(events))
            if shuffle:
                rng.shuffle(events)
            out = []
            for ev in events:
                if drop and rng.random() < drop:
                    continue
                attempts = (1, 2) if duplicate else (1,)
                for attempt in attempts:
                    out.append(
                        self.deliver_event(
                            url,
                            ev.type,
                            ev.page_id,
                            secret=secret,
                            author_id=ev.author_id,
                            author_type=ev.author_type,
                            updated_properties=ev.updated_properties,
                            attempt_number=attempt,
                            timestamp=ev.at,
                        )
                    )
            return out

    def deliver_automation(
        self, url: str, page_id: str, headers: dict[str, str] | None = None
    ) -> Delivery:
        return self.post(url, self.build_automation(page_id, headers))
