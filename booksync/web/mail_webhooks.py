"""SendGrid's event webhook, mounted only when it can be authenticated.

django-anymail accepts unauthenticated events (with a warning) when no
webhook secret is set, and a forged "bounced" event would mark a real email
as undeliverable. So the endpoint answers 401 until ``ANYMAIL_WEBHOOK_SECRET``
(basic auth) or SendGrid's signature key is configured, and clients whose
calls keep being refused are slowed down like the other webhooks'. Only the
SendGrid tracking view of anymail is mounted; booksync uses no other.
"""

from __future__ import annotations

from functools import wraps

from anymail.webhooks.sendgrid import SendGridTrackingWebhookView
from django.conf import settings
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from .bad_requests import problem
from .ratelimits import guard_webhook

app_name = "anymail"


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
    path("sendgrid/tracking/", csrf_exempt(guard_webhook(closed_without_secret(SendGridTrackingWebhookView.as_view()))),
         name="sendgrid_tracking_webhook"),
]
