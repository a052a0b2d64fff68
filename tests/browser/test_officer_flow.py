"""A complaint's whole life in headless Chromium: citizen and officer side by side.

The citizen submits the Thai form in one browser context and keeps the personal
link from the receipt; an officer of the handling unit works the case in a
second context (sign-in, queue, assign, start, canned reply, internal note,
resolution); the citizen then tracks it, confirms the fix and rates it, or asks
for it to be reopened. Also: another unit's officer cannot see the case, and a
wrong password gets the bilingual sign-in error.

No Celery worker runs here, so the outbox is checked in the database, not as
.eml files. Set RONGRIAN_BROWSER_SCREENSHOTS to a folder to keep full-page
screenshots.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Complaint, OutboxMessage, SurveyResponse
from complaints.services.datasets.agency_setup import common_data
from complaints.services.staff.accounts import create_user
from complaints.services.unit_of_work import unit_of_work
from tests.browser.conftest import CSP_RECORDER, TIMEOUT_MS, sign_in
from tests.browser.test_citizen_form import Citizen, fill_form, receipt_number, screenshot, submit

pytestmark = pytest.mark.browser

# Forwards every CSP violation of every document of a context to the test, so
# violations on pages that were navigated away from are not lost.
CSP_FORWARDER = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__reportCspViolation(location.pathname + ": " + e.violatedDirective + " " + e.blockedURI);
});
"""

PASSWORD = "yotha-Khet-2569-rongrian"
CANNED_TITLE, CANNED_BODY = (common_data()["canned_responses"][0][k] for k in ("title", "body"))
RESOLUTION = "ฝ่ายโยธาได้ซ่อมผิวถนนหน้าซอยพหลโยธิน 45 เรียบร้อยแล้ว โดยปูยางมะตอยใหม่ทั้งช่วงและติดตั้งป้ายเตือนระหว่างรอยางแห้ง"
NOTE = "ตรวจพื้นที่แล้ว หลุมกว้างประมาณ 1 เมตร ใช้ยางมะตอย 2 ถุง (บันทึกภายใน ไม่แสดงต่อผู้ร้อง)"
COMMENT = "เจ้าหน้าที่ทำงานรวดเร็วมาก ขอบคุณค่ะ"
REOPEN_REASON = "ยังมีหลุมเหลืออยู่อีกหนึ่งจุดตรงปากซอย ฝนตกแล้วน้ำขังเหมือนเดิม"


@dataclass
class Officer:
    id: int
    username: str
    display_name: str


def make_officer(app, username: str, display_name: str, unit_code: str) -> Officer:
    with app.app_context():
        with unit_of_work():
            user = create_user(username, display_name, "officer", PASSWORD, unit_code)
        return Officer(user.id, username, display_name)


@pytest.fixture
def csp_reports() -> list[str]:
    """CSP violations seen by any document of the contexts from `open_page` (and `page` once instrumented)."""
    return []


def instrument(page: Page, csp_reports: list[str]) -> Page:
    """Send the CSP violations of every later document of the page's context to `csp_reports`."""
    page.context.expose_binding("__reportCspViolation", lambda _source, text: csp_reports.append(text))
    page.context.add_init_script(CSP_FORWARDER)
    return page


@pytest.fixture
def open_page(browser: Browser, page_log, csp_reports):
    """Another browser context (its own cookies) set up like the `page` fixture, logging into `page_log`."""
    contexts = []

    def new_page() -> Page:
        context = browser.new_context(locale="th-TH", viewport={"width": 1000, "height": 900})
        contexts.append(context)
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(CSP_RECORDER)
        page = context.new_page()
        page.on("console", lambda m: page_log.console.append((m.type, m.text, m.location.get("url", ""))))
        page.on("pageerror", lambda e: page_log.page_errors.append(str(e)))
        page.on("requestfailed", lambda r: page_log.failed_requests.append(f"{r.method} {r.url}: {r.failure}"))
        return instrument(page, csp_reports)

    yield new_page
    for context in contexts:
        context.close()


def wait_for_report(page: Page, reports: list[str], pattern: str) -> None:
    """Bindings deliver asynchronously: pump Playwright's loop until a report matches."""
    for _ in range(100):
        if any(re.search(pattern, r) for r in reports):
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"no CSP report matching {pattern!r}: {reports}")


# --- the citizen ---------------------------------------------------------------------------


