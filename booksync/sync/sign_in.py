"""A calendar that refuses the studio's sign-in (Google's ``invalid_grant``, ADR 0016).

The refusal is retryable: every owed calendar write waits in the outbox with its backoff. The
studio hears of it once per refusal, not once per message: the first push refused marks it
(one ``SyncState`` row, created atomically, so two workers cannot both mark it) and owes one
alert; the first push that lands again clears the mark, so a later refusal is told again. The
dashboard and ``booksync doctor`` give the same one sentence (``google_api.SIGN_IN_AGAIN``).
"""

from __future__ import annotations

from django.utils import timezone

from booksync.bookings.messages import studio_mail
from booksync.bookings.messages.sentences import admin_link
from booksync.bookings.models import Booking
from booksync.outbox import effects

from .models import SyncState

MARK = "calendar:sign-in-refused"
ACTION = "calendar_sign_in_refused"


def refused(booking: Booking, sentence: str) -> bool:
    """A push met the refusal; True when this is the first of the episode (the studio is told)."""
    _, first = SyncState.objects.get_or_create(name=MARK, defaults={"value": timezone.now().isoformat()})
    if first:
        notice = studio_mail.notice(booking, ACTION, subject="Sign in to Google again",
                                    text=f"{sentence} Meanwhile booksync keeps every booking, and writes each one "
                                         "to the calendar once you have signed in.",
                                    link=admin_link(booking), alert=True)
        if notice is not None:
            effects.owe(booking, notice)
    return first


def answered() -> None:
    """A calendar write landed: any refusal is over."""
    SyncState.objects.filter(name=MARK).delete()


def refused_since() -> str | None:
    """When the calendar started refusing the sign-in (ISO time), or None."""
    return SyncState.get(MARK)
