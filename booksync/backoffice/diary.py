"""The diary: the studio's week or day in studio time, server-rendered, under /admin/diary/.

From it the owner opens a booking, adds one at a clicked time (phone, walk-in),
blocks time, moves and cancels. Every change goes through the studio's door
into the booking service (``studio_edits``); a clash comes back as an error on
the form it came from, naming what is in the way and the free times.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from booksync.bookings import studio_edits
from booksync.bookings.errors import BookingError
from booksync.bookings.messages.sentences import change_sentence
from booksync.bookings.models import (
    ACTIVE_STATUSES,
    Block,
    Booking,
    BookingResource,
    BookingStatus,
    Resource,
    Studio,
)
from booksync.bookings.public_holidays import holidays_between
from booksync.bookings.rules import studio_rules
from booksync.bookings.staffing import team

from .diary_forms import AddBookingForm, BlockForm, CancelForm, MoveForm
from .diary_layout import Entry, lay_out, week_of, window
from .payment_admin import payment_cell as cell
from .studio_time import studio_zone

SHOWN_STATUSES = (*ACTIVE_STATUSES, BookingStatus.COMPLETED, BookingStatus.NO_SHOW)


def _day_param(request, name: str = "date") -> date:
    try:
        return date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return timezone.localdate()  # the admin's current zone is the studio's


def payment_cell(booking) -> str:
    return cell(booking)


def diary_url(day: date, view: str = "week", anchor: str = "", **extra: str) -> str:
    url = f"{reverse('diary:week')}?{urlencode({'date': day.isoformat(), 'view': view, **extra})}"
    return f"{url}#{anchor}" if anchor else url


def _entries(start: datetime, end: datetime, zone, resource: Resource | None = None) -> list[Entry]:
    """The bookings and blocks over [start, end); with ``resource``, only what holds or blocks it."""
    bookings = Booking.objects.filter(status__in=SHOWN_STATUSES, start__lt=end, end__gt=start)
    blocks = Block.objects.filter(start__lt=end, end__gt=start)
    if resource is not None:
        bookings = bookings.filter(claims__resource=resource)
        blocks = blocks.filter(Q(resource__isnull=True) | Q(resource=resource))
    who: dict = {}
    for claim in BookingResource.objects.filter(booking__in=bookings).select_related("resource"):
        who.setdefault(claim.booking_id, []).append(claim.resource.name)
    several = Resource.objects.filter(active=True).count() > 1
    entries = [
        Entry(kind="booking", pk=str(b.pk), title=b.name,
              detail=" · ".join(part for part in (
                  b.service_name + (f" · {', '.join(sorted(who.get(b.pk, [])))}" if several and resource is None
                                    and who.get(b.pk) else ""), payment_cell(b)) if part),
              status=b.status, start=b.start.astimezone(zone), end=b.end.astimezone(zone))
        for b in bookings
    ]
    entries += [
        Entry(kind="block", pk=str(b.pk), title="Blocked",
              detail=b.reason + (f" ({b.resource.name} only)" if b.resource_id and resource is None else ""),
              start=b.start.astimezone(zone), end=b.end.astimezone(zone))
        for b in blocks.select_related("resource")
    ]
    return entries


def _columns(day: date, rules, zone, step: int, holidays: dict) -> list:
    """The day view of a studio of several: one column per active person, then per room."""

    start, end = window(rules, [day])
    crew = team(studio_rules=rules)
    rows = {r.pk: r for r in Resource.objects.filter(active=True)}
    columns = []
    for member in (*crew.people, *crew.rooms):
        laid = lay_out([day], _entries(start, end, zone, rows[member.id]), member.rules, zone, step, holidays)[0]
        laid.label, laid.slug, laid.kind = member.name, member.slug, "person" if member.kind == "person" else "room"
        columns.append(laid)
    return columns


def week(request):
    studio = Studio.load()
    zone = studio_zone()
    rules = studio_rules(studio)
    view = "day" if request.GET.get("view") == "day" else "week"
    anchor = _day_param(request)
    days = [anchor] if view == "day" else week_of(anchor)
    start, end = window(rules, days)
    step = min(studio.slot_step_minutes or 30, 60)
    holidays = holidays_between(studio, days[0], days[-1])
    resources = list(Resource.objects.filter(active=True))
    chosen = next((r for r in resources if r.slug == request.GET.get("resource")), None) if view == "week" else None
    if view == "day" and len(resources) > 1:
        laid = _columns(anchor, rules, zone, step, holidays)
    else:
        laid = lay_out(days, _entries(start, end, zone, chosen), rules, zone, step, holidays)
    jump = timedelta(days=1 if view == "day" else 7)
    keep = {"resource": chosen.slug} if chosen else {}
    context = {
        **admin.site.each_context(request),
        "title": "Diary",
        "subtitle": f"{days[0]:%a %d %b %Y}" + ("" if view == "day" else f" – {days[-1]:%a %d %b %Y}"),
        "days": laid,
        "view": view,
        "columns": view == "day" and len(laid) > 1,
        "resources": resources if view == "week" and len(resources) > 1 else [],
        "chosen": chosen.slug if chosen else "",
        "anchor": anchor,
        "zone": zone.key,
        "today": timezone.localdate(),
        "previous_url": diary_url(anchor - jump, view, **keep),
        "next_url": diary_url(anchor + jump, view, **keep),
        "today_url": diary_url(timezone.localdate(), view, **keep),
        "switch_url": diary_url(anchor, "week" if view == "day" else "day"),
        "add_url": reverse("diary:add"),
        "block_url": reverse("diary:block"),
    }
    return TemplateResponse(request, "admin/diary/week.html", context)


def _initial_from_query(request) -> dict:
    """``?start=2026-07-14T10:00`` (studio time) from a clicked row."""
    try:
        start = datetime.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        return {}
    initial = {"date": start.date(), "start": start.time()}
    for name in ("person", "room"):  # a free row of a person's or room's column in the day view
        if request.GET.get(name):
            initial[name] = Resource.objects.filter(slug=request.GET[name], active=True).first()
    return initial


def add(request):
    zone = studio_zone()
    form = AddBookingForm(request.POST or None, initial=_initial_from_query(request), zone=zone)
    if request.method == "POST" and form.is_valid():
        service = form.cleaned_data.get("service")
        entry = studio_edits.StudioBooking(
            start=form.start_at(), end=form.end_at(service.duration if service else None), service=service,
            person=form.chosen("person"), room=form.chosen("room"),
            **{name: form.cleaned_data.get(name) or "" for name in ("name", "email", "phone", "notes")})
        try:
            booking = studio_edits.add_booking(entry, by=request.user.get_username(),
                                               notify_studio=form.cleaned_data["notify_me"])
        except BookingError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, f"Booked {booking.name} for {booking.start.astimezone(zone):%a %d %b %H:%M}.")
            return redirect(diary_url(form.cleaned_data["date"], anchor=f"booking-{booking.pk}"))
    return _form_page(request, form, "Add a booking", "Book")


def block(request):
    zone = studio_zone()
    form = BlockForm(request.POST or None, initial=_initial_from_query(request), zone=zone)
    if request.method == "POST" and form.is_valid():
        try:
            studio_edits.block_time(form.start_at(), form.end_at(None), form.cleaned_data["reason"],
                                    by=request.user.get_username())
        except BookingError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, "The time is blocked.")
            return redirect(diary_url(form.cleaned_data["date"]))
    return _form_page(request, form, "Block time", "Block this time")


def _form_page(request, form, title: str, button: str) -> TemplateResponse:
    day = getattr(form, "cleaned_data", {}).get("date") or form.initial.get("date") or timezone.localdate()
    context = {**admin.site.each_context(request), "title": title, "form": form, "button": button,
               "back_url": diary_url(day), "zone": studio_zone().key}
    return TemplateResponse(request, "admin/diary/form.html", context)


def booking(request, pk):
    zone = studio_zone()
    current = get_object_or_404(Booking, pk=pk)
    local_start = current.start.astimezone(zone)
    move_form = MoveForm(initial={"date": local_start.date(), "start": local_start.time()}, zone=zone, prefix="move")
    by = request.user.get_username()
    if request.method == "POST" and "move" in request.POST:
        move_form = MoveForm(request.POST, zone=zone, prefix="move")
        if move_form.is_valid():
            try:
                moved = studio_edits.move_booking(current.pk, move_form.start_at(), move_form.end_at(current.duration),
                                                  by=by, person=move_form.chosen("person"),
                                                  room=move_form.chosen("room"),
                                                  notify_studio=move_form.cleaned_data["notify_me"])
            except BookingError as error:
                move_form.add_error(error.field if error.field in move_form.fields else None, error.message)
            else:
                messages.success(request, f"Moved {moved.name} to {moved.start.astimezone(zone):%a %d %b %H:%M}. "
                                          + ("The customer is emailed the change." if moved.email else ""))
                return redirect(diary_url(moved.start.astimezone(zone).date(), anchor=f"booking-{moved.pk}"))
    elif request.method == "POST" and "cancel" in request.POST:
        return cancel(request, pk)  # a Cancel posted here asks first, like the link does
    context = {
        **admin.site.each_context(request),
        "title": f"{current.name} · {current.service_name}",
        "booking": current,
        "start": local_start,
        "end": current.end.astimezone(zone),
        "zone": zone.key,
        "move_form": move_form,
        "cancel_url": reverse("diary:cancel", args=[current.pk]),
        "admin_url": reverse("admin:bookings_booking_change", args=[current.pk]),
        "payment": payment_cell(current),
        "back_url": diary_url(local_start.date(), anchor=f"booking-{current.pk}"),
        "audit": [change_sentence(current, a.action, a.actor, a.detail, zone) + f" ({a.at.astimezone(zone):%d %b %H:%M})"
                  for a in current.audit.all()[:10]],
    }
    return TemplateResponse(request, "admin/diary/booking.html", context)


def cancel(request, pk):
    """Cancel a booking, asking first: this page says who will be emailed, and only its own
    "Yes, cancel" does it (no JavaScript needed). Nothing is owed before that."""
    zone = studio_zone()
    current = get_object_or_404(Booking, pk=pk)
    local_start = current.start.astimezone(zone)
    booking_url = reverse("diary:booking", args=[current.pk])
    if not current.is_active:
        messages.info(request, f"{current.name}'s booking is {current.get_status_display().lower()} already.")
        return redirect(booking_url)
    form = CancelForm(request.POST if request.method == "POST" else None, prefix="cancel")
    if request.method == "POST" and request.POST.get("confirm") == "yes" and form.is_valid():
        studio_edits.cancel_booking(current.pk, by=request.user.get_username(), reason=form.cleaned_data["reason"],
                                    notify_studio=form.cleaned_data["notify_me"])
        emailed = f" {current.name} is emailed the cancellation." if current.email else ""
        messages.success(request, f"Cancelled {current.name}'s booking.{emailed}")
        return redirect(diary_url(local_start.date()))
    if request.method == "POST" and request.POST.get("confirm") != "yes":
        form.is_valid()  # a reason posted from the booking page is checked here; the page still only asks
    context = {
        **admin.site.each_context(request),
        "title": f"Cancel {current.name}'s booking?",
        "booking": current,
        "start": local_start,
        "end": current.end.astimezone(zone),
        "zone": zone.key,
        "form": form,
        "back_url": booking_url,
    }
    return TemplateResponse(request, "admin/diary/cancel.html", context)


def remove_block(request, pk):
    block_ = get_object_or_404(Block, pk=pk)
    day = block_.start.astimezone(studio_zone()).date()
    if request.method == "POST":
        block_.delete()
        messages.success(request, "The blocked time is open again.")
    return redirect(diary_url(day))


app_name = "diary"
wrap = admin.site.admin_view
urlpatterns = [
    path("", wrap(week), name="week"),
    path("add/", wrap(add), name="add"),
    path("block/", wrap(block), name="block"),
    path("block/<int:pk>/remove/", wrap(remove_block), name="remove-block"),
    path("booking/<uuid:pk>/", wrap(booking), name="booking"),
    path("booking/<uuid:pk>/cancel/", wrap(cancel), name="cancel"),
]
