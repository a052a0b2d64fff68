"""The manager's and the assessment's pages on a 360 px phone: nothing scrolls sideways; a
wide table scrolls inside its own box instead of pushing the page wider."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from assessment import service
from complaints.domain.periods import Period
from complaints.extensions import db
from tests.assessment_scenario import seed_fy2569
from tests.browser.conftest import sign_in
from tests.helpers import PASSWORD, make_staff

pytestmark = pytest.mark.browser

PAGES = (
    "/assessment/",
    "/assessment/2569",
    "/manager/?period=2569",
    "/manager/complaints?period=2569&kind=complaint&overdue=yes",
)


def test_staff_pages_do_not_scroll_sideways_at_360px(app, live_server, page: Page, page_log):
    with app.app_context():
        seed_fy2569()
        service.open_assessment(Period.parse("2569"), None)
        db.session.commit()
    make_staff(app, "boss-phone", "manager")
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, live_server, "boss-phone", PASSWORD)
    wide = {}
    for path in PAGES:
        page.goto(f"{live_server}{path}")
        sideways = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if sideways > 0:
            culprit = page.evaluate(
                """() => { let w = null; for (const e of document.querySelectorAll('main *')) {
                     const r = e.getBoundingClientRect(); if (r.right > innerWidth + 1 && (!w || r.width < w.width))
                     w = {tag: e.tagName, cls: e.className, width: r.width}; } return w; }"""
            )
            wide[path] = (sideways, culprit)
    assert wide == {}, f"pages scrolling sideways at 360 px (px): {wide}"
    assert page_log.errors() == []
