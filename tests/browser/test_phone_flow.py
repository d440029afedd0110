"""The phone-first booking flow (issue 23, ADR 0022) in Chromium at 375 and 1280 px.

Slot buttons whose labels never leave them (New York, Tokyo, German), a chosen day's times scrolled
into view and announced, the sticky summary and its Continue, the change policy told honestly for a
time inside the change window (page, confirmation, email), and axe-core on every customer page.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

from booksync.bookings import calendar_outage, services
from booksync.bookings.models import Booking, Service
from booksync.integrations.ports import PermanentError
from booksync.web.picker import slot_value
from tests.conftest import london

from .axe import serious_axe_violations
from .conftest import WIDTHS, screenshot
from .test_booking_flow import _fill_details, _pick_day, _slot, _wait_for_month
from .test_embedding import _frame, studio_sites  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(django_settings.BASE_DIR) / "var" / "artifacts" / "phone"

# Every label inside a slot button, measured against the button (CSS px, a rounding's slack).
OVERFLOW = """() => {
  const slack = 0.5, out = [];
  for (const slot of document.querySelectorAll('#slot-grid label.slot')) {
    const box = slot.getBoundingClientRect();
    for (const label of slot.querySelectorAll('.slot-time, .slot-other')) {
      const r = label.getBoundingClientRect();
      if (r.left < box.left - slack || r.right > box.right + slack || r.top < box.top - slack ||
          r.bottom > box.bottom + slack || label.scrollWidth > label.clientWidth + 1)
        out.push({text: label.textContent, label: [r.left, r.right, r.top, r.bottom],
                  button: [box.left, box.right, box.top, box.bottom]});
    }
  }
  return {slots: document.querySelectorAll('#slot-grid label.slot').length, overflowing: out};
}"""


def _shot(page, name: str) -> None:
    """The viewport as the customer sees it (the sticky bar included), into var/artifacts/phone/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


@pytest.mark.parametrize(("locale", "zone", "leads"), [
    ("en-US", "America/New_York", "studio"),  # "10:00" over "your time 5:00 AM"
    ("en-US", "America/New_York", "customer"),  # "5:00 AM" over "studio 10:00"
    ("de-DE", "Asia/Tokyo", "studio"),  # the customer's day after midnight: "Ihre Zeit Di. 01:00"
    ("fr-FR", "Pacific/Auckland", "studio"),
])
def test_slot_labels_never_overflow_their_buttons(site, studio, monday, open_page, locale, zone, leads):
    studio.time_leads = leads
    studio.save()
    for width in WIDTHS:
        page = open_page(f"{site}/book/portrait/?date={monday}", locale=locale, timezone_id=zone, width=width)
        _wait_for_month(page)
        page.locator("#slot-grid .slot-other").first.wait_for()
        measured = page.evaluate(OVERFLOW)
        assert measured["slots"] >= 6, measured
        assert measured["overflowing"] == [], f"{locale} {zone} {width}px: {measured['overflowing'][:3]}"
        assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
        others = page.locator("#slot-grid .slot-other").all_inner_texts()
        assert others and all(text.strip() for text in others)
        if zone == "America/New_York" and leads == "studio":
            assert "your time 5:00\u202fAM" in others or "your time 5:00 AM" in others, others
        page.locator("#slot-grid").screenshot(path=str(_artifact(f"slots-{zone.split('/')[1]}-{leads}-{width}")))
        print(f"\n{locale} {zone} leads={leads} {width}px: {measured['slots']} slot buttons, 0 labels overflow")


def _artifact(name: str):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"{name}.png"


