"""The studio's rules, its services and its bookings: what the local database knows.

The studio is a singleton (one deployment serves one studio). Times are stored
in UTC; rules are in the studio's wall-clock time and converted by the pure
scheduling core.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .money import deposit_amount, rule_problems


def _feed_token() -> str:
    return secrets.token_urlsafe(24)


def _validate_timezone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"{value!r} is not an IANA time zone") from exc


def _validate_holiday_country(value: str) -> None:
    if value and value.upper() not in holidays.list_supported_countries():
        raise ValidationError(f"{value!r} is not a country code the holidays library knows (e.g. GB, US, DE)")


class TimeLeads(models.TextChoices):
    STUDIO = "studio", "Studio time first"
    CUSTOMER = "customer", "Customer's time first"


class Studio(models.Model):
    name = models.CharField(max_length=200, default="Studio")
    timezone = models.CharField(max_length=64, default="Europe/London", validators=[_validate_timezone])
    slot_step_minutes = models.PositiveIntegerField(default=30)
    buffer_before_minutes = models.PositiveIntegerField(default=0)
    buffer_after_minutes = models.PositiveIntegerField(default=15)
    minimum_notice_minutes = models.PositiveIntegerField(default=120)
    horizon_days = models.PositiveIntegerField(default=60)
    change_notice_hours = models.PositiveIntegerField(
        default=24, help_text="Customers cannot reschedule or cancel online closer than this to the start."
    )
    # Branding and contact, used by pages and emails.
    tagline = models.CharField(max_length=300, blank=True)
    about = models.TextField(blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=50, blank=True)
    address = models.CharField(max_length=300, blank=True)
    primary_color = models.CharField(max_length=7, default="#1f4e79")
    accent_color = models.CharField(max_length=7, default="#f2b134")
    logo_url = models.URLField(blank=True)
    feed_token = models.CharField(max_length=64, default=_feed_token, unique=True)
    # Public holidays (the `holidays` library) close the studio unless a date override re-opens the day.
    holiday_country = models.CharField(
        max_length=3, blank=True, validators=[_validate_holiday_country],
        help_text="ISO country code whose public holidays close the studio, e.g. GB. Empty: none.")
    holiday_region = models.CharField(
        max_length=10, blank=True, help_text="Region within the country, e.g. ENG (England) or SCT (Scotland).")
    notify_studio = models.BooleanField(
        default=True, help_text="Email the studio when a booking is made, moved or cancelled (on any side).")
    # Customers: the language pages and emails use when the browser asks for none we have,
    # and whose clock leads where a slot is shown in two zones.
    default_language = models.CharField(max_length=8, default="en", choices=settings.LANGUAGES)
    refund_window_hours = models.PositiveIntegerField(
        default=48, help_text="A customer who cancels at least this many hours before the session gets back what "
                              "they paid online; closer than that, the deposit is kept (ADR 0018).")
    time_leads = models.CharField(
        max_length=10, choices=TimeLeads.choices, default=TimeLeads.STUDIO,
        help_text="Whose time is shown first when the customer is in another zone: the studio's "
                  "(right for in-person sessions) or the customer's (right for calls).",
    )

    class Meta:
        verbose_name = "studio"
        permissions = [("view_technical", "Can see the technical section (sync machinery, worker tasks)")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.holiday_region and not self.holiday_country:
            raise ValidationError({"holiday_region": "Give the country first."})
        if self.holiday_country and self.holiday_region:
            regions = holidays.list_supported_countries().get(self.holiday_country.upper(), [])
            if self.holiday_region.upper() not in regions:
                raise ValidationError({"holiday_region": f"Regions of {self.holiday_country.upper()}: "
                                                         f"{', '.join(regions) or 'none'}."})

    @classmethod
    def load(cls) -> Studio:
        studio, _ = cls.objects.get_or_create(pk=1)
        return studio

    @property
    def buffer_before(self) -> timedelta:
        return timedelta(minutes=self.buffer_before_minutes)

    @property
    def buffer_after(self) -> timedelta:
        return timedelta(minutes=self.buffer_after_minutes)


class Weekday(models.IntegerChoices):
    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6


class WeeklyRange(models.Model):
    """One opening range of a weekday; the studio's and each resource's (resources.ResourceHours)."""

    weekday = models.IntegerField(choices=Weekday.choices)
    start = models.TimeField()
    end = models.TimeField(help_text="00:00 means midnight at the end of the day.")

    class Meta:
        abstract = True
        ordering = ["weekday", "start"]


class WeeklyHours(WeeklyRange):
    studio = models.ForeignKey(Studio, on_delete=models.CASCADE, related_name="weekly_hours")

    class Meta(WeeklyRange.Meta):
        verbose_name_plural = "weekly hours"

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class DateRange(models.Model):
    """A date whose hours differ from the week: closed, or special opening ranges; the studio's
    and each resource's (resources.ResourceOverride)."""

    date = models.DateField()
    closed = models.BooleanField(default=False)
    start = models.TimeField(null=True, blank=True)
    end = models.TimeField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        abstract = True
        ordering = ["date", "start"]

    def __str__(self) -> str:
        return f"{self.date} {'closed' if self.closed else f'{self.start:%H:%M}–{self.end:%H:%M}'}"

    def clean(self) -> None:
        if not self.closed and (self.start is None or self.end is None):
            raise ValidationError("Give start and end, or mark the date closed.")


