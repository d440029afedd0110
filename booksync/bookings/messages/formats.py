"""Dates and times as the customer's locale writes them, through Babel (CLDR data).

A locale is a BCP 47 tag ("en-US", "en-GB", "de"): its language picks the
translation, its region the clock (12- or 24-hour), the order of day and month
and the first day of the week. The pages and the emails format through here
so both say the same thing the same way.
"""

from __future__ import annotations

import contextlib
import re
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.dates import (
    format_date,
    format_datetime,
    format_skeleton,
    format_time,
    get_timezone_location,
    match_skeleton,
)

FALLBACK = "en"


@cache
def babel_locale(tag: str | None) -> Locale:
    """The Babel locale of ``tag``; a bare language gets its most likely region (en → en_US)."""
    tag = (tag or FALLBACK).replace("_", "-")
    try:
        locale = Locale.parse(tag, sep="-")
    except (UnknownLocaleError, ValueError):
        locale = Locale.parse(FALLBACK)
    if locale.territory is None:
        likely = get_global("likely_subtags").get(locale.language, "")
        region = likely.split("_")[-1] if likely.count("_") else ""
        if region.isalpha() and region.isupper():
            with contextlib.suppress(UnknownLocaleError, ValueError):
                locale = Locale.parse(f"{locale.language}_{region}")
    return locale


def regional_tag(language: str, zone: str) -> str:
    """``language`` as spoken where ``zone`` is ("en" + Europe/London → "en-GB"), when CLDR has it."""
    territory = get_global("zone_territories").get(zone, "")
    try:
        Locale.parse(f"{language}_{territory}")
    except (UnknownLocaleError, ValueError):
        return language
    return f"{language}-{territory}"


def locale_tag(tag: str | None) -> str:
    """``tag`` as the browser's Intl API takes it ("en-US")."""
    locale = babel_locale(tag)
    return f"{locale.language}-{locale.territory}" if locale.territory else locale.language


def time_label(moment: datetime, tag: str | None) -> str:
    """"4:00 PM" (en-US) or "16:00" (en-GB, de, fr), in the zone ``moment`` carries."""
    return format_time(moment, "short", tzinfo=moment.tzinfo, locale=babel_locale(tag))


@cache
def _day_pattern(tag: str) -> str:
    locale = babel_locale(tag)
    best = match_skeleton("MMMMEEEEd", locale.datetime_skeletons)
    pattern = locale.datetime_skeletons[best].pattern if best else "EEEE d MMMM"
    # The nearest CLDR skeleton may abbreviate; a page heading spells weekday and month out.
    pattern = re.sub(r"E+", "EEEE", pattern)
    return re.sub(r"(?<!M)M{3}(?!M)", "MMMM", pattern)


def day_label(moment: datetime, tag: str | None) -> str:
    """"Monday, November 30" (en-US), "Monday 30 November" (en-GB), "Montag, 30. November" (de)."""
    return format_datetime(moment, _day_pattern(tag or FALLBACK), tzinfo=moment.tzinfo, locale=babel_locale(tag))


def full_date(moment: datetime, tag: str | None) -> str:
    """"Monday, November 30, 2026" (en-US), "Montag, 30. November 2026" (de)."""
    return format_date(moment.date() if isinstance(moment, datetime) else moment, "full", locale=babel_locale(tag))


def short_weekday(moment: datetime, tag: str | None) -> str:
    return format_datetime(moment, "EEE", tzinfo=moment.tzinfo, locale=babel_locale(tag))


def time_range(start: datetime, end: datetime, tag: str | None) -> str:
    return f"{time_label(start, tag)}–{time_label(end, tag)}"


def first_weekday(tag: str | None) -> int:
    """The first day of the week where the locale's region is (0 = Monday … 6 = Sunday)."""
    return babel_locale(tag).first_week_day


def short_day(moment: datetime, tag: str | None) -> str:
    """"Tue 15 Dec" (en-GB), "Tue, Dec 15" (en-US), "Di., 15. Dez." (de): the booking page's summary."""
    return format_skeleton("MMMEd", moment, tzinfo=moment.tzinfo, locale=babel_locale(tag))


def short_date(moment: datetime, tag: str | None) -> str:
    """"Mon, Nov 30, 2026" (en-US), "Mo., 30. Nov. 2026" (de): for email subjects."""
    return format_skeleton("yMMMEd", moment, tzinfo=moment.tzinfo, locale=babel_locale(tag))


def utc_offset(moment: datetime) -> str:
    """"UTC−05:00" (with a real minus sign): the offset ``moment`` carries."""
    minutes = int(moment.utcoffset().total_seconds() // 60)
    sign = "+" if minutes >= 0 else "\u2212"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


@cache
def city(zone: str, tag: str) -> str:
    """The zone's city in the locale's language ("Wien" in German), from CLDR."""
    try:
        return get_timezone_location(zone, locale=babel_locale(tag), return_city=True)
    except (LookupError, ValueError):
        return zone.rsplit("/", 1)[-1].replace("_", " ")


def zone_label(zone: str, tag: str | None, at: datetime) -> str:
    """"New York (UTC−05:00)": the zone's city and its offset at ``at``."""
    return f"{city(zone, tag or FALLBACK)} ({utc_offset(at.astimezone(ZoneInfo(zone)))})"
