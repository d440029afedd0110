"""Customer pages: the studio, booking a service, the confirmation, and the manage link's pages.

Every page works without JavaScript (a day is chosen through GET parameters
and its slots are rendered here); ``static/booksync/book.js`` adds the month
view and the customer's own time zone on top.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from booksync.bookings import services
from booksync.bookings.errors import BookingError, IdempotencyConflict, SlotUnavailable
from booksync.bookings.models import Booking, Service, Studio
from booksync.bookings.tokens import find as find_booking

from .booking_limits import check_booking_allowed
from .branding import brand
from .forms import HONEYPOT_FIELD, BookingForm, CancelForm, SlotForm
from .picker import (
    DaySlots,
    day_slots,
    nearest_slots,
    parse_day,
    slot_value,
    timezone_choices,
    valid_zone,
)
from .ratelimits import limit_posts
from .summary import changes_closed_reason, summarize


def render_page(request: HttpRequest, template: str, context: dict | None = None, status: int = 200) -> HttpResponse:
    """Render with the studio and its colours, which every page's header and footer use."""
    studio = Studio.load()
    page = {"studio": studio, "brand": brand(studio), **(context or {})}
    return render(request, template, page, status=status)


def too_many_requests(request: HttpRequest) -> HttpResponse:
    return render_page(request, "429.html", status=429)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render_page(request, "404.html", status=404)


def _new_key() -> str:
    # One key per rendered form: a double-click or a resubmitted page books once.
    return f"web:{uuid.uuid4().hex}"


def _picker_context(picker: DaySlots, *, zone_chosen: bool, selected: str = "", alternatives=None) -> dict:
    return {
        # Only a zone the customer did not choose is replaced by the browser's own.
        "zone_chosen": zone_chosen,
        "picker": picker,
        "choices": alternatives if alternatives is not None else picker.choices,
        "showing_alternatives": alternatives is not None,
        "selected_start": selected,
        "zones": timezone_choices(),
        "idempotency_key": _new_key(),
    }


# --- the studio ---------------------------------------------------------------------------
def home(request: HttpRequest) -> HttpResponse:
    return render_page(request, "booksync/home.html", {"services": Service.objects.filter(active=True)})


# --- booking -------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@limit_posts("web-booking", too_many_requests)
def book(request: HttpRequest, service: str) -> HttpResponse:
    service_obj = get_object_or_404(Service, slug=service, active=True)
    if request.method == "POST":
        return _submit_booking(request, service_obj)
    picker = day_slots(service_obj.duration, day=parse_day(request.GET.get("date")), zone=request.GET.get("tz"))
    return _booking_page(request, service_obj, BookingForm(), picker)


def _booking_page(request, service: Service, form: BookingForm, picker: DaySlots, *, status: int = 200,
                  problem: str = "", taken: bool = False, alternatives=None, selected: str = "") -> HttpResponse:
    zone_chosen = bool(request.GET.get("tz") or request.POST.get("timezone"))
    context = _picker_context(picker, zone_chosen=zone_chosen, selected=selected, alternatives=alternatives)
    context.update({"service": service, "form": form, "problem": problem, "taken": taken,
                    "honeypot_field": HONEYPOT_FIELD})
    return render_page(request, "booksync/book.html", context, status=status)


def _submit_booking(request: HttpRequest, service: Service) -> HttpResponse:
    form = BookingForm(request.POST)
    if form.is_bot:
        # Say nothing useful to a bot: no booking, no error to learn from.
        return render_page(request, "booksync/received.html")
    valid = form.is_valid()
    data = form.cleaned_data
    zone = data.get("timezone")
    picker = day_slots(service.duration, day=data.get("date"), zone=zone)
    selected = slot_value(data["start"]) if data.get("start") else ""
    if not valid:
        return _booking_page(request, service, form, picker, status=422, selected=selected,
                             problem="Please check the highlighted fields.")
    booking_request = services.BookingRequest(
        start=data["start"], name=data["name"], email=data["email"], service=service,
        phone=data["phone"], notes=data["notes"], customer_timezone=picker.zone,
    )
    try:
        check_booking_allowed(request, data["email"])  # the same limits as the API's
        result = services.book(booking_request, idempotency_key=data["idempotency_key"] or None)
    except SlotUnavailable:
        alternatives = nearest_slots(service.duration, data["start"], picker.zone)
        return _booking_page(request, service, form, picker, status=409, taken=True, alternatives=alternatives)
    except IdempotencyConflict:
        return _booking_page(request, service, form, picker, status=409, selected=selected,
                             problem="This form was already sent with other details. Check them and book again.")
    except BookingError as exc:
        return _booking_page(request, service, form, picker, status=exc.status, problem=exc.message)
    return redirect("booking-confirmed", token=result.token)