class DateOverride(DateRange):
    studio = models.ForeignKey(Studio, on_delete=models.CASCADE, related_name="overrides")


class PaymentRule(models.TextChoices):
    NONE = "none", _("Pay at the studio")
    DEPOSIT_FIXED = "deposit_fixed", _("Fixed deposit")
    DEPOSIT_PERCENT = "deposit_percent", _("Deposit, a percentage of the price")
    FULL = "full", _("Full prepayment")


class Service(models.Model):
    studio = models.ForeignKey(Studio, on_delete=models.CASCADE, related_name="services")
    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    duration_minutes = models.PositiveIntegerField(default=60)
    description = models.TextField(blank=True)
    price = models.CharField(max_length=50, blank=True, help_text="The old price text; kept as the legacy text.")
    # Money as numbers (ADR 0018): the amount in the currency's minor unit (pence, cents; yen as is).
    price_amount = models.IntegerField(null=True, blank=True, help_text="In the currency's minor unit: 12000 = £120.00.")
    price_currency = models.CharField(max_length=3, blank=True, help_text="ISO 4217, e.g. GBP, EUR, JPY.")
    payment_rule = models.CharField(max_length=20, choices=PaymentRule.choices, default=PaymentRule.NONE)
    deposit_value = models.IntegerField(
        null=True, blank=True, help_text="A fixed deposit in minor units, or a percentage (1–100) of the price.")
    active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)
    needs_room = models.BooleanField(default=False, help_text="Besides a person, the session takes one of its rooms.")

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.price_currency = (self.price_currency or "").upper()
        problems = rule_problems(self.price_amount, self.price_currency, self.payment_rule, self.deposit_value)
        if problems:
            raise ValidationError(problems)

    @property
    def deposit_amount(self) -> int:
        """What booking it asks for online (0: everything is paid at the studio)."""
        if self.price_amount is None:
            return 0
        return deposit_amount(self.price_amount, self.payment_rule, self.deposit_value)

    @property
    def takes_money(self) -> bool:
        return self.payment_rule != PaymentRule.NONE and self.deposit_amount > 0

    @property
    def price_problem(self) -> str:
        """An old text price that could not be read, for the studio to fix ("" when none)."""
        if self.price and self.price_amount is None:
            return (f"Service {self.name}: the price text {self.price!r} could not be read; "
                    "enter the amount and currency.")
        return ""

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)


class Block(models.Model):
    """Busy time that is not a booking: a holiday, maintenance, an imported calendar event."""

    class Source(models.TextChoices):
        ADMIN = "admin", "Admin"
        CALENDAR = "calendar", "Calendar"
        NOTION = "notion", "Notion"

    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.ADMIN)
    external_id = models.CharField(max_length=1024, blank=True, db_index=True)
    # Empty: the whole studio is blocked; else only that person or room.
    resource = models.ForeignKey("bookings.Resource", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="blocks")

    class Meta:
        ordering = ["start"]
        indexes = [models.Index(fields=["resource", "start"], name="block_resource_start")]

    def __str__(self) -> str:
        return f"{self.reason or 'Blocked'} {self.start:%Y-%m-%d %H:%M}"

    def clean(self) -> None:
        if self.start and self.end and self.end <= self.start:
            raise ValidationError("The block must end after it starts.")


class BookingStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")
    COMPLETED = "completed", _("Completed")
    NO_SHOW = "no_show", _("No-show")


# Statuses whose time is still taken; the PostgreSQL exclusion constraint uses the same list.
# A booking awaiting its payment holds its slot for every door until its hold ends (ADR 0018).
ACTIVE_STATUSES = (BookingStatus.PENDING, BookingStatus.CONFIRMED, BookingStatus.AWAITING_PAYMENT)


# The cancel reason of a hold that ended unpaid (its slot freed; nobody outside was told of it).
HOLD_RELEASED = "payment_not_received"


class BookingSource(models.TextChoices):
    WEBSITE = "website", "Website"
    NOTION = "notion", "Notion"
    CALENDAR = "calendar", "Calendar"
    ADMIN = "admin", "Admin"


class BookingQuerySet(models.QuerySet):
    def active(self) -> BookingQuerySet:
        return self.filter(status__in=ACTIVE_STATUSES)

    def overlapping(self, start, end) -> BookingQuerySet:
        """Bookings whose blocked time (buffers included) overlaps [start, end)."""
        return self.filter(blocked_start__lt=end, blocked_end__gt=start)


