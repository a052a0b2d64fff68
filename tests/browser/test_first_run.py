"""The first-run page in Chromium: fits a 360 px phone without sideways scrolling, and works."""

from __future__ import annotations

import pytest
from sqlalchemy import delete

from complaints.extensions import db
from complaints.models import User

pytestmark = pytest.mark.browser


@pytest.fixture
def unset_app(app):
    """The test app as before its first admin: the demo admin removed."""
    with app.app_context():
        db.session.execute(delete(User).where(User.role == "admin"))
        db.session.commit()
    return app


def test_first_run_page_fits_a_phone_and_sets_up_the_agency(unset_app, live_server, page, page_log):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server}/login")
    page.click("#first-run-link a >> nth=0")
    page.wait_for_url(f"{live_server}/setup")
    sideways = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert sideways <= 0, f"the page scrolls {sideways}px sideways at 360px"
    with open(unset_app.config["SETUP_CODE_FILE"], encoding="utf-8") as file:  # as the operator would
        page.fill("#setup_code", file.read().strip())
    page.fill("#agency_th", "สำนักงานเขตตัวอย่าง")
    page.fill("#agency_en", "Example District Office")
    page.fill("#username", "firstadmin")
    page.fill("#display_name", "ผู้ดูแลระบบคนแรก")
    page.fill("#password", "first-admin-password")
    page.fill("#password_again", "first-admin-password")
    page.select_option("#preset", "province")
    page.click("#setup-submit")
    page.wait_for_url(f"{live_server}/admin/")
    assert "สำนักงานเขตตัวอย่าง" in page.inner_text("footer")
    assert page.evaluate("window.__cspViolations") == []
    assert page_log.errors() == []
    assert page.goto(f"{live_server}/setup").status == 404
