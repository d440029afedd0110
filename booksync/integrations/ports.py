"""The interfaces the core needs from the outside world, one per kind of service.

The booking service and the sync engine depend on these Protocols and plain
records only; each provider lives in its own module (local.py,
google_calendar.py, caldav.py, notion.py, mail.py) and converts to and from its
own types inside it. Adapters are shown a booking as a ``BookingView`` (built
once, by ``bookings.booking_view``) and where it lives on their side as an
``ExternalRef``; they never see a Django model. Provider errors are translated
into the few exceptions at the bottom, so the sync loop never sees a status code.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

from booksync.scheduling import Interval


@dataclass(frozen=True)
class StudioView:
    """The studio as adapters need it."""

    name: str
    zone: str  # IANA name: the studio's wall clock
    address: str = ""
    contact_email: str = ""


@dataclass(frozen=True)
class AnswerColumn:
    """One booking question as adapters see it (ADR 0019): where its answers live and what they may be.

    ``kind`` is the question's type (short_text, long_text, number, one_choice, several_choices,
    yes_no); ``choices`` are (key, label) pairs, the label in the studio's default language;
    ``services`` the names of the services that ask it (a page of another service has no answer).
    """

    key: str
    kind: str
    column: str
    choices: tuple[tuple[str, str], ...] = ()
    min_value: float | None = None
    max_value: float | None = None
    services: tuple[str, ...] = ()


# Answers as records carry them: (question key, value) pairs sorted by key; a value is text, a
# number, a bool, a tuple of choice keys, or None (the question's column is empty).
Answers = tuple[tuple[str, Any], ...]

_answer_columns: list[Callable[[], tuple[AnswerColumn, ...]]] = []


def provide_answer_columns(source: Callable[[], tuple[AnswerColumn, ...]]) -> None:
    """The bookings app says where the questions come from (adapters never see a model)."""
    _answer_columns[:] = [source]


def answer_columns() -> tuple[AnswerColumn, ...]:
    return _answer_columns[0]() if _answer_columns else ()


_own_calendars: list[Callable[[], tuple[str, ...]]] = []


def provide_own_calendars(source: Callable[[], tuple[str, ...]]) -> None:
    """The bookings app says which resources have their own calendar (ADR 0017)."""
    _own_calendars[:] = [source]


def own_calendars() -> tuple[str, ...]:
    """The resources' own calendars (names or ids as set), sorted, without the studio's."""
    return _own_calendars[0]() if _own_calendars else ()


def answers_of(values: Any) -> Answers:
    """A mapping or pairs of answers in the records' shape: sorted pairs, lists as tuples."""
    items = values.items() if hasattr(values, "items") else (values or ())
    return tuple(sorted((str(k), tuple(v) if isinstance(v, list) else v) for k, v in items))


@dataclass(frozen=True)
class BookingView:
    """One booking as every outside system is shown it. Built once, by ``bookings.booking_view``.

    Text fields are cleaned of control characters; ``title`` and ``description`` are the
    studio calendar's event (``bookings.event_text``); ``shared_description`` is the same
    event text for a calendar that invites the customer (it carries the manage link in
    place of the admin page).
    """

    booking_id: str  # our UUID as text
    start: datetime  # aware
    end: datetime
    studio: StudioView
    name: str
    email: str
    phone: str
    notes: str
    service: str  # the service's name as booked ("" when none)
    status: str  # a BookingStatus value
    active: bool  # still takes time (pending or confirmed)
    source: str  # website, notion, calendar, admin
    sequence: int  # iCalendar SEQUENCE
    manage_url: str  # the customer's link: reschedule or cancel
    admin_url: str  # the booking's admin page, behind the login
    title: str
    description: str
    shared_description: str
    language: str = ""  # the customer's language when known
    calendar_event_id: str = ""  # shown on the Notion page (the seed's column); from the ledger
    people: str = ""  # a studio of several (ADR 0017): the booking's people's names ("" in a one-person studio)
    rooms: str = ""  # … and its rooms'
    # Answers to the booking's questions (ADR 0019): every question of its service, None where unanswered.
    answers: Answers = ()
    # Where the event belongs (ADR 0017): the person's own calendar ("" = the studio's calendar).
    calendar: str = ""
    # The room's own calendar, which gets a copy of the event ("" = no room, or none of its own).
    room_calendar: str = ""
    # The money (ADR 0018): the Notion Payment select's option, Paid and Price in major units
    # (None: no price). Written by booksync only; a person's edit there is not read back.
    payment: str = ""
    paid: float | None = None
    price: float | None = None