def citizen_submits(page: Page, base_url: str) -> tuple[str, str]:
    """Submit the Thai form (category ถนน, an email contact); the tracking number and personal link."""
    fill_form(page, base_url, Citizen())
    expect(page.locator("#privacy_accepted")).to_be_checked()
    assert submit(page).status == 200
    number = receipt_number(page)
    link = page.locator("#personal-link")
    expect(link).to_be_visible()
    href = link.get_attribute("href")
    assert href.startswith(f"/track/{number}/respond?t="), href
    return number, base_url + href


def load(app, number: str) -> Complaint:
    with app.app_context():
        complaint = db.session.scalar(select(Complaint).where(Complaint.tracking_number == number))
        assert complaint is not None, number
        db.session.expunge_all()
        return complaint


# --- the officer ---------------------------------------------------------------------------


def open_case(page: Page, number: str) -> None:
    """From the queue, open the case with this tracking number."""
    row = page.locator(f"#queue tbody tr[data-tracking='{number}']")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("ถนน")
    with page.expect_navigation():
        row.get_by_role("link", name=number).click()
    expect(page).to_have_url(re.compile(rf"/officer/complaints/{re.escape(number)}$"))  # the number, never the row id
    expect(page.locator("#tracking-number")).to_have_text(number)


def act(page: Page, action: str, status: str, *, reason: str | None = None) -> None:
    """Submit one action form of #actions and check the new status."""
    form = page.locator(f"#actions form.action[data-action='{action}']")
    expect(form).to_have_count(1)
    expect(form.locator("input[type=hidden][name=action]")).to_have_value(action)
    if reason is not None:
        form.locator("textarea[name=reason]").fill(reason)
    if action in ("resolve", "close"):  # staff record the root cause as they resolve or close
        form.locator("select[name=root_cause_id]").select_option(index=1)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator("#action-error")).to_have_count(0)
    expect(page.locator("#status")).to_have_attribute("data-status", status)


def resolve_case(page: Page, base_url: str, officer: Officer, number: str) -> None:
    """Sign in, open the case from the queue, assign to self, start, resolve."""
    sign_in(page, base_url, officer.username, PASSWORD)
    open_case(page, number)
    page.locator("#actions form.action[data-action='assign'] select[name=assignee_id]").select_option(str(officer.id))
    act(page, "assign", "assigned")
    act(page, "start", "in_progress")
    act(page, "resolve", "resolved", reason=RESOLUTION)


# --- the tests -----------------------------------------------------------------------------


