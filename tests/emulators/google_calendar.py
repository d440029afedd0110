"""A stateful loopback emulator of Google Calendar API v3 plus an OAuth token endpoint.

Clients talk to it through the real ``googleapiclient``/``google-auth`` stack::

    emu = GoogleCalendarEmulator().start()
    service = emu.build_service()          # or build(...) with emu.client_options()

Served paths (what the SDK really sends):

* ``POST /token``                              OAuth refresh_token grant (form encoded)
* ``/calendar/v3/...``                         the API (``api_endpoint = emu.url + "/calendar/v3/"``)
* ``POST /batch/calendar/v3``                  batch endpoint.  NB: the SDK builds the batch URL
  from the discovery document's rootUrl, *not* from ``api_endpoint``, so use
  ``BatchHttpRequest(batch_uri=emu.batch_uri)`` (``emu.new_batch(service)`` does this).

Requests are validated against the shipped discovery document (unknown or badly typed query
parameters and body fields → 400) so that a request the real API would reject fails here too.
Recurring events, ``move``, ``import``, ``quickAdd``, ``instances``, ACLs and calendarList are
not implemented and answer 501 so their use is loud.
"""

from __future__ import annotations

import base64
import bisect
import email.parser
import itertools
import json
import queue
import re
import secrets
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .base import Emulator, LogEntry, Request, Response

CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar"
API_PREFIX = "/calendar/v3/"
BATCH_PATH = "/batch/calendar/v3"
MAX_BATCH = 1000
EVENT_ID_RE = re.compile(r"^[a-v0-9]{5,1024}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
GLOBAL_PARAMS = {
    "alt",
    "fields",
    "key",
    "oauth_token",
    "prettyPrint",
    "quotaUser",
    "userIp",
    "access_token",
    "callback",
    "upload_protocol",
    "uploadType",
    "$.xgafv",
}
STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    410: "GONE",
    412: "FAILED_PRECONDITION",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
}
REASON_PHRASES = {
    200: "OK",
    204: "No Content",
    304: "Not Modified",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    410: "Gone",
    412: "Precondition Failed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    501: "Not Implemented",
    503: "Service Unavailable",
}
SYNC_FORBIDDEN = (
    "timeMin",
    "timeMax",
    "updatedMin",
    "q",
    "orderBy",
    "iCalUID",
    "privateExtendedProperty",
    "sharedExtendedProperty",
)
SEND_UPDATES = ("all", "externalOnly", "none")


def _discovery_path() -> Path:
    import googleapiclient

    return (
        Path(googleapiclient.__file__).parent / "discovery_cache" / "documents" / "calendar.v3.json"
    )


_DISCOVERY: dict[str, Any] | None = None


def discovery() -> dict[str, Any]:
    global _DISCOVERY
    if _DISCOVERY is None:
        _DISCOVERY = json.loads(_discovery_path().read_text())
    return _DISCOVERY


# ----------------------------------------------------------------------------- errors
class ApiError(Exception):
    """Raised inside handlers; becomes a Google-shaped error response."""

    def __init__(
        self,
        status: int,
        reason: str,
        message: str,
        domain: str = "global",
        headers: dict[str, str] | None = None,
        **extra: str,
    ) -> None:
        super().__init__(message)
        self.status, self.reason, self.message, self.domain = status, reason, message, domain
        self.extra = extra
        self.headers = headers or {}

    def response(self) -> Response:
        return error_response(
            self.status, self.reason, self.message, self.domain, self.headers, **self.extra
        )


def error_body(
    status: int, reason: str, message: str, domain: str = "global", **extra: str
) -> dict[str, Any]:
    item = {"domain": domain, "reason": reason, "message": message, **extra}
    body: dict[str, Any] = {"code": status, "message": message, "errors": [item]}
    if status in STATUS_NAMES:
        body["status"] = STATUS_NAMES[status]
    return {"error": body}


def error_response(
    status: int,
    reason: str,
    message: str,
    domain: str = "global",
    headers: dict[str, str] | None = None,
    **extra: str,
) -> Response:
    return Response(status, error_body(status, reason, message, domain, **extra), headers or {})


def _bad(message: str, reason: str = "invalid", **extra: str) -> ApiError:
    return ApiError(400, reason, message, **extra)


# ----------------------------------------------------------------------------- time helpers
def parse_rfc3339(value: str, *, need_offset: bool = True) -> datetime:
    """Parse an RFC3339 timestamp; ``need_offset`` refuses naive values."""
    if not isinstance(value, str) or not re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", value):
        raise ValueError(f"not an RFC3339 date-time: {value!r}")
    parsed = datetime.fromisoformat(value.replace("z", "Z"))
    if need_offset and parsed.tzinfo is None:
        raise ValueError(f"time zone offset required: {value!r}")
    return parsed


def parse_date(value: str) -> date:
    if not isinstance(value, str) or not re.match(r"^\d{4}-\d{2}-\d{2}$", value):
        raise ValueError(f"not a date: {value!r}")
    return date.fromisoformat(value)


