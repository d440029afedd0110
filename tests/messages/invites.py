"""Reading back the invites the tests receive, with the icalendar parser."""

from __future__ import annotations

from icalendar import Calendar, Event


def parse_invite(ics: bytes) -> tuple[Calendar, Event]:
    """Parse an .ics and check what every invite we send must hold; return it and its event."""
    calendar = Calendar.from_ical(ics)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    event = events[0]
    for prop in ("UID", "SEQUENCE", "DTSTAMP", "DTSTART", "DTEND", "ORGANIZER", "ATTENDEE", "SUMMARY"):
        assert prop in event, f"invite lacks {prop}"
    zones = [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")]
    assert event["DTSTART"].params["TZID"] in zones, "DTSTART's zone has no VTIMEZONE"
    assert event.decoded("DTEND") > event.decoded("DTSTART")
    return calendar, event
