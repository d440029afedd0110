"""Why a booking request was refused, in words the API and the pages can show."""

from __future__ import annotations


class BookingError(Exception):
    status = 422
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code

    def as_json(self) -> dict:
        body = {"error": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        return body


class SlotUnavailable(BookingError):
    status = 409
    code = "slot_unavailable"


class ChangesClosed(BookingError):
    status = 409
    code = "changes_closed"


class IdempotencyConflict(BookingError):
    status = 409
    code = "idempotency_key_reused"


class NotFound(BookingError):
    status = 404
    code = "not_found"


# Reason codes from the pure core → what a customer reads.
SLOT_PROBLEMS = {
    "in_past": "That time is in the past.",
    "inside_minimum_notice": "That time is too soon: the studio needs more notice.",
    "beyond_horizon": "That time is too far ahead: bookings are not open yet.",
    "outside_hours": "The studio is not open at that time.",
    "not_on_slot": "Sessions start on the studio's slot times; pick one of the offered slots.",
    "unavailable": "That time is no longer available.",
}


def slot_error(reason: str) -> BookingError:
    message = SLOT_PROBLEMS.get(reason, reason)
    if reason == "unavailable":
        return SlotUnavailable(message, field="start")
    return BookingError(message, code=reason, field="start")


class CalendarUnavailable(BookingError):
    """CALENDAR_OUTAGE_POLICY=refuse and the studio's calendar cannot be read: try again later."""

    status = 503
    code = "calendar_unavailable"
    retry_after = 120  # seconds; the calendar's own outages are usually short

    def __init__(self, message: str = "The studio's calendar cannot be reached right now, so we cannot confirm "
                                      "this time. Please try again in a few minutes.") -> None:
        super().__init__(message)
