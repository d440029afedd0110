"""A refused booking or change in the page's language (the API keeps the core's English text)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from booksync.bookings.errors import BookingError


def _messages() -> dict[str, str]:
    return {
        "in_past": _("That time is in the past."),
        "inside_minimum_notice": _("That time is too soon: the studio needs more notice."),
        "beyond_horizon": _("That time is too far ahead: bookings are not open yet."),
        "outside_hours": _("The studio is not open at that time."),
        "not_on_slot": _("Sessions start on the studio's slot times; pick one of the offered slots."),
        "slot_unavailable": _("That time is no longer available."),
        "changes_closed": _("Online changes are closed for this booking. Please contact the studio."),
        "too_many_bookings:active": _("This email address already has the most upcoming bookings we take "
                                      "online. Contact the studio to book more."),
        "too_many_bookings:email": _("Many bookings were just made for this email address; try again later "
                                     "or contact the studio."),
        "too_many_bookings:client": _("Many bookings were just made from your connection; try again later "
                                      "or contact the studio."),
        "calendar_unavailable": _("The studio's calendar cannot be reached right now, so we cannot confirm "
                                  "this time. Please try again in a few minutes."),
    }


def problem_text(error: BookingError) -> str:
    messages = _messages()
    reason = getattr(error, "reason", None)  # a refusal with several causes words each one
    text = messages.get(f"{error.code}:{reason}") if reason else None
    return text or messages.get(error.code, _("That did not work. Please try again or contact the studio."))
