"""The Notion bookings database as a ``RecordStore`` (the seed's source of truth).

What the sync engine calls:

- ``upsert(booking, ref)`` – create the booking's page, or update only the
  properties that differ from the page. Before creating, the page is looked
  up by ``ref.external_id`` (the ledger's page id) and then by a ``Booking ID
  equals <uuid>`` query, so a create retried after a crash or a lost answer
  never makes a second page.
- ``remove(booking, ref)`` – set Status to Cancelled. Pages are never
  trashed or deleted by booksync; a page already in the trash counts as gone.
- ``fetch(page_id)`` – one page as a ``SideRecord`` (``None`` if gone).
- ``changes(cursor)`` – pages edited since the cursor, or all pages when the
  cursor is ``None`` (``full=True``). See ``changes`` for the overlap window.
- ``report_problem`` / ``clear_problem`` – write (or empty) the Sync Error
  property of pages that cannot be read as bookings.

Errors reach callers only as the ports' named errors (``NotFound``,
``NotAuthorised``, ``RateLimited``, …), from ``notion_http.call``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from .notion_answers import with_renames
from .notion_http import call, make_client
from .notion_pages import (
    booking_properties,
    changed_fields,
    page_record,
    write_value,
)
from .notion_schema import Schema, property_names
from .ports import (
    NOTION_FIELDS,
    AnswerColumn,
    BookingView,
    ChangeBatch,
    ExternalRef,
    KeepFields,
    NotFound,
    PermanentError,
    SideRecord,
    WriteResult,
    answer_columns,
)

log = logging.getLogger("booksync.notion")

# Notion rounds last_edited_time down to the minute, and our clock and Notion's
# differ by a little: each poll re-reads this much before the previous poll's
# start and drops what it has already reported (the cursor's "seen" map).
OVERLAP = timedelta(minutes=2)
CURSOR_VERSION = 1  # bump when the cursor's meaning changes: old cursors then force a full read
PAGE_SIZE = 100
SCHEMA_TTL = 600.0  # seconds a worker trusts the columns it read (admins do rename columns)
DISCOVERY_TTL = 24 * 3600  # seconds the database → data source id stays cached
# What the dedup hash covers: the fingerprint fields plus what else a poll reports.
_CHANGE_FIELDS = (*NOTION_FIELDS, "booking_id", "source", "problem")


def _seen_hash(record: SideRecord) -> str:
    return record.fingerprint(_CHANGE_FIELDS)[:16]


class NotionBookings:
    """The bookings database behind the ``RecordStore`` protocol (see the module docstring)."""

    name = "notion"

    def __init__(self, client: Any = None, *, database_id: str, names: dict[str, str],
                 clock: Callable[[], datetime] = timezone.now) -> None:
        self.client = client or make_client()
        self.database_id = database_id
        self.names = names
        self.clock = clock  # the poll start recorded in cursors; tests align it with the emulator's clock
        self._cache_prefix = "notion:" + hashlib.sha256(
            f"{settings.NOTION_API_BASE_URL}|{settings.NOTION_API_KEY}|{database_id}".encode()
        ).hexdigest()[:16]
        self._data_source_id = ""
        self._schema: Schema | None = None
        self._schema_read_at = 0.0
        self._sync_errors: dict[str, str] = {}  # page id → Sync Error last seen or written (skips no-op writes)

    # ------------------------------------------------------------------ discovery
    def data_source_id(self) -> str:
        """The database's data source (the id Notion's URL does not show), cached per process and in Django's cache."""
        if not self._data_source_id:
            key = f"{self._cache_prefix}:data-source"
            found = cache.get(key)
            if not found:
                database = call("reading the bookings database", self.client.databases.retrieve,
                                database_id=self.database_id)
                sources = database.get("data_sources") or []
                if not sources:
                    raise PermanentError("The bookings database has no data source. Fix: check NOTION_BOOKINGS_DATABASE_ID.")
                if len(sources) > 1:
                    log.warning("bookings database has %d data sources; using the first, %r",
                                len(sources), sources[0].get("name"))
                found = sources[0]["id"]
                cache.set(key, found, DISCOVERY_TTL)
            self._data_source_id = found
        return self._data_source_id

    def schema(self, *, fresh: bool = False) -> Schema:
        """The data source's columns (re-read every ``SCHEMA_TTL`` seconds)."""
        if fresh or self._schema is None or time.monotonic() - self._schema_read_at > SCHEMA_TTL:
            data_source = call("reading the bookings database's columns", self.client.data_sources.retrieve,
                               data_source_id=self.data_source_id())
            self._schema = Schema.from_data_source(data_source, self.names)
            self._schema_read_at = time.monotonic()
        return self._schema

    def _read_schema(self) -> Schema:
        """Reading needs only column names, not types: skip the schema request when none is cached."""
        if self._schema is not None:
            return self._schema
        return Schema(self._data_source_id, {f: (column, "") for f, column in self.names.items()})

    def questions(self) -> tuple[AnswerColumn, ...]:
        """The booking questions' columns (ADR 0019), read once per store call."""
        return with_renames(answer_columns())

    def answer_keys_shown(self) -> frozenset[str]:
        """The question keys whose column the database has (the push's base leaves the others out)."""
        types = self.schema().property_types
        return frozenset(q.key for q in self.questions() if q.column in types)

    def _record(self, page: dict[str, Any], questions: tuple[AnswerColumn, ...] = ()) -> SideRecord:
        record = page_record(page, self._read_schema(), questions)
        self._sync_errors[record.external_id] = record.extra.get("sync_error", "")
        return record

    # ------------------------------------------------------------------ writes
    def upsert(self, booking: BookingView, ref: ExternalRef, /, keep: KeepFields | None = None) -> WriteResult:
        """Make the booking's page show the booking (idempotent; see the module docstring), except
        the fields ``keep`` names for the page as read just before the write."""
        desired = _desired(booking)
        zone = ZoneInfo(booking.studio.zone)
        schema = self.schema()
        questions = self.questions()
        page = self._find(booking, ref)
        if page is None:
            properties = booking_properties(desired, changed_fields(None, desired, questions), schema, zone,
                                            questions)
            created = call(f"creating the page of booking {booking.booking_id}", self.client.pages.create,
                           repeatable=False, parent={"data_source_id": schema.data_source_id},
                           properties=properties)
            return WriteResult(created["id"])
        current = self._record(page, questions)
        if current.deleted:
            return self._upsert_trashed(booking, current, desired, keep, schema, zone, questions)
        fields = changed_fields(current, desired, questions)
        if keep is not None:
            kept = _page_fields(keep(current))
            fields = [name for name in fields if name not in kept]
        properties = booking_properties(desired, fields, schema, zone, questions)
        if properties:
            self._update(current.external_id, properties, f"updating the page of booking {booking.booking_id}")
        return WriteResult(current.external_id)

    def _upsert_trashed(self, booking: BookingView, current: SideRecord, desired: SideRecord,
                        keep: KeepFields | None, schema: Any, zone: ZoneInfo,
                        questions: tuple[AnswerColumn, ...] = ()) -> WriteResult:
        """The booking's page is in the trash: nothing to show, the trash stands (a delete no sync has
        read, ADR 0016), the page comes out of it (a trash already read, the booking going again), or,
        asked with no ``keep``, a human must restore it."""
        if not booking.active:
            return WriteResult(current.external_id)  # in the trash and not taking time: nothing to show
        kept = set(keep(current)) if keep is not None else set()
        if "deleted" in kept:
            # Trashed since booksync last read it: the delete stands (ADR 0016), nothing is written.
            return WriteResult(current.external_id, deleted=True, record=current)
        if keep is not None:
            # The trash was read, and the booking was set going again since (a restore): the
            # newer status wins, so the page comes out of the trash showing it (ADR 0016).
            fields = [name for name in changed_fields(current, desired, questions) if name not in _page_fields(kept)]
            call(f"taking the page of booking {booking.booking_id} out of the trash", self.client.pages.update,
                 page_id=current.external_id, in_trash=False,
                 properties=booking_properties(desired, fields, schema, zone, questions))
            return WriteResult(current.external_id)
        raise PermanentError(
            f"The Notion page of booking {booking.booking_id} is in the trash. Fix: restore it in Notion "
            "(or cancel the booking in booksync)."
        )

    def remove(self, booking: BookingView, ref: ExternalRef, /) -> None:
        """Mark the booking's page Cancelled (never trashed). No page, or a trashed one, is already gone."""
        page = self._find(booking, ref)
        if page is None:
            return
        current = self._record(page)
        schema = self.schema()
        column, kind = schema.column("status"), schema.type_of("status")
        if current.deleted or current.status == "cancelled" or column is None or kind is None:
            return
        self._update(current.external_id, {column: write_value(kind, "Cancelled")},
                     f"cancelling the page of booking {booking.booking_id}")

    def report_problem(self, page_id: str, message: str, /) -> bool:
        """Write ``message`` to the page's Sync Error property. Returns False when nothing needed writing."""
        return self._set_text("sync_error", page_id, message, "reporting a problem on page")

    def clear_problem(self, page_id: str, /) -> bool:
        """Empty the page's Sync Error property once the page reads as a booking again."""
        return self._set_text("sync_error", page_id, "", "clearing the problem on page")

    def _set_text(self, field_name: str, page_id: str, text: str, what: str) -> bool:
        schema = self.schema()
        column, kind = schema.column(field_name), schema.type_of(field_name)
        if column is None or kind is None:
            log.warning("the bookings database has no %r property; cannot %s %s", self.names[field_name], what, page_id)
            return False
        if field_name == "sync_error" and self._sync_errors.get(page_id) == text[:2000]:
            return False  # the page already says so; a write would only bump last_edited_time
        self._update(page_id, {column: write_value(kind, text[:2000])}, f"{what} {page_id}")
        if field_name == "sync_error":
            self._sync_errors[page_id] = text[:2000]
        return True

    def _update(self, page_id: str, properties: dict[str, Any], what: str) -> dict[str, Any]:
        return call(what, self.client.pages.update, page_id=page_id, properties=properties)

    # ------------------------------------------------------------------ reads
    def fetch(self, page_id: str, /) -> SideRecord | None:
        """One page as a booking record; ``None`` when it does not exist or is no longer shared."""
        try:
            page = call(f"reading page {page_id}", self.client.pages.retrieve, page_id=page_id)
        except NotFound:
            return None
        record = self._record(page, self.questions())
        parent = record.extra.get("data_source_id")
        if parent and parent != self.data_source_id():
            return _with_problem(record, "This page is not in the bookings database.")
        return record

    def changes(self, cursor: str | None, /) -> ChangeBatch:
        """Pages edited since ``cursor``, or every page when it is ``None`` (or unreadable).

        The cursor is JSON: ``since`` (ISO time this poll started, by
        ``self.clock``) and ``seen`` (page id → content hash of pages edited
        within the overlap window). The next poll asks for
        ``last_edited_time on_or_after since - 2 min`` (Notion rounds edit
        times down to the minute) and drops pages whose hash is in ``seen``,
        so two edits in one minute are both reported and nothing is reported
        twice. Incremental polls also read the trash (trashed pages are
        ``deleted=True``); a full read does not: absence says it.
        """
        started = self.clock()
        since, seen = _parse_cursor(cursor)
        if since is None:
            pages = self._pages(None)
        else:
            edited = {"timestamp": "last_edited_time",
                      "last_edited_time": {"on_or_after": (since - OVERLAP).isoformat()}}
            pages = _chain(self._pages(edited), self._pages(edited, in_trash=True))
        records, still_seen = [], {}
        questions = self.questions()
        for page in pages:
            record = self._record(page, questions)
            digest = _seen_hash(record)
            if record.edited_at is None or record.edited_at >= started - OVERLAP:
                still_seen[record.external_id] = digest
            if seen.get(record.external_id) == digest:
                continue  # reported by the previous poll and unchanged since
            records.append(record)
        next_cursor = json.dumps({"v": CURSOR_VERSION, "since": started.isoformat(), "seen": still_seen})
        return ChangeBatch(records=records, cursor=next_cursor, full=since is None, complete=True)

    def _pages(self, flt: dict[str, Any] | None, *, in_trash: bool = False) -> Iterator[dict[str, Any]]:
        """Stream the data source's pages, 100 per request, following ``next_cursor``."""
        body: dict[str, Any] = {"page_size": PAGE_SIZE}
        if flt is not None:
            body["filter"] = flt
        if in_trash:
            body["in_trash"] = True
        start_cursor = None
        while True:
            answer = call("reading bookings", self.client.data_sources.query, data_source_id=self.data_source_id(),
                          **body, **({"start_cursor": start_cursor} if start_cursor else {}))
            yield from answer.get("results", [])
            start_cursor = answer.get("next_cursor")
            if not answer.get("has_more") or not start_cursor:
                return

    def _find(self, booking: BookingView, ref: ExternalRef) -> dict[str, Any] | None:
        """The booking's page: by the link ledger, else by its Booking ID (a create retried after a crash)."""
        page_id = ref.external_id
        if page_id:
            try:
                return call(f"reading page {page_id}", self.client.pages.retrieve, page_id=page_id)
            except NotFound:
                log.warning("Notion page %s of booking %s is gone; looking it up by Booking ID", page_id,
                            booking.booking_id)
        column = self.schema().column("booking_id")
        if column is None:
            return None
        flt = {"property": column, "rich_text": {"equals": booking.booking_id}}
        answer = call(f"looking up booking {booking.booking_id}", self.client.data_sources.query,
                      data_source_id=self.data_source_id(), filter=flt, page_size=PAGE_SIZE,
                      sorts=[{"timestamp": "created_time", "direction": "ascending"}])
        results = answer.get("results") or []
        if len(results) > 1:
            log.warning("booking %s has %d Notion pages; using the oldest", booking.booking_id, len(results))
        return results[0] if results else None


