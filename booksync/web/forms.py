"""The pages' forms: booking details, a slot choice, cancelling."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from booksync.bookings.addresses import RefusedAddress, clean_address
from booksync.bookings.models import DETAIL_LENGTHS
from booksync.bookings.text import UnsafeText, checked
from booksync.web.schemas import MAX_YEAR, MIN_YEAR

ENCODED_WORD_ERROR = _("Please write the text itself: “=?…?=” (an encoded word) cannot be used here.")


def clean_text(value: str, *, keep_newlines: bool) -> str:
    """The doors' rule (``bookings.text.checked``), its refusal a form error on the field."""
    try:
        return checked("text", value, multiline=keep_newlines)
    except UnsafeText:
        raise forms.ValidationError(ENCODED_WORD_ERROR, code="encoded_word") from None

# The honeypot's name looks like something a form-filling bot would gladly complete.
HONEYPOT_FIELD = "website"


class SlotField(forms.Field):
    """A slot's start as the form sends it: an ISO 8601 instant with an offset."""

    default_error_messages = {
        "required": _("Choose a time."),
        "invalid": _("That time could not be read; choose one of the offered times."),
    }

    max_length = 40

    def to_python(self, value) -> datetime | None:
        value = (value or "").strip()
        if not value:
            return None
        if len(value) > self.max_length:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            start = datetime.fromisoformat(value)
        except ValueError as exc:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc
        if start.utcoffset() is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        # Years near 1 or 9999 parse, but the slot arithmetic around them overflows.
        if not MIN_YEAR <= start.year <= MAX_YEAR:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return start


class SlotForm(forms.Form):
    start = SlotField()
    # The studio date whose slots were on screen, so a re-shown form shows the same day.
    date = forms.DateField(required=False)
    timezone = forms.CharField(required=False, max_length=64)

    def clean_date(self):
        day = self.cleaned_data.get("date")
        # A day outside the bookable years shows today's slots instead of failing.
        return day if day and MIN_YEAR <= day.year <= MAX_YEAR else None


class BookingForm(SlotForm):
    name = forms.CharField(max_length=DETAIL_LENGTHS["name"], error_messages={"required": _("Tell us your name.")})
    email = forms.EmailField(max_length=DETAIL_LENGTHS["email"], error_messages={
        "required": _("We need your email to send the confirmation."),
        "invalid": _("That email address does not look right."),
    })
    phone = forms.CharField(max_length=DETAIL_LENGTHS["phone"], required=False)
    notes = forms.CharField(max_length=DETAIL_LENGTHS["notes"], required=False, widget=forms.Textarea)
    idempotency_key = forms.CharField(max_length=64, required=False)
    website = forms.CharField(required=False)

    def clean_email(self) -> str:
        try:
            return clean_address(self.cleaned_data["email"])
        except RefusedAddress as exc:
            raise forms.ValidationError(f"We cannot send email to that address: {exc}") from exc

    def clean_name(self) -> str:
        name = clean_text(self.cleaned_data["name"], keep_newlines=False)
        if not name:
            raise forms.ValidationError(_("Tell us your name."))
        return name

    def clean_phone(self) -> str:
        return clean_text(self.cleaned_data["phone"], keep_newlines=False)

    def clean_notes(self) -> str:
        return clean_text(self.cleaned_data["notes"], keep_newlines=True)

    @property
    def is_bot(self) -> bool:
        """A person never sees the honeypot field, so any value in it came from a script."""
        return bool(self.data.get(HONEYPOT_FIELD, "").strip())


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=500, required=False, widget=forms.Textarea)

    def clean_reason(self) -> str:
        return clean_text(self.cleaned_data["reason"], keep_newlines=False)
