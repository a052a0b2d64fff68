"""The manager dashboard in headless Chromium: choose a fiscal year, read a chart, follow a bar.

The data are the hand-computed complaints of tests/analytics_data.py; the bars
are server-rendered SVG links, so a click is a real navigation to the list.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from complaints.services.staff.accounts import create_user
from complaints.services.unit_of_work import unit_of_work
from tests import analytics_data
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

PASSWORD = "phu-borihan-2569-rongrian"


def test_dashboard_chart_and_drill_down(app, live_server, page: Page, page_log):
    with app.app_context():
        analytics_data.build()
        with unit_of_work():
            create_user("director", "ผู้อำนวยการสำนักงานเขต", "manager", PASSWORD, None)
    sign_in(page, live_server, "director", PASSWORD)
    page.goto(f"{live_server}/manager/")
    expect(page.locator("h1")).to_contain_text("สถิติเรื่องร้องเรียน")
    page.select_option("#period", "2569")
    with page.expect_navigation():
        page.click("#dashboard-filters button[type=submit]")
    expect(page.locator("#period-range")).to_contain_text("1 ต.ค. 2568 – 30 ก.ย. 2569")
    expect(page.locator("#kpi-total b")).to_have_text("10")

    chart = page.locator("#chart-by_channel")
    expect(chart).to_be_visible()
    expect(chart).to_have_attribute("data-total", "10")
    web = chart.locator("a.bar[data-key=web]")
    expect(web).to_have_attribute("data-count", "6")
    expect(web.locator("text").first).to_have_text("เว็บไซต์")
    assert chart.locator("rect").first.bounding_box()["width"] > 100  # drawn, not just present
    expect(chart).to_contain_text("จำนวนเรื่อง (Complaints)")  # labelled axis

    with page.expect_navigation():
        web.click()
    expect(page.locator("#drill-count")).to_have_text("6")
    expect(page.locator("#drill-list tbody tr")).to_have_count(6)
    expect(page.locator(".badge.filter[data-filter=channel]")).to_contain_text("channel = web")

    page.go_back()
    late = page.locator("#chart-resolution a.bar[data-key=on_time]")
    expect(late).to_have_attribute("data-count", "3")
    with page.expect_navigation():
        late.click()
    expect(page.locator("#drill-count")).to_have_text("3")
    assert page.evaluate("window.__cspViolations") == []
    assert page_log.errors() == []
