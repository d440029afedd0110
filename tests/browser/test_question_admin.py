"""The back office's question pages in Chromium (ADR 0019): the service's questions inline, a booking's
answers in the diary; axe-core's serious and critical findings are listed (the report counts them)."""

from __future__ import annotations

import pytest

from booksync.bookings import services
from booksync.bookings.models import Service
from tests.conftest import london

from .axe import serious_axe_violations
from .conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-password-for-tests"


def findings(page) -> list[str]:
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}" for v in serious_axe_violations(page)]


def test_the_question_pages_of_the_back_office(site, studio, monday, open_page, django_user_model):
    django_user_model.objects.create_user("owner", "owner@studio.example", PASSWORD, is_staff=True, is_superuser=True)
    family = Service.objects.get(slug="family")
    booking = services.book(services.BookingRequest(start=london(monday, 10), name="Fam Ily", email="f@example.com",
                                                    service=family, answers={"people": 3, "occasion": "birthday"})).booking
    page = open_page(f"{site}/admin/login/", width=1280)
    page.get_by_label("Username").fill("owner")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{site}/admin/")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    found = {}
    for name, path in (("admin-service-questions", f"/admin/bookings/service/{family.pk}/change/"),
                       ("diary-booking-answers", f"/admin/diary/booking/{booking.pk}/"),
                       ("admin-booking-answers", f"/admin/bookings/booking/{booking.pk}/change/")):
        page.goto(site + path)
        page.screenshot(path=str(ARTIFACTS / f"{name}-1280.png"), full_page=True)
        found[name] = findings(page)
    assert page.get_by_text("How many people?").count() >= 1
    print("axe serious/critical:", found)
    assert found["diary-booking-answers"] == []
    # The booking's change form has findings of its own before any answer (the split start/end inputs,
    # the breadcrumbs; the settings work of issue 23 owns them): none may come from the Answers section.
    assert page.locator(".field-answers_shown dd").first.inner_text() == "3"
    inside = page.evaluate("async () => (await axe.run(document.querySelector('.field-answers_shown'), "
                           "{resultTypes: ['violations']})).violations.map(v => v.id + ':' + v.impact)")
    assert [v for v in inside if v.endswith((":serious", ":critical"))] == []
    assert found["admin-service-questions"] == []