def test_full_loop_submit_work_resolve_confirm_and_rate(app, live_server, page, open_page, page_log, csp_reports):
    citizen = instrument(page, csp_reports)
    number, personal_link = citizen_submits(citizen, live_server)

    officer = make_officer(app, "somchai.yotha", "สมชาย ช่างโยธา", "public-works")
    staff = open_page()
    response = sign_in(staff, live_server, officer.username, PASSWORD)
    assert response.status == 200
    expect(staff).to_have_url(f"{live_server}/officer/")
    expect(staff.locator("nav.staff .who")).to_contain_text("สมชาย ช่างโยธา")
    expect(staff.locator("nav.staff .who")).to_contain_text("ฝ่ายโยธา")
    open_case(staff, number)
    status = staff.locator("#status")
    # No worker ran, so nothing has acknowledged it yet.
    expect(status).to_have_attribute("data-status", "received")
    expect(staff.locator("#complainant")).to_contain_text(Citizen.email)

    assignee = staff.locator("#actions form.action[data-action='assign'] select[name=assignee_id]")
    expect(assignee).to_have_value(str(officer.id))  # preselected: the officer themself
    assignee.select_option(label=officer.display_name)
    act(staff, "assign", "assigned")
    expect(staff.locator("#assignee")).to_have_text(officer.display_name)
    expect(status).to_contain_text("มอบหมายผู้รับผิดชอบแล้ว")

    act(staff, "start", "in_progress")
    expect(status).to_contain_text("กำลังดำเนินการ")

    reply_box = staff.locator("#reply-text")
    expect(reply_box).to_have_value("")
    staff.select_option("#canned", label=CANNED_TITLE)
    expect(reply_box).to_have_value(CANNED_BODY)  # officer.js filled it
    with staff.expect_navigation():
        staff.locator("#reply-form button[type=submit]").click()
    expect(staff.locator("#action-error")).to_have_count(0)
    expect(status).to_have_attribute("data-status", "in_progress")  # a reply is not a status change

    staff.locator("#note-form textarea[name=text]").fill(NOTE)
    with staff.expect_navigation():
        staff.locator("#note-form button[type=submit]").click()
    expect(status).to_have_attribute("data-status", "in_progress")

    act(staff, "resolve", "resolved", reason=RESOLUTION)
    expect(status).to_contain_text("ดำเนินการแล้ว รอการยืนยัน")

    timeline = staff.locator("#timeline")
    expect(timeline.locator("li")).to_have_count(6)
    kinds = timeline.locator("li").evaluate_all("els => els.map(e => e.dataset.kind + ':' + e.className)")
    assert kinds == [
        "received:public",
        "assign:public",
        "start:public",
        "reply:public",
        "note:internal",
        "resolve:public",
    ], kinds
    expect(timeline.locator("li.public[data-kind=reply] .event-text")).to_have_text(CANNED_BODY)
    expect(timeline.locator("li.public[data-kind=resolve] .event-text")).to_have_text(RESOLUTION)
    expect(timeline.locator("li.public[data-kind=resolve] .badge")).to_have_text("สาธารณะ")
    expect(timeline.locator("li.internal[data-kind=note] .event-text")).to_have_text(NOTE)
    expect(timeline.locator("li.internal[data-kind=note] .badge")).to_have_text("ภายใน")
    screenshot(staff, "officer-case-resolved")

    # The citizen, on the public tracking page: the answers, never the internal note.
    citizen.goto(f"{live_server}/track/{number}")
    expect(citizen.locator("#status")).to_have_text("ดำเนินการแล้ว รอการยืนยัน")
    public_texts = citizen.locator("#timeline .event-text")
    expect(public_texts).to_have_text([CANNED_BODY, RESOLUTION])
    assert NOTE not in citizen.content()

    # The personal link: the outcome, confirm, rate.
    citizen.goto(personal_link)
    expect(citizen.locator("#status")).to_have_text("ดำเนินการแล้ว รอการยืนยัน")
    expect(citizen.locator("#respond blockquote[data-kind=resolve]")).to_have_text(RESOLUTION)
    expect(citizen.locator("#reopen-form")).to_be_visible()
    screenshot(citizen, "respond-resolved")
    with citizen.expect_navigation():
        citizen.click("#confirm")
    expect(citizen.locator("#status")).to_have_text("ปิดเรื่อง")
    expect(citizen.locator("#confirm")).to_have_count(0)
    expect(citizen.locator("#survey-form")).to_be_visible()
    citizen.check("#satisfaction-4")
    citizen.check("#confidence-5")
    citizen.fill("#comment", COMMENT)
    with citizen.expect_navigation():
        citizen.click("#send-survey")
    expect(citizen.locator("#respond-error")).to_have_count(0)
    expect(citizen.locator("#survey-done")).to_be_visible()
    expect(citizen.locator("#survey-done")).to_contain_text("(4/5)")
    expect(citizen.locator("#survey-form")).to_have_count(0)
    screenshot(citizen, "respond-survey-done")

    with app.app_context():
        complaint = db.session.scalar(select(Complaint).where(Complaint.tracking_number == number))
        assert complaint.status == "closed"
        assert complaint.closed_at is not None and complaint.resolved_at is not None
        assert complaint.closed_at >= complaint.resolved_at
        assert complaint.assigned_user_id == officer.id
        assert complaint.first_response_at is not None
        surveys = db.session.scalars(select(SurveyResponse).where(SurveyResponse.complaint_id == complaint.id)).all()
        assert [(s.satisfaction, s.confidence, s.comment) for s in surveys] == [(4, 5, COMMENT)]
        updates = db.session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.complaint_id == complaint.id,
                OutboxMessage.purpose == "status_update",
            )
            .order_by(OutboxMessage.id)
        ).all()
        # Assign and the citizen's own confirmation tell nobody; starting work does.
        assert [m.payload["action"] for m in updates] == ["start", "reply", "resolve"]
        assert {m.recipient for m in updates} == {Citizen.email}
        assert {m.channel for m in updates} == {"email"}
        by_action = {m.payload["action"]: m.payload["text"] for m in updates}
        assert by_action["reply"] == CANNED_BODY
        assert by_action["resolve"] == RESOLUTION

    # Requirement 4: across both contexts and every page visited, no CSP violation
    # and no console error, page error or failed request.
    assert csp_reports == []
    assert page_log.errors() == []
    # Control: the forwarder does report a violation in each context.
    for who in (citizen, staff):
        who.evaluate("""() => {
            const s = document.createElement("script");
            s.textContent = "window.__inlineRan = true";
            document.head.append(s);
        }""")
        who.wait_for_function("() => window.__cspViolations.length > 0")
        assert who.evaluate("() => window.__inlineRan === undefined")
    wait_for_report(citizen, csp_reports, r"^/track/RR-[^/]+/respond: script-src")
    wait_for_report(staff, csp_reports, r"^/officer/complaints/[A-Z]+-\d{4}-[0-9A-Z]{4}-[0-9A-Z]{4}: script-src")


