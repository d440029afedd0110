"""The studio settings screen in the owner's words (ADR 0021).

Grouped as an owner sets up (the studio · opening hours · booking rules · branding · contact ·
public holidays and special dates · emails · customers · calendar feed); booking rules asked in
hours and days (the model keeps minutes); colours as colour pickers; a time zone chosen from
``zoneinfo``'s list; opening hours as weekday rows of HH:MM inputs, every input labelled
(``admin/bookings/studio/rows_inline.html``).
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache
from zoneinfo import available_timezones

import holidays
from django import forms
from django.conf import settings
from django.contrib import admin
from django.utils.html import format_html, format_html_join
from holidays.registry import COUNTRIES

from booksync.bookings.models import DateOverride, Studio, WeeklyHours


@cache
def time_zones() -> tuple[str, ...]:
    return tuple(sorted(zone for zone in available_timezones() if "/" in zone or zone == "UTC"))


@cache
def holiday_countries() -> tuple[tuple[str, str], ...]:
    names = {entry[1]: re.sub(r"(?<=[a-z])(?=[A-Z])", " ", entry[0]) for entry in COUNTRIES.values()}
    codes = holidays.list_supported_countries()
    return tuple(sorted(((code, f"{names.get(code, code)} ({code})") for code in codes), key=lambda c: c[1]))


class ZoneInput(forms.TextInput):
    """A text box with the zones as a ``<datalist>``: type "Berl" and Europe/Berlin is offered (no JS)."""

    def __init__(self, attrs=None):
        super().__init__({"list": "time-zones", "autocomplete": "off", "spellcheck": "false", "size": 30,
                          **(attrs or {})})

    def render(self, name, value, attrs=None, renderer=None):
        options = format_html_join("", '<option value="{}"></option>', ((zone,) for zone in time_zones()))
        return format_html('{}<datalist id="time-zones">{}</datalist>', super().render(name, value, attrs, renderer),
                           options)


class ColourInput(forms.TextInput):
    input_type = "color"


class ClockInput(forms.TimeInput):
    """HH:MM as typed and shown in every browser and language (a browser's time input may show 09:00 AM),
    no seconds and no "Now" shortcut. 9.30 and 0930 are read as 09:30 (a phone's number pad has no colon)."""

    def __init__(self, attrs=None):
        super().__init__({"placeholder": "HH:MM", "size": 5, "maxlength": 5, "inputmode": "decimal",
                          "pattern": r"([01]?\d|2[0-3])[:.]?[0-5]\d", "autocomplete": "off", **(attrs or {})},
                         format="%H:%M")


CLOCK_FORMATS = ["%H:%M", "%H.%M", "%H%M", "%H:%M:%S"]


def clock_field(label: str, required: bool = True) -> forms.TimeField:
    return forms.TimeField(label=label, required=required, widget=ClockInput, input_formats=CLOCK_FORMATS,
                           error_messages={"invalid": "Give the time as HH:MM, e.g. 09:30."})


class DayInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


STEP_CHOICES = [(10, "10 minutes"), (15, "15 minutes"), (20, "20 minutes"), (30, "half an hour"),
                (45, "45 minutes"), (60, "hour"), (90, "hour and a half"), (120, "2 hours")]


class StudioSettingsForm(forms.ModelForm):
    timezone = forms.CharField(
        label="Time zone", widget=ZoneInput,
        help_text="Where the studio is. Start typing a city, e.g. Berlin, New York, London.")
    slot_step_minutes = forms.TypedChoiceField(
        label="Offer a start time every", coerce=int, choices=STEP_CHOICES,
        help_text="With half an hour, customers see 9:00, 9:30, 10:00 …")
    minimum_notice_hours = forms.DecimalField(
        label="Bookings close this many hours before the start", min_value=0, max_value=24 * 90,
        decimal_places=2, help_text="Customers cannot book sooner than this. 2 = two hours; 0.5 = half an hour.")
    holiday_country = forms.ChoiceField(label="Country", required=False, help_text="")

    class Meta:
        model = Studio
        fields = ["name", "timezone", "tagline", "about", "slot_step_minutes", "horizon_days",
                  "change_notice_hours", "refund_window_hours", "buffer_before_minutes", "buffer_after_minutes", "primary_color",
                  "accent_color", "logo_url", "contact_email", "contact_phone", "address", "holiday_country",
                  "holiday_region", "notify_studio", "default_language", "time_leads"]
        labels = {
            "name": "Studio name",
            "tagline": "Tagline",
            "about": "About the studio",
            "horizon_days": "Customers can book up to this many days ahead",
            "change_notice_hours": "Customers can change or cancel online until this many hours before",
            "refund_window_hours": "A customer who cancels at least this many hours before gets a full refund",
            "buffer_before_minutes": "Free time before each session (minutes)",
            "buffer_after_minutes": "Free time after each session (minutes)",
            "primary_color": "Main colour",
            "accent_color": "Accent colour",
            "logo_url": "Logo (web address of the image)",
            "contact_email": "Email",
            "contact_phone": "Phone",
            "address": "Address",
            "holiday_region": "Region",
            "notify_studio": "Email the studio when a customer books, moves or cancels",
            "default_language": "Language for customers whose browser asks for none we have",
            "time_leads": "Whose time comes first for a customer in another zone",
        }
        help_texts = {
            "tagline": "One line under the studio's name on your booking pages.",
            "change_notice_hours": "Closer to the start, customers are asked to call you instead.",
            "refund_window_hours": "Of what they paid online (ADR 0018). Closer to the start, the deposit is kept; "
                                   "the cancel page says which applies before they confirm.",
            "buffer_before_minutes": "Time kept free to set up; customers cannot book into it.",
            "buffer_after_minutes": "Time kept free to tidy up; customers cannot book into it.",
            "primary_color": "Buttons and headings on your pages and in your emails.",
            "accent_color": "Highlights: the chosen day, links in emails.",
            "contact_email": "Shown to customers, and where the studio's own emails go.",
            "notify_studio": "A booking made, moved or cancelled on the website, in Notion or in the calendar.",
            "holiday_region": "Some countries' holidays differ by region, e.g. ENG (England) or SCT (Scotland).",
        }
        widgets = {
            "primary_color": ColourInput,
            "accent_color": ColourInput,
            "about": forms.Textarea(attrs={"rows": 4}),
            "tagline": forms.TextInput(attrs={"size": 60}),
            "address": forms.TextInput(attrs={"size": 60}),
            "holiday_region": forms.TextInput(attrs={"size": 8}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        step = self.instance.slot_step_minutes
        choices = list(STEP_CHOICES)
        if step and step not in dict(choices):
            choices = sorted([*choices, (step, f"{step} minutes")])
        self.fields["slot_step_minutes"].choices = choices
        self.fields["holiday_country"].choices = [("", "None: stay open on public holidays"), *holiday_countries()]
        self.fields["holiday_country"].help_text = "The studio closes on this country's public holidays."
        for field, label in (("tagline", "Tagline"), ("about", "About the studio")):  # one per language (ADR 0020)
            for code, language in settings.LANGUAGES:
                name = f"{field}_{code.replace('-', '_')}"
                if name in self.fields:
                    self.fields[name].label = f"{label} ({language})"
                    if code != settings.LANGUAGE_CODE:
                        self.fields[name].help_text = "Empty: customers see the English text."
        if "tagline_en" in self.fields:
            self.fields["tagline_en"].help_text = "One line under the studio's name on your booking pages."
        minutes = self.instance.minimum_notice_minutes
        self.initial.setdefault("minimum_notice_hours", _hours(minutes))

    def clean_timezone(self) -> str:
        zone = self.cleaned_data["timezone"].strip()
        exact = {z.lower(): z for z in time_zones()}
        zone = exact.get(zone.lower(), zone)  # europe/berlin is Europe/Berlin
        if zone not in time_zones():
            typed = zone.lower().replace(" ", "_")  # "New York" is America/New_York
            matches = [z for z in time_zones() if typed and typed in z.lower()][:5]
            hint = f" Did you mean {', '.join(matches)}?" if matches else " Choose one from the list, e.g. Europe/London."
            raise forms.ValidationError(f"{zone!r} is not a time zone.{hint}")
        return zone

    def clean_holiday_country(self) -> str:
        return self.cleaned_data["holiday_country"].upper()

    def clean_holiday_region(self) -> str:
        return self.cleaned_data["holiday_region"].strip().upper()

    def clean(self):
        data = super().clean()
        hours = data.get("minimum_notice_hours")
        if hours is not None:
            self.instance.minimum_notice_minutes = int(round(hours * 60))
        return data


def _hours(minutes: int) -> Decimal | int:
    return minutes // 60 if minutes % 60 == 0 else (Decimal(minutes) / 60).quantize(Decimal("0.01"))


class WeeklyHoursForm(forms.ModelForm):
    start = clock_field("Opens")
    end = clock_field("Closes")

    class Meta:
        model = WeeklyHours
        fields = ["weekday", "start", "end"]
        labels = {"weekday": "Day"}

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end <= start and end.hour + end.minute > 0:
            self.add_error("end", "Closes after it opens (00:00 means midnight).")
        return data


class DateOverrideForm(forms.ModelForm):
    start = clock_field("Opens", required=False)
    end = clock_field("Closes", required=False)

    class Meta:
        model = DateOverride
        fields = ["date", "closed", "start", "end", "note"]
        labels = {"closed": "Closed all day", "note": "Note"}
        widgets = {"date": DayInput}


class RowsInline(admin.TabularInline):
    """Inline rows whose every input has a label naming its row (the stock tabular inline has none)."""

    template = "admin/bookings/studio/rows_inline.html"
    extra = 0
    row_label = "row"


class OpeningHoursInline(RowsInline):
    model = WeeklyHours
    form = WeeklyHoursForm
    verbose_name = "opening"
    verbose_name_plural = "Opening hours"
    description = "One row per opening: a day with a break has two rows. 00:00 as closing time means midnight."


class SpecialDatesInline(RowsInline):
    model = DateOverride
    form = DateOverrideForm
    verbose_name = "special date"
    verbose_name_plural = "Special dates"
    description = ("A day closed, or open at other hours (two rows for two openings that day). "
                   "A row for a public holiday opens the studio that day.")
