"""The secret addresses: manage-link tokens, and the studio feed's secret address (at the end).

Manage-link tokens.

A token is HMAC-SHA256(SECRET_KEY, booking id + a 128-bit random salt), so it
is unguessable, can be derived again for later emails without being stored,
and a database leak alone reveals nothing usable. Only its SHA-256 is stored,
as the lookup key; the lookup result is compared again in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets

from django.conf import settings

from .models import Booking, Studio, _feed_token


def new_salt() -> str:
    return secrets.token_hex(16)


def derive(booking_id, salt: str) -> str:
    mac = hmac.new(settings.SECRET_KEY.encode(), f"manage:{booking_id}:{salt}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def assign(booking) -> str:
    """Give ``booking`` a fresh token (invalidating any old one) and return it."""
    booking.manage_salt = new_salt()
    token = derive(booking.pk, booking.manage_salt)
    booking.manage_token_hash = token_hash(token)
    return token


def token_for(booking) -> str:
    return derive(booking.pk, booking.manage_salt)


def find(token: str):
    """The booking a token opens, or None."""

    if not token or len(token) > 100:
        return None
    booking = Booking.objects.select_related("service").filter(manage_token_hash=token_hash(token)).first()
    if booking is None or not hmac.compare_digest(token_for(booking), token):
        return None
    return booking


def manage_url(booking) -> str:
    return f"{settings.SITE_URL}/manage/{token_for(booking)}/"


# --- the studio feed's secret address: shown to the admin, replaced on demand ---------------------
feed_log = logging.getLogger("booksync.feed")



def feed_url(studio: Studio) -> str:
    return f"{settings.SITE_URL}/calendar/{studio.feed_token}.ics"


def rotate_feed_token() -> Studio:
    """A new token: subscribers of the old address see nothing more (it answers 404)."""
    studio = Studio.load()
    studio.feed_token = _feed_token()
    studio.save(update_fields=["feed_token"])
    feed_log.info("rotated the studio calendar feed's address")
    return studio
