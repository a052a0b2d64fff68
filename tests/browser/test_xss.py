"""Cross-site scripting, checked in Chromium: every field a page renders carries script.

Intake and every form refuse markup, so the payloads are written straight into the
rows (as data from an import, an older version or a database edit would arrive): the
question here is what the pages do with it. Each page that shows the fields is opened
as an admin (who sees every page but tip-offs), and on each: no injected script ran
(`window.__xss` undefined, no CSP violation), no element was injected, the payload
is on the page as text, and the response carries the Content-Security-Policy header.
Also through the real forms: the citizen form sent back with the payload in its fields,
and a unit renamed by an admin with an attribute-breaking name the filters let through.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from assessment import service as assessment_service
from assessment.models import AssessmentAnswer, AssessmentEvidence
from complaints.domain.periods import Period
from complaints.extensions import db
from complaints.models import Unit, User, utcnow
from complaints.services.analytics import corrective_actions
from complaints.services.casework import case_actions
from tests.browser.conftest import sign_in
from tests.helpers import PASSWORD, complaint_by_number, make_staff, submit_api

pytestmark = pytest.mark.browser


def payload(tag: str) -> str:
    return (
        f'XSS-{tag} <img src=x onerror=window.__xss=1>"><script>window.__xss=1</script>'
        f"' onmouseover='window.__xss=1' </textarea><svg onload=window.__xss=1>"
    )


ATTRIBUTE_BREAKER = '" autofocus onfocus="window.__xss=1" x="'  # no tag: the markup filters let it through
INJECTED = "img[src='x'], [onerror], [onload], [onmouseover], [onfocus], [autofocus]"
COMPLAINT_FIELDS = ("title", "description", "address", "district")
CONTACT_FIELDS = ("name", "phone", "email", "line_user_id")


def plant_payloads(app, client) -> dict:
    """A complaint, its contact, a note and a reply, a unit and category name, a corrective
    action, an assessment answer and evidence link: each holding payload(<its name>)."""
    admin_id = make_staff(app, "admin", "admin", None)
    number = submit_api(
        client, contact={"name": "x", "phone": "0811111111", "email": "x@example.com", "line_user_id": "U" + "0" * 32}
    )
    period = Period.containing(utcnow())
    with app.app_context():
        admin = db.session.get(User, admin_id)
        complaint = complaint_by_number(number)
        note = case_actions.add_note(complaint, admin, "บันทึก")
        reply = case_actions.add_reply(complaint, admin, "ตอบกลับ")
        action = corrective_actions.save_action(
            None,
            admin,
            {
                "title": "มาตรการ",
                "target": f"category:{complaint.category_id}",
                "owner_user_id": str(admin_id),
                "status": "planned",
            },
        )
        assessment = assessment_service.open_assessment(period, admin)
        item = "3.1-B1"
        assessment_service.save_answers(
            period, assessment, {item: {"status": "met", "explanation": "คำอธิบาย", "fields": {}}}, admin
        )
        assessment_service.add_link(assessment, item, "ลิงก์", "https://example.org/", admin)
        # Straight into the rows, past the filters (see the module docstring).
        for field in COMPLAINT_FIELDS:
            setattr(complaint, field, payload(field))
        for field in CONTACT_FIELDS:
            setattr(complaint.complainant, field, payload(field))
        note.text, reply.text = payload("note"), payload("reply")
        complaint.unit.name_th = payload("unit")
        complaint.category.name_th = payload("category")
        action.title, action.description = payload("action"), payload("action_text")
        answer = db.session.scalar(select(AssessmentAnswer))
        answer.explanation = payload("answer")
        evidence = db.session.scalar(select(AssessmentEvidence))
        evidence.title, evidence.url = payload("evidence"), "javascript:window.__xss=1"
        db.session.commit()
        return {
            "number": number,
            "id": complaint.id,
            "action": action.id,
            "period": period.code,
            "unit": complaint.unit_id,
        }


def assert_inert(page: Page, response, url: str, status: int = 200) -> str:
    """No script ran, nothing was injected, the CSP header came; returns the page's text."""
    assert response is not None and response.status == status, (url, response and response.status)
    assert "frame-ancestors 'none'" in response.headers.get("content-security-policy", ""), url
    page.wait_for_load_state("load")
    assert page.evaluate("typeof window.__xss") == "undefined", url
    assert page.evaluate("window.__cspViolations") == [], url  # nothing injected even tried
    assert page.locator(INJECTED).count() == 0, url
    assert page.locator("script:not([src])").count() == 0, url
    return page.inner_text("body")


