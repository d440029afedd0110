"""iCalendar invites: one stable UID per booking, a rising SEQUENCE, the studio's VTIMEZONE.

The same builder serves the email attachments (METHOD:REQUEST / CANCEL), the
"Add to calendar" download and the studio's .ics feed (METHOD:PUBLISH).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from booksync.bookings.text import defused
from booksync.bookings.tokens import manage_url

from .event_text import customer_invite
from .who import with_whom

PRODID = "-//booksync//bookings//EN"


def booking_uid(booking) -> str:
    return f"{booking.pk}@booksync"


def _calendar(method: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    return cal


def _organizer(studio) -> vCalAddress:
    email = settings.DEFAULT_FROM_EMAIL or studio.contact_email or "bookings@localhost"
    organizer = vCalAddress(f"mailto:{email}")
    organizer.params["cn"] = vText(defused(studio.name))
    return organizer


def booking_event(booking, studio, *, method: str = "REQUEST", now: datetime | None = None) -> Event:
    tz = ZoneInfo(studio.timezone)
    event = Event()
    event.add("uid", booking_uid(booking))
    event.add("sequence", booking.sequence)
    event.add("dtstamp", now or timezone.now())
    event.add("dtstart", booking.start.astimezone(tz))
    event.add("dtend", booking.end.astimezone(tz))
    # In the active language: emails render their invite inside the booking's language.
    summary, description = customer_invite(booking.service_name, studio.name, booking.name, manage_url(booking))
    photographer, room = with_whom(booking)
    if photographer:  # a studio of several: the invite says with whom (and where)
        description = f"{_('With %(name)s') % {'name': photographer}}{f' · {room}' if room else ''}\n{description}"
    # Every text by ``text.defused``'s rule: a line break other than LF would end the content line.
    event.add("summary", defused(summary))
    event.add("description", defused(description, multiline=True))
    if studio.address:
        event.add("location", defused(studio.address, multiline=True))
    event.add("organizer", _organizer(studio))
    if booking.email:
        attendee = vCalAddress(f"mailto:{booking.email}")
        attendee.params["cn"] = vText(defused(booking.name))
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = vText("ACCEPTED" if method != "CANCEL" else "DECLINED")
        attendee.params["rsvp"] = vText("FALSE")
        event.add("attendee", attendee)
    cancelled = method == "CANCEL" or not booking.is_active
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event


def booking_ics(booking, studio, method: str = "REQUEST") -> bytes:
    """A one-event calendar for an email attachment or download."""
    cal = _calendar(method)
    cal.add_component(booking_event(booking, studio, method=method))
    cal.add_missing_timezones()
    return cal.to_ical()


def feed_ics(studio, bookings, blocks, *, with_names: bool = False, name: str = "") -> bytes:
    """The studio's busy time as a subscribable feed.

    Each booking reads only "Booked" unless ``with_names`` (CALENDAR_FEED_DETAILS=names):
    whoever holds the feed's address must not learn customers' names by default.
    """
    cal = _calendar("PUBLISH")
    cal.add("x-wr-calname", defused(name or studio.name))
    cal.add("x-wr-timezone", studio.timezone)
    tz = ZoneInfo(studio.timezone)
    stamp = timezone.now()
    for booking in bookings:
        event = Event()
        event.add("uid", booking_uid(booking))
        event.add("sequence", booking.sequence)
        event.add("dtstamp", stamp)
        event.add("dtstart", booking.start.astimezone(tz))
        event.add("dtend", booking.end.astimezone(tz))
        event.add("summary", defused(f"{booking.service_name}: {booking.name}") if with_names else "Booked")
        event.add("status", "CONFIRMED")
        cal.add_component(event)
    for block in blocks:
        event = Event()
        event.add("uid", f"block-{block.pk}@booksync")
        event.add("dtstamp", stamp)
        event.add("dtstart", block.start.astimezone(tz))
        event.add("dtend", block.end.astimezone(tz))
        event.add("summary", defused(block.reason) or "Blocked")
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
