"""Customer pages: the studio, booking a service, the confirmation, and the manage link's pages.

Every page works without JavaScript (a day is chosen through GET parameters
and its slots are rendered here); ``static/booksync/book.js`` adds the month
view and the customer's own time zone on top. Every page works without cookies
too, so it can run in a studio's cross-site frame (``embedding.py``,
``form_guard.py``, ``language.py``).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from functools import wraps
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from booksync.bookings import questions, services, staffing
from booksync.bookings.change_window import change_cutoff
from booksync.bookings.errors import (
    BookingError,
    CalendarUnavailable,
    IdempotencyConflict,
    SlotUnavailable,
)
from booksync.bookings.messages import formats
from booksync.bookings.models import Booking, BookingStatus, Resource, Service, Studio
from booksync.bookings.money import format_money
from booksync.bookings.payment_text import payment_of
from booksync.bookings.tokens import find as find_booking
from booksync.payments import checkout
from booksync.payments.gateway import checkout_origins
from booksync.payments.policy import refund_if_cancelled

from . import form_guard
from .booking_limits import check_booking_allowed
from .embedding import embeddable
from .forms import HONEYPOT_FIELD, BookingForm, CancelForm, SlotForm
from .language import language_from_path, request_locale
from .pages import render_page
from .picker import (
    DaySlots,
    choice_summary,
    day_slots,
    late_choices,
    nearest_slots,
    parse_day,
    slot_value,
    valid_zone,
)
from .picker_text import picker_text
from .problems import problem_text
from .ratelimits import limit_posts
from .summary import changes_closed_reason, summarize
from .zones import aliases, zone_choices


def too_many_requests(request: HttpRequest) -> HttpResponse:
    return render_page(request, "429.html", status=429)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render_page(request, "404.html", status=404)


def _new_key() -> str:
    # One key per rendered form: a double-click or a resubmitted page books once.
    return f"web:{uuid.uuid4().hex}"


def _picker_context(picker: DaySlots, *, zone_chosen: bool, selected: str = "", alternatives=None) -> dict:
    common, other = zone_choices(translation.get_language(), timezone.now())
    # Slots starting before the cutoff cannot be changed online once booked (bookings/change_window.py).
    cutoff = slot_value(change_cutoff(Studio.load()))
    choices = alternatives if alternatives is not None else picker.choices
    return {
        # Only a zone the customer did not choose is replaced by the browser's own.
        "zone_chosen": zone_chosen,
        "picker": picker,
        "choices": choices,
        "change_cutoff": cutoff,
        "has_late": late_choices(choices, cutoff),
        "selected_late": bool(selected) and selected < cutoff,
        "choice_summary": choice_summary(picker, selected) if selected else "",
        "showing_alternatives": alternatives is not None,
        "selected_start": selected,
        "common_zones": common,
        "other_zones": other,
        "zone_aliases": aliases(),
        "zone_label": next((z.label for z in common + other if z.id == picker.zone), picker.zone),
        "studio_zone_label": next((z.label for z in common + other if z.id == picker.studio_zone), picker.studio_zone),
        "picker_day_label": formats.day_label(datetime.combine(picker.day, time(12), tzinfo=UTC), picker.locale),
        "first_weekday": formats.first_weekday(picker.locale),
        "picker_text": picker_text(),
        "idempotency_key": _new_key(),
    }


def _picker_options(request: HttpRequest) -> dict:
    """The locale and whose clock leads, for labelling slots."""
    return {"locale": request_locale(request), "leads": Studio.load().time_leads}


def _keep(picker: DaySlots, selected: str = "") -> dict:
    """What the language switcher carries to the same page in another language."""
    return {"date": picker.day.isoformat(), "tz": picker.zone, "slot": selected}


# --- the studio ---------------------------------------------------------------------------
@embeddable
def home(request: HttpRequest) -> HttpResponse:
    locale = request_locale(request)
    services_shown = list(Service.objects.filter(active=True))
    for service in services_shown:  # the price in the customer's locale (ADR 0018), else the old text
        service.price_shown = (format_money(service.price_amount, service.price_currency, locale)
                               if service.price_amount is not None else service.price)
    return render_page(request, "booksync/home.html", {"services": services_shown})


# --- booking -------------------------------------------------------------------------------
@embeddable
@form_guard.guarded_form
@require_http_methods(["GET", "POST"])
@limit_posts("web-booking", too_many_requests)
def book(request: HttpRequest, service: str) -> HttpResponse:
    service_obj = get_object_or_404(Service, slug=service, active=True)
    if request.method == "POST":
        return _submit_booking(request, service_obj)
    person = _chosen_person(service_obj, request.GET.get("person"))
    picker = day_slots(service_obj.duration, day=parse_day(request.GET.get("date")), zone=request.GET.get("tz"),
                       service=service_obj, resource=person or None, **_picker_options(request))
    # A slot carried over from the same page in another language stays chosen.
    wanted = request.GET.get("slot", "")
    selected = wanted if any(choice.value == wanted for choice in picker.choices) else ""
    return _booking_page(request, service_obj, BookingForm(), picker, selected=selected, person=person)


def _chosen_person(service: Service, wanted: str | None) -> str:
    """The person asked for in the page's address when they take ``service``; else "" (anyone)."""
    if not wanted:
        return ""
    return wanted if any(p.slug == wanted for p in staffing.team().takers(service)) else ""


