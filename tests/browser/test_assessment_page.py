"""The assessment's edit page in headless Chromium: one save keeps every item's typed text,
and submitting asks for confirmation (plain HTML forms, no script)."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from assessment.models import Assessment, AssessmentAnswer
from complaints.extensions import db
from complaints.services.staff.accounts import create_user
from complaints.services.unit_of_work import unit_of_work
from tests.browser.test_officer_flow import sign_in

pytestmark = pytest.mark.browser

PASSWORD = "phu-borihan-2569-rongrian"


def test_save_keeps_other_items_and_submit_asks_first(app, live_server, page: Page, page_log):
    with app.app_context():
        with unit_of_work():
            create_user("director", "ผู้อำนวยการสำนักงานเขต", "manager", PASSWORD, None)
    sign_in(page, live_server, "director", PASSWORD)
    page.goto(f"{live_server}/assessment/")
    page.fill("input[name=period]", "2569")
    with page.expect_navigation():
        page.click("form[action$='/open'] button[type=submit]")
    expect(page.locator("#assessment-heading")).to_contain_text("ปีงบประมาณ พ.ศ. 2569")

    page.select_option("select[name='status-3.1-B1']", "met")
    page.fill("textarea[name='explanation-3.1-B1']", "สำรวจทุกไตรมาส")
    page.fill("textarea[name='explanation-3.2-A1']", "ยังไม่ได้กดบันทึกข้อนี้")
    with page.expect_navigation():
        page.click("#item-3\\.1-B1 button[name=anchor]")
    assert page.url.endswith("#item-3.1-B1")
    expect(page.locator("textarea[name='explanation-3.2-A1']")).to_have_value("ยังไม่ได้กดบันทึกข้อนี้")
    with app.app_context():
        answers = {a.item_id: a for a in db.session.scalars(select(AssessmentAnswer))}
        assert answers["3.1-B1"].status == "met" and answers["3.2-A1"].explanation == "ยังไม่ได้กดบันทึกข้อนี้"

    with page.expect_navigation():
        page.click("#submit-assessment")
    expect(page.locator("#confirm-submit")).to_be_visible()
    with app.app_context():
        assert db.session.scalar(select(Assessment.status)) == "draft"
    with page.expect_navigation():
        page.click("#confirm-submit-assessment")
    expect(page.locator("#assessment-status")).to_contain_text("Submitted (frozen)")
    expect(page.locator("#submitted-by")).to_contain_text("ผู้อำนวยการสำนักงานเขต")
    with app.app_context():
        assert json.loads(db.session.scalar(select(Assessment.snapshot)))["submitted_by"] == "ผู้อำนวยการสำนักงานเขต"
    assert not page_log.errors()
