"""Public holidays close the studio: the studio names a country (and region), the `holidays` library knows the dates.

A holiday is a closed day unless the studio has a date override for it (the
owner re-opens a single day by giving it hours).
"""

from __future__ import annotations

from datetime import date, timedelta

import holidays

from .models import Studio


def holidays_between(studio: Studio, first: date, last: date) -> dict[date, str]:
    """The studio's public holidays in ``[first, last]``, date → name (empty if no country is set)."""
    if not studio.holiday_country:
        return {}
    calendar = holidays.country_holidays(studio.holiday_country.upper(), subdiv=studio.holiday_region.upper() or None,
                                         years=range(first.year, last.year + 1))
    return {day: name for day, name in sorted(calendar.items()) if first <= day <= last}


def closed_holidays(studio: Studio, first: date, last: date) -> dict[date, str]:
    """Holidays in the range that the studio has not re-opened."""
    reopened = set(studio.overrides.filter(date__range=(first, last)).values_list("date", flat=True))
    return {day: name for day, name in holidays_between(studio, first, last).items() if day not in reopened}


def horizon(studio: Studio, today: date) -> tuple[date, date]:
    """The dates availability can reach: yesterday (zones behind) to past the booking horizon."""
    return today - timedelta(days=1), today + timedelta(days=studio.horizon_days + 2)
