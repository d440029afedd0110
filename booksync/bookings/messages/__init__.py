"""The messages a booking sends: every email the customer and the studio get, the .ics, the
event text, the formats and sentences they share, reminders, mail limits and delivery status.

The wing sits under ``bookings`` and is used by its doors; it never imports one (services.py,
studio_edits.py, external.py), so a message can be rendered without writing a booking
(docs/decisions/0015-house-by-audience.md).
"""