# --- after booking: confirmation and the manage link -------------------------------------------
class UnknownManageLink(Http404):
    """A manage link that opens nothing: mistyped, or replaced by a newer email."""


def _booking_or_404(token: str) -> Booking:
    booking = find_booking(token)
    if booking is None:
        raise UnknownManageLink
    return booking


def _manage_view(view):
    """Answer an unknown manage link with a page saying what to do instead of a bare 404."""

    @wraps(view)
    def wrapped(request: HttpRequest, token: str) -> HttpResponse:
        try:
            return view(request, token)
        except UnknownManageLink:
            return render_page(request, "booksync/manage_unknown.html", status=404)

    return wrapped


@_manage_view
def confirmed(request: HttpRequest, token: str) -> HttpResponse:
    booking = _booking_or_404(token)
    return render_page(request, "booksync/confirmed.html", {"summary": summarize(booking, Studio.load())})


@_manage_view
def manage(request: HttpRequest, token: str) -> HttpResponse:
    booking = _booking_or_404(token)
    return render_page(request, "booksync/manage.html", {"summary": summarize(booking, Studio.load())})


def _closed(request: HttpRequest, booking: Booking) -> HttpResponse | None:
    """The page to show when the customer may no longer change ``booking``, else None."""
    studio = Studio.load()
    if not changes_closed_reason(booking, studio):
        return None
    summary = summarize(booking, studio)
    if not booking.is_active:
        return render_page(request, "410.html", {"summary": summary}, status=410)
    return render_page(request, "booksync/manage.html", {"summary": summary}, status=409)


def _length_params(booking: Booking) -> dict:
    if booking.service:
        return {"service_slug": booking.service.slug}
    return {"duration_minutes": int(booking.duration / timedelta(minutes=1))}


@_manage_view
@require_http_methods(["GET", "POST"])
@limit_posts("web-manage", too_many_requests)
def reschedule(request: HttpRequest, token: str) -> HttpResponse:
    booking = _booking_or_404(token)
    closed = _closed(request, booking)
    if closed:
        return closed
    studio = Studio.load()
    zone = valid_zone(booking.customer_timezone, studio.timezone)
    if request.method == "GET":
        picker = day_slots(booking.duration, day=parse_day(request.GET.get("date")), zone=request.GET.get("tz") or zone,
                           exclude_booking_id=booking.pk)
        return _reschedule_page(request, booking, picker)
    form = SlotForm(request.POST)
    valid = form.is_valid()
    data = form.cleaned_data
    picker = day_slots(booking.duration, day=data.get("date"), zone=data.get("timezone") or zone,
                       exclude_booking_id=booking.pk)
    if not valid:
        return _reschedule_page(request, booking, picker, status=422, problem="Choose a new time.")
    try:
        booking = services.reschedule(booking, data["start"], actor="customer")
    except SlotUnavailable:
        alternatives = nearest_slots(booking.duration, data["start"], picker.zone, exclude_booking_id=booking.pk)
        return _reschedule_page(request, booking, picker, status=409, taken=True, alternatives=alternatives)
    except BookingError as exc:
        return _reschedule_page(request, booking, picker, status=exc.status, problem=exc.message)
    messages.success(request, "Your booking has moved. We have emailed you the new time.")
    return redirect("manage", token=token)


def _reschedule_page(request, booking: Booking, picker: DaySlots, *, status: int = 200, problem: str = "",
                     taken: bool = False, alternatives=None) -> HttpResponse:
    # The zone the booking was made in counts as chosen: keep showing times in it.
    zone_chosen = bool(request.GET.get("tz") or request.POST.get("timezone") or booking.customer_timezone)
    context = _picker_context(picker, zone_chosen=zone_chosen, alternatives=alternatives)
    context.update({"summary": summarize(booking, Studio.load()), "problem": problem, "taken": taken,
                    **_length_params(booking)})
    return render_page(request, "booksync/reschedule.html", context, status=status)


@_manage_view
@require_http_methods(["GET", "POST"])
@limit_posts("web-manage", too_many_requests)
def cancel(request: HttpRequest, token: str) -> HttpResponse:
    booking = _booking_or_404(token)
    closed = _closed(request, booking)
    if closed:
        return closed
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel(booking, reason=form.cleaned_data["reason"], actor="customer")
        except BookingError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Your booking is cancelled. We have emailed you a confirmation.")
            return redirect("manage", token=token)
    summary = summarize(booking, Studio.load())
    return render_page(request, "booksync/cancel.html", {"summary": summary, "form": form},
                       status=409 if form.errors else 200)