@dataclass(frozen=True)
class ExternalRef:
    """Where the booking lives on one side, as the ledger knows it ("" = nowhere yet)."""

    external_id: str = ""  # page id, event id or CalDAV resource name
    generation: int = 0  # Google: event ids spent by deletions
    etag: str = ""  # the guard of the last write
    calendar: str = ""  # the calendar the event lives in ("" = the studio's), ADR 0017
    room_calendar: str = ""  # the room calendar holding a copy of it ("" = none)


@dataclass(frozen=True)
class SideRecord:
    """A booking as one outside store holds it: a Notion page or a calendar event.

    ``booking_id`` is our UUID when the record carries it (Notion's "Booking ID"
    property, the event's ``extendedProperties.private.bookingId``); a record
    without it was made by a person on that side. ``problem`` says why a record
    cannot be read as a booking (no date, end before start, …): such records
    are reported, never acted on.
    """

    external_id: str
    booking_id: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    status: str | None = None  # a BookingStatus value; None when the side does not say
    name: str = ""
    email: str = ""
    phone: str = ""
    notes: str = ""
    service: str = ""  # the service's name as shown on that side
    source: str = ""  # Notion's Source property (website, notion, calendar, admin)
    deleted: bool = False  # page in trash / event cancelled or deleted
    edited_at: datetime | None = None
    problem: str = ""
    transparent: bool = False  # calendar: "show as free" events do not block time
    # Notion: the answers in the page's question columns (a column the database lacks is absent).
    answers: Answers = ()
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def fingerprint(self, fields: tuple[str, ...]) -> str:
        values = {name: getattr(self, name) for name in fields}
        if values.get("answers") == ():
            del values["answers"]  # a booking without answers hashes as it did before questions existed
        return fingerprint(values)


# What each side stores of a booking: its fingerprint covers exactly these fields.
NOTION_FIELDS = ("start", "end", "status", "name", "email", "phone", "notes", "service", "deleted", "answers")
CALENDAR_FIELDS = ("start", "end", "deleted")


