"""SendGrid's event webhook, mounted only when it can be authenticated.

django-anymail accepts unauthenticated events (with a warning) when no
webhook secret is set, and a forged "bounced" event would mark a real email
as undeliverable. So the endpoint answers 401 until ``ANYMAIL_WEBHOOK_SECRET``
(basic auth) or SendGrid's signature key is configured, and clients whose
calls keep being refused are slowed down like the other webhooks'. Only the
SendGrid tracking view of anymail is mounted; booksync uses no other.
"""

from __future__ import annotations

import json
from functools import wraps

from anymail.webhooks.sendgrid import SendGridTrackingWebhookView
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from .bad_requests import problem
from .ratelimits import guard_webhook

app_name = "anymail"


class MalformedEvents(SuspiciousOperation):
    """Not a batch of SendGrid events (Django answers 400)."""


# Fields whose type anymail (and our delivery-status receiver) rely on.
_TEXT_FIELDS = ("event", "type", "reason", "response", "anymail_id", "smtp-id", "sg_message_id", "sg_event_id",
                "email")


def _plausible(event) -> bool:
    if not isinstance(event, dict) or not isinstance(event.get("event"), str):
        return False
    if any(key in event and not isinstance(event[key], str) for key in _TEXT_FIELDS):
        return False
    stamp = event.get("timestamp", 0)
    return isinstance(stamp, int | float) and not isinstance(stamp, bool) and 0 <= stamp < 2**33


class SendGridTrackingView(SendGridTrackingWebhookView):
    """anymail's view, refusing malformed batches before its parser meets them (it would raise a 500).

    Only reached once the request is authenticated: anymail checks the secret first.
    """

    def parse_events(self, request):
        try:
            events = json.loads(request.body)
        except (ValueError, RecursionError) as exc:
            raise MalformedEvents("The body is not JSON.") from exc
        if not isinstance(events, list) or not all(_plausible(event) for event in events):
            raise MalformedEvents("The body is not a list of SendGrid events.")
        return [self.esp_to_anymail_event(event) for event in events]


def authenticated() -> bool:
    conf = settings.ANYMAIL
    return bool(conf.get("WEBHOOK_SECRET") or conf.get("SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY"))


def closed_without_secret(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not authenticated():
            return problem(401, "The delivery-status webhook is closed: set ANYMAIL_WEBHOOK_SECRET.")
        return view(request, *args, **kwargs)

    return wrapped


urlpatterns = [
    path("sendgrid/tracking/", csrf_exempt(guard_webhook(closed_without_secret(SendGridTrackingView.as_view()))),
         name="sendgrid_tracking_webhook"),
]
