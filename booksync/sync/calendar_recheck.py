"""After a calendar outage: check each booking accepted without the live calendar, and flag clashes (ADR 0012).

Under CALENDAR_OUTAGE_POLICY=accept a booking made while the calendar could
not be read owes an outbox message of topic ``calendar_check``. The outbox
retries it through the outage; once the calendar answers, the handler reads
the events over the booking's time that booksync did not write. Any such event
is a clash nobody saw when the booking was taken: it goes on the dashboard (an
audit entry ``calendar_clash``) and to the studio by email (kind
``studio_calendar_clash``). Nothing is moved or cancelled automatically; the
studio decides with the customer.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone

from booksync.bookings.models import ACTIVE_STATUSES, Booking, Studio
from booksync.integrations.registry import calendar_store
from booksync.scheduling import Interval

from . import outbox
from .models import AuditEntry

CLASH_ACTION = "calendar_clash"
STUDIO_CALENDAR_CLASH = "studio_calendar_clash"  # the email kind (topic "email") the studio receives


def recheck(message) -> str | None:
    """Outbox handler for topic ``calendar_check``."""
    booking = Booking.objects.filter(pk=message.booking_id).first()
    if booking is None or not booking.is_active:
        return None  # cancelled meanwhile: nothing left to clash
    window = Interval(booking.blocked_start, booking.blocked_end)
    clashes = calendar_store().foreign_events(window)
    if clashes:
        flag(booking, [{"id": event.external_id, "summary": event.name,
                        "start": event.start.isoformat(), "end": event.end.isoformat()} for event in clashes])
    return None


def flag(booking: Booking, events: list[dict]) -> None:
    """Tell the studio: on the dashboard and by email, once per booking version."""
    AuditEntry.objects.get_or_create(
        booking=booking, action=CLASH_ACTION, detail__version=booking.version,
        defaults={"actor": AuditEntry.Actor.SYSTEM, "detail": {"version": booking.version, "events": events}},
    )
    outbox.record("email", STUDIO_CALENDAR_CLASH, f"email:{booking.pk}:{STUDIO_CALENDAR_CLASH}:v{booking.version}",
                  booking=booking, payload={"kind": STUDIO_CALENDAR_CLASH, "events": events})
    outbox.wake_worker()


def open_clashes(limit: int = 20) -> list[AuditEntry]:
    """Clashes the studio has not acted on (the dashboard's list).

    A clash stays listed while its booking is active, upcoming and unchanged since it was
    flagged; moving or cancelling the booking settles it (a move owes its own check if the
    calendar is still down).
    """
    entries = (AuditEntry.objects.filter(action=CLASH_ACTION, booking__status__in=ACTIVE_STATUSES,
                                         booking__end__gte=timezone.now())
               .select_related("booking").order_by("-at"))
    return [entry for entry in entries if entry.detail.get("version") == entry.booking.version][:limit]


def studio_clash_email(message) -> EmailMessage | None:
    """The studio's alert for one flagged booking (None when the studio has no contact address)."""
    studio = Studio.load()
    if not studio.contact_email:
        return None
    booking = message.booking
    zone = ZoneInfo(studio.timezone)
    when = booking.start.astimezone(zone).strftime("%a %d %b %Y %H:%M")
    lines = [
        "While the calendar could not be reached, booksync accepted this booking against the calendar's "
        "last known busy time:",
        "",
        f"  {booking.service_name} – {booking.name}, {when} ({studio.timezone})",
        "",
        "Now that the calendar answers again, it shows at the same time:",
        "",
        *[f"  {event['summary'] or '(no title)'}: {_local(event['start'], zone)} – {_local(event['end'], zone)}"
          for event in message.payload.get("events", [])],
        "",
        "Nothing was changed automatically. Move one of them or contact the customer:",
        f"{settings.SITE_URL}{reverse('admin:bookings_booking_change', args=[booking.pk])}",
    ]
    return EmailMessage(subject=f"Calendar clash: {booking.service_name} – {booking.name}, {when}",
                        body="\n".join(lines), to=[studio.contact_email])


def _local(stamp: str, zone: ZoneInfo) -> str:
    return datetime.fromisoformat(stamp).astimezone(zone).strftime("%a %d %b %H:%M")