def _people_context(request, service: Service, person: str, picker: DaySlots) -> dict:
    """The photographer choice (ADR 0017): shown when more than one person takes the service; a service
    only one person of several takes names them instead. A one-person studio shows nothing new."""
    crew = staffing.team()
    if not crew.several:
        return {"person": ""}
    takers = crew.takers(service)
    if len(takers) < 2:
        return {"person": "", "only_person": takers[0].name if takers else ""}
    rows = {r.slug: r for r in Resource.objects.filter(slug__in=[p.slug for p in takers])}
    keep = urlencode({"date": picker.day.isoformat(), **({"tz": request.GET["tz"]} if request.GET.get("tz") else {})})
    return {"person": person, "people_keep": keep,
            "people": [{"slug": p.slug, "name": p.name, "bio": rows[p.slug].bio, "photo_url": rows[p.slug].photo_url}
                       for p in takers]}


def _booking_page(request, service: Service, form: BookingForm, picker: DaySlots, *, status: int = 200,
                  problem: str = "", taken: bool = False, alternatives=None, selected: str = "",
                  person: str = "", answer_errors: dict[str, str] | None = None) -> HttpResponse:
    zone_chosen = bool(request.GET.get("tz") or request.POST.get("timezone"))
    context = _picker_context(picker, zone_chosen=zone_chosen, selected=selected, alternatives=alternatives)
    context.update({"service": service, "form": form, "problem": problem, "taken": taken,
                    "honeypot_field": HONEYPOT_FIELD,
                    "questions": questions.form_rows(service, request.POST if request.method == "POST" else None,
                                                     answer_errors),
                    **_people_context(request, service, person, picker),
                    "payment": _payment_context(request, service)})
    keep = _keep(picker, selected)
    if person:
        keep["person"] = person
    page = render_page(request, "booksync/book.html", context, status=status, keep=keep)
    if context["payment"]["online"]:
        # The form's answer redirects to Stripe Checkout: the page's form-action must allow it.
        page._csp_update = {"form-action": checkout_origins()}  # type: ignore[attr-defined]
    return page


def _payment_context(request: HttpRequest, service: Service) -> dict:
    """What the booking page says about money (the pay step, ``_payment.html``)."""
    locale = request_locale(request)
    price = service.price_amount
    money = (lambda amount: format_money(amount, service.price_currency, locale)) if price is not None else str
    online = checkout.takes_payment(service)
    return {"online": online, "price": money(price) if price is not None else service.price,
            "due": money(service.deposit_amount) if online else "",
            "balance": money(price - service.deposit_amount) if online and price is not None else "",
            "full": online and service.deposit_amount >= (price or 0),
            "hold_minutes": settings.PAYMENT_HOLD_MINUTES}