@pytest.mark.parametrize("width", WIDTHS)
def test_tapping_a_day_brings_its_times_into_view_and_announces_them(site, studio, monday, open_page, width):
    page = open_page(f"{site}/book/portrait/?date={monday}", width=width, timezone_id="America/New_York")
    _wait_for_month(page)
    # The hint says whose clock leads, for the zone the browser gave (not only the zone's name).
    assert page.locator("#slots-zone-text").inner_text() == ("Times are the studio's (London (UTC+00:00)), "
                                                             "with yours beside them.")
    tuesday = monday + timedelta(days=1)
    cell = page.locator(f'#month .day[data-date="{tuesday}"]')
    cell.scroll_into_view_if_needed()
    if width == 375:
        _shot(page, f"before-tap-{width}")
    cell.click()
    page.locator("#slots-legend", has_text=tuesday.strftime("%A")).wait_for()
    page.locator("#slots-status", has_text="free times, shown below").wait_for()
    status = page.locator("#slots-status")
    assert status.get_attribute("role") == "status"
    assert re.search(rf"{tuesday:%A}.*: \d+ free times, shown below", status.inner_text())
    # Wait for the (smooth) scroll to settle, then the first row of times is on screen, above the bar.
    page.wait_for_function("""() => new Promise(done => { let last = scrollY, still = 0;
        const tick = () => { still = scrollY === last ? still + 1 : 0; last = scrollY;
                             still > 5 ? done(true) : requestAnimationFrame(tick); }; tick(); })""")
    first = page.locator("#slot-grid label.slot").first.bounding_box()
    bar = page.locator("#choice-bar").bounding_box()
    height = page.evaluate("innerHeight")
    assert first["y"] >= 0 and first["y"] + first["height"] <= min(height, bar["y"]) + 0.5, (first, bar, height)
    print(f"\n{width}px: after the tap the first time's top is {first['y']:.0f} px from the top "
          f"(viewport {height}, bar from {bar['y']:.0f})")
    _shot(page, f"after-tap-{width}")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_sticky_summary_follows_the_choice_and_continue_moves_to_the_details(site, studio, monday, open_page,
                                                                                 width):
    page = open_page(f"{site}/book/portrait/?date={monday}", width=width)
    _wait_for_month(page)
    bar = page.locator("#choice-bar")
    height = page.evaluate("innerHeight")
    box = bar.bounding_box()
    assert abs(box["y"] + box["height"] - height) <= 1, "the summary sits at the foot of the screen"
    assert "No time chosen yet" in bar.inner_text() and "Portrait session" in bar.inner_text()
    _shot(page, f"summary-empty-{width}")

    page.locator(".slot", has=_slot(page, london(monday, 10))).click()
    expected = f"{monday:%a} {monday.day} {monday:%b} · 10:00"
    assert bar.locator("#choice-when").inner_text() == expected
    assert bar.locator(".choice-service").inner_text() == "· Portrait session"
    page.evaluate("window.scrollTo(0, 0)")
    box = bar.bounding_box()
    assert abs(box["y"] + box["height"] - page.evaluate("innerHeight")) <= 1, "still stuck after the choice"
    _shot(page, f"summary-chosen-{width}")

    bar.get_by_role("link", name="Continue").click()
    page.wait_for_function("document.activeElement && document.activeElement.id === 'id_name'")
    page.wait_for_timeout(600)  # the smooth scroll
    name_box = page.locator("#id_name").bounding_box()
    bar_box = bar.bounding_box()
    assert name_box["y"] >= 0 and name_box["y"] + name_box["height"] <= page.evaluate("innerHeight")
    # Released at its own place: it no longer covers the details.
    assert bar_box["y"] + bar_box["height"] <= name_box["y"], (bar_box, name_box)
    _shot(page, f"summary-continue-{width}")

    # The server renders the same summary for a chosen time (the language switch keeps it, no script).
    plain = open_page(f"{site}/book/portrait/?date={monday}&slot={slot_value(london(monday, 10))}",
                      javascript=False, width=width)
    assert plain.locator("#choice-when").inner_text() == expected


def test_continue_without_a_time_asks_for_one(site, studio, monday, open_page):
    page = open_page(f"{site}/book/portrait/?date={monday}", width=375)
    _wait_for_month(page)
    page.get_by_role("link", name="Continue").click()
    page.locator("#slots-status", has_text="Choose a time first.").wait_for()
    assert page.evaluate("document.activeElement.name") == "start"


