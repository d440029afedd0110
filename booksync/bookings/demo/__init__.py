"""A demo studio so a fresh checkout has something to book (idempotent)."""

from __future__ import annotations

from datetime import time

from ..models import Resource, ResourceKind, Service, Studio, WeeklyHours
from ..staffing import default_person
from .texts import load_demo_texts

DEMO_SERVICES = [
    ("Portrait session", "portrait", 60, "An hour in the studio: individual portraits, several looks.", "£120"),
    ("Family session", "family", 90, "Up to six people, relaxed and playful.", "£180"),
    ("Mini session", "mini", 30, "A quick update of your profile picture.", "£60"),
]
# What each demo service takes online (ADR 0018): Portrait at the studio, Family a 30 % deposit,
# Mini in full. Without Stripe configured all of it reads "to pay at the studio".
DEMO_PAYMENTS = {
    "portrait": (12000, "GBP", "none", None),
    "family": (18000, "GBP", "deposit_percent", 30),
    "mini": (6000, "GBP", "full", None),
}
# Alex and Sam both take Portrait and Mini, only Alex takes Family, which also needs the Big room.
DEMO_PEOPLE = [
    ("Alex", "alex", "Portraits and families; fifteen years behind the camera.", ("portrait", "mini", "family")),
    ("Sam", "sam", "Bright, quick portraits and profile pictures.", ("portrait", "mini")),
]
DEMO_ROOMS = [("Big room", "big-room", ("family",))]
DEMO_HOURS = {0: [(9, 17)], 1: [(9, 17)], 2: [(9, 12), (13, 19)], 3: [(9, 17)], 4: [(9, 17)], 5: [(10, 16)]}


def load_demo(*, team: bool = True) -> Studio:
    """The demo studio. ``team``: with Alex, Sam and the Big room (what ``make run`` loads); without, a
    one-person studio, as every install was before people and rooms (the test suite's ``studio``)."""
    studio = Studio.load()
    if studio.name == "Studio":  # untouched default: give it the demo identity
        studio.name = "Memories Studio"
        studio.tagline = "Photo sessions for people and families"
        studio.about = "A small portrait studio. Pick a session, choose a time, and we will see you there."
        studio.contact_email = "hello@studio.example"
        studio.contact_phone = "+44 20 7946 0000"
        studio.address = "1 Example Street, London"
        studio.save()
    for position, (name, slug, minutes, description, price) in enumerate(DEMO_SERVICES):
        amount, currency, rule, deposit = DEMO_PAYMENTS[slug]
        Service.objects.get_or_create(
            slug=slug,
            defaults={"studio": studio, "name": name, "duration_minutes": minutes, "description": description,
                      "price": price, "position": position, "price_amount": amount, "price_currency": currency,
                      "payment_rule": rule, "deposit_value": deposit},
        )
    if not Resource.objects.exists():
        if team:
            _load_team()
        else:
            default_person()
    if not studio.weekly_hours.exists():
        for weekday, ranges in DEMO_HOURS.items():
            for start, end in ranges:
                WeeklyHours.objects.create(studio=studio, weekday=weekday, start=time(start), end=time(end))
    load_demo_texts(studio)  # translations and the Family session's questions (ADR 0019, 0020)
    return studio


def _load_team() -> None:
    Service.objects.filter(slug__in={s for _n, _s, services in DEMO_ROOMS for s in services}).update(needs_room=True)
    for order, (name, slug, bio, services) in enumerate(DEMO_PEOPLE):
        person = Resource.objects.create(name=name, slug=slug, kind=ResourceKind.PERSON, bio=bio, order=order)
        person.services.set(Service.objects.filter(slug__in=services))
    for order, (name, slug, services) in enumerate(DEMO_ROOMS):
        room = Resource.objects.create(name=name, slug=slug, kind=ResourceKind.ROOM, order=order)
        room.services.set(Service.objects.filter(slug__in=services))
