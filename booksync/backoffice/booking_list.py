"""The bookings list as the studio uses it: upcoming, confirmed, in studio time, exportable as CSV.

A search looks through every booking (any date, any status) unless the studio picks a filter,
and the list says above its results what it shows (``shown``; ADR 0021).
"""

from __future__ import annotations

import csv
import re
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.views.main import SEARCH_VAR
from django.http import HttpResponse
from django.utils import timezone

from booksync.bookings.models import BookingStatus, Question, Resource
from booksync.bookings.money import to_major
from booksync.bookings.payment_text import payment_text


class DefaultingFilter(admin.SimpleListFilter):
    """A list filter with a value in force before the studio picks one ("all" shows everything)."""

    default = ""

    def __init__(self, request, params, model, model_admin):
        self.searching = bool(request.GET.get(SEARCH_VAR, "").strip())
        super().__init__(request, params, model, model_admin)

    def value(self):
        return super().value() or ("all" if self.searching else self.default)

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


class WhenFilter(DefaultingFilter):
    title = "when"
    parameter_name = "when"
    default = "upcoming"

    def lookups(self, request, model_admin):
        return [("upcoming", "Upcoming"), ("today", "Today"), ("past", "Past"), ("all", "All")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "upcoming":
            return queryset.filter(end__gte=now)
        if self.value() == "today":
            day = timezone.localdate()  # the admin works in the studio's zone
            return queryset.filter(start__date=day)
        if self.value() == "past":
            return queryset.filter(end__lt=now).order_by("-start")
        return queryset


class StatusFilter(DefaultingFilter):
    title = "status"
    parameter_name = "status"
    default = BookingStatus.CONFIRMED

    def lookups(self, request, model_admin):
        return [*BookingStatus.choices, ("all", "All")]

    def queryset(self, request, queryset):
        if self.value() in BookingStatus.values:
            return queryset.filter(status=self.value())
        return queryset


WHEN_WORDS = {"upcoming": "upcoming", "today": "today's", "past": "past", "all": ""}


def shown(params) -> dict:
    """What the list shows, in a sentence, and a link to every booking when it shows fewer."""
    query = params.get(SEARCH_VAR, "").strip()
    when = params.get(WhenFilter.parameter_name) or ("all" if query else WhenFilter.default)
    status = params.get(StatusFilter.parameter_name) or ("all" if query else StatusFilter.default)
    words = [WHEN_WORDS.get(when, when)]
    if status in BookingStatus.values:
        words.append(BookingStatus(status).label.lower())
    described = " ".join(w for w in words if w)
    others = sorted(k for k in params if k not in (SEARCH_VAR, WhenFilter.parameter_name, StatusFilter.parameter_name,
                                                  "o", "p", "_changelist_filters"))
    sentence = f"Showing {described} bookings" if described else "Showing every booking (any date, any status)"
    if others:
        sentence += " within the other filters chosen"
    if query:
        sentence = sentence.replace("Showing", "Searching", 1) + f" for “{query}”"
    narrowed = when != "all" or status != "all" or bool(others)
    everything = "?" + urlencode({SEARCH_VAR: query, "when": "all", "status": "all"} if query else
                                 {"when": "all", "status": "all"})
    return {"sentence": sentence + ".", "everything_url": everything if narrowed else ""}


CSV_COLUMNS = ["start", "end", "time zone", "name", "email", "phone", "service", "status", "source", "notes",
               "booking id", "payment", "price", "paid", "refunded", "currency"]


def csv_response(bookings, filename: str = "bookings.csv") -> HttpResponse:
    """The bookings as CSV (Django's csv writer, one row each), times in the current (studio) zone;
    then one column per booking question, headed by its key (ADR 0019). A studio of several people
    (ADR 0017) gets two more columns: photographer and room."""
    zone = timezone.get_current_timezone()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    several = Resource.objects.filter(active=True).count() > 1
    if several:
        bookings = bookings.prefetch_related("claims__resource")
    bookings = list(bookings)
    keys = answer_keys(bookings)
    writer.writerow([*CSV_COLUMNS, *keys, *(["photographer", "room"] if several else [])])
    for b in bookings:
        answers = answer_cells(b)
        row = [f"{b.start.astimezone(zone):%Y-%m-%d %H:%M}", f"{b.end.astimezone(zone):%Y-%m-%d %H:%M}",
               str(zone), *map(_safe_cell, (b.name, b.email, b.phone, b.service_name)),
               b.get_status_display(), b.get_source_display(), _safe_cell(b.notes), str(b.pk),
               *_money_cells(b), *(_safe_cell(answers.get(key, "")) for key in keys)]
        if several:
            held = sorted((c.resource for c in b.claims.all()), key=lambda r: (r.order, r.name))
            row += [_safe_cell(", ".join(r.name for r in held if r.kind == kind)) for kind in ("person", "room")]
        writer.writerow(row)
    return response


def answer_keys(bookings) -> list[str]:
    """The question keys the CSV has a column for: every question, then any other key answered."""
    keys = list(dict.fromkeys(Question.objects.order_by("service__position", "order", "pk")
                              .values_list("key", flat=True)))
    extra = sorted({key for b in bookings for key in (b.answers or {})} - set(keys))
    return keys + extra


def answer_cells(booking) -> dict[str, str]:
    """A booking's answers as CSV cells: choices by key, several joined by "; ", yes/no as yes or no."""
    cells = {}
    for key, value in (booking.answers or {}).items():
        if isinstance(value, bool):
            cells[key] = "yes" if value else "no"
        elif isinstance(value, list):
            cells[key] = "; ".join(map(str, value))
        else:
            cells[key] = str(value)
    return cells


def _money_cells(booking) -> list[str]:
    """Payment state and amounts in major units (a spreadsheet sums them), ADR 0018."""
    money = payment_text(booking)
    if not money.currency:
        return ["", "", "", "", ""]

    def major(amount):
        return "" if amount is None else str(to_major(amount, money.currency))

    return [money.label, major(money.price), major(money.paid), major(money.refunded), money.currency]


PHONE_NUMBER = re.compile(r"[+-]?[\d\s().-]+")


def _safe_cell(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection); a phone number stays as it is."""
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not PHONE_NUMBER.fullmatch(text):
        return "'" + text
    return text
