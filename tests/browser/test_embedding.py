"""The booking flow inside a studio's own site: a cross-site frame with third-party cookies blocked.

The studio's sites are tiny HTTP servers on other loopback addresses (127.0.0.2, 127.0.0.3), so
their pages are cross-site to the booking site on ``localhost``. Only 127.0.0.2 is in
EMBED_ALLOWED_ORIGINS.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from booksync.bookings.models import Booking
from booksync.web.picker import slot_value
from tests.conftest import csp_directive, london

from .conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "artifacts" / "i18n"

# A cookie a cross-site frame may only keep when third-party cookies are allowed
# (http://localhost counts as a secure context, so Secure cookies work there).
PROBE = """() => { document.cookie = "probe=1; SameSite=None; Secure; path=/"; return document.cookie; }"""


class StudioSite:
    """A studio's own web page, served from ``host`` on a free port, pasting booksync's embed lines."""

    def __init__(self, host: str, site: str):
        pages = {
            "/": f'<h1>Our studio</h1><p>Book below.</p><script src="{site}/embed.js" data-service="portrait" async></script>',
            "/button": f'<h1>Our studio</h1><script src="{site}/embed.js" data-mode="button" async></script>',
        }

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                body = ("<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Studio</title></head>"
                        f"<body>{pages.get(self.path.split('?')[0], '')}</body></html>").encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.origin = f"http://{host}:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def studio_sites(site, settings):
    allowed, other = StudioSite("127.0.0.2", site), StudioSite("127.0.0.3", site)
    settings.EMBED_ALLOWED_ORIGINS = [allowed.origin]
    yield allowed, other
    allowed.close()
    other.close()


@pytest.fixture
def cookie_blocking_browser(chromium, tmp_path):
    """Chromium with the user setting "Block third-party cookies" on (and the 3PCD testing flag)."""
    profile = tmp_path / "profile"
    (profile / "Default").mkdir(parents=True)
    # chrome://settings/cookies → "Block third-party cookies" is stored as these preferences.
    (profile / "Default" / "Preferences").write_text(json.dumps(
        {"profile": {"block_third_party_cookies": True, "cookie_controls_mode": 1}}))
    context = chromium.browser_type.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--test-third-party-cookie-phaseout"],
        locale="en-GB", timezone_id="Europe/London", viewport={"width": 1000, "height": 900})
    context.set_default_timeout(10_000)
    yield context
    context.close()


def _frame(page):
    page.locator("iframe").wait_for()
    return next(frame for frame in page.frames if frame != page.main_frame)


def test_a_customer_books_inside_the_studios_frame_with_third_party_cookies_blocked(
        studio_sites, cookie_blocking_browser, chromium, studio, monday, site, outbox):
    allowed, _other = studio_sites
    page = cookie_blocking_browser.new_page()
    # Control: on the booking site itself (first party) the probe cookie sticks…
    page.goto(site + "/")
    assert "probe=1" in page.evaluate(PROBE)
    page.context.clear_cookies()

    sent_cookies = []
    page.on("request", lambda request: sent_cookies.append(request.headers.get("cookie"))
            if request.url.startswith(site) else None)
    page.goto(allowed.origin + "/")
    frame = _frame(page)
    frame.wait_for_selector("#month .day.has-slots")
    # …inside the studio's frame it cannot: third-party cookies are blocked, none can carry anything.
    assert frame.evaluate(PROBE) == ""
    _turn_to(frame, monday)
    frame.locator(f'#month .day[data-date="{monday}"]').click()
    ten = london(monday, 10)
    frame.locator(".slot", has=frame.locator(f'input[value="{slot_value(ten)}"]')).click()
    frame.get_by_label("Name").fill("Framed Customer")
    frame.get_by_label("Email").fill("framed@example.com")
    height_before = page.locator("iframe").bounding_box()["height"]
    frame.get_by_role("button", name="Book this time").click()
    frame.get_by_role("heading", name="You're booked").wait_for()

    booking = Booking.objects.get()
    assert booking.start == ten and booking.name == "Framed Customer"
    assert [cookie for cookie in sent_cookies if cookie] == [], "a cookie reached the booking site"
    # The frame follows its content: the confirmation page is shorter than the booking form.
    page.wait_for_function("h => document.querySelector('iframe').getBoundingClientRect().height !== h",
                           arg=height_before)
    content = frame.evaluate("Math.ceil(document.documentElement.getBoundingClientRect().height)")
    assert abs(page.locator("iframe").bounding_box()["height"] - content) <= 2
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "embedded-confirmed-1000.png"), full_page=True)

    # The manage pages work in the frame too: move the booking, with the same cookie-free form checks.
    frame.get_by_role("link", name="Manage your booking").click()
    frame.get_by_role("link", name="Change the time").click()
    frame.wait_for_selector("#month .day.has-slots")
    eleven = london(monday, 11)
    frame.locator(".slot", has=frame.locator(f'input[value="{slot_value(eleven)}"]')).click()
    frame.get_by_role("button", name="Move my booking").click()
    frame.get_by_text("Your booking has moved").wait_for()
    assert Booking.objects.get().start == eleven
    assert [cookie for cookie in sent_cookies if cookie] == []


def _turn_to(frame, day):
    for _ in range(3):
        if frame.locator(f'#month .day[data-date="{day}"]').count():
            return
        frame.get_by_role("button", name="Next month").click()
        frame.locator(f'#month .day[data-date^="{day:%Y-%m}"]').first.wait_for()


EMBED_ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "artifacts" / "embed"
REFUSED = "This booking page cannot be shown inside this website."


def _assert_message_with_link(page, site, path="/book/portrait/"):
    """A readable sentence and a link to the page itself, where a frame would have been refused."""
    note = page.get_by_role("note")
    note.wait_for()
    assert note.inner_text().startswith(REFUSED)
    link = note.get_by_role("link", name="Open the booking page")
    assert link.get_attribute("href") == site + path and link.get_attribute("target") == "_blank"
    box = note.bounding_box()
    width = page.viewport_size["width"]
    assert box["width"] <= width and box["x"] >= 0, box  # readable: inside the screen at every width
    assert page.evaluate("getComputedStyle(document.querySelector('.booksync-refused p')).color") == "rgb(31, 31, 31)"
    return link


def test_an_origin_not_allowed_gets_a_message_and_a_link_instead_of_a_refused_frame(
        studio_sites, chromium, studio, site, client):
    allowed, other = studio_sites
    EMBED_ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width in (375, 1280):
        context = chromium.new_context(locale="en-GB", viewport={"width": width, "height": 800})
        page = context.new_page()
        warnings: list[str] = []
        page.on("console", lambda message, seen=warnings: seen.append(message.text)
                if message.type == "warning" else None)
        page.goto(other.origin + "/")
        link = _assert_message_with_link(page, site)
        assert page.locator("iframe").count() == 0  # no grey broken frame
        assert any("is not in EMBED_ALLOWED_ORIGINS" in text for text in warnings)  # for the studio's developer
        page.screenshot(path=str(EMBED_ARTIFACTS / f"embed-not-allowed-{width}.png"), full_page=True)
        with page.expect_popup() as popup:
            link.click()
        popup.value.wait_for_load_state()
        assert popup.value.url == site + "/book/portrait/"
        popup.value.locator("#month").wait_for()  # the booking page itself, on its own site
        # The "Book now" button, where it cannot open a frame, opens the page itself.
        page.goto(other.origin + "/button")
        book = page.get_by_role("link", name="Book now")
        assert book.get_attribute("href") == site + "/" and page.locator("dialog").count() == 0
        context.close()

    # What the browser would obey: the pages name only this site and the allowed origin, and send no
    # X-Frame-Options to contradict it; every other page still refuses all framing.
    response = client.get("/book/portrait/")
    assert csp_directive(response, "frame-ancestors") == f"'self' {allowed.origin}"
    assert "X-Frame-Options" not in response
    admin = client.get("/admin/login/")
    assert admin["X-Frame-Options"] == "DENY" and csp_directive(admin, "frame-ancestors") == "'none'"


def test_a_frame_refused_all_the_same_becomes_the_message(studio_sites, chromium, studio, site, client, settings):
    """A script cached while the origin was still allowed frames the page; the browser refuses the frame
    (frame-ancestors), our page never speaks in it, and the script puts the message in its place."""
    allowed, other = studio_sites
    settings.EMBED_ALLOWED_ORIGINS = [allowed.origin, other.origin]
    stale = client.get("/embed.js").content
    settings.EMBED_ALLOWED_ORIGINS = [allowed.origin]  # the studio removed it since
    context = chromium.new_context(locale="en-GB", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    refusals = []
    page.on("console", lambda message: refusals.append(message.text) if "frame-ancestors" in message.text else None)
    page.route(f"{site}/embed.js", lambda route: route.fulfill(body=stale, content_type="text/javascript"))
    page.goto(other.origin + "/")
    page.locator("iframe").wait_for(state="attached")
    _assert_message_with_link(page, site)
    assert page.locator("iframe").count() == 0
    assert refusals, "Chromium reported no frame-ancestors refusal"
    context.close()

    # Where the frame is allowed it stays (it speaks at once), whatever the wait.
    context = chromium.new_context(locale="en-GB")
    page = context.new_page()
    page.goto(allowed.origin + "/")
    frame = _frame(page)
    frame.wait_for_selector("#month .day.has-slots")
    page.wait_for_timeout(3000)  # longer than the script waits for a refused frame
    assert page.locator("iframe").count() == 1 and page.get_by_role("note").count() == 0
    context.close()


def test_the_book_now_button_opens_the_flow_in_a_dialog(studio_sites, chromium, studio):
    allowed, _other = studio_sites
    context = chromium.new_context(locale="de-DE")
    page = context.new_page()
    page.goto(allowed.origin + "/button")
    page.get_by_role("button", name="Jetzt buchen").click()
    dialog = page.locator("dialog[open]")
    dialog.wait_for()
    frame = _frame(page)
    # Without data-service the dialog opens the studio's sessions (in the visitor's language).
    frame.get_by_role("heading", name="Termine").wait_for()
    frame.locator('a[href$="/book/portrait/"]').click()
    frame.wait_for_selector("#month .day.has-slots")
    assert frame.locator("h1").inner_text().startswith("Buchen")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "embedded-dialog-de-1000.png"))
    page.keyboard.press("Escape")  # focus is inside the frame; the frame passes Escape on
    page.wait_for_selector("dialog[open]", state="detached")
    assert page.evaluate("document.activeElement.textContent") == "Jetzt buchen"
    context.close()