def _desired(booking: BookingView) -> SideRecord:
    """What the page should show: the booking's Notion fields, plus the calendar event id."""
    return SideRecord(
        external_id=booking.booking_id, booking_id=booking.booking_id, start=booking.start, end=booking.end,
        status=booking.status, name=booking.name, email=booking.email, phone=booking.phone,
        notes=booking.notes, service=booking.service, source=booking.source, answers=booking.answers,
        extra={"calendar_event_id": booking.calendar_event_id, "person": booking.people, "room": booking.rooms,
               **({"payment": booking.payment, "paid": booking.paid, "price": booking.price} if booking.payment else {})},
    )


def _page_fields(names: Iterable[str]) -> set[str]:
    """``SideRecord`` field names as the page's written fields (start and end are its one Date)."""
    return {"date" if name in ("start", "end") else name for name in names}


def _with_problem(record: SideRecord, problem: str) -> SideRecord:
    return replace(record, problem=problem)


def _chain(*streams: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for stream in streams:
        yield from stream


def _parse_cursor(cursor: str | None) -> tuple[datetime | None, dict[str, str]]:
    """(since, seen) of a cursor; (None, {}) asks for a full read (no cursor, or one we cannot use)."""
    if not cursor:
        return None, {}
    try:
        if cursor.lstrip().startswith("{"):
            state = json.loads(cursor)
            if state.get("v") != CURSOR_VERSION:
                return None, {}
            since, seen = datetime.fromisoformat(state["since"]), dict(state.get("seen") or {})
        else:
            since, seen = datetime.fromisoformat(cursor), {}  # a bare ISO time is accepted too
    except (ValueError, KeyError, TypeError, AttributeError):
        log.warning("unreadable Notion cursor %r; reading everything", cursor[:80])
        return None, {}
    return (since if since.tzinfo else since.replace(tzinfo=UTC)), seen


_STORES: dict[tuple, NotionBookings] = {}


def notion_bookings() -> NotionBookings:
    """This process's store for the configured database (one client and its caches per configuration)."""
    key = (settings.NOTION_API_KEY, settings.NOTION_API_BASE_URL, settings.NOTION_BOOKINGS_DATABASE_ID,
           json.dumps(property_names(), sort_keys=True), settings.NOTION_RATE_FILE,
           settings.NOTION_REQUESTS_PER_SECOND, settings.NOTION_HTTP_TIMEOUT)
    store = _STORES.get(key)
    if store is None:
        store = _STORES[key] = NotionBookings(database_id=settings.NOTION_BOOKINGS_DATABASE_ID,
                                              names=property_names())
    return store


def forget_stores() -> None:
    """Drop the per-process stores (tests and a settings reload)."""
    _STORES.clear()