def test_a_time_inside_the_change_window_is_told_honestly_before_and_after_booking(site, studio, monday,
                                                                                  open_page, outbox):
    # Bookable with 2 hours' notice, but changes close long before: every slot of that Monday is inside.
    studio.change_notice_hours = 24 * 12
    studio.save()
    page = open_page(f"{site}/book/portrait/?date={monday}", width=375)
    _wait_for_month(page)
    ten = london(monday, 10)
    assert _slot(page, ten).get_attribute("data-late") is not None
    hint = page.locator("#late-hint")
    assert hint.is_visible() and "288 hours away" in hint.inner_text()
    assert page.locator("#policy-late").is_hidden()
    page.locator(".slot", has=_slot(page, ten)).click()
    late = page.locator("#policy-late")
    assert late.is_visible() and page.locator("#policy-open").is_hidden()
    assert late.inner_text() == ("Online changes are closed for this time; call the studio on +44 20 7946 0000 "
                                 "to change or cancel.")
    assert late.get_by_role("link", name="+44 20 7946 0000").get_attribute("href") == "tel:+442079460000"
    _fill_details(page)
    late.scroll_into_view_if_needed()
    _shot(page, "late-before-booking-375")
    page.get_by_role("button", name="Book this time").click()
    page.get_by_role("heading", name="You're booked").wait_for()
    policy = page.locator("#policy").inner_text()
    assert "Online changes are closed for this time; call the studio on +44 20 7946 0000" in policy
    assert "until" not in policy
    screenshot(page, "confirmed-late")

    [message] = outbox.deliver()
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Online changes are closed for this time; call the studio on +44 20 7946 0000 to change or cancel." in text
    assert "online until" not in text and "online until" not in html
    assert 'href="tel:+442079460000"' in html

    # A time outside the window keeps the usual promise.
    studio.change_notice_hours = 24
    studio.save()
    other = open_page(f"{site}/book/portrait/?date={monday}", width=375)
    _wait_for_month(other)
    assert other.locator("#late-hint").is_hidden()
    other.locator(".slot", has=_slot(other, london(monday, 11))).click()
    assert other.locator("#policy-late").is_hidden()
    assert "until 24 hours before" in other.locator("#policy-open").inner_text()


def test_the_change_window_without_javascript(studio, monday, outbox):
    """The same honesty from the server alone: the marked slots, the sentence after a 422, the confirmation."""
    studio.change_notice_hours = 24 * 12
    studio.save()
    client = Client()
    page = client.get(f"/book/portrait/?date={monday}").content.decode()
    ten = slot_value(london(monday, 10))
    assert f'value="{ten}" required data-late aria-describedby="late-hint"' in page
    assert 'id="late-hint" hidden' not in page
    answer = client.post("/book/portrait/", {"start": ten, "date": monday.isoformat(), "timezone": "Europe/London",
                                             "name": "", "email": "ada@example.com"})
    assert answer.status_code == 422
    body = answer.content.decode()
    assert 'id="policy-late">' in body and 'id="policy-open" hidden' in body
    done = client.post("/book/portrait/", {"start": ten, "date": monday.isoformat(), "timezone": "Europe/London",
                                           "name": "Ada", "email": "ada@example.com"})
    confirmation = client.get(done.url).content.decode()
    assert "Online changes are closed for this time; call the studio on" in confirmation
    assert "You can change or cancel online until" not in confirmation
    [message] = outbox.deliver()
    assert "Online changes are closed for this time" in message.get_body(preferencelist=("plain",)).get_content()


# --- axe-core on every customer page --------------------------------------------------------------------
def _serve_as_is(page, site: str, path: str, response) -> None:
    """Show ``response`` (from Django's test client) at ``site + path`` with its own headers (its CSP too)."""
    headers = {name: value for name, value in response.items() if name.lower() in
               ("content-type", "content-security-policy", "retry-after")}

    def fulfill(route):
        route.fulfill(status=response.status_code, headers=headers, body=response.content)

    page.route(site + path, fulfill)
    page.goto(site + path)


def _check(page, name: str, found: dict, checked: list) -> None:
    checked.append(name)
    serious = [f"{v['id']} ({v['impact']}): {v['help']} × {len(v['nodes'])}" for v in serious_axe_violations(page)]
    if serious:
        found[name] = serious