def format_dt(value: datetime, zone: str | None = None) -> str:
    """RFC3339 with offset, rendered in ``zone`` (``Z`` for UTC)."""
    if zone and zone != "UTC":
        value = value.astimezone(ZoneInfo(zone))
        return value.replace(microsecond=0).isoformat()
    return value.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def format_stamp(value: datetime) -> str:
    """``updated``/``created`` style: UTC with milliseconds."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(name) from exc


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode()


def _unb64(token: str) -> dict[str, Any]:
    padded = token + "=" * (-len(token) % 4)
    data = json.loads(base64.urlsafe_b64decode(padded.encode()))
    if not isinstance(data, dict):
        raise ValueError("token is not an object")
    return data


# ----------------------------------------------------------------------------- model
@dataclass
class When:
    """An EventDateTime: either an all-day ``day`` or an ``instant`` (aware)."""

    instant: datetime | None = None
    day: date | None = None
    zone: str | None = None

    def to_utc(self, calendar_zone: str) -> datetime:
        if self.day is not None:
            return datetime.combine(self.day, time(0), _zone(calendar_zone)).astimezone(UTC)
        assert self.instant is not None
        return self.instant.astimezone(UTC)

    def render(self, fallback_zone: str) -> dict[str, str]:
        if self.day is not None:
            return {"date": self.day.isoformat()}
        assert self.instant is not None
        out = {"dateTime": format_dt(self.instant, self.zone or fallback_zone)}
        if self.zone:
            out["timeZone"] = self.zone
        return out


@dataclass
class StoredEvent:
    calendar_id: str
    id: str
    res: dict[str, Any]  # everything except start/end and server-computed fields
    start: When
    end: When
    created: datetime
    updated: datetime
    etag: str
    sequence: int = 0
    deleted: bool = False
    change_seq: int = 0
    insert_seq: int = 0


@dataclass
class Calendar:
    id: str
    summary: str
    time_zone: str
    owner_email: str
    events: dict[str, StoredEvent] = field(default_factory=dict)
    etag: str = '"1"'


@dataclass
class Channel:
    id: str
    resource_id: str
    resource_uri: str
    calendar_id: str
    address: str
    token: str | None
    expiration_ms: int
    message_number: int = 0
    stopped: bool = False


@dataclass
class PushDelivery:
    channel_id: str
    state: str
    message_number: int
    headers: dict[str, str]
    status: int | None = None
    error: str | None = None


@dataclass
class Invitation:
    """One attendee e-mail that Google would have sent."""

    call: int  # sequence number of the API call that caused it (see ``send_updates_log``)
    method: str  # insert / patch / update / delete
    calendar_id: str
    event_id: str
    email: str
    kind: str  # invitation / update / cancellation
    send_updates: str


@dataclass
class SendUpdatesCall:
    call: int
    method: str
    calendar_id: str
    event_id: str
    send_updates: str | None  # as sent (None = parameter absent)
    notified: list[str]


@dataclass
class OAuthClient:
    client_id: str
    client_secret: str
    refresh_tokens: set[str]
    scope: str = CALENDAR_SCOPE


# ----------------------------------------------------------------------------- validation
class Validator:
    """Checks query parameters and bodies against the discovery document."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.schemas = doc["schemas"]

    def method(self, resource: str, name: str) -> dict[str, Any]:
        return self.doc["resources"][resource]["methods"][name]

    def params(self, resource: str, name: str, query: dict[str, list[str]]) -> None:
        spec = self.method(resource, name).get("parameters", {})
        for key, values in query.items():
            if key in GLOBAL_PARAMS:
                if key == "alt" and values[-1] not in ("json", "media", "proto"):
                    raise _bad(f"Invalid value for alt: {values[-1]}", "invalidParameter")
                continue
            param = spec.get(key)
            if param is None or param.get("location") != "query":
                raise _bad(f"Unknown parameter: {key!r}", "invalidParameter", location=key)
            if len(values) > 1 and not param.get("repeated"):
                raise _bad(f"Parameter {key!r} given more than once", "invalidParameter")
            for value in values:
                self._param_value(key, param, value)

    def _param_value(self, key: str, param: dict[str, Any], value: str) -> None:
        kind = param.get("type")
        if kind == "boolean" and value not in ("true", "false"):
            raise _bad(f"Invalid boolean value for {key}: {value!r}", "invalidParameter")
        if kind == "integer":
            try:
                number = int(value)
            except ValueError:
                raise _bad(
                    f"Invalid integer value for {key}: {value!r}", "invalidParameter"
                ) from None
            if "minimum" in param and number < int(param["minimum"]):
                raise _bad(f"Invalid value for {key}: {value}", "invalidParameter")
        if "enum" in param and value not in param["enum"]:
            raise _bad(f"Invalid value for {key}: {value!r}", "invalidParameter")
        if param.get("format") == "date-time":
            try:
                parse_rfc3339(value)
            except ValueError:
                raise _bad(f"Bad Request: invalid {key} {value!r}", "badRequest") from None

    def body(self, schema_name: str, value: Any) -> None:
        if not isinstance(value, dict):
            raise _bad("Request body must be a JSON object", "parseError")
        self._check(value, {"$ref": schema_name}, "resource")

    def _check(self, value: Any, schema: dict[str, Any], where: str) -> None:
        if "$ref" in schema:
            schema = self.schemas[schema["$ref"]]
        if value is None:
            return  # JSON null clears a field (patch semantics)
        kind = schema.get("type")
        if kind == "object":
            if not isinstance(value, dict):
                raise _bad(f"Invalid value at '{where}': expected an object", "invalid")
            props = schema.get("properties")
            extra = schema.get("additionalProperties")
            for key, item in value.items():
                if props is not None and key in props:
                    self._check(item, props[key], f"{where}.{key}")
                elif extra is not None:
                    self._check(item, extra, f"{where}.{key}")
                else:
                    raise _bad(
                        f"Invalid JSON payload received. Unknown name {key!r} at '{where}': "
                        "Cannot find field.",
                        "invalid",
                    )
        elif kind == "array":
            if not isinstance(value, list):
                raise _bad(f"Invalid value at '{where}': expected an array", "invalid")
            for index, item in enumerate(value):
                self._check(item, schema.get("items", {}), f"{where}[{index}]")
        elif kind == "string":
            if (
                schema.get("format") == "int64"
                and isinstance(value, int)
                and not isinstance(value, bool)
            ):
                return
            if not isinstance(value, str):
                raise _bad(f"Invalid value at '{where}': expected a string", "invalid")
            try:
                if schema.get("format") == "date-time":
                    parse_rfc3339(value, need_offset=False)
                elif schema.get("format") == "date":
                    parse_date(value)
                elif schema.get("format") == "int64":
                    int(value)
            except ValueError:
                raise _bad(f"Invalid value at '{where}': {value!r}", "invalid") from None
        elif kind == "integer":
            if isinstance(value, bool) or not isinstance(value, int | str):
                raise _bad(f"Invalid value at '{where}': expected an integer", "invalid")
            try:
                int(value)
            except ValueError:
                raise _bad(f"Invalid value at '{where}': expected an integer", "invalid") from None
        elif kind == "boolean":
            if not isinstance(value, bool):
                raise _bad(f"Invalid value at '{where}': expected a boolean", "invalid")
        elif kind == "any":
            return


