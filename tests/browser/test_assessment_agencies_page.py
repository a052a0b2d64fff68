"""The side-by-side page of assessed bodies in Chromium: on a 360 px phone the cards stack
and nothing scrolls sideways; on a wide screen they sit side by side."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from assessment import service
from complaints.domain.periods import Period
from complaints.extensions import db
from tests.browser.conftest import sign_in
from tests.helpers import PASSWORD, make_staff
from tests.test_assessment_agencies import agencies

pytestmark = pytest.mark.browser


def test_agencies_side_by_side_fit_a_phone(app, live_server, page: Page, page_log):
    agencies(app)
    with app.app_context():
        # Long names, as real agencies have them, must wrap rather than push the page wider.
        for code in ("agency-a", "agency-b"):
            body = service.body_by_code(code)
            body.name_th = "สำนักงานส่งเสริมและพัฒนาคุณภาพการให้บริการประชาชนเขตพื้นที่" + code
            body.name_en = "Office for the Promotion and Development of Public Service Quality " + code
        db.session.commit()
        service.open_assessment(Period.parse("2569"), None, service.body_by_code("agency-b"))
    make_staff(app, "mgr-min", "manager", "min")
    sign_in(page, live_server, "mgr-min", PASSWORD)
    page.goto(f"{live_server}/assessment/agencies?period=2569&unit=min")
    cards = page.locator("#bodies article.body")
    assert cards.count() == 2
    wide = [cards.nth(i).bounding_box() for i in range(2)]
    assert wide[0]["y"] == wide[1]["y"], "side by side on a wide screen"
    page.set_viewport_size({"width": 360, "height": 740})
    page.reload()
    sideways = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert sideways <= 0, f"the page scrolls {sideways}px sideways at 360px"
    narrow = [cards.nth(i).bounding_box() for i in range(2)]
    assert narrow[1]["y"] > narrow[0]["y"] + narrow[0]["height"] - 1, "stacked on a phone"
    assert all(box["x"] >= 0 and box["x"] + box["width"] <= 360 for box in narrow)
    page.click("#bodies article[data-unit='agency-b'] a.button")
    assert page.url.endswith("/assessment/2569?unit=agency-b")
    assert page.evaluate("window.__cspViolations") == []
    assert page_log.errors() == []
