"""The HTML emails as a browser renders them, at phone and desktop widths.

Screenshots land in ``$DATA_DIR/artifacts/emails/`` (var/ by default, not committed) for a
person to look at; the test itself checks that nothing overflows the phone's width and
that a customer name holding a script is shown, never run.
"""

from __future__ import annotations

import base64
from datetime import timedelta
from pathlib import Path

import pytest

from booksync.bookings import services
from booksync.bookings.messages.reminders import send_due_reminders
from booksync.outbox.delivery import deliver_due
from tests.conftest import london

from .conftest import book

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:django-anymail has dropped official support for SendGrid"),
]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
WIDTHS = (375, 1280)
NAME = "<script>alert(1)</script> Ann"
LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40" rx="8" '
    'fill="#f2b134"/><circle cx="20" cy="20" r="9" fill="none" stroke="#1f4e79" stroke-width="4"/></svg>'
)


def every_kind_of_email(sendgrid, day) -> dict[str, str]:
    """Send a confirmation, an update, a reminder and a cancellation; kind → HTML as SendGrid got it."""
    booking = book(london(day, 10), name=NAME, customer_timezone="America/New_York")
    deliver_due(force=True, topics=["email"])
    booking = services.reschedule(booking, london(day, 14), actor="admin")
    deliver_due(force=True, topics=["email"])
    assert send_due_reminders(now=booking.start - timedelta(hours=2)) == 1
    deliver_due(force=True, topics=["email"])
    services.cancel(booking, reason="The studio is closed that day", actor="admin")
    deliver_due(force=True, topics=["email"])
    kinds = ("confirmation", "update", "reminder", "cancellation")
    return dict(zip(kinds, [m.html for m in sendgrid.messages_to(booking.email)], strict=True))


def test_screenshots_of_every_email(studio, monday, sendgrid, settings):
    studio.logo_url = "data:image/svg+xml;base64," + base64.b64encode(LOGO.encode()).decode()
    studio.save()
    emails = every_kind_of_email(sendgrid, monday)
    folder = Path(settings.DATA_DIR) / "artifacts" / "emails"
    folder.mkdir(parents=True, exist_ok=True)

    # Playwright's sync API runs an event loop in this thread: no database calls from here on.
    from playwright.sync_api import sync_playwright

    alerts: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for kind, html in emails.items():
                for width in WIDTHS:
                    page = browser.new_page(viewport={"width": width, "height": 900})
                    page.on("dialog", lambda dialog: (alerts.append(dialog.message), dialog.dismiss()))
                    page.route("**/*", lambda route: route.abort())  # emails render without the network
                    page.set_content(html, wait_until="load")
                    page.screenshot(path=str(folder / f"{kind}-{width}.png"), full_page=True)
                    scroll_width = page.evaluate("document.documentElement.scrollWidth")
                    assert scroll_width <= width, f"{kind} is {scroll_width}px wide at {width}px"
                    assert page.get_by_text(NAME).count() == 1  # shown as text
                    page.close()
        finally:
            browser.close()
    assert alerts == []  # the name never ran as script
