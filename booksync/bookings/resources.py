"""People and rooms: what a booking occupies (ADR 0017). Imported by models.py.

A resource with no weekly hours of its own keeps the studio's; its own date overrides win on
their dates over the studio's. ``BookingResource`` holds one booking's claim on one resource,
with copies of the booking's blocked range and whether it is active: on PostgreSQL an exclusion
constraint over (resource, blocked range) refuses two active claims that overlap.
"""

from __future__ import annotations

import secrets

from django.db import models

from .models import DateRange, WeeklyRange  # defined before models.py imports this module


def _feed_token() -> str:
    return secrets.token_urlsafe(24)


class ResourceKind(models.TextChoices):
    PERSON = "person", "Person"
    ROOM = "room", "Room"


class Resource(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    kind = models.CharField(max_length=10, choices=ResourceKind.choices, default=ResourceKind.PERSON)
    bio = models.TextField(blank=True, max_length=1000)
    photo_url = models.URLField(blank=True)
    order = models.PositiveIntegerField(default=0, help_text="Ties in the choice for \"anyone\" go to the lower order.")
    active = models.BooleanField(default=True)
    calendar = models.CharField(
        max_length=500, blank=True,
        help_text="Google: a calendar id on the studio's account; CalDAV: a calendar name or URL on the same "
                  "server. Blank: the studio's calendar, events tagged with this name.")
    feed_token = models.CharField(max_length=64, default=_feed_token, unique=True)
    services = models.ManyToManyField("bookings.Service", related_name="resources", blank=True,
                                      help_text="The services this person takes, or the room may be used for.")

    class Meta:
        ordering = ["kind", "order", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_person(self) -> bool:
        return self.kind == ResourceKind.PERSON


class ResourceHours(WeeklyRange):
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="weekly_hours")

    class Meta(WeeklyRange.Meta):
        verbose_name_plural = "resource weekly hours"

    def __str__(self) -> str:
        return f"{self.resource} {self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class ResourceOverride(DateRange):
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="overrides")

    def __str__(self) -> str:
        return f"{self.resource} {super().__str__()}"


class BookingResource(models.Model):
    """One booking's claim on one resource; written with the booking, never alone."""

    booking = models.ForeignKey("bookings.Booking", on_delete=models.CASCADE, related_name="claims")
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="claims")
    blocked_start = models.DateTimeField()
    blocked_end = models.DateTimeField()
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["booking", "resource"], name="booking_resource_once"),
            models.CheckConstraint(condition=models.Q(blocked_end__gt=models.F("blocked_start")),
                                   name="booking_resource_end_after_start"),
        ]
        indexes = [models.Index(fields=["resource", "blocked_start"], name="claim_resource_start")]

    def __str__(self) -> str:
        return f"{self.resource} · {self.blocked_start:%Y-%m-%d %H:%M}"
