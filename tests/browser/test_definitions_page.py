"""The public definitions page in Chromium: on a 360 px phone, without sideways scrolling, each
definition's four parts in Thai, and in English (no Thai left in the page's text) by the switch."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from complaints.services.analytics.metrics.definitions import DEFINITIONS

pytestmark = pytest.mark.browser

THAI = re.compile(r"[\u0E00-\u0E7F]")
PARTS = ("population", "numerator", "denominator", "as-of")


def _fits(page: Page) -> None:
    sideways = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert sideways <= 0, f"the page scrolls {sideways}px sideways at 360px"


def _parts(page: Page, key: str) -> dict[str, str]:
    section = page.locator(f"section.definition#{key}")
    return {part: section.locator(f"dd.{part}").inner_text() for part in PARTS}


def test_definitions_at_360px_in_thai_then_english(live_server, page: Page, page_log):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server}/definitions#reopen")
    expect(page.locator("section.definition")).to_have_count(len(DEFINITIONS))
    _fits(page)
    for d in DEFINITIONS:
        shown = _parts(page, d.key)
        assert shown == {part: d.text(part.replace("-", "_"), "th") for part in PARTS}, d.key
        assert all(page.locator(f"section.definition#{d.key} dd.{p}").is_visible() for p in PARTS)
    assert page.locator("section.definition#reopen").bounding_box()["y"] < 740  # the anchor scrolled to it

    with page.expect_navigation():
        page.click("a.lang[hreflang=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    _fits(page)
    for d in DEFINITIONS:
        assert _parts(page, d.key) == {part: d.text(part.replace("-", "_"), "en") for part in PARTS}, d.key
    main = page.locator("main").inner_text()
    assert not THAI.findall(main), THAI.findall(main)[:10]
    assert page.evaluate("window.__cspViolations") == []
    assert page_log.errors() == []