def _submit_booking(request: HttpRequest, service: Service) -> HttpResponse:
    form = BookingForm(request.POST)
    if form.is_bot:
        # Say nothing useful to a bot: no booking, no error to learn from.
        return render_page(request, "booksync/received.html")
    valid = form.is_valid()
    data = form.cleaned_data
    zone = data.get("timezone")
    options = _picker_options(request)
    person = _chosen_person(service, request.POST.get("person"))
    picker = day_slots(service.duration, day=data.get("date"), zone=zone, service=service, resource=person or None,
                       **options)
    selected = slot_value(data["start"]) if data.get("start") else ""
    answers = questions.answers_from_form(service, request.POST)  # the booking questions (ADR 0019)
    answer_errors = questions.form_errors(service, answers)
    if not valid or answer_errors:
        return _booking_page(request, service, form, picker, status=422, selected=selected, person=person,
                             problem=_("Please check the highlighted fields."), answer_errors=answer_errors)
    booking_request = services.BookingRequest(
        start=data["start"], name=data["name"], email=data["email"], service=service,
        phone=data["phone"], notes=data["notes"], customer_timezone=picker.zone, language=options["locale"],
        answers=answers, resource=person,
    )
    try:
        check_booking_allowed(request, data["email"])  # the same limits as the API's
        result = checkout.book(booking_request, idempotency_key=data["idempotency_key"] or None)
    except SlotUnavailable:
        alternatives = nearest_slots(service.duration, data["start"], picker.zone, service=service,
                                     resource=person or None, **options)
        return _booking_page(request, service, form, picker, status=409, taken=True, alternatives=alternatives,
                             person=person)
    except IdempotencyConflict:
        return _booking_page(request, service, form, picker, status=409, selected=selected,
                             problem=_("This form was already sent with other details. Check them and book again."))
    except CalendarUnavailable as exc:
        # CALENDAR_OUTAGE_POLICY=refuse: keep everything typed and ask for another go shortly.
        page = _booking_page(request, service, form, picker, status=exc.status, selected=selected,
                             problem=problem_text(exc))
        page["Retry-After"] = str(exc.retry_after)
        return page
    except BookingError as exc:
        return _booking_page(request, service, form, picker, status=exc.status, problem=problem_text(exc),
                             selected=selected)
    if result.booking.status == BookingStatus.AWAITING_PAYMENT:
        return redirect(result.booking.payment.checkout_url)  # Stripe Checkout; it comes back to /pay/…
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
    """The pages of one booking: in the booking's language unless the path names one; an
    unknown manage link answered with a page saying what to do instead of a bare 404."""

    @embeddable
    @form_guard.guarded_form
    @wraps(view)
    def wrapped(request: HttpRequest, token: str) -> HttpResponse:
        booking = find_booking(token)
        if booking is None:
            return render_page(request, "booksync/manage_unknown.html", status=404)
        if booking.language and not language_from_path(request):
            translation.activate(booking.language.split("-")[0].lower())
            request.LANGUAGE_CODE = translation.get_language()
        try:
            return view(request, token)
        except UnknownManageLink:
            return render_page(request, "booksync/manage_unknown.html", status=404)

    return wrapped


def _summary(request: HttpRequest, booking: Booking):
    return summarize(booking, Studio.load(), locale=_booking_locale(request, booking))


def _booking_locale(request: HttpRequest, booking: Booking) -> str:
    """The booking's own locale while its language is shown, else the page's."""
    if booking.language and booking.language.split("-")[0].lower() == translation.get_language():
        return booking.language
    return request_locale(request)


_DONE_NOTICES = {
    "moved": lambda: _("Your booking has moved. We have emailed you the new time."),
    "cancelled": lambda: _("Your booking is cancelled. We have emailed you a confirmation."),
}


@_manage_view
def confirmed(request: HttpRequest, token: str) -> HttpResponse:
    booking = _booking_or_404(token)
    return render_page(request, "booksync/confirmed.html", {"summary": _summary(request, booking)})


