"""Request and response shapes of the JSON API (validated by pydantic through django-ninja)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import get_supported_language_variant
from ninja import Schema
from pydantic import Field, field_validator

from booksync.bookings.addresses import RefusedAddress, clean_address
from booksync.bookings.messages.formats import locale_tag
from booksync.bookings.models import DETAIL_LENGTHS
from booksync.bookings.text import checked

MAX_BATCH_DATES = 62
MIN_YEAR, MAX_YEAR = 2000, 2999


def clean_text(value: str, *, keep_newlines: bool, field: str = "text") -> str:
    """The doors' rule for free text (``bookings.text.checked``): line breaks normalised, control
    characters dropped, trimmed; an encoded word (=?…?=) refused as ``field``'s problem."""
    return checked(field, value, multiline=keep_newlines)


class Problem(Schema):
    error: str
    message: str
    field: str | None = None


class SlotOut(Schema):
    start: datetime
    end: datetime
    people: list[str] | None = Field(None, description="With ?service=: the slugs of the people free for this slot.")


class AvailabilityOut(Schema):
    date: date
    timezone: str
    duration: int
    slots: list[SlotOut]
    stale: bool = Field(False, description="The calendar could not be read: slots follow its last known busy time.")
    calendar_as_of: datetime | None = Field(
        None, description="When stale: when the calendar last reported these days (null if it never did).")


class BatchIn(Schema):
    dates: list[date] = Field(min_length=1, max_length=MAX_BATCH_DATES)
    duration: int | None = Field(default=None, ge=5, le=720)
    service: str | None = None
    resource: str | None = Field(default=None, max_length=50, description="A person's slug: only their slots.")
    manage_token: str | None = Field(default=None, max_length=100,
                                     description="When rescheduling: that booking's own time counts as free.")


class DayOut(Schema):
    date: date
    slots: list[SlotOut]


class BatchOut(Schema):
    timezone: str
    duration: int
    days: list[DayOut]
    stale: bool = Field(False, description="The calendar could not be read: slots follow its last known busy time.")
    calendar_as_of: datetime | None = Field(
        None, description="When stale: when the calendar last reported these days (null if it never did).")


class PriceOut(Schema):
    amount: int = Field(description="In the currency's minor unit (12000 = £120.00; yen as is).")
    currency: str = Field(description="ISO 4217, upper case.")


class ChoiceOut(Schema):
    key: str
    label: str


class QuestionOut(Schema):
    key: str = Field(description="Stable: the key of this question's answer in POST /api/bookings' answers.")
    type: str = Field(description="short_text, long_text, number, one_choice, several_choices or yes_no.")
    label: str
    help_text: str = ""
    required: bool
    choices: list[ChoiceOut] = Field(default_factory=list, description="one_choice / several_choices: answer with the keys.")
    min: float | None = Field(None, description="number: the smallest answer allowed.")
    max: float | None = Field(None, description="number: the largest answer allowed.")


class ServiceOut(Schema):
    slug: str
    name: str
    duration: int
    description: str
    price: PriceOut | None = Field(description="null: no price set (or an old text price still to be entered).")
    price_text: str = Field(description="The price as the studio once wrote it (legacy text).")
    payment_rule: str = Field(description="none (pay at the studio) | deposit_fixed | deposit_percent | full. "
                                          "Without Stripe configured, always none.")
    amount_due_online: int = Field(description="What booking asks for online, in minor units (0: nothing).")
    questions: list[QuestionOut] = Field(default_factory=list, description="What booking this service asks (ADR 0019).")
    people: list[str] = Field(default_factory=list, description="The slugs of the people who take it.")


class ResourceOut(Schema):
    slug: str
    name: str
    kind: str = Field(description="person | room")
    bio: str
    photo_url: str
    services: list[str] = Field(description="The slugs of the services this person takes or room serves.")


class ResourceRef(Schema):
    slug: str
    name: str
    kind: str