def test_citizen_reopens_with_reason_and_officer_sees_it(app, live_server, page, open_page):
    number, personal_link = citizen_submits(page, live_server)
    officer = make_officer(app, "somsak.yotha", "สมศักดิ์ ช่างโยธา", "public-works")
    staff = open_page()
    resolve_case(staff, live_server, officer, number)

    page.goto(personal_link)
    expect(page.locator("#respond blockquote[data-kind=resolve]")).to_have_text(RESOLUTION)
    page.fill("#reason", REOPEN_REASON)
    with page.expect_navigation():
        page.click("#reopen")
    expect(page.locator("#respond-error")).to_have_count(0)
    expect(page.locator("#status")).to_have_text("เปิดเรื่องอีกครั้ง")
    # Nothing left to confirm or rate while the case is open again.
    expect(page.locator("#confirm")).to_have_count(0)
    expect(page.locator("#reopen-form")).to_have_count(0)
    expect(page.locator("#survey-form")).to_have_count(0)

    staff.reload()
    expect(staff.locator("#status")).to_have_attribute("data-status", "reopened")
    reopened = staff.locator("#timeline li[data-kind=reopen]")
    expect(reopened).to_have_count(1)
    expect(reopened.locator(".event-text")).to_have_text(REOPEN_REASON)
    # The officer can take it up again.
    expect(staff.locator("#actions form.action[data-action='start']")).to_have_count(1)

    complaint = load(app, number)
    assert complaint.status == "reopened"
    assert complaint.reopen_count == 1
    assert complaint.resolved_at is None and complaint.closed_at is None


def test_other_unit_cannot_see_the_case_and_wrong_password_is_refused(app, live_server, page, open_page):
    number, _ = citizen_submits(page, live_server)
    make_officer(app, "wichai.drain", "วิชัย ระบายน้ำ", "drainage")
    owner = make_officer(app, "somchai.yotha", "สมชาย ช่างโยธา", "public-works")

    drainage = open_page()
    response = sign_in(drainage, live_server, "wichai.drain", PASSWORD + "x")
    assert response.status == 401
    error = drainage.locator("#login-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง")
    expect(error).to_contain_text("Wrong username or password")
    expect(drainage).to_have_url(f"{live_server}/login")
    expect(drainage.locator("#password")).to_have_value("")  # the password is not sent back

    response = sign_in(drainage, live_server, "wichai.drain", PASSWORD)
    assert response.status == 200
    expect(drainage).to_have_url(f"{live_server}/officer/")
    expect(drainage.locator("#login-error")).to_have_count(0)
    expect(drainage.locator("#queue")).to_be_visible()
    expect(drainage.locator(f"#queue tr[data-tracking='{number}']")).to_have_count(0)
    expect(drainage.locator("#queue")).not_to_contain_text(number)
    drainage.goto(f"{live_server}/officer/?status=all")
    expect(drainage.locator(f"#queue tr[data-tracking='{number}']")).to_have_count(0)

    response = drainage.goto(f"{live_server}/officer/complaints/{number}")
    assert response.status == 404
    expect(drainage.locator(".card.error")).to_have_attribute("data-error-code", "not-found")
    expect(drainage.locator("h1")).to_have_text("ไม่พบสิ่งที่ต้องการ")
    html = drainage.content()
    assert number not in html and Citizen.description not in html

    # Control: the handling unit's officer does see it, so the absence above means something.
    works = open_page()
    sign_in(works, live_server, owner.username, PASSWORD)
    open_case(works, number)
    assert works.url.endswith(f"/officer/complaints/{number}")