# ----------------------------------------------------------------------------- the emulator
class GoogleCalendarEmulator(Emulator):
    """Google Calendar v3 + OAuth token endpoint. See the module docstring."""

    name = "google-calendar"

    def __init__(
        self,
        seed: int = 0,
        *,
        owner_email: str = "owner@example.com",
        time_zone: str = "Europe/Berlin",
        client_id: str = "test-client-id.apps.googleusercontent.com",
        client_secret: str = "test-client-secret",
        refresh_token: str = "test-refresh-token",
        token_lifetime: int = 3600,
    ) -> None:
        super().__init__(seed)
        self.validator = Validator(discovery())
        self.owner_email = owner_email
        self.client_id, self.client_secret, self.refresh_token = (
            client_id,
            client_secret,
            refresh_token,
        )
        self.token_lifetime = token_lifetime
        self.clients: dict[str, OAuthClient] = {}
        self.register_client(client_id, client_secret, refresh_token)
        self.access_tokens: dict[str, datetime] = {}  # token → expiry
        self.token_requests = 0
        self.calendars: dict[str, Calendar] = {}
        self.primary_id = owner_email
        self.add_calendar(owner_email, summary=owner_email, time_zone=time_zone)
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self._seq = 0  # global change counter (sync tokens)
        # (change number, event id) in the order changes happened: what a sync-token list is
        # answered from, as the real service does, instead of reading every event.
        self._change_journal: list[tuple[int, str]] = []
        self._inserts = itertools.count(1)
        self._etags = itertools.count(1)
        self._calls = itertools.count(1)
        self.sync_generation = 0
        self.max_page_size: int | None = None  # force short pages
        self.freebusy_max_days = 90
        self.freebusy_items: list[list[str]] = []  # the calendar ids each freeBusy request asked for
        self.invitations: list[Invitation] = []
        self.send_updates_log: list[SendUpdatesCall] = []
        # push
        self.push_enabled = False
        self.channels: dict[str, Channel] = {}
        self.push_log: list[PushDelivery] = []
        self.push_timeout = 5.0
        self._push_queue: queue.Queue[tuple[Channel, str, int] | None] = queue.Queue()
        self._push_thread: threading.Thread | None = None

    # -- configuration -------------------------------------------------------------
    @property
    def api_endpoint(self) -> str:
        return self.url + API_PREFIX

    @property
    def token_uri(self) -> str:
        return self.url + "/token"

    @property
    def batch_uri(self) -> str:
        return self.url + BATCH_PATH

    def register_client(self, client_id: str, client_secret: str, refresh_token: str) -> None:
        with self.lock:
            client = self.clients.setdefault(
                client_id, OAuthClient(client_id, client_secret, set())
            )
            client.client_secret = client_secret
            client.refresh_tokens.add(refresh_token)

    def revoke_refresh_token(self, refresh_token: str) -> None:
        with self.lock:
            for client in self.clients.values():
                client.refresh_tokens.discard(refresh_token)

    def expire_access_tokens(self) -> None:
        """Invalidate every issued access token: the next API call gets 401 and refreshes."""
        with self.lock:
            self.access_tokens.clear()

    def add_calendar(
        self,
        calendar_id: str,
        *,
        summary: str | None = None,
        time_zone: str = "Europe/Berlin",
        owner_email: str | None = None,
    ) -> Calendar:
        _zone(time_zone)
        with self.lock:
            cal = Calendar(
                calendar_id, summary or calendar_id, time_zone, owner_email or self.owner_email
            )
            self.calendars[calendar_id] = cal
            return cal

    def set_time_zone(self, calendar_id: str, time_zone: str) -> None:
        _zone(time_zone)
        with self.lock:
            self._calendar(calendar_id).time_zone = time_zone

    def expire_sync_tokens(self) -> None:
        """Every sync token issued so far answers 410 ``fullSyncRequired``."""
        with self.lock:
            self.sync_generation += 1

    # -- client construction helpers ----------------------------------------------------
    def credentials(self, refresh_token: str | None = None, **kwargs: Any) -> Any:
        from google.oauth2.credentials import Credentials

        return Credentials(
            token=None,
            refresh_token=refresh_token or self.refresh_token,
            client_id=kwargs.pop("client_id", self.client_id),
            client_secret=kwargs.pop("client_secret", self.client_secret),
            token_uri=self.token_uri,
            **kwargs,
        )

    def client_options(self) -> dict[str, str]:
        return {"api_endpoint": self.api_endpoint}

    def build_service(self, credentials: Any = None) -> Any:
        from googleapiclient.discovery import build

        return build(
            "calendar",
            "v3",
            credentials=credentials or self.credentials(),
            static_discovery=True,
            cache_discovery=False,
            client_options=self.client_options(),
        )

    def new_batch(self, callback: Callable[..., Any] | None = None) -> Any:
        from googleapiclient.http import BatchHttpRequest

        return BatchHttpRequest(callback=callback, batch_uri=self.batch_uri)

    # -- fault helpers -----------------------------------------------------------------
    def fail_rate_limited(
        self,
        *,
        status: int = 429,
        reason: str = "rateLimitExceeded",
        times: int | None = 1,
        path: str = r"^/calendar/v3/",
        method: str | None = None,
        rate: float = 1.0,
        retry_after: int | None = None,
    ) -> Any:
        """429 ``rateLimitExceeded`` or 403 ``rateLimitExceeded``/``userRateLimitExceeded``."""
        assert status in (403, 429), status
        message = {
            "rateLimitExceeded": "Rate Limit Exceeded",
            "userRateLimitExceeded": "User Rate Limit Exceeded",
        }.get(reason, reason)
        domain = "usageLimits"
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        return self.add_fault(
            kind="status",
            status=status,
            body=error_body(status, reason, message, domain),
            headers=headers,
            times=times,
            path=path,
            method=method,
            rate=rate,
        )

    def fail_quota_exceeded(
        self, *, times: int | None = None, path: str = r"^/calendar/v3/", method: str | None = None
    ) -> Any:
        """403 ``quotaExceeded`` (daily quota: not retryable soon)."""
        body = error_body(403, "quotaExceeded", "Calendar usage limits exceeded.", "usageLimits")
        return self.add_fault(
            kind="status", status=403, body=body, times=times, path=path, method=method
        )

    def fail_backend(
        self, *, status: int = 503, times: int | None = 1, path: str = r"^/calendar/v3/"
    ) -> Any:
        reason = "backendError" if status >= 500 else "badRequest"
        body = error_body(status, reason, "Backend Error")
        return self.add_fault(kind="status", status=status, body=body, times=times, path=path)

    # -- human helpers -----------------------------------------------------------------
    def human_insert(
        self,
        calendar_id: str,
        start: datetime | date | str,
        end: datetime | date | str,
        summary: str,
        transparent: bool = False,
        all_day: bool = False,
        **fields: Any,
    ) -> dict[str, Any]:
        """A person creates an event in the Google Calendar UI (no validation, no mails)."""
        with self.lock:
            cal = self._calendar(calendar_id)
            event_id = self._new_event_id()
            now = self._now()
            ev = StoredEvent(
                calendar_id=cal.id,
                id=event_id,
                res={"summary": summary, **fields},
                start=self._human_when(start, all_day),
                end=self._human_when(end, all_day),
                created=now,
                updated=now,
                etag=self._etag(),
                insert_seq=next(self._inserts),
            )
            if transparent:
                ev.res["transparency"] = "transparent"
            cal.events[event_id] = ev
            self._changed(ev)
            return self._render(ev, cal)

    def human_move(
        self,
        event_id: str,
        start: datetime | date | str,
        end: datetime | date | str,
        calendar_id: str | None = None,
    ) -> dict[str, Any]:
        with self.lock:
            cal, ev = self._find(event_id, calendar_id)
            all_day = ev.start.day is not None if isinstance(start, str) else None
            ev.start = self._human_when(start, all_day)
            ev.end = self._human_when(end, all_day)
            ev.sequence += 1
            self._touch(ev)
            return self._render(ev, cal)

    def human_delete(self, event_id: str, calendar_id: str | None = None) -> None:
        with self.lock:
            _cal, ev = self._find(event_id, calendar_id)
            ev.deleted = True
            ev.res["status"] = "cancelled"
            self._touch(ev)

    def human_edit(self, event_id: str, calendar_id: str | None = None, **fields: Any) -> dict:
        """A person edits other fields (summary=..., transparency=..., ...)."""
        with self.lock:
            cal, ev = self._find(event_id, calendar_id)
            ev.res.update(fields)
            self._touch(ev)
            return self._render(ev, cal)

    def human_respond(self, event_id: str, email: str, response_status: str) -> None:
        """An attendee accepts/declines (``accepted``/``declined``/``tentative``)."""
        with self.lock:
            _cal, ev = self._find(event_id, None)
            for attendee in ev.res.get("attendees", []):
                if attendee.get("email", "").lower() == email.lower():
                    attendee["responseStatus"] = response_status
            self._touch(ev)

    def events(self, calendar_id: str = "primary", include_deleted: bool = False) -> list[dict]:
        """Current events as the API would render them (for assertions)."""
        with self.lock:
            cal = self._calendar(calendar_id)
            return [
                self._render(ev, cal)
                for ev in sorted(cal.events.values(), key=lambda e: e.insert_seq)
                if include_deleted or not ev.deleted
            ]

    def event(self, event_id: str, calendar_id: str | None = None) -> dict[str, Any]:
        with self.lock:
            cal, ev = self._find(event_id, calendar_id)
            return self._render(ev, cal)

    def invitations_for(
        self, event_id: str | None = None, email: str | None = None
    ) -> list[Invitation]:
        with self.lock:
            return [
                inv
                for inv in self.invitations
                if (event_id is None or inv.event_id == event_id)
                and (email is None or inv.email.lower() == email.lower())
            ]

    # -- push --------------------------------------------------------------------------
    def fire_push(self, channel_id: str | None = None, state: str = "exists") -> int:
        """Queue a notification on one (or every live) channel, even if push is disabled.

        Returns how many were queued; delivery happens in a background thread (see
        ``flush_push``), failures land in ``push_log`` with ``error`` set.
        """
        with self.lock:
            channels = [
                ch
                for ch in self.channels.values()
                if (channel_id is None or ch.id == channel_id) and self._channel_live(ch)
            ]
            for ch in channels:
                self._queue_push(ch, state)
            return len(channels)

    def flush_push(self, timeout: float = 5.0) -> None:
        """Wait until queued notifications were delivered (or failed)."""
        done = threading.Event()

        def waiter() -> None:
            self._push_queue.join()
            done.set()

        threading.Thread(target=waiter, daemon=True).start()
        done.wait(timeout)

    def _channel_live(self, ch: Channel) -> bool:
        return not ch.stopped and ch.expiration_ms > self._now().timestamp() * 1000

    def _queue_push(self, ch: Channel, state: str) -> None:
        ch.message_number += 1
        if self._push_thread is None or not self._push_thread.is_alive():
            self._push_thread = threading.Thread(
                target=self._push_worker, name="gcal-push", daemon=True
            )
            self._push_thread.start()
        self._push_queue.put((ch, state, ch.message_number))

    def _push_worker(self) -> None:
        while True:
            item = self._push_queue.get()
            try:
                if item is None:
                    return
                self._deliver(*item)
            finally:
                self._push_queue.task_done()

    def _deliver(self, ch: Channel, state: str, number: int) -> None:
        headers = {
            "X-Goog-Channel-ID": ch.id,
            "X-Goog-Message-Number": str(number),
            "X-Goog-Resource-ID": ch.resource_id,
            "X-Goog-Resource-State": state,
            "X-Goog-Resource-URI": ch.resource_uri,
            "X-Goog-Channel-Expiration": datetime.fromtimestamp(
                ch.expiration_ms / 1000, UTC
            ).strftime("%a, %d %b %Y %H:%M:%S GMT"),
        }
        if ch.token is not None:
            headers["X-Goog-Channel-Token"] = ch.token
        record = PushDelivery(ch.id, state, number, headers)
        try:
            req = urllib.request.Request(ch.address, data=b"", headers=headers, method="POST")
            with urllib.request.urlopen(req, timeout=self.push_timeout) as resp:  # noqa: S310
                record.status = resp.status
        except urllib.error.HTTPError as exc:
            record.status, record.error = exc.code, f"HTTP {exc.code}"
        except Exception as exc:  # recorded, never raised
            record.error = repr(exc)
        with self.lock:
            self.push_log.append(record)

    def stop(self) -> None:
        if self._push_thread is not None and self._push_thread.is_alive():
            self._push_queue.put(None)
        super().stop()

    # -- internals: state ----------------------------------------------------------------
    def _now(self) -> datetime:
        return self.clock()

    def _etag(self) -> str:
        return f'"{int(self._now().timestamp() * 1000) * 1000 + next(self._etags) % 1000}"'

    def _new_event_id(self) -> str:
        alphabet = "0123456789abcdefghijklmnopqrstuv"
        return "".join(secrets.choice(alphabet) for _ in range(26))

    def _calendar(self, calendar_id: str) -> Calendar:
        cid = self.primary_id if calendar_id == "primary" else calendar_id
        cal = self.calendars.get(cid)
        if cal is None:
            raise ApiError(404, "notFound", "Not Found")
        return cal

    def _find(self, event_id: str, calendar_id: str | None) -> tuple[Calendar, StoredEvent]:
        cals = [self._calendar(calendar_id)] if calendar_id else list(self.calendars.values())
        for cal in cals:
            if event_id in cal.events:
                return cal, cal.events[event_id]
        raise KeyError(event_id)

    def _human_when(self, value: datetime | date | str, all_day: bool | None) -> When:
        if isinstance(value, str):
            value = parse_date(value) if len(value) == 10 else parse_rfc3339(value)
        if isinstance(value, datetime):
            if all_day:
                return When(day=value.date())
            if value.tzinfo is None:
                raise ValueError("human_* datetimes must be timezone-aware")
            return When(instant=value)
        return When(day=value)

    def _changed(self, ev: StoredEvent) -> None:
        self._seq += 1
        ev.change_seq = self._seq
        self._change_journal.append((self._seq, ev.id))
        if self.push_enabled:
            for ch in self.channels.values():
                if ch.calendar_id == ev.calendar_id and self._channel_live(ch):
                    self._queue_push(ch, "exists")

    def _touch(self, ev: StoredEvent) -> None:
        ev.updated = self._now()
        ev.etag = self._etag()
        self._changed(ev)

    def _render(
        self, ev: StoredEvent, cal: Calendar, zone: str | None = None, minimal: bool = False
    ) -> dict[str, Any]:
        if minimal:
            return {"kind": "calendar#event", "etag": ev.etag, "id": ev.id, "status": "cancelled"}
        eid = base64.b64encode(f"{ev.id} {cal.id}".encode()).decode().rstrip("=")
        out: dict[str, Any] = {
            "kind": "calendar#event",
            "etag": ev.etag,
            "id": ev.id,
            "status": "cancelled" if ev.deleted else ev.res.get("status", "confirmed"),
            "htmlLink": f"https://www.google.com/calendar/event?eid={eid}",
            "created": format_stamp(ev.created),
            "updated": format_stamp(ev.updated),
        }
        for key in ("summary", "description", "location", "colorId"):
            if ev.res.get(key) is not None:
                out[key] = ev.res[key]
        me = {"email": cal.owner_email, "self": True}
        out["creator"] = dict(me)
        out["organizer"] = dict(me)
        out["start"] = ev.start.render(zone or cal.time_zone)
        out["end"] = ev.end.render(zone or cal.time_zone)
        if ev.res.get("transparency") == "transparent":
            out["transparency"] = "transparent"
        out["iCalUID"] = ev.res.get("iCalUID") or f"{ev.id}@google.com"
        out["sequence"] = ev.sequence
        skip = {
            "status",
            "summary",
            "description",
            "location",
            "colorId",
            "transparency",
            "iCalUID",
            "start",
            "end",
        }
        for key, value in ev.res.items():
            if key not in skip and key not in out and value is not None:
                out[key] = json.loads(json.dumps(value))
        out.setdefault("reminders", {"useDefault": True})
        out.setdefault("eventType", "default")
        return out

    # -- serving -----------------------------------------------------------------------
    def route(self, request: Request) -> Response:
        try:
            if request.path == "/token":
                return self._token(request)
            if request.path.rstrip("/") in (BATCH_PATH, "/batch"):
                self._authorize(request)
                return self._batch(request)
            return self._dispatch(request)
        except ApiError as exc:
            return exc.response()

    def _dispatch(self, request: Request) -> Response:
        try:
            if not request.path.startswith(API_PREFIX):
                raise ApiError(404, "notFound", "Not Found")
            self._authorize(request)
            segments = [unquote(s) for s in request.path[len(API_PREFIX) :].split("/")]
            with self.lock:
                return self._api(request, segments)
        except ApiError as exc:
            return exc.response()

    def _authorize(self, request: Request) -> None:
        header = request.header("authorization") or ""
        token = header[7:].strip() if header.lower().startswith("bearer ") else None
        token = token or request.arg("access_token") or request.arg("oauth_token")
        with self.lock:
            expiry = self.access_tokens.get(token or "")
            if expiry is not None and expiry <= self._now():
                self.access_tokens.pop(token or "", None)
                expiry = None
        if expiry is None:
            raise ApiError(
                401,
                "authError",
                "Invalid Credentials",
                headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'},
                location="Authorization",
                locationType="header",
            )

    def _token(self, request: Request) -> Response:
        form = {
            k: v[-1] for k, v in parse_qs(request.body.decode(), keep_blank_values=True).items()
        }
        with self.lock:
            self.token_requests += 1
            if request.method != "POST":
                return Response(405, {"error": "invalid_request"})
            if form.get("grant_type") != "refresh_token":
                return Response(
                    400,
                    {"error": "unsupported_grant_type", "error_description": "Invalid grant_type"},
                )
            client = self.clients.get(form.get("client_id", ""))
            if client is None or client.client_secret != form.get("client_secret"):
                return Response(
                    401,
                    {
                        "error": "invalid_client",
                        "error_description": "The OAuth client was not found.",
                    },
                )
            if form.get("refresh_token") not in client.refresh_tokens:
                return Response(400, {"error": "invalid_grant", "error_description": "Bad Request"})
            token = "ya29.emu-" + secrets.token_urlsafe(24)
            self.access_tokens[token] = self._now() + timedelta(seconds=self.token_lifetime)
            return Response(
                200,
                {
                    "access_token": token,
                    "expires_in": self.token_lifetime,
                    "token_type": "Bearer",
                    "scope": form.get("scope") or client.scope,
                },
            )

    def _api(self, request: Request, seg: list[str]) -> Response:
        m = request.method
        if seg[:1] == ["calendars"] and len(seg) >= 2:
            cid = seg[1]
            if len(seg) == 2 and m == "GET":
                self.validator.params("calendars", "get", request.query)
                return self._calendar_get(cid)
            if len(seg) >= 3 and seg[2] == "events":
                if len(seg) == 3 and m == "GET":
                    return self._events_list(request, cid)
                if len(seg) == 3 and m == "POST":
                    return self._events_insert(request, cid)
                if len(seg) == 4 and seg[3] == "watch" and m == "POST":
                    return self._events_watch(request, cid)
                if len(seg) == 4 and seg[3] in ("import", "quickAdd") and m == "POST":
                    raise ApiError(
                        501, "notImplemented", f"emulator: events.{seg[3]} not implemented"
                    )
                if len(seg) == 4:
                    eid = seg[3]
                    handler = {
                        "GET": self._events_get,
                        "PATCH": self._events_patch,
                        "PUT": self._events_update,
                        "DELETE": self._events_delete,
                    }.get(m)
                    if handler:
                        return handler(request, cid, eid)
                if len(seg) == 5 and seg[4] == "move" and m == "POST":
                    return self._events_move(request, cid, seg[3])
                if len(seg) == 5 and seg[4] == "instances":
                    raise ApiError(
                        501, "notImplemented", f"emulator: events.{seg[4]} not implemented"
                    )
        if seg == ["freeBusy"] and m == "POST":
            return self._freebusy(request)
        if seg == ["channels", "stop"] and m == "POST":
            return self._channels_stop(request)
        if seg[:1] in (["users"], ["colors"]) or seg[2:3] == ["acl"]:
            raise ApiError(501, "notImplemented", "emulator: resource not implemented")
        raise ApiError(404, "notFound", "Not Found")

    def _json_body(self, request: Request, schema: str) -> dict[str, Any]:
        try:
            body = request.json()
        except (ValueError, UnicodeDecodeError):
            raise _bad("Parse Error", "parseError") from None
        if body is None:
            body = {}
        self.validator.body(schema, body)
        return body

    # -- calendars ---------------------------------------------------------------------
    def _calendar_get(self, cid: str) -> Response:
        cal = self._calendar(cid)
        return Response(
            200,
            {
                "kind": "calendar#calendar",
                "etag": cal.etag,
                "id": cal.id,
                "summary": cal.summary,
                "timeZone": cal.time_zone,
                "conferenceProperties": {"allowedConferenceSolutionTypes": ["hangoutsMeet"]},
            },
        )

    # -- events: helpers ---------------------------------------------------------------
    def _when(self, value: Any, label: str) -> When:
        if not isinstance(value, dict) or not (value.get("date") or value.get("dateTime")):
            raise _bad(f"Missing {label} time.", "required")
        zone = value.get("timeZone")
        if zone is not None:
            try:
                _zone(zone)
            except ValueError:
                raise _bad(f"Invalid time zone definition for {label} time.", "invalid") from None
        if value.get("date") and value.get("dateTime"):
            raise _bad(f"Invalid {label} time.", "invalid")
        if value.get("date"):
            return When(day=parse_date(value["date"]), zone=zone)
        try:
            instant = parse_rfc3339(value["dateTime"], need_offset=False)
        except ValueError:
            raise _bad(f"Invalid {label} time.", "invalid") from None
        if instant.tzinfo is None:
            if not zone:
                raise _bad(f"Missing time zone definition for {label} time.", "timeZoneMissing")
            instant = instant.replace(tzinfo=_zone(zone))
        return When(instant=instant, zone=zone)

    def _check_times(self, start: When, end: When) -> None:
        if (start.day is None) != (end.day is None):
            raise _bad("Start and end times must either both be date or both be dateTime.")
        if start.day is not None and end.day is not None:
            if end.day <= start.day:
                raise _bad("The specified time range is empty.", "timeRangeEmpty")
        elif start.instant is not None and end.instant is not None and end.instant < start.instant:
            raise _bad("The specified time range is empty.", "timeRangeEmpty")

    def _normalize_fields(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Server-side checks on writable fields; returns the stored copy."""
        out: dict[str, Any] = {}
        read_only = {
            "kind",
            "etag",
            "id",
            "htmlLink",
            "created",
            "updated",
            "creator",
            "organizer",
            "sequence",
            "start",
            "end",
            "hangoutLink",
            "privateCopy",
            "locked",
            "recurringEventId",
            "originalStartTime",
        }
        for key, value in fields.items():
            if key in read_only:
                continue
            out[key] = json.loads(json.dumps(value))
        if out.get("recurrence"):
            raise ApiError(501, "notImplemented", "emulator: recurring events not implemented")
        if out.get("transparency") not in (None, "opaque", "transparent"):
            raise _bad("Invalid transparency value.")
        if out.get("status") not in (None, "confirmed", "tentative", "cancelled"):
            raise _bad("Invalid status value.")
        if out.get("visibility") not in (None, "default", "public", "private", "confidential"):
            raise _bad("Invalid visibility value.")
        attendees = out.get("attendees")
        if attendees is not None:
            seen = set()
            for attendee in attendees:
                mail = attendee.get("email")
                if not mail:
                    raise _bad("Missing attendee email.", "required")
                if not EMAIL_RE.match(mail):
                    raise _bad("Invalid attendee email.")
                if mail.lower() in seen:
                    raise _bad("Duplicate attendee.", "duplicate")
                seen.add(mail.lower())
                status = attendee.setdefault("responseStatus", "needsAction")
                if status not in ("needsAction", "declined", "tentative", "accepted"):
                    raise _bad("Invalid attendee responseStatus.")
        return out

    def _decorate_attendees(self, ev: StoredEvent, cal: Calendar) -> None:
        for attendee in ev.res.get("attendees") or []:
            if attendee["email"].lower() == cal.owner_email.lower():
                attendee["organizer"] = True
                attendee["self"] = True
                if attendee.get("responseStatus") == "needsAction":
                    attendee["responseStatus"] = "accepted"

    def _send_updates(self, request: Request) -> str | None:
        value = request.arg("sendUpdates")
        if value is None and request.arg("sendNotifications") is not None:
            return "all" if request.arg("sendNotifications") == "true" else "none"
        return value

    def _notify(
        self,
        request: Request,
        method: str,
        cal: Calendar,
        ev: StoredEvent,
        kind: str,
        removed: tuple[str, ...] | list[str] = (),
        previous: set[str] | None = None,
    ) -> None:
        mode = self._send_updates(request)
        call = next(self._calls)
        emails = [
            a["email"]
            for a in ev.res.get("attendees") or []
            if a["email"].lower() != cal.owner_email.lower()
        ]
        owner = cal.owner_email.lower()
        targets = [
            (mail, "invitation" if previous is not None and mail.lower() not in previous else kind)
            for mail in emails
        ]
        targets += [(mail, "cancellation") for mail in removed if mail.lower() != owner]
        domain = cal.owner_email.rsplit("@", 1)[-1].lower()
        if mode == "all":
            chosen = targets
        elif mode == "externalOnly":
            chosen = [(m, k) for m, k in targets if m.rsplit("@", 1)[-1].lower() != domain]
        else:
            chosen = []
        for mail, what in chosen:
            self.invitations.append(
                Invitation(call, method, cal.id, ev.id, mail, what, mode or "none")
            )
        self.send_updates_log.append(
            SendUpdatesCall(
                call, method, cal.id, ev.id, request.arg("sendUpdates"), [m for m, _ in chosen]
            )
        )

    def _if_match(self, request: Request, ev: StoredEvent) -> None:
        wanted = request.header("if-match")
        if wanted is None or wanted.strip() == "*":
            return
        tags = [t.strip().removeprefix("W/").strip('"') for t in wanted.split(",")]
        if ev.etag.strip('"') not in tags:
            raise ApiError(
                412,
                "conditionNotMet",
                "Precondition Failed",
                location="If-Match",
                locationType="header",
            )

    def _get_event(self, cal: Calendar, eid: str) -> StoredEvent:
        ev = cal.events.get(eid)
        if ev is None:
            raise ApiError(404, "notFound", "Not Found")
        return ev

    def _zone_param(self, request: Request) -> str | None:
        zone = request.arg("timeZone")
        if zone is not None:
            try:
                _zone(zone)
            except ValueError:
                raise _bad(f"Invalid time zone: {zone}") from None
        return zone

    # -- events: methods -----------------------------------------------------------------
    def _events_insert(self, request: Request, cid: str) -> Response:
        self.validator.params("events", "insert", request.query)
        body = self._json_body(request, "Event")
        cal = self._calendar(cid)
        start, end = self._when(body.get("start"), "start"), self._when(body.get("end"), "end")
        self._check_times(start, end)
        eid = body.get("id")
        if eid is not None:
            if not EVENT_ID_RE.match(eid):
                raise _bad("Invalid resource id value.")
            if eid in cal.events:  # deleted events keep their id reserved
                raise ApiError(409, "duplicate", "The requested identifier already exists.")
        else:
            eid = self._new_event_id()
        res = self._normalize_fields(body)
        now = self._now()
        ev = StoredEvent(
            cal.id, eid, res, start, end, now, now, self._etag(), insert_seq=next(self._inserts)
        )
        if res.get("status") == "cancelled":
            ev.deleted = True
        self._decorate_attendees(ev, cal)
        cal.events[eid] = ev
        self._changed(ev)
        self._notify(request, "insert", cal, ev, "invitation")
        return Response(200, self._render(ev, cal))

    def _events_get(self, request: Request, cid: str, eid: str) -> Response:
        self.validator.params("events", "get", request.query)
        cal = self._calendar(cid)
        ev = self._get_event(cal, eid)  # deleted events are returned (status "cancelled")
        inm = request.header("if-none-match")
        if inm and ev.etag.strip('"') in [t.strip().strip('"') for t in inm.split(",")]:
            return Response(304, None, {"ETag": ev.etag})
        return Response(200, self._render(ev, cal, self._zone_param(request)), {"ETag": ev.etag})

    def _apply_write(
        self, request: Request, cal: Calendar, ev: StoredEvent, body: dict, full: bool, method: str
    ) -> Response:
        old_attendees = {a["email"].lower(): a["email"] for a in ev.res.get("attendees") or []}
        if "id" in body and body["id"] != ev.id:
            raise _bad("Invalid resource id value.")
        start, end = ev.start, ev.end
        if full or body.get("start") is not None:
            start = self._when(body.get("start"), "start")
        if full or body.get("end") is not None:
            end = self._when(body.get("end"), "end")
        if "start" in body and body["start"] is None or "end" in body and body["end"] is None:
            raise _bad("Missing start or end time.", "required")
        self._check_times(start, end)
        fields = self._normalize_fields(body)
        if full:
            res = fields
            # PUT replaces the resource: fields left out (attendees, extendedProperties) go
        else:
            res = json.loads(json.dumps(ev.res))
            self._merge(res, fields)
        moved = start != ev.start or end != ev.end
        ev.start, ev.end, ev.res = start, end, res
        if res.get("status") == "cancelled":
            ev.deleted = True
        elif ev.deleted and res.get("status") in ("confirmed", "tentative"):
            ev.deleted = False  # organiser restores (undeletes) the event
        if moved:
            ev.sequence += 1
        self._decorate_attendees(ev, cal)
        self._touch(ev)
        now_attendees = {a["email"].lower() for a in res.get("attendees") or []}
        removed = [mail for key, mail in old_attendees.items() if key not in now_attendees]
        kind = "cancellation" if ev.deleted else "update"
        previous = None if ev.deleted else set(old_attendees)
        self._notify(request, method, cal, ev, kind, removed, previous)
        return Response(200, self._render(ev, cal))

    @staticmethod
    def _merge(target: dict[str, Any], patch: dict[str, Any]) -> None:
        for key, value in patch.items():
            if value is None:
                target.pop(key, None)
            elif isinstance(value, dict) and isinstance(target.get(key), dict):
                GoogleCalendarEmulator._merge(target[key], value)
            else:
                target[key] = value

    def _events_patch(self, request: Request, cid: str, eid: str) -> Response:
        self.validator.params("events", "patch", request.query)
        body = self._json_body(request, "Event")
        cal = self._calendar(cid)
        ev = self._get_event(cal, eid)
        self._if_match(request, ev)
        return self._apply_write(request, cal, ev, body, full=False, method="patch")

    def _events_update(self, request: Request, cid: str, eid: str) -> Response:
        self.validator.params("events", "update", request.query)
        body = self._json_body(request, "Event")
        cal = self._calendar(cid)
        ev = self._get_event(cal, eid)
        self._if_match(request, ev)
        return self._apply_write(request, cal, ev, body, full=True, method="update")

    def _events_delete(self, request: Request, cid: str, eid: str) -> Response:
        self.validator.params("events", "delete", request.query)
        cal = self._calendar(cid)
        ev = self._get_event(cal, eid)
        if ev.deleted:
            raise ApiError(410, "deleted", "Resource has been deleted")
        self._if_match(request, ev)
        ev.deleted = True
        ev.res["status"] = "cancelled"
        self._touch(ev)
        self._notify(request, "delete", cal, ev, "cancellation")
        return Response(204)

    def _events_move(self, request: Request, cid: str, eid: str) -> Response:
        """events.move: the event leaves ``cid`` for ``destination`` under the same id (its organizer
        becomes the destination). The source keeps a cancelled tombstone, so its sync tokens see the
        event gone and the destination's see it arrive; only ``default`` events can be moved."""
        self.validator.params("events", "move", request.query)
        destination = request.arg("destination")
        if not destination:
            raise _bad("Missing destination.", "required")
        cal = self._calendar(cid)
        ev = self._get_event(cal, eid)
        if ev.deleted:
            raise ApiError(404, "notFound", "Not Found")
        target = self._calendar(destination)
        if target.id == cal.id:
            return Response(200, self._render(ev, cal))
        if ev.res.get("eventType", "default") != "default":
            raise _bad("Only default events can be moved.", "eventTypeRestriction")
        if eid in target.events and not target.events[eid].deleted:
            raise ApiError(409, "duplicate", "The requested identifier already exists.")
        moved = StoredEvent(target.id, ev.id, json.loads(json.dumps(ev.res)), ev.start, ev.end, ev.created,
                            self._now(), self._etag(), sequence=ev.sequence, insert_seq=next(self._inserts))
        target.events[eid] = moved
        tombstone = StoredEvent(cal.id, ev.id, {"status": "cancelled"}, ev.start, ev.end, ev.created,
                                self._now(), self._etag(), sequence=ev.sequence, deleted=True,
                                insert_seq=ev.insert_seq)
        cal.events[eid] = tombstone
        self._changed(tombstone)
        self._changed(moved)
        self.send_updates_log.append(SendUpdatesCall(next(self._calls), "move", target.id, eid,
                                                     self._send_updates(request), []))
        return Response(200, self._render(moved, target))

    def _candidates(self, cal: Calendar, base: int | None) -> list[StoredEvent]:
        """The events a list can return: with a sync token, only those changed after it (each
        event's last journal entry is its current change number); otherwise all of them."""
        if base is None:
            return list(cal.events.values())
        first = bisect.bisect_right(self._change_journal, base, key=lambda entry: entry[0])
        found = []
        for seq, event_id in self._change_journal[first:]:
            ev = cal.events.get(event_id)
            if ev is not None and ev.change_seq == seq:
                found.append(ev)
        return found

    def _events_list(self, request: Request, cid: str) -> Response:
        self.validator.params("events", "list", request.query)
        cal = self._calendar(cid)
        zone = self._zone_param(request)
        arg = request.arg
        sync_token = arg("syncToken")
        show_deleted = arg("showDeleted") == "true"
        if sync_token is not None:
            clash = [p for p in SYNC_FORBIDDEN if p in request.query]
            if clash:
                raise _bad(f"{clash[0]} cannot be used together with syncToken.", "invalid")
        if arg("orderBy") == "startTime" and arg("singleEvents") != "true":
            raise _bad(
                "The requested ordering is not available for the particular query.", "badRequest"
            )
        page_token = arg("pageToken")
        if page_token is not None:
            try:
                page = _unb64(page_token)
                offset, snapshot, base = int(page["o"]), int(page["s"]), page.get("b")
                if page.get("c") != cal.id:
                    raise ValueError("other calendar")
            except (ValueError, KeyError, TypeError):
                raise _bad("Invalid page token value.", "invalid") from None
        else:
            offset, snapshot, base = 0, self._seq, None
        if sync_token is not None:
            try:
                tok = _unb64(sync_token)
                tok_cal, tok_seq, tok_gen = tok["c"], int(tok["s"]), int(tok["g"])
            except (ValueError, KeyError, TypeError):
                raise _bad("Invalid sync token value.", "invalid") from None
            if tok_gen != self.sync_generation or tok_cal != cal.id or tok_seq > self._seq:
                raise ApiError(
                    410,
                    "fullSyncRequired",
                    "Sync token is no longer valid, a full sync is required.",
                )
            base = tok_seq
        updated_min = parse_rfc3339(arg("updatedMin")) if arg("updatedMin") else None
        time_min = parse_rfc3339(arg("timeMin")) if arg("timeMin") else None
        time_max = parse_rfc3339(arg("timeMax")) if arg("timeMax") else None
        privs = [p.split("=", 1) for p in request.query.get("privateExtendedProperty", [])]
        shared = [p.split("=", 1) for p in request.query.get("sharedExtendedProperty", [])]
        if any(len(p) != 2 for p in privs + shared):
            raise _bad("Invalid extended property constraint.", "invalid")
        query_text = (arg("q") or "").lower()
        ical = arg("iCalUID")

        def keep(ev: StoredEvent) -> bool:
            if base is not None:
                return ev.change_seq > base
            if ev.deleted and not (show_deleted or updated_min):
                return False
            if updated_min and ev.updated < updated_min:
                return False
            if time_min and ev.end.to_utc(cal.time_zone) <= time_min:
                return False
            if time_max and ev.start.to_utc(cal.time_zone) >= time_max:
                return False
            props = ev.res.get("extendedProperties") or {}
            for bucket, constraints in (("private", privs), ("shared", shared)):
                values = props.get(bucket) or {}
                if any(values.get(k) != v for k, v in constraints):
                    return False
            if ical and (ev.res.get("iCalUID") or f"{ev.id}@google.com") != ical:
                return False
            if query_text:
                hay = " ".join(
                    [str(ev.res.get(k, "")) for k in ("summary", "description", "location")]
                    + [a.get("email", "") for a in ev.res.get("attendees") or []]
                ).lower()
                if not all(word in hay for word in query_text.split()):
                    return False
            return True

        items = [ev for ev in self._candidates(cal, base) if keep(ev)]
        if arg("orderBy") == "startTime":
            items.sort(key=lambda e: (e.start.to_utc(cal.time_zone), e.insert_seq))
        elif arg("orderBy") == "updated":
            items.sort(key=lambda e: (e.updated, e.change_seq))
        elif base is not None:
            items.sort(key=lambda e: e.change_seq)
        else:
            items.sort(key=lambda e: e.insert_seq)
        size = min(int(arg("maxResults") or 250), 2500, self.max_page_size or 2500)
        chunk = items[offset : offset + size]
        body: dict[str, Any] = {
            "kind": "calendar#events",
            "etag": f'"p{self._seq}"',
            "summary": cal.summary,
            "description": "",
            "updated": format_stamp(max((e.updated for e in items), default=self._now())),
            "timeZone": cal.time_zone,
            "accessRole": "owner",
            "defaultReminders": [{"method": "popup", "minutes": 10}],
        }
        if offset + size < len(items):
            body["nextPageToken"] = _b64(
                {"c": cal.id, "o": offset + size, "s": snapshot, "b": base}
            )
        else:
            body["nextSyncToken"] = _b64({"c": cal.id, "s": snapshot, "g": self.sync_generation})
        body["items"] = [
            self._render(
                ev, cal, zone, minimal=ev.deleted and base is not None and not show_deleted
            )
            for ev in chunk
        ]
        return Response(200, body)

    # -- freeBusy ------------------------------------------------------------------------
    def _freebusy(self, request: Request) -> Response:
        self.validator.params("freebusy", "query", request.query)
        body = self._json_body(request, "FreeBusyRequest")
        for key in ("timeMin", "timeMax"):
            if not body.get(key):
                raise _bad(f"Missing {key}.", "required")
        try:
            tmin, tmax = parse_rfc3339(body["timeMin"]), parse_rfc3339(body["timeMax"])
        except ValueError:
            raise _bad("Bad Request", "badRequest") from None
        zone = body.get("timeZone") or "UTC"
        try:
            _zone(zone)
        except ValueError:
            raise _bad(f"Invalid time zone: {zone}") from None
        if tmax <= tmin:
            raise _bad("The specified time range is empty.", "timeRangeEmpty", domain="calendar")
        if tmax - tmin > timedelta(days=self.freebusy_max_days):
            raise ApiError(
                400, "timeRangeTooLong", "The requested time range is too long.", domain="calendar"
            )
        limit = min(int(body.get("calendarExpansionMax") or 50), 50)
        with self.lock:
            self.freebusy_items.append([item.get("id", "") for item in body.get("items") or []])
        calendars: dict[str, Any] = {}
        for index, item in enumerate(body.get("items") or []):
            cid = item.get("id", "")
            if index >= limit:
                calendars[cid] = {
                    "errors": [{"domain": "global", "reason": "tooManyCalendarsRequested"}],
                    "busy": [],
                }
                continue
            cal = self.calendars.get(self.primary_id if cid == "primary" else cid)
            if cal is None:
                calendars[cid] = {
                    "errors": [{"domain": "global", "reason": "notFound"}],
                    "busy": [],
                }
                continue
            spans = []
            for ev in cal.events.values():
                if ev.deleted or ev.res.get("transparency") == "transparent":
                    continue
                start, end = ev.start.to_utc(cal.time_zone), ev.end.to_utc(cal.time_zone)
                start, end = max(start, tmin), min(end, tmax)
                if start < end:
                    spans.append((start, end))
            spans.sort()
            merged: list[list[datetime]] = []
            for start, end in spans:
                if merged and start <= merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], end)
                else:
                    merged.append([start, end])
            calendars[cid] = {
                "busy": [
                    {"start": format_dt(s, zone), "end": format_dt(e, zone)} for s, e in merged
                ]
            }
        return Response(
            200,
            {
                "kind": "calendar#freeBusy",
                "timeMin": format_dt(tmin),
                "timeMax": format_dt(tmax),
                "calendars": calendars,
            },
        )

    # -- push channels ---------------------------------------------------------------------
    def _events_watch(self, request: Request, cid: str) -> Response:
        self.validator.params("events", "watch", request.query)
        body = self._json_body(request, "Channel")
        cal = self._calendar(cid)
        if body.get("type") not in ("web_hook", "webhook"):
            raise _bad("Invalid channel type.", "invalid")
        if not body.get("id"):
            raise _bad("Required: channel id", "required")
        if not body.get("address"):
            raise _bad("Required: channel address", "required")
        if urlsplit(body["address"]).scheme not in ("https", "http"):
            raise ApiError(
                400,
                "push.webhookUrlNotHttps",
                "WebHook callback must be HTTPS: " + body["address"],
                domain="global",
            )
        if body["id"] in self.channels:
            raise _bad(f"Channel id {body['id']} not unique", "channelIdNotUnique")
        now_ms = int(self._now().timestamp() * 1000)
        max_ms = now_ms + 7 * 24 * 3600 * 1000  # events watch: one week at most
        expiration = int(body.get("expiration") or max_ms)
        expiration = min(expiration, max_ms)
        resource_id = base64.urlsafe_b64encode(f"events:{cal.id}".encode()).decode().rstrip("=")
        ch = Channel(
            id=body["id"],
            resource_id=resource_id,
            resource_uri=f"{self.api_endpoint}calendars/{quote(cal.id, safe='')}/events?alt=json",
            calendar_id=cal.id,
            address=body["address"],
            token=body.get("token"),
            expiration_ms=expiration,
        )
        self.channels[ch.id] = ch
        if self.push_enabled:
            self._queue_push(ch, "sync")
        out = {
            "kind": "api#channel",
            "id": ch.id,
            "resourceId": ch.resource_id,
            "resourceUri": ch.resource_uri,
            "expiration": str(ch.expiration_ms),
        }
        if ch.token is not None:
            out["token"] = ch.token
        return Response(200, out)

    def _channels_stop(self, request: Request) -> Response:
        self.validator.params("channels", "stop", request.query)
        body = self._json_body(request, "Channel")
        ch = self.channels.get(body.get("id", ""))
        if ch is None or ch.stopped or ch.resource_id != body.get("resourceId"):
            raise ApiError(404, "notFound", f"Channel '{body.get('id')}' not found for project")
        ch.stopped = True
        return Response(204)

    # -- batch -------------------------------------------------------------------------------
    def _batch(self, request: Request) -> Response:
        ctype = request.header("content-type") or ""
        if not ctype.startswith("multipart/mixed"):
            raise _bad("Batch requests must be multipart/mixed", "badContent")
        message = email.parser.BytesParser().parsebytes(
            b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + request.body
        )
        parts = message.get_payload() if message.is_multipart() else []
        if len(parts) > MAX_BATCH:
            raise _bad(f"Too many requests in batch (max {MAX_BATCH}).", "batchSizeTooLarge")
        boundary = "batch_" + uuid.uuid4().hex
        out: list[str] = []
        for part in parts:  # type: ignore[union-attr]
            content_id = part.get("Content-ID", "")
            raw = part.get_payload()
            if isinstance(raw, bytes):
                raw = raw.decode()
            line, _, rest = str(raw).lstrip().partition("\n")
            method, target, *_ = line.strip().split(" ")
            inner = email.parser.Parser().parsestr(rest)
            split = urlsplit(target)
            payload = inner.get_payload()
            sub = Request(
                method=method.upper(),
                path=split.path,
                query=parse_qs(split.query, keep_blank_values=True),
                headers={k.lower(): v for k, v in inner.items()},
                body=(payload.encode() if isinstance(payload, str) else b"") if payload else b"",
            )
            resp = self._dispatch(sub)
            with self.lock:
                self.log.append(
                    LogEntry(sub.method, sub.path, sub.query, resp.status, self._now().timestamp())
                )
            rid = content_id.strip()
            rid = "<response-" + rid[1:] if rid.startswith("<") else rid
            data = resp.encoded().decode()
            head = [f"HTTP/1.1 {resp.status} {REASON_PHRASES.get(resp.status, '')}"]
            if data:
                head.append("Content-Type: application/json; charset=UTF-8")
            head += [f"{k}: {v}" for k, v in resp.headers.items()]
            out.append(
                f"--{boundary}\r\nContent-Type: application/http\r\nContent-ID: {rid}\r\n\r\n"
                + "\r\n".join(head)
                + "\r\n\r\n"
                + data
                + "\r\n"
            )
        text = "".join(out) + f"--{boundary}--\r\n"
        return Response(200, text, content_type=f"multipart/mixed; boundary={boundary}")
