"""The admin's booking form: Save goes through the booking service, and a clash is a form error.

Django's admin wraps each add/change view in one transaction. The form asks the
service to make the change while it validates (``clean``): the service's own
transaction is then a savepoint of the admin's, so a refused change leaves
nothing behind and comes back as an error on the form in place (never a 500 or
a constraint name), and an accepted one commits with the admin's log entry.
``save_model`` then has nothing left to write.
"""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.contrib.admin import widgets

from booksync.bookings.clashes import explain
from booksync.bookings.errors import BookingError
from booksync.bookings.models import Block, Booking, BookingStatus, Service
from booksync.bookings.studio_edits import StudioBooking, add_booking, change_booking
from booksync.scheduling import Interval

from .diary_forms import also_email_me, text_door
from .studio_time import studio_zone

CUSTOMER_FIELDS = ["name", "email", "phone", "notes"]


class BookingAdminForm(forms.ModelForm):
    start = forms.SplitDateTimeField(widget=widgets.AdminSplitDateTime)
    end = forms.SplitDateTimeField(
        widget=widgets.AdminSplitDateTime, required=False,
        help_text="Leave empty to use the service's length. The studio may book any length.")
    service = forms.ModelChoiceField(Service.objects.all(), required=False,
                                     help_text="Empty: a session of the length given by start and end.")
    confirm_cancel = forms.BooleanField(required=False, label="Yes, cancel it and email the customer")
    notify_me = also_email_me()

    class Meta:
        model = Booking
        fields = ["start", "end", "service", "status", *CUSTOMER_FIELDS]

    def __init__(self, *args, by: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.by = by
        zone = studio_zone()
        for name in ("start", "end"):
            self.fields[name].label = f"{name.capitalize()} ({zone.key}, studio time)"
        self.fields["email"].help_text = "The customer's confirmation and updates go here."

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if self._cancels() and not data.get("confirm_cancel"):
            who = f"{self.instance.name} at {self.instance.email}" if self.instance.email else "nobody (no email)"
            self.add_error("status", f"Cancelling emails {who}. Tick \"Yes, cancel it and email the customer\" "
                                     "and save again to cancel.")
            return data
        start: datetime = data["start"]
        end = data.get("end")
        if end is None:
            if not data.get("service"):
                self.add_error("end", "Give an end time, or pick a service to take its length.")
                return data
            end = start + data["service"].duration
            data["end"] = end
        entry = StudioBooking(start=start, end=end, service=data.get("service"),
                              status=data.get("status") or BookingStatus.CONFIRMED,
                              **{name: data.get(name) or "" for name in CUSTOMER_FIELDS})
        try:
            notify = bool(data.get("notify_me"))
            if self.instance._state.adding:
                self.instance = add_booking(entry, by=self.by, notify_studio=notify)
            else:
                self.instance = change_booking(self.instance.pk, entry, by=self.by, notify_studio=notify)
        except BookingError as error:
            self.add_error(error.field if error.field in self.fields else None, error.message)
        return data

    def _cancels(self) -> bool:
        """This save would cancel an active booking (and email its customer)."""
        return (not self.instance._state.adding and self.instance.is_active
                and self.cleaned_data.get("status") == BookingStatus.CANCELLED)

    def _post_clean(self):
        """The service validated and saved the booking; the model form has nothing to add."""


class BlockAdminForm(forms.ModelForm):
    """Blocked time may not cover a booking: move or cancel the booking first (the clash is named)."""

    class Meta:
        model = Block
        fields = ["start", "end", "reason", "source", "external_id"]

    clean_reason = text_door("reason")

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end > start:
            overlapping = Booking.objects.active().overlapping(start, end)
            if overlapping.exists():
                self.add_error("start", explain(start, end, Interval(start, end)).message)
        return data
