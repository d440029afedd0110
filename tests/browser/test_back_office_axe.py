"""axe-core on every back-office page (Chromium, 1280 px): 0 critical, 0 serious.

Pages checked: the login page; the admin home; the studio settings (with public holidays listed
and a special date row); services (list, add, change); blocked time
(list, add); the bookings list (default, searched); the booking change form and the full add form;
the bulk-cancel confirmation; the diary week and day; the diary's booking page, its cancel
confirmation, add and block forms; the email previews (the index, every customer email's HTML part and every studio notice's); the
sync dashboard; and every other model the admin registers (outbox messages, audit log, sync runs,
booking links, webhook deliveries, sync state, worker tasks and schedules, users, groups): its list,
and its change form where one exists. The list of URLs is printed with -s.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import NoReverseMatch, reverse

from booksync.bookings import services
from booksync.bookings.messages import emails
from booksync.bookings.messages.catalogue import STUDIO_EVENTS
from booksync.bookings.models import Block, Booking, DateOverride, Service
from booksync.outbox.models import OutboxMessage
from tests.backoffice.conftest import summer_weekday
from tests.conftest import london

from .axe import serious_axe_violations
from .conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-password-for-tests"
REPORT = Path(django_settings.BASE_DIR) / "var" / "artifacts" / "axe-back-office.json"


def back_office_pages(booking: Booking, block: Block, day) -> list[str]:
    studio_pages = [
        reverse("admin:index"),
        reverse("admin:bookings_studio_change", args=[1]),
        reverse("admin:bookings_service_changelist"),
        reverse("admin:bookings_service_add"),
        reverse("admin:bookings_service_change", args=[Service.objects.get(slug="family").pk]),  # with questions
        reverse("admin:bookings_block_changelist"),
        reverse("admin:bookings_block_add"),
        reverse("admin:bookings_booking_changelist"),
        reverse("admin:bookings_booking_changelist") + "?q=Wendy",
        reverse("admin:bookings_booking_change", args=[booking.pk]),
        reverse("admin:bookings_booking_add"),
        reverse("diary:week") + f"?date={day}",
        reverse("diary:week") + f"?date={day}&view=day",
        reverse("diary:booking", args=[booking.pk]),
        reverse("diary:cancel", args=[booking.pk]),
        reverse("diary:add") + f"?start={day}T10:00",
        reverse("diary:block"),
        reverse("email-preview"),
        *[reverse("email-preview-html", args=[kind]) for kind in emails.KINDS],
        *[reverse("email-preview-studio-html", args=[what]) for what in STUDIO_EVENTS],
        reverse("admin:sync-dashboard"),
    ]
    technical = []
    for model in admin.site._registry:
        opts = model._meta
        if opts.app_label == "bookings" and opts.model_name in ("studio", "service", "block", "booking"):
            continue
        try:
            technical.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        except NoReverseMatch:
            continue
        first = model._default_manager.first()
        if first is not None:
            technical.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk]))
    return studio_pages + technical


def test_no_serious_axe_violation_on_any_back_office_page(site, studio, owner_user, open_page, outbox):
    studio.horizon_days = 400
    studio.holiday_country, studio.holiday_region = "GB", "ENG"  # the settings list holidays, "Open this day"
    studio.save()
    DateOverride.objects.create(studio=studio, date=summer_weekday(4), closed=True, note="Inventory")
    day = summer_weekday(2)
    booking = services.book(services.BookingRequest(
        start=london(day, 14), name="Wendy Web", email="wendy@example.com",
        service=Service.objects.get(slug="portrait"))).booking
    block = Block.objects.create(start=london(day, 9), end=london(day, 10), reason="Dentist")
    assert OutboxMessage.objects.exists()  # so the outbox's change form is checked too
    Group.objects.create(name="Front desk")  # and a group's
    page = open_page(f"{site}/admin/login/")
    found = {}
    login = serious_axe_violations(page)
    if login:
        found["/admin/login/"] = [v["id"] for v in login]
    page.get_by_label("Username").fill("owner")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{site}/admin/")

    pages = back_office_pages(booking, block, day)
    for url in pages:
        response = page.goto(site + url)
        assert response.status == 200, (url, response.status)
        violations = serious_axe_violations(page)
        if violations:
            found[url] = [f"{v['id']} ({v['impact']}, {len(v['nodes'])}): {[n['target'] for n in v['nodes']][:3]}"
                          for v in violations]
    # Pages reached by a POST: the bulk-cancel confirmation, and the change form asking to confirm a cancel.
    page.goto(f"{site}{reverse('admin:bookings_booking_changelist')}?q=Wendy")
    page.locator("#result_list input.action-select").first.check()
    page.select_option("select[name=action]", "cancel_bookings")
    page.get_by_role("button", name="Go").click()
    page.get_by_text("1 customer will be emailed").wait_for()
    pages.append("(POST) bulk-cancel confirmation")
    page.screenshot(path=str(ARTIFACTS / "bulk-cancel-confirm-1280.png"), full_page=True)
    if violations := serious_axe_violations(page):
        found[pages[-1]] = [v["id"] for v in violations]
    page.goto(site + reverse("admin:bookings_booking_change", args=[booking.pk]))
    page.select_option("#id_status", "cancelled")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_label("Yes, cancel it and email the customer").wait_for()
    pages.append("(POST) booking change form asking to confirm a cancel")
    page.screenshot(path=str(ARTIFACTS / "admin-cancel-confirm-1280.png"), full_page=True)
    if violations := serious_axe_violations(page):
        found[pages[-1]] = [v["id"] for v in violations]
    assert Booking.objects.get(pk=booking.pk).status == "confirmed"

    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps({"pages": pages, "violations": found}, indent=1))
    print(f"\naxe checked {len(pages)} back-office pages:\n" + "\n".join(pages))
    assert found == {}


@pytest.fixture
def owner_user(django_user_model):
    return django_user_model.objects.create_user("owner", "owner@studio.example", PASSWORD, is_staff=True,
                                                 is_superuser=True)