def test_axe_finds_nothing_serious_or_critical_on_any_customer_page(site, studio, monday, open_page, settings,
                                                                    monkeypatch, studio_sites):  # noqa: F811
    found: dict[str, list[str]] = {}
    checked: list[str] = []
    ten = london(monday, 10)
    kept = services.book(services.BookingRequest(start=london(monday, 9), name="Axe Tester", email="axe@example.com",
                                                 service=Service.objects.get(slug="portrait")))
    soon = services.book(services.BookingRequest(start=london(monday, 16), name="Too Late", email="late@example.com",
                                                 service=Service.objects.get(slug="mini")))
    from django.utils import timezone

    start = timezone.now() + timedelta(hours=3)
    Booking.objects.filter(pk=soon.booking.pk).update(start=start, end=start + timedelta(minutes=30))
    gone = services.book(services.BookingRequest(start=london(monday, 12), name="Gone", email="gone@example.com",
                                                 service=Service.objects.get(slug="portrait")))
    services.cancel(gone.booking, actor="admin")

    # axe does see a violation when there is one (an image without a text alternative).
    page = open_page(site + "/")
    page.evaluate("document.querySelector('main').append(Object.assign(document.createElement('img'), {src: 'data:,'}))")
    assert "image-alt" in [v["id"] for v in serious_axe_violations(page)]

    for width in WIDTHS:
        page = open_page(site + "/", width=width, timezone_id="America/New_York")
        _check(page, f"home {width}", found, checked)
        # The booking page, step by step.
        page.goto(f"{site}/book/portrait/?date={monday}")
        _wait_for_month(page)
        _check(page, f"book: service and time {width}", found, checked)
        _pick_day(page, monday + timedelta(days=1))
        page.locator("#slots-status", has_text="free times").wait_for()
        _check(page, f"book: a day chosen {width}", found, checked)
        page.locator("#slot-grid label.slot").first.click()
        _check(page, f"book: a time chosen, sticky summary {width}", found, checked)
        page.get_by_role("link", name="Continue").click()
        page.wait_for_function("document.activeElement.id === 'id_name'")
        _check(page, f"book: details {width}", found, checked)
        page.evaluate("document.getElementById('booking-form').noValidate = true")
        page.get_by_role("button", name="Book this time").click()
        page.locator(".notice-error").wait_for()
        _check(page, f"book: details with errors (422) {width}", found, checked)

    # Without the script (axe itself needs JavaScript): book.js refused, the page's no-script layout shown.
    page = open_page(site + "/")
    page.route("**/booksync/book.js", lambda route: route.abort())
    page.goto(f"{site}/book/portrait/?date={monday}")
    page.evaluate("document.documentElement.classList.remove('js')")
    assert page.get_by_role("button", name="Show times").is_visible()
    _check(page, "book: without JavaScript", found, checked)
    studio.change_notice_hours = 24 * 12
    studio.save()
    page = open_page(f"{site}/book/portrait/?date={monday}", width=375)
    _wait_for_month(page)
    page.locator(".slot", has=_slot(page, ten)).click()
    _check(page, "book: a time inside the change window", found, checked)
    studio.change_notice_hours = 24
    studio.save()
    # Taken while the form was open: the nearest free times.
    page = open_page(f"{site}/book/portrait/?date={monday}", width=375)
    _wait_for_month(page)
    page.locator(".slot", has=_slot(page, ten)).click()
    _fill_details(page)
    services.book(services.BookingRequest(start=ten, name="Quicker", email="quick@example.com",
                                          service=Service.objects.get(slug="portrait")))
    page.get_by_role("button", name="Book this time").click()
    page.locator("#slot-taken").wait_for()
    _check(page, "book: slot just taken (409)", found, checked)
    page.locator("#slot-grid label.slot").first.click()
    page.get_by_role("button", name="Book this time").click()
    page.get_by_role("heading", name="You're booked").wait_for()
    _check(page, "confirmed", found, checked)

    pages = {
        "manage": f"/manage/{kept.token}/",
        "manage: changes closed": f"/manage/{soon.token}/",
        "reschedule": f"/manage/{kept.token}/reschedule/",
        "cancel": f"/manage/{kept.token}/cancel/",
        "manage_unknown": "/manage/not-a-token/",
        "404": "/no-such-page/",
        "410": f"/manage/{gone.token}/cancel/",
    }
    for width in WIDTHS:
        page = open_page(site + "/", width=width)
        for name, path in pages.items():
            page.goto(site + path)
            if name == "reschedule":
                _wait_for_month(page)
            _check(page, f"{name} {width}", found, checked)

    # received: what a bot (the honeypot filled) is told.
    page = open_page(f"{site}/book/portrait/?date={monday}")
    _wait_for_month(page)
    page.locator(".slot", has=_slot(page, london(monday, 15))).click()
    _fill_details(page)
    page.evaluate("document.querySelector('.hp input').value = 'http://spam.example'")
    page.get_by_role("button", name="Book this time").click()
    page.get_by_text("Your request has been received").wait_for()
    _check(page, "received", found, checked)

    # 400, 403 and 500 as the server answers them (a bad Content-Length, an expired form, the bare 500 page).
    client = Client()
    page = open_page(site + "/")
    bad = client.get("/", CONTENT_LENGTH="abc")
    assert bad.status_code == 400
    _serve_as_is(page, site, "/as-answered/400/", bad)
    _check(page, "400", found, checked)
    expired = Client(enforce_csrf_checks=True).post("/book/portrait/", {"name": "x"}, HTTP_ORIGIN="https://evil.example")
    assert expired.status_code == 403
    _serve_as_is(page, site, "/as-answered/403/", expired)
    _check(page, "403 (form expired)", found, checked)
    from django.http import HttpResponse
    from django.template.loader import render_to_string

    _serve_as_is(page, site, "/as-answered/500/", HttpResponse(render_to_string("500.html"), status=500))
    _check(page, "500", found, checked)

    # 429: the booking form sent too often.
    settings.PAGE_POST_RATE = "1/m"
    page = open_page(f"{site}/book/portrait/?date={monday}")
    for _attempt in range(3):
        page.evaluate("document.getElementById('booking-form').noValidate = true")
        page.get_by_role("button", name="Book this time").click()
        page.wait_for_load_state()
        if page.get_by_text("Please wait a moment").count():
            break
    page.get_by_text("Please wait a moment").first.wait_for()
    _check(page, "429", found, checked)
    settings.PAGE_POST_RATE = "1000/m"

    # 503: a calendar failure no outage policy handles.
    class BrokenCalendar:
        name = "broken"

        def busy(self, window, *, live=False):
            raise PermanentError("the calendar answered something nobody expected")

    monkeypatch.setattr(calendar_outage, "busy_source", BrokenCalendar)
    page = open_page(f"{site}/book/portrait/?date={monday + timedelta(days=2)}")
    page.get_by_role("heading", name="Please try again in a few minutes").wait_for()
    _check(page, "503", found, checked)
    monkeypatch.undo()

    # embed: the booking flow inside a studio's page.
    allowed, _other = studio_sites
    for width in WIDTHS:
        host = open_page(allowed.origin + "/", width=width)
        frame = _frame(host)
        frame.wait_for_selector("#month .day.has-slots")
        _check(frame, f"embed: booking page in the studio's frame {width}", found, checked)
    host = open_page(allowed.origin + "/button")
    host.locator("button").first.click()
    frame = _frame(host)
    frame.locator("h1").wait_for()
    _check(host, "embed: the Book now button's dialog (the studio's page)", found, checked)
    _check(frame, "embed: the dialog's frame", found, checked)

    print(f"\naxe-core on {len(checked)} customer page states, 0 critical, 0 serious:\n  " + "\n  ".join(checked))
    assert found == {}, found


