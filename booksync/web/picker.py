"""The slot picker as the server renders it: a day's slots in the customer's zone, and alternatives.

The same data feeds the no-JavaScript page (a date chosen through GET
parameters) and the first paint of the enhanced page; the script then
relabels and replaces slots from the batch availability API.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone
from django.utils.translation import gettext as _

from booksync.bookings.availability import picker_rules, slots_for_days
from booksync.bookings.busy.cache import PickerCache
from booksync.bookings.messages import formats
from booksync.bookings.models import TimeLeads
from booksync.bookings.rules import studio_rules
from booksync.scheduling import Interval, StudioRules

from .zones import canonical

# How far the page looks for the first day with a free slot, and for alternatives.
FIRST_DAY_SEARCH_DAYS = 31
ALTERNATIVE_SEARCH_DAYS = 7
ALTERNATIVES_SHOWN = 6
SAME_DAY_ALTERNATIVES = 4



@dataclass(frozen=True)
class SlotChoice:
    """One bookable start: the leading zone's time, and the other zone's when they differ."""

    value: str
    label: str
    other_label: str
    day_label: str


def valid_zone(name: str | None, fallback: str) -> str:
    if not name or len(name) > 64:
        return fallback
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return fallback
    return canonical(name)


def slot_value(start: datetime) -> str:
    """The form value of a slot: its UTC instant, the same string the script produces."""
    return start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def slot_choice(start: datetime, customer_zone: str, studio_zone: str, *, locale: str = "en",
                leads: str = TimeLeads.STUDIO) -> SlotChoice:
    local = start.astimezone(ZoneInfo(customer_zone))
    studio_local = start.astimezone(ZoneInfo(studio_zone))
    customer_time, studio_time = formats.time_label(local, locale), formats.time_label(studio_local, locale)
    if local.date() != studio_local.date():
        # The studio's day crosses midnight in the customer's zone: say which day.
        customer_time = f"{formats.short_weekday(local, locale)} {customer_time}"
    if customer_zone == studio_zone:
        return SlotChoice(slot_value(start), studio_time, "", formats.day_label(studio_local, locale))
    if leads == TimeLeads.CUSTOMER:
        return SlotChoice(slot_value(start), customer_time, _("studio %(time)s") % {"time": studio_time},
                          formats.day_label(local, locale))
    return SlotChoice(slot_value(start), studio_time, _("your time %(time)s") % {"time": customer_time},
                      formats.day_label(studio_local, locale))


def first_open_day(rules: StudioRules, length: timedelta, today: date, picker_cache: PickerCache | None = None) -> date:
    """The first day with a free slot in the next month, or today when there is none."""
    days = [today + timedelta(days=n) for n in range(FIRST_DAY_SEARCH_DAYS)]
    by_day = slots_for_days(rules, days, length, picker_cache=picker_cache)
    return next((day for day in days if by_day[day]), today)


def studio_today(rules: StudioRules) -> date:
    return timezone.now().astimezone(rules.tz).date()


@dataclass(frozen=True)
class DaySlots:
    day: date
    zone: str
    studio_zone: str
    choices: list[SlotChoice]
    today: date
    last_day: date
    locale: str = "en"
    leads: str = TimeLeads.STUDIO

    @property
    def same_zone(self) -> bool:
        return self.zone == self.studio_zone


def day_slots(length: timedelta, *, day: date | None, zone: str | None, exclude_booking_id=None,
              locale: str = "en", leads: str = TimeLeads.STUDIO, service=None, resource: str | None = None) -> DaySlots:
    """The slots of ``day`` (default: the first open day) labelled in ``zone`` for ``locale``."""
    # The page's first paint shares the picker's per-process cache (kept until anything changes).
    picker_cache = PickerCache()
    rules = picker_rules(picker_cache)
    today = studio_today(rules)
    last_day = today + timedelta(days=rules.horizon_days)
    if day is None or not today <= day <= last_day:
        day = first_open_day(rules, length, today, picker_cache)
    customer_zone = valid_zone(zone, rules.timezone)
    slots = slots_for_days(rules, [day], length, picker_cache=picker_cache, exclude_booking_id=exclude_booking_id,
                           service=service, resource=resource)[day]
    choices = [slot_choice(slot.start, customer_zone, rules.timezone, locale=locale, leads=leads) for slot in slots]
    return DaySlots(day, customer_zone, rules.timezone, choices, today, last_day, locale, leads)


def nearest_slots(length: timedelta, wanted: datetime, zone: str | None, exclude_booking_id=None,
                  locale: str = "en", leads: str = TimeLeads.STUDIO, service=None,
                  resource: str | None = None) -> list[SlotChoice]:
    """Free slots near ``wanted``: the closest ones that day, then the first ones of the next open days."""
    rules = studio_rules()
    first = max(wanted.astimezone(rules.tz).date(), studio_today(rules))
    days = [first + timedelta(days=n) for n in range(ALTERNATIVE_SEARCH_DAYS)]
    by_day = slots_for_days(rules, days, length, exclude_booking_id=exclude_booking_id, service=service,
                            resource=resource)
    same_day = sorted(by_day[first], key=lambda slot: abs(slot.start - wanted))[:SAME_DAY_ALTERNATIVES]
    later = [slot for day in days[1:] for slot in by_day[day][:1]]
    chosen: list[Interval] = sorted(same_day) + later[:ALTERNATIVES_SHOWN - len(same_day)]
    customer_zone = valid_zone(zone, rules.timezone)
    return [slot_choice(slot.start, customer_zone, rules.timezone, locale=locale, leads=leads) for slot in chosen]


def parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def leading_zone(picker: DaySlots) -> str:
    """The zone whose clock the slot buttons lead with."""
    return picker.studio_zone if picker.same_zone or picker.leads != TimeLeads.CUSTOMER else picker.zone


def choice_summary(picker: DaySlots, value: str) -> str:
    """The sticky summary's words for the chosen slot, e.g. "Tue 15 Dec · 10:00" (leading zone), or ""."""
    try:
        start = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return ""
    local = start.astimezone(ZoneInfo(leading_zone(picker)))
    return f"{formats.short_day(local, picker.locale)} · {formats.time_label(local, picker.locale)}"


def late_choices(choices: list[SlotChoice], cutoff: str) -> bool:
    """Whether any of ``choices`` starts before ``cutoff`` (a slot value): no online changes for those."""
    return any(choice.value < cutoff for choice in choices)
