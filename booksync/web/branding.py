"""The studio's colours as CSS custom properties, with text colours that stay readable on them."""

from __future__ import annotations

import re

from booksync.bookings.models import Studio

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
# Black, not a softer near-black: only black and white together guarantee 4.5:1 on every colour.
DARK_TEXT = "#000000"
LIGHT_TEXT = "#ffffff"
DEFAULT_PRIMARY = "#1f4e79"
DEFAULT_ACCENT = "#f2b134"


def _channel(value: int) -> float:
    srgb = value / 255
    return srgb / 12.92 if srgb <= 0.03928 else ((srgb + 0.055) / 1.055) ** 2.4


def luminance(color: str) -> float:
    """WCAG relative luminance of ``#rrggbb``."""
    red, green, blue = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(red) + 0.7152 * _channel(green) + 0.0722 * _channel(blue)


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def readable_on(background: str) -> str:
    """White or near-black, whichever contrasts more with ``background``."""
    return max((LIGHT_TEXT, DARK_TEXT), key=lambda text: contrast(text, background))


def _color(value: str, fallback: str) -> str:
    # The admin field is free text; anything but #rrggbb never reaches the stylesheet.
    return value if _HEX.match(value or "") else fallback


def brand(studio: Studio) -> dict[str, str]:
    primary = _color(studio.primary_color, DEFAULT_PRIMARY)
    accent = _color(studio.accent_color, DEFAULT_ACCENT)
    # Links and focus rings sit on white: use the primary colour only if it is dark enough there.
    ink = primary if contrast(primary, LIGHT_TEXT) >= 4.5 else DARK_TEXT
    return {
        "primary": primary,
        "on_primary": readable_on(primary),
        "accent": accent,
        "on_accent": readable_on(accent),
        "ink": ink,
    }