def test_every_rendered_field_shows_script_as_text(app, live_server, page):
    planted = plant_payloads(app, app.test_client())
    sign_in(page, live_server, "admin", PASSWORD)
    # page -> the payloads it must show as text, and those it must hold in form fields
    period, case = planted["period"], planted["number"]
    pages = {
        f"/complaints/receipt/{planted['number']}": (["category"], []),
        f"/track/{planted['number']}": (["reply", "category"], []),
        "/officer/?status=all": (["category"], []),
        f"/officer/complaints/{case}": (
            [*COMPLAINT_FIELDS, "name", "phone", "email", "note", "reply", "unit", "category"],
            [],
        ),
        f"/manager/?period={period}": (["unit"], []),
        f"/manager/complaints?period={period}": (["unit", "category"], []),
        "/manager/actions": (["action", "category"], []),
        f"/manager/actions/{planted['action']}": (["action", "category"], ["action_text"]),
        "/admin/units": (["unit"], []),
        "/admin/categories": (["unit", "category"], []),
        f"/assessment/{period}": (["district", "category", "evidence"], ["answer"]),
    }
    for path, (as_text, in_fields) in pages.items():
        text = assert_inert(page, page.goto(live_server + path), path)
        values = page.evaluate("[...document.querySelectorAll('input, textarea')].map(e => e.value)")
        missing = [tag for tag in as_text if payload(tag) not in text] + [
            tag for tag in in_fields if payload(tag) not in values
        ]
        assert missing == [], (path, "not shown as typed", missing)
    # A javascript: link, if one was stored, does nothing when followed.
    page.goto(f"{live_server}/assessment/{planted['period']}")
    link = page.locator("a[href^='javascript:']")
    if link.count():
        link.first.click()
        page.wait_for_timeout(200)
        assert page.evaluate("typeof window.__xss") == "undefined"


def test_the_real_forms_echo_hostile_input_as_text(app, live_server, page):
    make_staff(app, "admin", "admin", None)
    # The citizen form refuses markup and sends it back in its fields, escaped.
    response = page.goto(f"{live_server}/complaints/new")
    assert "content-security-policy" in response.headers
    for field in ("title", "description", "address", "name"):
        page.fill(f"#{field}", payload(field))
    page.check("#privacy_accepted")
    with page.expect_navigation() as navigation:
        page.click("#submit")
    assert_inert(page, navigation.value, "/complaints/new (refused)", status=422)
    for field in ("title", "description", "address", "name"):
        assert page.input_value(f"#{field}") == payload(field), field
    expect(page.locator("#form-errors")).to_contain_text("HTML")

    # An admin renames a unit with a name that passes the filters but breaks out of an attribute.
    sign_in(page, live_server, "admin", PASSWORD)
    with app.app_context():
        unit_id = db.session.scalar(select(Unit.id).where(Unit.code == "public-works"))
    page.goto(f"{live_server}/admin/units/{unit_id}")
    page.fill("#name_th", ATTRIBUTE_BREAKER)
    with page.expect_navigation():
        page.click("form:has(#name_th) button[type=submit]")  # not the sign-out button of the header
    for path in ("/admin/units", f"/admin/units/{unit_id}", "/admin/categories", "/manager/"):
        text = assert_inert(page, page.goto(live_server + path), path)
        values = page.evaluate("[...document.querySelectorAll('input, textarea')].map(e => e.value)")
        assert ATTRIBUTE_BREAKER in text or ATTRIBUTE_BREAKER in values, path