@_manage_view
def manage(request: HttpRequest, token: str) -> HttpResponse:
    booking = _booking_or_404(token)
    # The notice of a change travels in the redirect's query, not a cookie (pages may be framed).
    notice = _DONE_NOTICES.get(request.GET.get("done", ""))
    return render_page(request, "booksync/manage.html", {"summary": _summary(request, booking),
                                                         "notice": notice() if notice else ""})


def _done(token: str, what: str) -> HttpResponse:
    return redirect(f"{reverse('manage', args=[token])}?done={what}")


def _closed(request: HttpRequest, booking: Booking) -> HttpResponse | None:
    """The page to show when the customer may no longer change ``booking``, else None."""
    studio = Studio.load()
    if not changes_closed_reason(booking, studio):
        return None
    summary = _summary(request, booking)
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
    options = _picker_options(request)
    if request.method == "GET":
        # The calendar opens on the booking's own day (and so its month) unless another is asked for.
        day = parse_day(request.GET.get("date")) or booking.start.astimezone(ZoneInfo(studio.timezone)).date()
        picker = day_slots(booking.duration, day=day, zone=request.GET.get("tz") or zone,
                           exclude_booking_id=booking.pk, **options)
        return _reschedule_page(request, booking, picker)
    form = SlotForm(request.POST)
    valid = form.is_valid()
    data = form.cleaned_data
    picker = day_slots(booking.duration, day=data.get("date"), zone=data.get("timezone") or zone,
                       exclude_booking_id=booking.pk, **options)
    if not valid:
        return _reschedule_page(request, booking, picker, status=422, problem=_("Choose a new time."))
    try:
        booking = services.reschedule(booking, data["start"], actor="customer")
    except SlotUnavailable:
        alternatives = nearest_slots(booking.duration, data["start"], picker.zone, exclude_booking_id=booking.pk,
                                     **options)
        return _reschedule_page(request, booking, picker, status=409, taken=True, alternatives=alternatives)
    except BookingError as exc:
        page = _reschedule_page(request, booking, picker, status=exc.status, problem=problem_text(exc))
        if isinstance(exc, CalendarUnavailable):
            page["Retry-After"] = str(exc.retry_after)
        return page
    return _done(token, "moved")


def _reschedule_page(request, booking: Booking, picker: DaySlots, *, status: int = 200, problem: str = "",
                     taken: bool = False, alternatives=None) -> HttpResponse:
    # The zone the booking was made in counts as chosen: keep showing times in it.
    zone_chosen = bool(request.GET.get("tz") or request.POST.get("timezone") or booking.customer_timezone)
    context = _picker_context(picker, zone_chosen=zone_chosen, alternatives=alternatives)
    context.update({"summary": _summary(request, booking), "problem": problem, "taken": taken,
                    **_length_params(booking)})
    return render_page(request, "booksync/reschedule.html", context, status=status, keep=_keep(picker))


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
            form.add_error(None, problem_text(exc))
        else:
            return _done(token, "cancelled")
    summary = _summary(request, booking)
    return render_page(request, "booksync/cancel.html", {"summary": summary, "form": form,
                                                         "refund_note": _refund_note(request, booking)},
                       status=409 if form.errors else 200)


def _refund_note(request: HttpRequest, booking: Booking) -> str:
    """What cancelling now does to the money, said before the customer confirms (ADR 0018)."""
    payment = payment_of(booking)
    if payment is None or not payment.amount_paid:
        return ""
    locale = _booking_locale(request, booking)
    amount = refund_if_cancelled(booking)
    hours = Studio.load().refund_window_hours
    if amount:
        return _("If you cancel now, %(amount)s will be refunded to the card you paid with.") % {
            "amount": format_money(amount, payment.currency, locale)}
    return _("If you cancel now, the %(amount)s paid is kept: the studio refunds in full only up to "
             "%(hours)s hours before the session.") % {
        "amount": format_money(payment.amount_paid, payment.currency, locale), "hours": hours}
