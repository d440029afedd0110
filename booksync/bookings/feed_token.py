"""The studio feed's secret address: shown to the admin, replaced on demand."""

from __future__ import annotations

import logging

from django.conf import settings

from .models import Studio, _feed_token

log = logging.getLogger("booksync.feed")


def feed_url(studio: Studio) -> str:
    return f"{settings.SITE_URL}/calendar/{studio.feed_token}.ics"


def rotate_feed_token() -> Studio:
    """A new token: subscribers of the old address see nothing more (it answers 404)."""
    studio = Studio.load()
    studio.feed_token = _feed_token()
    studio.save(update_fields=["feed_token"])
    log.info("rotated the studio calendar feed's address")
    return studio
