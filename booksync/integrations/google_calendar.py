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
)

# Stored in front of the sync token: a change of format (or of the list query) forces one full resync.
CURSOR_VERSION = "g1:"
PAGE_SIZE = 2500
MAX_GENERATIONS = 20  # a booking whose event keeps being deleted stops somewhere


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

    def forget_busy(self) -> None:
        """Drop the cached busy time (a push notification or a seen change says it moved)."""
        busy_days.invalidate(self.cache_namespace)

    # -- writes ------------------------------------------------------------------------------
    def upsert(self, booking: BookingView, ref: ExternalRef, /, keep: KeepFields | None = None) -> WriteResult:
        """Make the booking's event match the booking; safe to repeat after any failure.

        The patch is guarded by the event's etag from our last write: when someone changed the
        event since, it is read again and the fields ``keep`` names for it are left out.
        """
        result = self._write(booking, ref, keep)
        self.forget_busy()  # a moved event frees its old time
        return result

    def _write(self, booking: BookingView, ref: ExternalRef, keep: KeepFields | None) -> WriteResult:
        body = event_body(booking)
        generation = ref.generation
        if ref.external_id:
            event = self._patch_known(ref.external_id, body, ref.etag, keep)
            if isinstance(event, SideRecord):  # deleted over there, and the delete stands: write nothing
                return WriteResult(ref.external_id, ref.etag, generation, deleted=True, record=event)
            if event is not None:
                return WriteResult(event["id"], event.get("etag", ""), generation)
            generation += 1  # the event was deleted over there: its id is spent
        for _ in range(MAX_GENERATIONS):
            event_id = event_id_for(booking.booking_id, generation)
            event = self._insert_or_adopt(event_id, body)
            if event is not None:
                return WriteResult(event["id"], event.get("etag", ""), generation)
            generation += 1
        raise PermanentError(f"booking {booking.booking_id}: {MAX_GENERATIONS} event ids in a row were deleted")

    def _insert_or_adopt(self, event_id: str, body: dict[str, Any]) -> dict[str, Any] | None:
        """Insert the event; if the id exists already (a retry), patch it. None when the id is spent."""
        try:
            return execute(self.events.insert(calendarId=self.calendar_id, body={**body, "id": event_id},
                                              sendUpdates=send_updates()), "insert event")
        except PreconditionFailed:
            pass  # the id exists: maybe our own earlier attempt got through, look
        current = self._get(event_id)
        if current is None or current.get("status") == "cancelled":
            return None
        event = self._patch_known(event_id, body, current.get("etag", ""))
        return event if isinstance(event, dict) else None

    def _patch_known(self, event_id: str, body: dict[str, Any], etag: str,
                     keep: KeepFields | None = None) -> dict[str, Any] | SideRecord | None:
        """Patch an existing event, guarded by ``etag``; None if it was deleted meanwhile, or the
        deleted event's record when ``keep`` says its delete stands (then nothing is written)."""
        for _ in range(3):
            request = self.events.patch(calendarId=self.calendar_id, eventId=event_id, body=body,
                                        sendUpdates=send_updates())
            if etag:
                request.headers["If-Match"] = etag
            try:
                event = execute(request, "patch event")
            except NotFound:
                return self._deleted(event_id, None, keep)
            except PreconditionFailed:
                current = self._get(event_id)  # someone changed it: re-read and write again
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

    def _get(self, event_id: str) -> dict[str, Any] | None:
        try:
            return execute(self.events.get(calendarId=self.calendar_id, eventId=event_id), "get event")
        except NotFound:
            return None

    def remove(self, booking: BookingView, ref: ExternalRef, /) -> None:
        """Delete the booking's event; an event that is already gone counts as removed."""
        event_id = ref.external_id or event_id_for(booking.booking_id, ref.generation)
        with contextlib.suppress(NotFound):
            execute(self.events.delete(calendarId=self.calendar_id, eventId=event_id, sendUpdates=send_updates()),
                    "delete event")
        self.forget_busy()

    # -- reads -----------------------------------------------------------------------------------
    def fetch(self, external_id: str, /) -> SideRecord | None:
        event = self._get(external_id)
        return None if event is None else to_record(event, self.calendar_zone())

    def changes(self, cursor: str | None, /) -> ChangeBatch:
        """Events changed since ``cursor`` (a stored sync token); ``None`` or an expired one lists all."""
        token = cursor[len(CURSOR_VERSION):] if cursor and cursor.startswith(CURSOR_VERSION) else None
        if token:
            try:
                return self._list(token)
            except NotFound:  # 410 fullSyncRequired: the token expired
                pass
        return self._list(None)

    def _list(self, sync_token: str | None) -> ChangeBatch:
        records: list[SideRecord] = []
        page_token = None
        while True:
            args: dict[str, Any] = {"calendarId": self.calendar_id, "singleEvents": True, "maxResults": PAGE_SIZE}
            if sync_token:
                args.update(syncToken=sync_token, showDeleted=True)
            if page_token:
                args["pageToken"] = page_token
            page = execute(self.events.list(**args), "list events")
            zone = page.get("timeZone") or "UTC"
            records.extend(to_record(event, zone) for event in page.get("items", []))
            page_token = page.get("nextPageToken")
            if not page_token:
                break
        if records:
            self.forget_busy()
        next_token = page.get("nextSyncToken")
        return ChangeBatch(records=records, cursor=CURSOR_VERSION + next_token if next_token else None,
                           full=sync_token is None)


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def google_calendar() -> GoogleCalendar:
    """The configured Google calendar (registry.py calls this)."""
    return GoogleCalendar()
