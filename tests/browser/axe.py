"""axe-core (vendored, see vendor/README.md) run in a page, whatever the page's Content-Security-Policy.

The site's CSP refuses inline scripts without its nonce, so the script is not added as a tag:
Playwright evaluates it through the browser's DevTools protocol, which the page's policy does not govern.
"""

from __future__ import annotations

from pathlib import Path

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")


def axe_violations(page) -> list[dict]:
    """axe's violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(f"() => {{ {AXE_SOURCE}\n; window.axe = axe; }}")
    return page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")


def serious_axe_violations(page) -> list[dict]:
    return [v for v in axe_violations(page) if v["impact"] in ("serious", "critical")]
