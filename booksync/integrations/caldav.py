"""A CalDAV calendar behind the ``CalendarStore`` port (the ``caldav`` library, tested on Radicale).

* Busy time: a time-range ``search`` (recurrences expanded), skipping
  transparent and cancelled events; cached per studio-local day like Google's.
* Events: one resource per booking at a fixed name (``booksync-<uuid>.ics``,
  UID ``<uuid>@booksync``), written with PUT, so a retry overwrites instead of
  duplicating. SEQUENCE follows the booking's, X-BOOKSYNC-BOOKING-ID carries
  its id. Unlike Google, a CalDAV name can be reused after a delete, so the
  generation never moves. No ATTENDEE is written: plain CalDAV servers (Radicale)
  send no invitations, so with CalDAV our email carries the .ics.
* Changes: RFC 6578 sync-collection (Radicale supports it). The sync token is
  the cursor; deletions come back as bare resource names. If the server
  forgets a token, the library lists everything instead, and we report a full
  batch and start a fresh token next time. Event data comes in one
  calendar-multiget for the whole batch, never a GET per event.
* Connection: like a desktop client, one client per thread sending Basic
  credentials with its first request (no unauthenticated probe answered 401),
  and the calendar found once per process (no discovery at all when
  CALDAV_CALENDAR is a URL).
* Errors: every library call goes through ``caldav_http.call``, which names
  its failure (``NotFound``, ``NotAuthorised``, ``RateLimited``, …). A refused
  password is retryable like any outage: someone fixes it, and the outbox
  delivers what waited.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from caldav.calendarobjectresource import Event as DAVEvent
from caldav.collection import Calendar as DAVCalendar
from caldav.davclient import DAVClient
from caldav.elements import dav
from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from booksync.scheduling import Interval

from . import busy_days, studio
from .caldav_http import FINDING_THE_CALENDAR, call
from .ports import (
    BookingView,
    ChangeBatch,
    ExternalRef,
    KeepFields,
    NotConfigured,
    NotFound,
    PermanentError,
    PreconditionFailed,
    SideRecord,
    WriteResult,
    own_calendars,
)

BOOKING_PROPERTY = "X-BOOKSYNC-BOOKING-ID"
CURSOR_VERSION = "c1:"
CURSORS_VERSION = "c2:"  # several calendars (ADR 0017): a JSON object of cursors by calendar ("" = the studio's)
TIMEOUT = 15
T = TypeVar("T")

# Per process: the calendar URL found for (server, user, CALDAV_CALENDAR), so discovery runs once.
_found: dict[tuple[str, str, str], str] = {}
# Per thread: one client (its HTTP session keeps the connection); niquests sessions are not shared across threads.
_clients = threading.local()


class CalendarNotFound(PermanentError):
    """CALDAV_CALENDAR names no calendar of the account (``available`` lists what it has)."""

    def __init__(self, wanted: str, available: list[str]) -> None:
        listed = ", ".join(repr(name) for name in available) or "none"
        super().__init__(f"CalDAV calendar {wanted!r} was not found; the account has: {listed}")
        self.available = available


def _client() -> Any:
    key = (settings.CALDAV_URL, settings.CALDAV_USERNAME, settings.CALDAV_PASSWORD)
    held = getattr(_clients, "held", None)
    if held is None or held[0] != key:
        client = DAVClient(
            url=settings.CALDAV_URL, username=settings.CALDAV_USERNAME or None,
            password=settings.CALDAV_PASSWORD or None, timeout=TIMEOUT,
            # Credentials with the first request, as calendar apps send them: without auth_type the
            # library first asks unauthenticated and waits for the 401 to choose a scheme.
            auth_type="basic" if settings.CALDAV_USERNAME else None,
        )
        held = (key, client)
        _clients.held = held
    return held[1]


def _name_of(url: Any) -> str:
    return unquote(str(url).rstrip("/").rsplit("/", 1)[-1])


def resource_name(booking_id: Any) -> str:
    return f"booksync-{booking_id}.ics"


def _studio_zone() -> ZoneInfo:
    return ZoneInfo(studio.current().zone)


def _instant(value: Any, zone: ZoneInfo) -> datetime:
    """DTSTART/DTEND as an aware UTC datetime; dates are midnights and floating times local to ``zone``."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=zone)).astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=zone).astimezone(UTC)
    raise ValueError(f"not a date or date-time: {value!r}")