def test_the_sticky_summary_never_hides_the_focused_time(site, studio, monday, open_page):
    """WCAG 2.4.11: moving through the times with the keyboard at 375 px, each one stays above the bar."""
    page = open_page(f"{site}/book/portrait/?date={monday}", width=375)
    _wait_for_month(page)
    # The times' first row just inside the screen's foot, under the bar; focus on the link before them.
    page.evaluate("""() => { document.querySelector('.zone-jump').focus({preventScroll: true});
        const top = document.getElementById('slot-grid').getBoundingClientRect().top + scrollY;
        window.scrollTo(0, top - innerHeight + 30); }""")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "start"
    hidden = []
    count = page.locator('#slot-grid input[name="start"]').count()
    for _step in range(count):
        slot = page.evaluate("""() => { const r = document.activeElement.closest('label').getBoundingClientRect();
            const bar = document.getElementById('choice-bar').getBoundingClientRect();
            return {bottom: r.bottom, top: r.top, bar: bar.top, value: document.activeElement.value}; }""")
        if slot["bottom"] > slot["bar"] + 0.5 or slot["top"] < 0:
            hidden.append(slot)
        page.keyboard.press("ArrowRight")
    assert count >= 10 and hidden == [], hidden


@pytest.mark.parametrize("width", WIDTHS)
def test_slot_labels_fit_without_the_script_too(site, studio, monday, open_page, width):
    """The server's own labels (zone from the query, no book.js): the same measure."""
    page = open_page(site + "/", locale="en-US", timezone_id="America/New_York", width=width)
    page.route("**/booksync/book.js", lambda route: route.abort())
    page.goto(f"{site}/book/portrait/?date={monday}&tz=America/New_York")
    page.evaluate("document.documentElement.classList.remove('js')")
    assert "your time" in page.locator("#slot-grid .slot-other").first.inner_text()
    measured = page.evaluate(OVERFLOW)
    assert measured["slots"] >= 6 and measured["overflowing"] == [], measured
