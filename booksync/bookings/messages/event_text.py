"""What a booking's calendar events say: written once here for every calendar.

The studio's event (Google, CalDAV) names the service and the customer and lists their
contact details and notes. Its last line is the booking's admin page, behind the admin
login, for staff reading the studio calendar; where the calendar itself invites the
customer (Google with INVITES_VIA=calendar), the customer reads the event too, and the
last line is their manage link instead: that link lets whoever holds it reschedule or
cancel, so it goes only where the customer reads. The customer's own invite (.ics
attached to emails) is ``customer_invite``, in the customer's language; its title is
also the "Add to calendar" links' (calendar_links.py).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from booksync.bookings.questions.answers import answer_line

DEFAULT_SERVICE = "Session"


def studio_event_title(service: str, name: str) -> str:
    return f"{service or DEFAULT_SERVICE} – {name}"


def studio_event_lines(service: str, studio_name: str, name: str, email: str, phone: str, notes: str,
                       answers: list[tuple[str, str]] | None = None) -> list[str]:
    """The event text before its last line (the link); ``answers``: (question, answer) pairs."""
    lines = [f"{service or DEFAULT_SERVICE} at {studio_name}", "", f"Customer: {name}"]
    lines += [f"Email: {email}"] if email else []
    lines += [f"Phone: {phone}"] if phone else []
    lines += ["", *(answer_line(label, value) for label, value in answers)] if answers else []
    lines += ["", notes] if notes else []
    return lines


def with_link(lines: list[str], *, manage_url: str = "", admin_url: str = "") -> str:
    """The event text ending in the customer's manage link, or else the booking's admin page."""
    last = f"Change or cancel: {manage_url}" if manage_url else f"Booking in booksync: {admin_url}"
    return "\n".join([*lines, "", last])


def customer_event_title(service: str, studio_name: str) -> str:
    """The title of the event in the customer's own calendar (the .ics invite, "Add to calendar" links)."""
    return f"{service} · {studio_name}"


def customer_invite(service: str, studio_name: str, name: str, manage_url: str) -> tuple[str, str]:
    """(summary, description) of the customer's invite, in the active language."""
    description = _("Booking for %(name)s.\nManage or cancel: %(url)s") % {"name": name, "url": manage_url}
    return customer_event_title(service, studio_name), description