def _normal(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone().timestamp() // 60  # minute precision: Notion keeps no seconds
    if isinstance(value, str):
        return value.strip()
    return value


def fingerprint(values: dict[str, Any]) -> str:
    """A stable hash of a record's meaningful content (how echoes of our own writes are recognised)."""
    normal = {k: _normal(v) for k, v in sorted(values.items())}
    if isinstance(normal.get("email"), str):
        normal["email"] = normal["email"].lower()
    return hashlib.sha256(json.dumps(normal, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class ChangeBatch:
    """What a store reports as changed since ``cursor``.

    ``full`` means every record was listed (so a record missing from it is
    gone) and ``complete`` means the read finished; the engine infers a
    deletion from absence only when both are true.
    """

    records: list[SideRecord]
    cursor: str | None
    full: bool
    complete: bool = True


@dataclass(frozen=True)
class WriteResult:
    external_id: str
    etag: str = ""
    generation: int = 0
    # Nothing was written: the record was deleted on its side and ``keep`` named "deleted" (a
    # delete no sync has read, which the rule lets stand). ``record`` is what the store found.
    deleted: bool = False
    record: SideRecord | None = None
    calendar: str = ""  # where the event now lives ("" = the studio's calendar)
    room_calendar: str = ""  # the room calendar now holding its copy ("" = none)


# Given a record as its side shows it now: the fields a write must leave as they are.
KeepFields = Callable[[SideRecord], Collection[str]]


class BusySource(Protocol):
    """Where foreign busy time comes from (a calendar beyond our own bookings)."""

    name: str

    def busy(self, window: Interval, /, *, live: bool = False) -> list[Interval]:
        """Busy intervals overlapping ``window``.

        ``live=True`` asks the provider itself (used when a booking is made);
        otherwise a cache may answer (the slot picker).
        """
        ...

    def busy_by_calendar(self, window: Interval, calendars: list[str], /, *,
                         live: bool = False) -> dict[str, list[Interval]]:
        """Busy intervals of the studio's calendar (key ``""``) and of each of ``calendars`` (a person's
        or room's own calendar, ADR 0017), in as few requests as the provider allows (Google: one freeBusy)."""
        ...


class RecordStore(Protocol):
    """An outside store of bookings (Notion, a calendar). All writes are idempotent."""

    name: str

    def upsert(self, booking: BookingView, ref: ExternalRef, /, keep: KeepFields | None = None) -> WriteResult:
        """Create or update the record of ``booking``; ``ref`` is where the ledger last saw it.

        ``keep``, given the record as the side shows it now, names the fields (``SideRecord``
        names; ``start``/``end`` for the time) to leave as they are: a person's edit there
        that booksync has not read yet. A store asks whenever it reads the record before
        writing (Notion always; Google and CalDAV when their If-Match guard says the event changed).
        When the record turns out deleted (an event gone or cancelled, a page in the trash), the
        store asks too, with ``deleted=True``; if ``"deleted"`` is named it writes nothing and
        answers ``WriteResult(deleted=True)``, else it writes the record afresh.
        """
        ...

    def remove(self, booking: BookingView, ref: ExternalRef, /) -> None:
        """Take the booking's time off this side (calendar: delete the event; Notion: mark Cancelled).
        Already gone counts as success."""
        ...

    def fetch(self, external_id: str, /) -> SideRecord | None:
        """One record, or None if it does not exist (any more)."""
        ...

    def changes(self, cursor: str | None, /) -> ChangeBatch:
        """Records changed since ``cursor``; ``None`` (or an expired cursor) reads everything."""
        ...


class NotionStore(RecordStore, Protocol):
    """The Notion database: a record store whose pages can also show why they were not synced."""

    def report_problem(self, page_id: str, message: str, /) -> bool:
        """Write ``message`` to the page's Sync Error property; False when nothing needed writing."""
        ...

    def clear_problem(self, page_id: str, /) -> bool:
        """Empty the page's Sync Error property; False when it was empty already."""
        ...

    def answer_keys_shown(self) -> frozenset[str]:
        """The booking questions' keys whose column the database has (ADR 0019)."""
        ...


class CalendarStore(BusySource, RecordStore, Protocol):
    """A calendar: busy time plus the events of our bookings."""

    def fetch(self, external_id: str, /, calendar: str = "") -> SideRecord | None:
        """One event of the studio's calendar, or of ``calendar``: a resource's own (ADR 0017)."""
        ...

    def foreign_events(self, window: Interval, /) -> list[SideRecord]:
        """Events blocking time in ``window`` that booksync did not write, read live (no cache)."""
        ...


# --- provider errors ----------------------------------------------------------------------------
# Each adapter maps its provider's answers to these inside its HTTP edge (google_api.execute,
# notion_http.call, caldav_http.call, mail.send); nothing outside an adapter sees a status code.
#
#   IntegrationError (retryable)
#   ├── TransientError        5xx, timeouts, connection errors, a token endpoint hiccup
#   │   └── RateLimited       429 and the providers' rate-limit answers; .retry_after in seconds
#   ├── PreconditionFailed    the record changed under us, or its id exists already
#   └── PermanentError (not retryable)
#       ├── NotFound          not found or gone (404, 410, an expired sync token)
#       ├── NotAuthorised     credentials refused or lacking a permission
#       │   └── SignInRefused a refused sign-in (Google invalid_grant): retryable, a person signs in again
#       └── NotConfigured     a setting is missing


class IntegrationError(Exception):
    """An outside call failed. ``retryable`` tells the outbox whether to try again later
    (each class has its default; an adapter may say otherwise for one answer)."""

    retryable = True

    def __init__(self, *args: object, retryable: bool | None = None) -> None:
        super().__init__(*args)
        if retryable is not None:
            self.retryable = retryable


class TransientError(IntegrationError):
    """The provider is down, slow or unreachable for now: try again later."""


class RateLimited(TransientError):
    """The provider asked us to slow down; ``retry_after`` (seconds) is its wait when it said one."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after  # seconds


def retry_after_seconds(header: object, *, now: datetime | None = None) -> float | None:
    """A ``Retry-After`` header's wait in seconds, or None when it is missing or unreadable.

    The header is either a number of seconds or an HTTP date (RFC 9110, section 10.2.3); every
    adapter reads it here so the providers' 429s and 503s are honoured alike.
    """
    if header is None:
        return None
    text = str(header).strip()
    try:
        return max(float(text), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


class PreconditionFailed(IntegrationError):
    """The write's guard failed: the record changed since it was read, or its id is taken."""


class PermanentError(IntegrationError):
    """Trying again will not help (invalid address, 4xx other than 429): a human must look."""

    retryable = False


class NotFound(PermanentError):
    """The record (or calendar, or database) does not exist, is gone, or is not shared with us."""


class NotAuthorised(PermanentError):
    """The provider refused our credentials, or they lack a permission the call needs."""


class SignInRefused(NotAuthorised):
    """The provider refused the studio's sign-in itself (Google's ``invalid_grant``: the grant was
    revoked or expired). Retryable, like a refused CalDAV password: what is owed waits while a
    person signs in again, then goes out (ADR 0016)."""

    retryable = True


class NotConfigured(PermanentError):
    """The integration lacks a setting (the message names it)."""
