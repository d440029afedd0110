"""Google Calendar behind the ``CalendarStore`` port (google-api-python-client + google-auth).

* Busy time comes from ``freeBusy`` (Google itself leaves out transparent and
  cancelled events), cached per studio-local day (busy_days.py); ``live=True``
  asks Google and refreshes the cache.
* Each booking is one event whose id derives from the booking's UUID
  (event_ids.py), so every write is idempotent: a retried insert answers 409
  and becomes a patch, a deleted event's id is never reused (the generation
  moves on), a delete of a gone event counts as done.
* ``changes`` is Google's incremental sync: a full list once, then the sync
  token; an expired token (410) falls back to a full list.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from booksync.scheduling import Interval

from . import busy_days, studio
from .event_ids import event_id_for
from .google_api import build_service, execute
from .google_auth import credentials
from .google_events import event_body, send_updates, to_record
from .ports import (
    BookingView,
    ChangeBatch,
    ExternalRef,
    KeepFields,
    NotFound,
    PermanentError,
    PreconditionFailed,
    SideRecord,
    TransientError,
    WriteResult,
    own_calendars,
)

# Stored in front of the sync token: a change of format (or of the list query) forces one full resync.
CURSOR_VERSION = "g1:"
CURSORS_VERSION = "g2:"  # several calendars (ADR 0017): a JSON object of sync tokens by calendar id
PAGE_SIZE = 2500
MAX_GENERATIONS = 20
ROOM_COPY = "room"  # a room's copy of an event has the event's id and this (base32hex letters)
COPY_PROPERTY = "booksyncCopy"  # a booking whose event keeps being deleted stops somewhere


def _rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class GoogleCalendar:
    """One Google calendar (``GOOGLE_CALENDAR_ID``) holding the studio's time and its booking events."""

    name = "google"

    def __init__(self, calendar_id: str | None = None) -> None:
        self.calendar_id = calendar_id or settings.GOOGLE_CALENDAR_ID
        self._service: Any = None
        self._zone: str | None = None

    # -- plumbing ------------------------------------------------------------------------
    @property
    def service(self) -> Any:
        # Built on first use: a cached busy() read never pays for the client.
        if self._service is None:
            self._service = build_service(credentials())
        return self._service

    @property
    def events(self) -> Any:
        return self.service.events()

    def calendar_zone(self) -> str:
        """The calendar's own time zone (all-day events are days of this zone)."""
        if self._zone is None:
            found = execute(self.service.calendars().get(calendarId=self.calendar_id), "read calendar")
            self._zone = str(found.get("timeZone") or "UTC")
        return self._zone

    @property
    def cache_namespace(self) -> str:
        return f"google:{self.calendar_id}"

    # -- busy time -------------------------------------------------------------------------
    def busy(self, window: Interval, /, *, live: bool = False) -> list[Interval]:
        """Busy intervals overlapping ``window`` (cached per studio day unless ``live``)."""
        zone = ZoneInfo(studio.current().zone)
        return busy_days.busy(self.cache_namespace, window, zone, self._free_busy, live=live)

    def _free_busy(self, span: Interval) -> list[Interval]:
        return self._free_busy_many(span, [self.calendar_id])[self.calendar_id]

    def _free_busy_many(self, span: Interval, ids: list[str]) -> dict[str, list[Interval]]:
        """One freeBusy request for every calendar in ``ids`` (its ``items`` take many)."""
        body = {"timeMin": _rfc3339(span.start), "timeMax": _rfc3339(span.end), "timeZone": "UTC",
                "items": [{"id": cid} for cid in ids]}
        answer = execute(self.service.freebusy().query(body=body), "freeBusy")
        out: dict[str, list[Interval]] = {}
        for cid in ids:
            found = (answer.get("calendars") or {}).get(cid) or {}
            if found.get("errors"):
                reason = found["errors"][0].get("reason", "unknown")
                setting = "GOOGLE_CALENDAR_ID" if cid == self.calendar_id else "a resource's calendar"
                if reason == "notFound":
                    raise NotFound(f"Google Calendar {cid!r} was not found ({setting}).")
                raise TransientError(f"Google freeBusy for {cid!r} failed: {reason}")
            out[cid] = [Interval(_parse(b["start"]), _parse(b["end"])) for b in found.get("busy", [])]
        return out

    def busy_by_calendar(self, window: Interval, calendars: list[str], /, *,
                         live: bool = False) -> dict[str, list[Interval]]:
        """The studio's calendar (key ``""``) and each resource calendar, cached per calendar and day;
        the days no calendar has cached are read for all of them in one freeBusy request."""
        zone = ZoneInfo(studio.current().zone)
        ids = [self.calendar_id, *dict.fromkeys(c for c in calendars if c and c != self.calendar_id)]
        answers: dict[tuple[datetime, datetime], dict[str, list[Interval]]] = {}

        def reader(cid: str):
            def read(span: Interval) -> list[Interval]:
                key = (span.start, span.end)
                if key not in answers:
                    answers[key] = self._free_busy_many(span, ids)
                return answers[key][cid]
            return read

        found = {cid: busy_days.busy(f"google:{cid}", window, zone, reader(cid), live=live) for cid in ids}
        return {"": found[self.calendar_id], **{c: found.get(c, found[self.calendar_id] if c == self.calendar_id
                                                                  else []) for c in calendars}}

    def foreign_events(self, window: Interval, /) -> list[SideRecord]:
        """Opaque, live events overlapping ``window`` that booksync did not write (a person's, another app's)."""
        args = {"calendarId": self.calendar_id, "timeMin": _rfc3339(window.start), "timeMax": _rfc3339(window.end),
                "singleEvents": True, "maxResults": PAGE_SIZE}
        page = execute(self.events.list(**args), "list events")
        zone = page.get("timeZone") or "UTC"
        records = [to_record(event, zone) for event in page.get("items", [])]
        return [r for r in records if not (r.booking_id or r.extra.get("ours") or r.deleted or r.transparent
                                           or r.problem)]

    def forget_busy(self, cid: str | None = None) -> None:
        """Drop the cached busy time (a push notification or a seen change says it moved)."""
        busy_days.invalidate(f"google:{cid}" if cid else self.cache_namespace)

    # -- writes ------------------------------------------------------------------------------
    def upsert(self, booking: BookingView, ref: ExternalRef, /, keep: KeepFields | None = None) -> WriteResult:
        """Make the booking's event match the booking; safe to repeat after any failure.

        The patch is guarded by the event's etag from our last write: when someone changed the
        event since, it is read again and the fields ``keep`` names for it are left out.
        """
        result = self._write(booking, ref, keep)
        self.forget_busy()  # a moved event frees its old time
        if result.calendar:
            self.forget_busy(result.calendar)
        if result.deleted:
            return replace(result, room_calendar=ref.room_calendar)
        return replace(result, room_calendar=self._room_copy(booking, ref, result.external_id))

    # -- the room's copy (ADR 0017) ---------------------------------------------------------------
    def _room_copy(self, booking: BookingView, ref: ExternalRef, event_id: str) -> str:
        """Write the event's copy on the room's own calendar (id: the event's + "room"), and delete an
        old copy (another room, or an earlier event id). booksync only writes copies, never reads
        them back: the person's event is the one synced both ways. Answers where the copy now is."""
        copy_id = event_id + ROOM_COPY
        if ref.room_calendar and (ref.room_calendar != booking.room_calendar or ref.external_id != event_id):
            self._delete_quietly(ref.room_calendar, (ref.external_id or event_id) + ROOM_COPY)
        if not booking.room_calendar:
            return ""
        body = event_body(booking)
        body["extendedProperties"]["private"][COPY_PROPERTY] = "room"
        body["status"] = "confirmed"  # a copy a person deleted is written again
        body["attendees"] = []  # the customer is invited once, by the person's event
        try:
            execute(self.events.insert(calendarId=booking.room_calendar, body={**body, "id": copy_id},
                                       sendUpdates="none"), "insert room copy")
        except PreconditionFailed:  # there already: brought up to date
            execute(self.events.patch(calendarId=booking.room_calendar, eventId=copy_id, body=body,
                                      sendUpdates="none"), "patch room copy")
        self.forget_busy(booking.room_calendar)
        return booking.room_calendar

    def _delete_quietly(self, cid: str, event_id: str) -> None:
        with contextlib.suppress(NotFound):  # already gone
            execute(self.events.delete(calendarId=cid, eventId=event_id, sendUpdates="none"), "delete room copy")
        self.forget_busy(cid)

    def _cid(self, calendar: str) -> str:
        """A calendar as the ledger names it ("" = the studio's) as Google knows it."""
        return calendar or self.calendar_id

    def _name(self, cid: str) -> str:
        """... and back: the studio's calendar is "" in the ledger, so a one-calendar studio's rows are as before."""
        return "" if cid == self.calendar_id else cid

    def _write(self, booking: BookingView, ref: ExternalRef, keep: KeepFields | None) -> WriteResult:
        body = event_body(booking)
        generation = ref.generation
        cid = self._cid(booking.calendar)
        etag = ref.etag
        if ref.external_id and self._cid(ref.calendar) != cid:
            etag = self._move(ref.external_id, self._cid(ref.calendar), cid, etag)
        if ref.external_id:
            event = self._patch_known(ref.external_id, body, etag, keep, cid)
            if isinstance(event, SideRecord):  # deleted over there, and the delete stands: write nothing
                return WriteResult(ref.external_id, ref.etag, generation, deleted=True, record=event,
                                   calendar=ref.calendar)
            if event is not None:
                return WriteResult(event["id"], event.get("etag", ""), generation, calendar=self._name(cid))
            generation += 1  # the event was deleted over there: its id is spent
        for _ in range(MAX_GENERATIONS):
            event_id = event_id_for(booking.booking_id, generation)
            event = self._insert_or_adopt(event_id, body, cid)
            if event is not None:
                return WriteResult(event["id"], event.get("etag", ""), generation, calendar=self._name(cid))
            generation += 1
        raise PermanentError(f"booking {booking.booking_id}: {MAX_GENERATIONS} event ids in a row were deleted")

    def _move(self, event_id: str, source: str, destination: str, etag: str) -> str:
        """events.move: the event goes to ``destination`` under the same id (a new photographer's
        calendar). Already moved (a retry after a crash) or gone at the source: the write that
        follows finds it, or makes it, at the destination. Answers the etag to guard that write."""
        try:
            moved = execute(self.events.move(calendarId=source, eventId=event_id, destination=destination,
                                             sendUpdates=send_updates()), "move event")
        except NotFound:
            found = self._get(event_id, destination)
            return found.get("etag", "") if found else etag
        self.forget_busy(source)
        return moved.get("etag", "")

    def _insert_or_adopt(self, event_id: str, body: dict[str, Any], cid: str | None = None) -> dict[str, Any] | None:
        """Insert the event; if the id exists already (a retry), patch it. None when the id is spent."""
        cid = cid or self.calendar_id
        try:
            return execute(self.events.insert(calendarId=cid, body={**body, "id": event_id},
                                              sendUpdates=send_updates()), "insert event")
        except PreconditionFailed:
            pass  # the id exists: maybe our own earlier attempt got through, look
        current = self._get(event_id, cid)
        if current is None or current.get("status") == "cancelled":
            return None
        event = self._patch_known(event_id, body, current.get("etag", ""), None, cid)
        return event if isinstance(event, dict) else None

    def _patch_known(self, event_id: str, body: dict[str, Any], etag: str,
                     keep: KeepFields | None = None, cid: str | None = None) -> dict[str, Any] | SideRecord | None:
        """Patch an existing event, guarded by ``etag``; None if it was deleted meanwhile, or the
        deleted event's record when ``keep`` says its delete stands (then nothing is written)."""
        cid = cid or self.calendar_id
        for _ in range(3):
            request = self.events.patch(calendarId=cid, eventId=event_id, body=body,
                                        sendUpdates=send_updates())
            if etag:
                request.headers["If-Match"] = etag
            try:
                event = execute(request, "patch event")
            except NotFound:
                return self._deleted(event_id, None, keep)
            except PreconditionFailed:
                current = self._get(event_id, cid)  # someone changed it: re-read and write again
                if current is None or current.get("status") == "cancelled":
                    return self._deleted(event_id, current, keep)
                etag = current.get("etag", "")
                if keep is not None and {"start", "end"} & set(keep(to_record(current, self.calendar_zone()))):
                    body = {name: value for name, value in body.items() if name not in ("start", "end")}
                continue
            if event.get("status") == "cancelled":
                return self._deleted(event_id, event, keep)
            return event
        raise PreconditionFailed(f"event {event_id} kept changing under us (412 three times)")

    def _deleted(self, event_id: str, event: dict[str, Any] | None, keep: KeepFields | None) -> SideRecord | None:
        """A deleted event met by a write: its record when ``keep`` lets the delete stand, else None."""
        if keep is None:
            return None
        record = (to_record(event, self.calendar_zone()) if event is not None
                  else SideRecord(external_id=event_id, deleted=True))
        if not record.deleted:
            record = SideRecord(external_id=event_id, booking_id=record.booking_id, deleted=True,
                                edited_at=record.edited_at)
        return record if "deleted" in set(keep(record)) else None

    def _get(self, event_id: str, cid: str | None = None) -> dict[str, Any] | None:
        try:
            return execute(self.events.get(calendarId=cid or self.calendar_id, eventId=event_id), "get event")
        except NotFound:
            return None

    def remove(self, booking: BookingView, ref: ExternalRef, /) -> None:
        """Delete the booking's event; an event that is already gone counts as removed."""
        event_id = ref.external_id or event_id_for(booking.booking_id, ref.generation)
        cid = self._cid(ref.calendar if ref.external_id else booking.calendar)
        with contextlib.suppress(NotFound):
            execute(self.events.delete(calendarId=cid, eventId=event_id, sendUpdates=send_updates()),
                    "delete event")
        self.forget_busy(cid)
        if ref.room_calendar or booking.room_calendar:
            self._delete_quietly(ref.room_calendar or booking.room_calendar, event_id + ROOM_COPY)

    # -- reads -----------------------------------------------------------------------------------
    def fetch(self, external_id: str, /, calendar: str = "") -> SideRecord | None:
        """One event of the studio's calendar, or of ``calendar`` (a resource's, as the ledger names it)."""
        cid = self._cid(calendar)
        event = self._get(external_id, cid)
        return None if event is None else self._record(event, self.calendar_zone(), cid)

    def _record(self, event: dict[str, Any], zone: str, cid: str) -> SideRecord:
        record = to_record(event, zone)
        record.extra["calendar"] = self._name(cid)
        private = (event.get("extendedProperties") or {}).get("private") or {}
        if private.get(COPY_PROPERTY):
            record.extra["copy"] = True
        return record

    def calendars(self) -> list[str]:
        """Every calendar a sync reads: the studio's, then each resource's own (ADR 0017)."""
        return [self.calendar_id, *(c for c in own_calendars() if c != self.calendar_id)]

    def changes(self, cursor: str | None, /) -> ChangeBatch:
        """Events changed since ``cursor`` on every calendar (a sync token per calendar); ``None``, or an
        expired token, lists that calendar in full. The batch is ``full`` only when every calendar was.

        An event moved between calendars (a new photographer) shows as cancelled on the one it left
        and live on the one it reached: the live one is kept."""
        tokens = _tokens(cursor, self.calendar_id)
        records: dict[str, SideRecord] = {}
        next_tokens: dict[str, str] = {}
        full = True
        for cid in self.calendars():
            batch = None
            token = tokens.get(cid)
            if token:
                try:
                    batch = self._list(token, cid)
                except NotFound:  # 410 fullSyncRequired: the token expired
                    batch = None
            if batch is None:
                batch = self._list(None, cid)
            full = full and batch.full
            for record in batch.records:
                if cid != self.calendar_id and not (record.deleted or record.booking_id or record.extra.get("ours")):
                    continue  # a person's event on a resource's calendar blocks it (busy time), nothing more
                if record.extra.get("copy"):
                    continue  # a room's copy of an event: written only, never read back
                seen = records.get(record.external_id)
                if seen is None or (seen.deleted and not record.deleted):
                    records[record.external_id] = record
            if batch.cursor:
                next_tokens[cid] = batch.cursor
        cursor_out = None
        if next_tokens:
            if set(next_tokens) == {self.calendar_id}:  # one calendar: the cursor as before
                cursor_out = CURSOR_VERSION + next_tokens[self.calendar_id]
            else:
                cursor_out = CURSORS_VERSION + json.dumps(next_tokens, sort_keys=True)
        return ChangeBatch(records=list(records.values()), cursor=cursor_out, full=full)

    def _list(self, sync_token: str | None, calendar: str | None = None) -> ChangeBatch:
        cid = calendar or self.calendar_id
        records: list[SideRecord] = []
        page_token = None
        while True:
            args: dict[str, Any] = {"calendarId": cid, "singleEvents": True, "maxResults": PAGE_SIZE}
            if sync_token:
                args.update(syncToken=sync_token, showDeleted=True)
            if page_token:
                args["pageToken"] = page_token
            page = execute(self.events.list(**args), "list events")
            zone = page.get("timeZone") or "UTC"
            records.extend(self._record(event, zone, cid) for event in page.get("items", []))
            page_token = page.get("nextPageToken")
            if not page_token:
                break
        if records:
            self.forget_busy(cid)
        next_token = page.get("nextSyncToken")
        return ChangeBatch(records=records, cursor=next_token, full=sync_token is None)


def _tokens(cursor: str | None, studio_calendar: str) -> dict[str, str]:
    """The sync token of each calendar in a stored cursor (one calendar's cursor is the studio's token)."""
    if not cursor:
        return {}
    if cursor.startswith(CURSOR_VERSION):
        return {studio_calendar: cursor[len(CURSOR_VERSION):]}
    if cursor.startswith(CURSORS_VERSION):
        try:
            found = json.loads(cursor[len(CURSORS_VERSION):])
        except ValueError:
            return {}
        return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}
    return {}


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def google_calendar() -> GoogleCalendar:
    """The configured Google calendar (registry.py calls this)."""
    return GoogleCalendar()
