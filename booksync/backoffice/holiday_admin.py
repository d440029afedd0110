"""Public holidays in the studio's settings: the coming ones, each closed or re-opened, and re-opening one."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from booksync.bookings.models import DateOverride, Studio
from booksync.bookings.public_holidays import holidays_between

SHOWN_DAYS = 366


def holiday_list(studio: Studio) -> str:
    if not studio.pk or not studio.holiday_country:
        return "Set a country to close the studio on its public holidays."
    today = timezone.localdate()
    coming = holidays_between(studio, today, today + timedelta(days=SHOWN_DAYS))
    if not coming:
        return "No public holidays in the coming year."
    overridden = set(studio.overrides.filter(date__in=list(coming)).values_list("date", flat=True))
    url = reverse("admin:bookings_studio_reopen_holiday")

    def row(day: date, name: str):
        if day in overridden:
            return (f"{day:%a %d %b %Y}", name, "open (your date override)", "", "")
        return (f"{day:%a %d %b %Y}", name, "closed", url, day.isoformat())

    return format_html('<ul class="holiday-list">{}</ul>', format_html_join(
        "", '<li>{} — {}: {} {}</li>',
        ((when, name, state, format_html('<button type="submit" formaction="{}" name="reopen" value="{}" '
                                         'class="button">Open this day</button>', url_, value) if url_ else "")
         for when, name, state, url_, value in (row(d, n) for d, n in coming.items()))))


def reopen(studio: Studio, value: str) -> tuple[int, str]:
    """Open one holiday with the weekday's usual hours (a date override the owner can delete to close it again)."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return messages.ERROR, "That is not a date."
    name = holidays_between(studio, day, day).get(day)
    if name is None:
        return messages.ERROR, f"{day:%d %b %Y} is not one of the studio's public holidays."
    hours = list(studio.weekly_hours.filter(weekday=day.weekday()))
    if not hours:
        return messages.WARNING, (f"The studio has no usual hours on {day:%A}s: add a date override for "
                                  f"{day:%d %b %Y} with the hours you want to open.")
    for row in hours:
        DateOverride.objects.get_or_create(studio=studio, date=day, start=row.start, end=row.end,
                                           defaults={"note": f"Open on {name}"})
    return messages.SUCCESS, f"{name} ({day:%a %d %b %Y}) is open with the usual hours."
