"""The JSON API: the seed's endpoints plus bookings and manage links (OpenAPI at /api/openapi.json)."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI, Query, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer
from pydantic_core import to_json

from booksync.bearer import bearer_matches
from booksync.bookings import services, staffing
from booksync.bookings.availability import picker_cacheable, picker_rules, team_starts_for_days
from booksync.bookings.busy.cache import PickerCache
from booksync.bookings.calendar_outage import Reading, watching
from booksync.bookings.errors import BookingError, CalendarUnavailable, NotFound
from booksync.bookings.messages.payment_text import payment_of
from booksync.bookings.models import Booking, BookingStatus, Resource, Service, Studio
from booksync.bookings.questions.answers import question_json
from booksync.bookings.tokens import find as find_booking
from booksync.bookings.tokens import manage_url
from booksync.integrations.ports import IntegrationError
from booksync.payments import checkout
from booksync.payments.checkout import takes_payment
from booksync.payments.policy import refund_if_cancelled
from booksync.scheduling import StudioRules
from booksync.sync.engine import run_sync
from booksync.sync.health import health_report

from .booking_limits import check_booking_allowed
from .language import api_locale
from .schemas import (
    MAX_YEAR,
    MIN_YEAR,
    AvailabilityOut,
    BatchIn,
    BatchOut,
    BookingIn,
    BookingOut,
    CancelIn,
    Problem,
    RescheduleIn,
    ResourceOut,
    ServiceOut,
    SyncOut,
    clean_text,
)
from .slot_json import slots_json
from .webhooks import router as webhooks

api = NinjaAPI(
    title="booksync API",
    version="1",
    description="Availability, bookings and sync for a studio. Times are ISO 8601 with a UTC offset.",
    urls_namespace="api",
)
# Where the admin token is optional (it lifts limits or shows more): declared as either way. The
# scheme is ``AdminToken`` below (required on the admin endpoints).
OPTIONAL_ADMIN_TOKEN = {"security": [{}, {"AdminToken": []}]}


# --- errors: always a JSON body naming the problem -------------------------------------
@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = []
    for err in exc.errors:
        loc = [str(part) for part in err.get("loc", ()) if part not in ("body", "query", "path", "payload", "data")]
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        fields.append({"field": ".".join(loc) or None, "problem": msg})
    first = fields[0] if fields else {"field": None, "problem": "invalid request"}
    message = f"{first['field']}: {first['problem']}" if first["field"] else first["problem"]
    body = {"error": "invalid_request", "message": message, "field": first["field"], "fields": fields}
    return api.create_response(request, body, status=422)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    codes = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 409: "conflict"}
    body = {"error": codes.get(exc.status_code, "error"), "message": str(exc)}
    return api.create_response(request, body, status=exc.status_code)


@api.exception_handler(BookingError)
def _booking_error(request: HttpRequest, exc: BookingError) -> HttpResponse:
    response = api.create_response(request, exc.as_json(), status=exc.status)
    if getattr(exc, "retry_after", None):
        response["Retry-After"] = str(exc.retry_after)
    return response


log = logging.getLogger("booksync.api")


@api.exception_handler(IntegrationError)
def _integration_error(request: HttpRequest, exc: IntegrationError) -> HttpResponse:
    # A provider failure no policy handled (ADR 0012): a documented 503, never an HTML 500.
    log.error("provider error on %s: %s", request.path, exc)
    return _booking_error(request, CalendarUnavailable("An outside service the studio uses cannot be reached "
                                                       "right now. Please try again in a few minutes."))


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    log.exception("unexpected error on %s", request.path)
    return api.create_response(request, {"error": "internal_error", "message": "Something went wrong on our side; "
                                         "it has been logged. Please try again."}, status=500)


# --- helpers --------------------------------------------------------------------------------
def _resolve_length(service_slug: str | None, duration: int | None) -> tuple[Service | None, timedelta]:
    if service_slug:
        service = Service.objects.filter(slug=service_slug, active=True).first()
        if service is None:
            raise BookingError(f"Unknown service {service_slug!r}.", code="unknown_service", field="service")
        return service, service.duration
    if duration:
        return None, timedelta(minutes=duration)
    raise BookingError("Give a service or a duration in minutes.", code="missing_duration", field="duration")


def _bookable_length(request: HttpRequest, service_slug: str | None,
                     duration: int | None) -> tuple[Service | None, timedelta]:
    """What a new booking is for. The public books a service (or a duration one has);
    only the admin may book an arbitrary length."""
    service, length = _resolve_length(service_slug, duration)
    if service is not None or is_admin(request):
        return service, length
    service = Service.objects.filter(active=True, duration_minutes=duration).order_by("pk").first()
    if service is None:
        offered = sorted(set(Service.objects.filter(active=True).values_list("duration_minutes", flat=True)))
        raise BookingError(f"Book a service, or a duration one of them has ({', '.join(map(str, offered))} min).",
                           code="unknown_duration", field="duration")
    return service, service.duration


def _check_dates(days: list[date], field: str) -> None:
    # Dates near year 1 or 9999 validate but overflow the busy-time window around them.
    if any(not MIN_YEAR <= day.year <= MAX_YEAR for day in days):
        raise BookingError(f"Dates must be between the years {MIN_YEAR} and {MAX_YEAR}.", field=field)


def _picker_length(picker_cache: PickerCache, service_slug: str | None, duration: int | None) -> timedelta:
    """The slot length the picker asks for; a service's is kept with the studio's rules."""
    if not service_slug:
        return _resolve_length(None, duration)[1]
    found = picker_cache.studio_memo(("service-length", service_slug), lambda: _service_length(service_slug))
    if found is False:
        _resolve_length(service_slug, None)  # says which service is unknown
    return found


def _picker_service(picker_cache: PickerCache, service_slug: str | None) -> Service | None:
    """The service the slots are for (kept with the studio's rules): it decides who may take them."""
    if not service_slug:
        return None
    return picker_cache.studio_memo(("service", service_slug),
                                    lambda: Service.objects.filter(slug=service_slug, active=True).first() or False) or None


def _checked_resource(picker_cache: PickerCache, service: Service | None, resource: str | None) -> str | None:
    """``resource`` when it names a person who takes ``service``, else a 422 naming the field."""
    if resource:
        staffing.team(picker_cache).needs(service, resource)
    return resource or None


def _team_slots(rules: StudioRules, starts: list[tuple[int, tuple[str, ...]]], length: timedelta,
                with_people: bool) -> list[dict]:
    slots = _slots_json(rules, [start for start, _people in starts], length)
    if with_people:
        for slot, (_start, people) in zip(slots, starts, strict=True):
            slot["people"] = list(people)
    return slots


def _service_length(slug: str) -> timedelta | bool:
    service = Service.objects.filter(slug=slug, active=True).only("duration_minutes").first()
    return service.duration if service else False


def _slots_json(rules: StudioRules, starts: list[int], length: timedelta) -> list[dict]:
    """Slots from their epoch starts, in the studio's zone. The answers are built as plain data
    (the shapes AvailabilityOut and BatchOut document, which the tests check): validating and
    serialising a month of datetimes through the schemas costs more than finding the slots."""
    return slots_json(starts, int(length.total_seconds()), rules.tz)


def _cached_json(picker_cache: PickerCache, key: tuple, render) -> bytes:
    """The picker asks for the same days again and again: keep the rendered answer until anything
    changes (or the minute turns, since minimum notice moves with the clock)."""
    if not picker_cacheable():
        return render()
    minute = timezone.now().replace(second=0, microsecond=0)
    return picker_cache.memo((*key, minute), render)


def _freshness(reading: Reading) -> dict:
    """The stale label (ADR 0012): busy time from the calendar's last known picture, and as of when."""
    return {"stale": reading.stale, "calendar_as_of": reading.as_of if reading.stale else None}


def booking_json(booking: Booking, *, with_manage_url: bool = True, for_manage: bool = False) -> dict:
    tz = ZoneInfo(Studio.load().timezone)
    return {
        "id": str(booking.pk),
        "status": booking.status,
        "start": booking.start.astimezone(tz),
        "end": booking.end.astimezone(tz),
        "service": booking.service.slug if booking.service else booking.service_name,
        "name": booking.name,
        "manage_url": manage_url(booking) if with_manage_url else None,
        "payment": payment_json(booking, tz, for_manage=for_manage),
        "resources": staffing.claims_json(booking),
        "answers": booking.answers or {},
    }


def payment_json(booking: Booking, tz: ZoneInfo, *, for_manage: bool = False) -> dict | None:
    payment = payment_of(booking)
    if payment is None:
        return None
    summary = payment.summary()
    awaiting = booking.status == BookingStatus.AWAITING_PAYMENT
    body = {"status": summary.state, "amount_due": payment.amount_due, "currency": payment.currency,
            "checkout_url": payment.checkout_url if awaiting else None,
            "hold_expires_at": booking.hold_expires_at.astimezone(tz) if awaiting and booking.hold_expires_at
            else None, "price": payment.price_amount, "paid": summary.paid, "refunded": summary.refunded,
            "remaining": summary.remaining}
    if for_manage:
        amount = refund_if_cancelled(booking)
        body.update(refund_if_cancelled_now=amount, refundable_now=amount > 0)
    return body


# --- availability -------------------------------------------------------------------------
@api.get("/calendar/availability", response={200: AvailabilityOut, 422: Problem}, tags=["availability"])
def availability(request, date: date, duration: int | None = Query(None, ge=5, le=720), service: str | None = None,
                 resource: str | None = Query(None, max_length=50)):
    """Free slots for one date (studio time zone), for a duration in minutes or a service slug.

    With ``service`` each slot lists in ``people`` the people free for it; ``resource`` (a person's
    slug) keeps only that person's slots."""
    picker_cache = PickerCache()
    length = _picker_length(picker_cache, service, duration)
    _check_dates([date], "date")
    rules = picker_rules(picker_cache)
    booked = _picker_service(picker_cache, service)
    person = _checked_resource(picker_cache, booked, resource)

    def render() -> bytes:
        with watching() as reading:
            starts = team_starts_for_days(rules, [date], length, picker_cache=picker_cache, service=booked,
                                          resource=person)[date]
        return to_json({"date": date, "timezone": rules.timezone, "duration": int(length.total_seconds() // 60),
                        "slots": _team_slots(rules, starts, length, booked is not None), **_freshness(reading)})

    payload = _cached_json(picker_cache, ("availability-json", date, length, service, person), render)
    return HttpResponse(payload, content_type="application/json; charset=utf-8")


@api.post("/calendar/availability-batch", response={200: BatchOut, 400: Problem, 404: Problem, 422: Problem},
          tags=["availability"])
def availability_batch(request, payload: BatchIn):
    """Free slots for up to 62 dates at once (one busy-time read for the whole range)."""
    picker_cache = PickerCache()
    length = _picker_length(picker_cache, payload.service, payload.duration)
    _check_dates(payload.dates, "dates")
    rules = picker_rules(picker_cache)
    days = sorted(set(payload.dates))
    moving = _managed(payload.manage_token) if payload.manage_token else None
    booked = _picker_service(picker_cache, payload.service)
    person = _checked_resource(picker_cache, booked, payload.resource)
    if moving is not None and person is None and moving.resource_choice:
        person = moving.resource_choice  # a reschedule keeps the person the customer chose

    def render() -> bytes:
        with watching() as reading:
            by_day = team_starts_for_days(rules, days, length, picker_cache=picker_cache, service=booked,
                                          resource=person, exclude_booking_id=moving.pk if moving else None)
        return to_json({"timezone": rules.timezone, "duration": int(length.total_seconds() // 60),
                        "days": [{"date": d, "slots": _team_slots(rules, by_day[d], length, booked is not None)}
                                 for d in payload.dates],
                        **_freshness(reading)})

    if moving is not None:  # the answer depends on that booking: not shared
        payload_json = render()
    else:
        payload_json = _cached_json(picker_cache, ("availability-batch-json", tuple(payload.dates), length,
                                                   payload.service, person), render)
    return HttpResponse(payload_json, content_type="application/json; charset=utf-8")


@api.get("/services", response=list[ServiceOut], tags=["studio"])
def list_services(request):
    """The studio's services in the request's language, each with the questions booking it asks and
    the people who take it."""
    crew = staffing.team()
    services_ = Service.objects.filter(active=True).prefetch_related("questions")
    return [{"slug": s.slug, "name": s.name, "duration": s.duration_minutes, "description": s.description,
             "price": {"amount": s.price_amount, "currency": s.price_currency} if s.price_amount is not None else None,
             "price_text": s.price, "payment_rule": s.payment_rule if takes_payment(s) else "none",
             "amount_due_online": s.deposit_amount if takes_payment(s) else 0,
             "people": [p.slug for p in crew.takers(s)],
             "questions": [question_json(q) for q in sorted(s.questions.all(), key=lambda q: (q.order, q.pk))
                           if q.active]} for s in services_]


@api.get("/resources", response=list[ResourceOut], tags=["studio"])
def list_resources(request):
    """The studio's active people and rooms, people first, each in the studio's order."""

    crew = staffing.team()
    offered = list(Service.objects.filter(active=True))
    rows = {r.slug: r for r in Resource.objects.filter(active=True)}
    out = []
    for member in (*crew.people, *crew.rooms):
        taken = [s.slug for s in offered
                 if member in (crew.takers(s) if member.kind == "person" else crew.rooms_for(s) or [])]
        out.append({"slug": member.slug, "name": member.name, "kind": member.kind, "bio": rows[member.slug].bio,
                    "photo_url": rows[member.slug].photo_url, "services": taken})
    return out


@api.get("/ping", tags=["operations"])
def ping(request):
    """Liveness only: no database, no work (the benchmarks' baseline)."""
    return {"pong": True}


@api.get("/health", response={200: dict, 503: dict}, tags=["operations"], openapi_extra=OPTIONAL_ADMIN_TOKEN)
def health(request):
    """``{"status": "ok" | "degraded"}``; with the admin token, the database, worker and integrations."""
    report = health_report()
    healthy = report["status"] == "ok"
    if not is_admin(request):
        # Paths, backends and backlog are for the studio only.
        report = {"status": "ok" if healthy else "degraded"}
    return api.create_response(request, report, status=200 if healthy else 503)


# --- bookings ----------------------------------------------------------------------------------
@api.post("/bookings", response={201: BookingOut, 200: BookingOut, 400: Problem, 409: Problem, 422: Problem,
                                   429: Problem, 503: Problem}, tags=["bookings"], openapi_extra=OPTIONAL_ADMIN_TOKEN)
def create_booking(request, payload: BookingIn):
    """Book a slot. Send an ``Idempotency-Key`` header to make retries safe.

    Limited per client address and per email address (429); the admin token lifts the limits.
    While the studio's calendar cannot be read, CALENDAR_OUTAGE_POLICY decides: ``accept`` books against
    the calendar's last known busy time; ``refuse`` answers 503 ``calendar_unavailable`` with Retry-After.
    """
    service, length = _bookable_length(request, payload.service, payload.duration)
    key = (request.headers.get("Idempotency-Key") or "").strip()
    if len(key) > 255:
        raise BookingError("Idempotency-Key must be at most 255 characters.", field="Idempotency-Key")
    if not is_admin(request):
        check_booking_allowed(request, payload.email)
    result = checkout.book(
        services.BookingRequest(
            start=payload.start, name=payload.name, email=payload.email, service=service,
            duration=None if service else length, phone=payload.phone or "", notes=payload.notes or "",
            customer_timezone=payload.timezone or "", language=payload.language or api_locale(request),
            resource=payload.resource or "",
            answers=payload.answers,
        ),
        idempotency_key=key or None,
    )
    return Status(201 if result.created else 200, booking_json(result.booking))


def _managed(token: str) -> Booking:
    booking = find_booking(token)
    if booking is None:
        raise NotFound("This manage link is not valid. Use the link from your latest email, or contact the studio.")
    return booking


@api.get("/bookings/manage/{token}", response={200: BookingOut, 404: Problem}, tags=["bookings"])
def get_managed(request, token: str):
    return booking_json(_managed(token), for_manage=True)


@api.post("/bookings/manage/{token}/reschedule",
          response={200: BookingOut, 400: Problem, 404: Problem, 409: Problem, 422: Problem, 503: Problem},
          tags=["bookings"])
def reschedule_managed(request, token: str, payload: RescheduleIn):
    booking = services.reschedule(_managed(token), payload.start, actor="customer")
    return booking_json(booking)


@api.post("/bookings/manage/{token}/cancel",
          response={200: BookingOut, 400: Problem, 404: Problem, 409: Problem, 422: Problem}, tags=["bookings"])
def cancel_managed(request, token: str, payload: CancelIn | None = None):
    reason = clean_text((payload.reason if payload else None) or "", keep_newlines=False, field="reason")
    booking = services.cancel(_managed(token), reason=reason, actor="customer")
    return booking_json(booking)


# --- admin ---------------------------------------------------------------------------------------
def is_admin(request: HttpRequest) -> bool:
    """Does the request carry the admin API token? (Compared in constant time.)"""
    return bearer_matches(request.headers.get("Authorization", ""), settings.ADMIN_API_TOKEN)


def require_admin_token(request: HttpRequest) -> None:
    """403 while the admin API is off (no ADMIN_API_TOKEN), 401 without the right token (``is_admin``)."""
    if not settings.ADMIN_API_TOKEN:
        raise HttpError(403, "The admin API is disabled: set ADMIN_API_TOKEN to enable it.")
    if not is_admin(request):
        raise AuthenticationError(401, "Send Authorization: Bearer <ADMIN_API_TOKEN>.")


class AdminToken(HttpBearer):
    """The admin endpoints' auth, declared in the OpenAPI document as an HTTP Bearer scheme (so
    Swagger's Authorize button can send it); the check itself is ``require_admin_token``."""

    openapi_description = "ADMIN_API_TOKEN, sent as `Authorization: Bearer <token>`."

    def __call__(self, request: HttpRequest) -> bool:
        require_admin_token(request)  # raises the 403 or 401 with its JSON body
        return True

    def authenticate(self, request: HttpRequest, token: str) -> bool:
        return is_admin(request)


@api.post("/admin/sync", response={200: SyncOut, 401: Problem, 403: Problem, 422: Problem}, tags=["admin"],
          auth=AdminToken())
def admin_sync(request, dry_run: bool = False, full: bool = True):
    """Reconcile every side now (the seed's manual sync). ``dry_run=true`` plans without writing."""
    return run_sync(trigger="admin", full=full, dry_run=dry_run)


api.add_router("/webhooks", webhooks)  # after the API's own operations, so they come first in the docs