# The longest value kept per customer detail: the columns' sizes below, and the one list every form,
# schema and door checks or clips a detail by (services.clip_detail).
DETAIL_LENGTHS = {"name": 200, "email": 254, "phone": 50, "notes": 2000}
# The service name of a booking that stands for time the studio blocked in its calendar
# (CALENDAR_IMPORT=block): no customer, no buffers, no studio notice.
BLOCKED_TIME = "Blocked time"


class Booking(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.SET_NULL, related_name="bookings")
    service_name = models.CharField(max_length=200, blank=True, help_text="As booked; kept if the service changes.")
    start = models.DateTimeField(db_index=True)
    end = models.DateTimeField()
    # start/end widened by the studio's buffers at booking time: the time the
    # booking really takes, and what the no-overlap constraint compares.
    blocked_start = models.DateTimeField(db_index=True)
    blocked_end = models.DateTimeField()
    status = models.CharField(max_length=20, choices=BookingStatus.choices, default=BookingStatus.CONFIRMED)
    source = models.CharField(max_length=20, choices=BookingSource.choices, default=BookingSource.WEBSITE)
    name = models.CharField(max_length=DETAIL_LENGTHS["name"])
    email = models.EmailField(blank=True, max_length=DETAIL_LENGTHS["email"])
    phone = models.CharField(max_length=DETAIL_LENGTHS["phone"], blank=True)
    notes = models.TextField(blank=True, max_length=DETAIL_LENGTHS["notes"])
    customer_timezone = models.CharField(max_length=64, blank=True)
    # The customer's locale as a BCP 47 tag ("en-US", "de"): its language picks the emails'
    # translation, the whole tag their date and time formats. Empty: the studio's default.
    language = models.CharField(max_length=16, blank=True)
    cancel_reason = models.CharField(max_length=500, blank=True)
    # Until when an unpaid booking holds its slot (status awaiting_payment); null otherwise.
    hold_expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Answers to the service's questions, keyed by question key (ADR 0019; bookings/questions.py).
    answers = models.JSONField(default=dict, blank=True)
    # Manage links: token = HMAC(SECRET_KEY, id + salt); only its hash is searchable.
    manage_salt = models.CharField(max_length=64, editable=False)
    manage_token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # Rises with every change the customer must hear about (the .ics SEQUENCE).
    sequence = models.PositiveIntegerField(default=0)
    # "" = the customer asked for anyone; else the slug of the person they chose (a reschedule keeps them).
    resource_choice = models.CharField(max_length=50, blank=True)
    # Rises with every change at all; outbox idempotency keys include it.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Indexed: an incremental sync asks which bookings changed since its last look.
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="booking_end_after_start"),
            models.CheckConstraint(
                condition=models.Q(blocked_end__gt=models.F("blocked_start")), name="booking_blocked_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        # In the current time zone: the studio's wherever the admin shows it.
        return f"{self.name} · {self.service_name} · {timezone.localtime(self.start):%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        # Its claims on people and rooms carry copies of the blocked range and activeness, which the
        # per-resource overlap constraint compares: every save keeps them equal (ADR 0017).
        BookingResource.objects.filter(booking=self).exclude(
            blocked_start=self.blocked_start, blocked_end=self.blocked_end, active=self.is_active,
        ).update(blocked_start=self.blocked_start, blocked_end=self.blocked_end, active=self.is_active)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    @property
    def only_here(self) -> bool:
        """A booking no side is told of: awaiting its payment, or released unpaid (ADR 0018)."""
        return self.status == BookingStatus.AWAITING_PAYMENT or (
            self.status == BookingStatus.CANCELLED and self.cancel_reason == HOLD_RELEASED)


class IdempotencyKey(models.Model):
    """A POST /api/bookings replay guard: same key + same body → same booking."""

    key = models.CharField(max_length=255, unique=True)
    request_hash = models.CharField(max_length=64)
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.key


class PickerVersion(models.Model):
    """The versions every process's slot-picker cache is keyed by (busy_cache.py): ``busy`` and ``rules``.

    Read on every availability request, so they live in a table read by one small prepared
    query, not in the shared cache (a round trip there costs twice as much on PostgreSQL).
    """

    name = models.CharField(max_length=16, primary_key=True)
    value = models.CharField(max_length=32)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


from .questions.models import Question, QuestionType  # noqa: E402,F401  (booking questions, ADR 0019)
from .resources import BookingResource, Resource, ResourceHours, ResourceKind, ResourceOverride  # noqa: E402

__all__ = ["ACTIVE_STATUSES", "Block", "Booking", "BookingResource", "BookingSource", "BookingStatus",
           "DateOverride", "IdempotencyKey", "PickerVersion", "Question", "QuestionType", "Resource", "ResourceHours", "ResourceKind",
           "ResourceOverride", "Service", "Studio", "TimeLeads", "WeeklyHours"]