def _span(vevent: Any, zone: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    if vevent.get("DTSTART") is None:
        return None, None
    raw_start = vevent["DTSTART"].dt
    start = _instant(raw_start, zone)
    if vevent.get("DTEND") is not None:
        return start, _instant(vevent["DTEND"].dt, zone)
    if vevent.get("DURATION") is not None:
        return start, start + vevent["DURATION"].dt
    # RFC 5545: a date event without an end lasts the day, a date-time one is instantaneous.
    all_day = isinstance(raw_start, date) and not isinstance(raw_start, datetime)
    return start, start + (timedelta(days=1) if all_day else timedelta(0))


def _blocks(vevent: Any) -> bool:
    return str(vevent.get("TRANSP", "OPAQUE")).upper() != "TRANSPARENT" and \
        str(vevent.get("STATUS", "")).upper() != "CANCELLED"


def _on_the_calendar(what: str, func: Callable[[], T]) -> T:
    """One call on the calendar. Not found, the calendar may have moved or been renamed: it is
    found again next time."""
    try:
        return call(what, func)
    except NotFound:
        _found.clear()
        raise


class CalDAVCalendar:
    """The calendar ``CALDAV_CALENDAR`` (a name or a URL) on the server at ``CALDAV_URL``."""

    name = "caldav"

    def __init__(self, wanted: str | None = None) -> None:
        if not settings.CALDAV_URL:
            raise NotConfigured("CalDAV is not configured: set CALDAV_URL.")
        self._calendar: Any = None
        # A name or URL on the same server: CALDAV_CALENDAR, or a person's or room's own (ADR 0017).
        self.wanted = settings.CALDAV_CALENDAR if wanted is None else wanted

    @property
    def calendar(self) -> Any:
        if self._calendar is None:
            self._calendar = DAVCalendar(client=_client(), url=self._calendar_url())
        return self._calendar

    def _calendar_url(self) -> str:
        wanted = self.wanted
        if wanted.startswith(("http://", "https://")):
            return wanted
        key = (settings.CALDAV_URL, settings.CALDAV_USERNAME, wanted)
        if key not in _found:
            _found[key] = self._discover(wanted)
        return _found[key]

    def _discover(self, wanted: str) -> str:
        """The URL of the account's calendar named ``wanted`` (display name or id; empty: the first)."""
        # current-user-principal, calendar-home-set, then the home's calendars with their display
        # names in the same listing (get_display_name reads it from there: no request per calendar).
        named = _on_the_calendar(FINDING_THE_CALENDAR, lambda: [
            (str(c.url), c.get_display_name() or _name_of(c.url)) for c in _client().principal().calendars()])
        for url, name in named:
            if not wanted or wanted in {_name_of(url), name}:
                return url
        raise CalendarNotFound(wanted, [name for _, name in named])

    def check(self) -> str:
        """Read the calendar's name from the server (proves URL, credentials and calendar)."""
        calendar = self.calendar  # finding it fails with its own error
        return _on_the_calendar("reading the calendar", calendar.get_display_name) or ""

    def count_events(self) -> int:
        """How many resources the calendar holds (one sync-collection listing, no event data)."""
        return _on_the_calendar("listing the calendar", lambda: len(list(
            self.calendar.get_objects_by_sync_token(load_objects=False))))

    @property
    def cache_namespace(self) -> str:
        # Hashed: URLs and calendar names hold characters cache backends refuse in keys.
        where = f"{settings.CALDAV_URL}|{self.wanted}".encode()
        return f"caldav:{hashlib.sha256(where).hexdigest()[:16]}"

    # -- busy time -------------------------------------------------------------------------
    def busy(self, window: Interval, /, *, live: bool = False) -> list[Interval]:
        zone = _studio_zone()
        return busy_days.busy(self.cache_namespace, window, zone, lambda span: self._search(span, zone), live=live)

    def busy_by_calendar(self, window: Interval, calendars: list[str], /, *,
                         live: bool = False) -> dict[str, list[Interval]]:
        """The studio's calendar (key ``""``) and each resource's calendar on the same server, one REPORT each."""
        found = {"": self.busy(window, live=live)}
        for wanted in dict.fromkeys(c for c in calendars if c):
            found[wanted] = found[""] if wanted == self.wanted else CalDAVCalendar(wanted).busy(window, live=live)
        return found

    def _search(self, span: Interval, zone: ZoneInfo) -> list[Interval]:
        found = _on_the_calendar("search", lambda: self.calendar.search(start=span.start, end=span.end, event=True,
                                                                        expand=True))
        intervals = []
        for obj in found:
            for vevent in obj.icalendar_instance.walk("VEVENT"):
                start, end = _span(vevent, zone)
                if start and end and end > start and _blocks(vevent):
                    intervals.append(Interval(start, end))
        return intervals

    def foreign_events(self, window: Interval, /) -> list[SideRecord]:
        """Opaque events overlapping ``window`` that booksync did not write (no X-BOOKSYNC-BOOKING-ID)."""
        zone = _studio_zone()
        found = _on_the_calendar("search", lambda: self.calendar.search(start=window.start, end=window.end,
                                                                        event=True, expand=True))
        records = []
        for obj in found:
            for vevent in obj.icalendar_instance.walk("VEVENT"):
                start, end = _span(vevent, zone)
                if vevent.get(BOOKING_PROPERTY) or not (start and end and end > start) or not _blocks(vevent):
                    continue
                records.append(SideRecord(external_id=_name_of(obj.url), start=start, end=end,
                                             name=str(vevent.get("SUMMARY", "")), source="calendar"))
        return records

    def forget_busy(self) -> None:
        busy_days.invalidate(self.cache_namespace)

    # -- writes ------------------------------------------------------------------------------
    def _ical(self, booking: BookingView) -> str:
        event = Event()
        event.add("UID", f"{booking.booking_id}@booksync")
        event.add("DTSTAMP", timezone.now())
        event.add("DTSTART", booking.start.astimezone(UTC))
        event.add("DTEND", booking.end.astimezone(UTC))
        event.add("SEQUENCE", booking.sequence)
        event.add("SUMMARY", booking.title)
        event.add("DESCRIPTION", booking.description)  # CalDAV servers invite nobody: the studio's text
        if booking.studio.address:
            event.add("LOCATION", booking.studio.address)
        event.add("TRANSP", "OPAQUE")
        event.add(BOOKING_PROPERTY, booking.booking_id)
        calendar = Calendar()
        calendar.add("PRODID", "-//booksync//EN")
        calendar.add("VERSION", "2.0")
        calendar.add_component(event)
        return calendar.to_ical().decode()

    def _object(self, name: str, data: str | None = None) -> Any:
        return DAVEvent(client=self.calendar.client, url=self.calendar.url.join(name), data=data,
                            parent=self.calendar)

    def _at(self, calendar: str) -> CalDAVCalendar:
        """The calendar the ledger names (a resource's own, ADR 0017; "" = this one)."""
        if not calendar or calendar == self.wanted:
            return self
        return CalDAVCalendar(calendar)

    def upsert(self, booking: BookingView, ref: ExternalRef, /, keep: KeepFields | None = None) -> WriteResult:
        """Write the booking's event on the calendar it belongs on (its person's own, ADR 0017).

        CalDAV has no move: when the person changed, the event is written at the new calendar
        under the same name, then deleted from the old one (a retry repeats both harmlessly)."""
        target, source = self._at(booking.calendar), self._at(ref.calendar)
        name = "" if booking.calendar == self.wanted else booking.calendar
        if ref.external_id and target is not source:
            result = target._upsert_here(booking, ExternalRef(ref.external_id), None)
            with contextlib.suppress(NotFound):  # already gone
                call("deleting an event", lambda: source._object(ref.external_id).delete())
            source.forget_busy()
        else:
            result = target._upsert_here(booking, ref, keep)
        return replace(result, calendar=name)

    def _upsert_here(self, booking: BookingView, ref: ExternalRef, keep: KeepFields | None) -> WriteResult:
        """PUT the booking's event at its fixed name (creates or overwrites: idempotent).

        The PUT carries the ETag of our last write as If-Match: when someone changed the event
        since, it is read again and the fields ``keep`` names for it (its time) are kept.
        """
        name = ref.external_id or resource_name(booking.booking_id)
        etag = ref.etag
        for _ in range(3):
            obj = self._object(name, self._ical(booking))
            if etag:
                obj.props[dav.GetEtag.tag] = etag
            try:
                # SEQUENCE is the booking's own (the .ics in our emails uses the same): not bumped here.
                _on_the_calendar("saving an event",
                                 lambda obj=obj: obj.save(increase_seqno=False, precondition="etag"))
            except PreconditionFailed:
                try:
                    current = call("reading an event", lambda: self._object(name).load())
                except NotFound:
                    # Deleted over there: the delete stands if no sync has read it and the rule
                    # keeps it (nothing is written); else written afresh, as Google's store does.
                    gone = SideRecord(external_id=name, booking_id=booking.booking_id, deleted=True)
                    if keep is not None and "deleted" in set(keep(gone)):
                        return WriteResult(name, etag, 0, deleted=True, record=gone)
                    etag = ""
                    continue
                etag = current.etag or ""
                shown = self._record(current, _studio_zone())
                if shown.deleted and keep is not None and "deleted" in set(keep(shown)):
                    return WriteResult(name, etag, 0, deleted=True, record=shown)  # STATUS:CANCELLED stands
                if keep is not None and {"start", "end"} & set(keep(shown)):
                    booking = replace(booking, start=shown.start or booking.start, end=shown.end or booking.end)
                continue
            self.forget_busy()
            return WriteResult(name, obj.etag or "", 0)
        raise PreconditionFailed(f"CalDAV event {name} kept changing under us (412 three times)")

    def remove(self, booking: BookingView, ref: ExternalRef, /) -> None:
        """DELETE the booking's event; already gone counts as removed."""
        name = ref.external_id or resource_name(booking.booking_id)
        where = self._at(ref.calendar if ref.external_id else booking.calendar)
        with contextlib.suppress(NotFound):  # already gone
            call("deleting an event", lambda: where._object(name).delete())
        where.forget_busy()

    # -- reads -----------------------------------------------------------------------------------
    def fetch(self, external_id: str, /, calendar: str = "") -> SideRecord | None:
        where = self._at(calendar)
        try:
            obj = call("reading an event", lambda: where._object(external_id).load())
        except NotFound:
            return None
        record = where._record(obj, _studio_zone())
        record.extra["calendar"] = calendar
        return record

    def _record(self, obj: Any, zone: ZoneInfo) -> SideRecord:
        name = _name_of(obj.url)
        vevents = list(obj.icalendar_instance.walk("VEVENT"))
        if not vevents:
            return SideRecord(external_id=name, problem="the resource holds no event")
        vevent = vevents[0]  # the master; overridden instances of a series are not bookings
        start, end = _span(vevent, zone)
        problem = "" if start and end and end > start else "the event has no usable start and end"
        return SideRecord(
            external_id=name,
            booking_id=str(vevent.get(BOOKING_PROPERTY)) if vevent.get(BOOKING_PROPERTY) else None,
            start=start, end=end,
            name=str(vevent.get("SUMMARY", "")), notes=str(vevent.get("DESCRIPTION", "")),
            source="calendar",
            deleted=str(vevent.get("STATUS", "")).upper() == "CANCELLED",
            problem=problem,
            transparent=str(vevent.get("TRANSP", "")).upper() == "TRANSPARENT",
            edited_at=_edited_at(vevent),
            extra={"uid": str(vevent.get("UID", "")), "sequence": int(vevent.get("SEQUENCE", 0))},
        )

    def changes(self, cursor: str | None, /) -> ChangeBatch:
        """Changes since ``cursor`` on this calendar and every resource's own (ADR 0017), a token each.

        An event moved to another person's calendar shows deleted on the old one and present on the
        new one: the present one is kept. One calendar: the cursor is as before."""
        names = ["", *(c for c in own_calendars() if c != self.wanted)]
        if names == [""]:
            batch = self._changes_here(cursor)
            for record in batch.records:
                record.extra["calendar"] = ""
            return batch
        tokens: dict[str, str] = {}
        if cursor and cursor.startswith(CURSORS_VERSION):
            with contextlib.suppress(ValueError):
                tokens = {str(k): str(v) for k, v in json.loads(cursor[len(CURSORS_VERSION):]).items()}
        elif cursor:
            tokens = {"": cursor}
        records: dict[str, SideRecord] = {}
        next_tokens: dict[str, str] = {}
        full = complete = True
        for name in names:
            batch = self._at(name)._changes_here(tokens.get(name))
            full, complete = full and batch.full, complete and batch.complete
            for record in batch.records:
                if name and not (record.deleted or record.booking_id):
                    continue  # a person's event on a resource's calendar blocks it (busy time), nothing more
                record.extra["calendar"] = name
                seen = records.get(record.external_id)
                if seen is None or (seen.deleted and not record.deleted):
                    records[record.external_id] = record
            if batch.cursor:
                next_tokens[name] = batch.cursor
        return ChangeBatch(records=list(records.values()),
                           cursor=CURSORS_VERSION + json.dumps(next_tokens, sort_keys=True) if next_tokens else None,
                           full=full, complete=complete)

    def _changes_here(self, cursor: str | None) -> ChangeBatch:
        """Changes since ``cursor`` via sync-collection; None (or a forgotten token) lists everything.

        Two requests whatever the number of events: the sync-collection REPORT (names and etags),
        then one calendar-multiget REPORT for the data of the changed ones.
        """
        token = cursor[len(CURSOR_VERSION):] if cursor and cursor.startswith(CURSOR_VERSION) else None
        found, deleted, present, loaded = _on_the_calendar("sync-collection", lambda: self._sync_collection(token))
        zone = _studio_zone()
        records = [SideRecord(external_id=_name_of(obj.url), deleted=True) for obj in found
                   if str(obj.url.canonical()) in deleted]
        for obj in present:
            data = loaded.get(_name_of(obj.url))
            # Gone between the listing and the multiget: deleted.
            records.append(self._record(data, zone) if data is not None
                           else SideRecord(external_id=_name_of(obj.url), deleted=True))
        new_token = str(found.sync_token or "")
        emulated = new_token.startswith("fake-")  # the library listed everything instead
        if records:
            self.forget_busy()
        return ChangeBatch(
            records=records,
            # An emulated token cannot be used incrementally: start a real one next time.
            cursor=None if emulated or not new_token else CURSOR_VERSION + new_token,
            full=token is None or emulated,
            complete=not found.truncated,
        )

    def _sync_collection(self, token: str | None) -> tuple[Any, set[str], list[Any], dict[str, Any]]:
        """(the listing, URLs deleted, objects present, their data by name) since ``token``."""
        found = self.calendar.get_objects_by_sync_token(sync_token=token, load_objects=False)
        deleted = {str(url) for url in found.deleted_urls}
        present = [obj for obj in found if str(obj.url.canonical()) not in deleted]
        return found, deleted, present, self._load(present)

    def _load(self, objects: list[Any]) -> dict[str, Any]:
        """The objects with their data by resource name: one calendar-multiget for those not loaded yet."""
        loaded = {_name_of(obj.url): obj for obj in objects if obj.data}
        unloaded = [obj for obj in objects if not obj.data]
        if unloaded:
            loaded.update({_name_of(obj.url): obj for obj in self.calendar.multiget([obj.url for obj in unloaded])})
        return loaded


def caldav_calendar() -> CalDAVCalendar:
    """The configured CalDAV calendar (registry.py calls this)."""
    return CalDAVCalendar()


def _edited_at(vevent: Any) -> datetime | None:
    """When the event was last changed (RFC 5545 LAST-MODIFIED; a client that omits it
    still stamps DTSTAMP, which for a stored event is its last revision): conflicts compare it."""
    for name in ("LAST-MODIFIED", "DTSTAMP"):
        value = vevent.get(name)
        moment = getattr(value, "dt", None)
        if isinstance(moment, datetime):
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return None
