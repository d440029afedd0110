"""The time-zone picker's choices: one entry per real zone, named by its city, with today's offset.

The ids are CLDR's canonical zones (the ones browsers report through Intl), so
aliases such as ``Asia/Calcutta`` beside ``Asia/Kolkata`` or ``US/Eastern``
never appear; an alias arriving from a browser or an old booking is mapped to
its canonical zone. The city names come from CLDR in the page's language
("Wien", "New York").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from zoneinfo import available_timezones

from babel.core import get_global

from booksync.bookings.messages import formats

_LEGACY_PREFIXES = ("Etc/", "SystemV/", "US/", "posix", "right/")

# Shown first: where most customers of small studios in Europe and North America are.
COMMON_ZONES = (
    "Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Paris", "Europe/Berlin", "Europe/Madrid",
    "Europe/Rome", "Europe/Amsterdam", "Europe/Brussels", "Europe/Zurich", "Europe/Vienna",
    "Europe/Stockholm", "Europe/Warsaw", "Europe/Athens", "Europe/Helsinki", "Europe/Istanbul",
    "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Toronto",
    "America/Sao_Paulo", "Asia/Dubai", "Asia/Kolkata", "Asia/Singapore", "Asia/Tokyo",
    "Australia/Sydney", "Pacific/Auckland",
)


@dataclass(frozen=True)
class ZoneChoice:
    id: str
    label: str  # "New York (UTC−05:00)"
    city: str


@cache
def aliases() -> dict[str, str]:
    """Alias → canonical zone, for every alias whose canonical zone is offered."""
    offered = set(canonical_zones())
    return {alias: target for alias, target in get_global("zone_aliases").items() if target in offered}


@cache
def canonical_zones() -> tuple[str, ...]:
    known_aliases = get_global("zone_aliases")
    return tuple(sorted(
        name for name in available_timezones()
        if "/" in name and not name.startswith(_LEGACY_PREFIXES) and name not in known_aliases
    ))


def canonical(name: str) -> str:
    return aliases().get(name, name)


def choice(zone: str, language: str, now: datetime) -> ZoneChoice:
    return ZoneChoice(zone, formats.zone_label(zone, language, now), formats.city(zone, language))


def zone_choices(language: str, now: datetime) -> tuple[list[ZoneChoice], list[ZoneChoice]]:
    """(common zones, every other zone sorted by city name), labelled in ``language``."""
    offered = set(canonical_zones())
    common = [choice(zone, language, now) for zone in COMMON_ZONES if zone in offered]
    rest = sorted((choice(zone, language, now) for zone in offered - set(COMMON_ZONES)),
                  key=lambda c: c.city.casefold())
    return common, rest