class BookingIn(Schema):
    service: str | None = Field(default=None, max_length=100)
    resource: str | None = Field(default=None, max_length=50,
                                 description="The slug of the person asked for; absent: anyone who takes the service.")
    duration: int | None = Field(default=None, ge=5, le=720)
    start: datetime
    # name and notes: the raw input may be twice the kept length (clean_text folds it); the cleaned
    # value is held to DETAIL_LENGTHS by the validators below.
    name: str = Field(max_length=2 * DETAIL_LENGTHS["name"])
    email: str = Field(max_length=DETAIL_LENGTHS["email"])
    phone: str | None = Field(default=None, max_length=DETAIL_LENGTHS["phone"])
    notes: str | None = Field(default=None, max_length=2 * DETAIL_LENGTHS["notes"])
    timezone: str | None = Field(default=None, max_length=64)
    answers: dict[str, Any] | None = Field(
        default=None,
        description="Answers to the service's questions, keyed by question key (GET /api/services lists them): "
                    "text → string, number → number, one_choice → a choice key, several_choices → a list of "
                    "choice keys, yes_no → true/false. A missing required answer, a wrong type, a number out of "
                    "range, an unknown choice or key is a 422 whose field is answers.<key>.")
    language: str | None = Field(
        default=None, max_length=35,
        description="The customer's language for every later email (BCP 47, e.g. de-DE); one the studio ships. "
                    "Without it, Accept-Language when it names one, else the studio's default.")

    @field_validator("language")
    @classmethod
    def _language(cls, value: str | None) -> str | None:
        if not value:
            return None
        try:
            shipped = get_supported_language_variant(value.strip())
        except LookupError:
            codes = ", ".join(code for code, _name in settings.LANGUAGES)
            raise ValueError(f"language must be one of {codes} (a region may follow, e.g. de-DE)") from None
        # Keep the region the caller gave ("en-US": 12-hour clock) within the shipped language.
        return locale_tag(value.strip()) if value.strip().split("-")[0].lower() == shipped else shipped

    @field_validator("start")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("start must include a UTC offset, e.g. 2025-11-15T10:00:00+00:00")
        # Year 1 or 9999 parse, but the window arithmetic around a slot overflows on them.
        if not MIN_YEAR <= value.year <= MAX_YEAR:
            raise ValueError(f"start must be between the years {MIN_YEAR} and {MAX_YEAR}")
        return value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = clean_text(value, keep_newlines=False, field="name")
        if not value:
            raise ValueError("name is required")
        if len(value) > DETAIL_LENGTHS["name"]:
            raise ValueError(f"name must be at most {DETAIL_LENGTHS['name']} characters")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        try:
            return clean_address(value)
        except RefusedAddress as exc:
            raise ValueError(f"email is not an address we can send to: {exc}") from exc

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str:
        value = clean_text(value or "", keep_newlines=False, field="phone")
        if value and not all(ch.isdigit() or ch in "+-() ./" for ch in value):
            raise ValueError("phone may contain digits, spaces and + - ( ) . / only")
        return value

    @field_validator("notes")
    @classmethod
    def _notes(cls, value: str | None) -> str:
        value = clean_text(value or "", keep_newlines=True, field="notes")
        if len(value) > DETAIL_LENGTHS["notes"]:
            raise ValueError(f"notes must be at most {DETAIL_LENGTHS['notes']} characters")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str:
        if not value:
            return ""
        try:
            ZoneInfo(value)
        except Exception as exc:
            raise ValueError("timezone must be an IANA time zone such as Europe/London") from exc
        return value


class PaymentOut(Schema):
    status: str = Field(description="not_required | awaiting | deposit_paid | paid | partly_refunded | refunded")
    amount_due: int = Field(description="Asked for online when booking, in minor units.")
    currency: str
    checkout_url: str | None = Field(default=None, description="Stripe Checkout, while the payment is awaited.")
    hold_expires_at: datetime | None = Field(default=None, description="Until when the slot is held unpaid.")
    price: int | None = None
    paid: int = 0
    refunded: int = 0
    remaining: int = Field(default=0, description="Still to pay at the studio.")
    refund_if_cancelled_now: int | None = Field(
        default=None, description="(Manage link) what cancelling now would refund, by the studio's policy.")
    refundable_now: bool | None = Field(default=None, description="(Manage link) whether cancelling now refunds.")


class BookingOut(Schema):
    id: str
    status: str
    start: datetime
    end: datetime
    service: str
    name: str
    manage_url: str | None = None
    payment: PaymentOut | None = None
    resources: list[ResourceRef] = Field(default_factory=list, description="Who and where: people, then rooms.")
    answers: dict[str, Any] = Field(default_factory=dict, description="The answers to the service's questions.")


class RescheduleIn(Schema):
    start: datetime

    @field_validator("start")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return BookingIn._aware(value)


class CancelIn(Schema):
    reason: str | None = Field(default=None, max_length=500)

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str | None) -> str:
        return clean_text(value or "", keep_newlines=False, field="reason")


class SyncSummary(Schema):
    """What one sync run did (the seed's keys). Each booking counts once, when its change reached the other side."""

    total: int = Field(description="Bookings the run looked at.")
    created: int = Field(description="Bookings new to a side: imported from one, or first written to one.")
    updated: int = Field(description="Bookings changed on a side or in booksync.")
    deleted: int = Field(description="Bookings cancelled (the seed's name: a booking is cancelled, never deleted).")
    skipped: int = Field(description="Bookings the run left alone (already in agreement).")
    errors: int = Field(description="Records or deliveries that failed; see error_details.")


class SyncOut(Schema):
    success: bool
    dry_run: bool = False
    summary: SyncSummary
    conflicts: int = 0
    actions: list[dict] = []
    error_details: list[dict] = []
    in_progress: list[dict] = []
