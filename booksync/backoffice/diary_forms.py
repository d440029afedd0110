"""The diary's forms: dates and times as the studio reads them (its own zone), turned into aware datetimes."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import forms

from booksync.bookings.models import DETAIL_LENGTHS, Resource, ResourceKind, Service
from booksync.bookings.text import UnsafeText, checked


def people_field(label: str = "Photographer") -> forms.ModelChoiceField:
    return forms.ModelChoiceField(Resource.objects.filter(active=True, kind=ResourceKind.PERSON), required=False,
                                  to_field_name="slug", empty_label="— anyone who takes the service —", label=label)


def room_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(Resource.objects.filter(active=True, kind=ResourceKind.ROOM), required=False,
                                  to_field_name="slug", empty_label="— the first free one —", label="Room")


def several_resources() -> bool:
    return Resource.objects.filter(active=True).count() > 1


def text_door(field: str, *, multiline: bool = False):
    """A form's ``clean_<field>`` by the doors' rule (``text.checked``): its refusal a form error."""
    def clean(form) -> str:
        try:
            return checked(field, form.cleaned_data.get(field) or "", multiline=multiline)
        except UnsafeText as error:
            raise forms.ValidationError(error.message, code=error.code) from None
    return clean


class DateInput(forms.DateInput):
    input_type = "date"


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self):
        super().__init__(format="%H:%M")


def at(day: date, clock: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=zone)


def also_email_me() -> forms.BooleanField:
    """The studio's own notice of a change made here is not sent unless asked for (ADR 0021)."""
    return forms.BooleanField(required=False, label="Also email me",
                              help_text="Send the studio's notice of this change to the studio's address too.")


class WhenForm(forms.Form):
    """A date, a start and an optional end, in studio time."""

    date = forms.DateField(widget=DateInput)
    start = forms.TimeField(widget=TimeInput, label="Start time")
    end = forms.TimeField(widget=TimeInput, label="End time", required=False)

    def __init__(self, *args, zone: ZoneInfo, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.fields["start"].label = f"Start time ({zone.key})"
        self.fields["end"].label = f"End time ({zone.key})"

    def start_at(self) -> datetime:
        return at(self.cleaned_data["date"], self.cleaned_data["start"], self.zone)

    def end_at(self, default_length: timedelta | None) -> datetime | None:
        end = self.cleaned_data.get("end")
        if end is None:
            return self.start_at() + default_length if default_length else None
        ends = at(self.cleaned_data["date"], end, self.zone)
        return ends + timedelta(days=1) if end == time(0) else ends


class AddBookingForm(WhenForm):
    service = forms.ModelChoiceField(Service.objects.filter(active=True), required=False,
                                     empty_label="— no service: use start and end —")
    name = forms.CharField(max_length=DETAIL_LENGTHS["name"])
    email = forms.EmailField(max_length=DETAIL_LENGTHS["email"], required=False, help_text="The confirmation goes here.")
    phone = forms.CharField(max_length=DETAIL_LENGTHS["phone"], required=False)
    notes = forms.CharField(max_length=DETAIL_LENGTHS["notes"], required=False, widget=forms.Textarea(attrs={"rows": 2}))
    clean_name, clean_phone, clean_notes = text_door("name"), text_door("phone"), text_door("notes", multiline=True)
    notify_me = also_email_me()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if several_resources():  # a studio of several: who and where (ADR 0017)
            self.fields["person"] = people_field()
            self.fields["room"] = room_field()

    def chosen(self, name: str) -> str:
        value = self.cleaned_data.get(name)
        return value.slug if value else ""

    def clean(self):
        data = super().clean()
        if not self.errors and data.get("end") is None and not data.get("service"):
            self.add_error("end", "Give an end time, or pick a service to take its length.")
        return data


class MoveForm(WhenForm):
    """Move a booking: the end defaults to the same length."""

    notify_me = also_email_me()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["end"].help_text = "Leave empty to keep the booking's length."
        if several_resources():
            self.fields["person"] = people_field("Photographer (empty: keep)")
            self.fields["room"] = room_field()
            self.fields["room"].empty_label = "— keep —"

    def chosen(self, name: str) -> str:
        value = self.cleaned_data.get(name)
        return value.slug if value else ""


class BlockForm(WhenForm):
    reason = forms.CharField(max_length=200, required=False)
    clean_reason = text_door("reason")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["end"].required = True


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=500, required=False, initial="Cancelled by the studio",
                             label="Reason", help_text="The customer's cancellation email quotes this.")
    clean_reason = text_door("reason")
    notify_me = also_email_me()
