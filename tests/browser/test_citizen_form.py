"""A citizen fills the Thai complaint form in headless Chromium.

The form, its province → district → subdistrict picker (complaint-form.js, an
external script under CSP script-src 'self'), the anonymous toggle, the error
page, the language switch, the receipt and the public tracking page.

Set RONGRIAN_BROWSER_SCREENSHOTS to a folder to keep full-page screenshots.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from complaints.domain import tracking_numbers
from complaints.extensions import db
from complaints.models import Complaint

pytestmark = pytest.mark.browser

TRACKING_RE = re.compile(r"^RR-25\d\d-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


@dataclass
class Citizen:
    kind: str = "ร้องเรียน/ร้องทุกข์"
    kind_code: str = "complaint"
    category: str = "ถนน"
    description: str = "ถนนหน้าซอยพหลโยธิน 45 เป็นหลุมลึก รถจักรยานยนต์ล้มไปแล้วสองคัน ขอให้ซ่อมโดยด่วน"
    province: str = "กรุงเทพมหานคร"
    district: str = "จตุจักร"
    subdistrict: str = "ลาดยาว"
    name: str = "สมหญิง ใจดีมาก"
    phone: str = "081-234-5678"
    email: str = "somying.jaidee@example.co.th"


def screenshot(page: Page, name: str) -> None:
    folder = os.environ.get("RONGRIAN_BROWSER_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def make_png(tmp_path: Path) -> Path:
    path = tmp_path / "หลุมบนถนน.png"
    image = Image.new("RGB", (64, 48), (120, 90, 60))
    for x in range(20, 44):
        for y in range(14, 34):
            image.putpixel((x, y), (20, 20, 20))
    image.save(path, format="PNG")
    image.close()
    return path


def select_option_containing(page: Page, select: str, text: str) -> str:
    """Pick, by its visible label, the one option of `select` whose text contains `text`."""
    option = page.locator(f"{select} option", has_text=text)
    expect(option).to_have_count(1)  # also waits for the picker's fetch to fill the list
    label = option.evaluate("o => o.label")
    page.select_option(select, label=label)
    expect(page.locator(select)).to_have_value(option.get_attribute("value"))
    return label


def count_complaints(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Complaint.id)))


def load_complaint(app, number: str) -> Complaint:
    """The stored complaint with its relations loaded, detached from the session."""
    with app.app_context():
        complaint = db.session.scalar(select(Complaint).where(Complaint.tracking_number == number))
        assert complaint is not None, f"no complaint stored under {number}"
        # Touch the relations while the session is open.
        _ = complaint.category, complaint.complainant, list(complaint.attachments)
        db.session.expunge_all()
        return complaint


def fill_form(
    page: Page,
    base_url: str,
    citizen: Citizen,
    *,
    photo: Path | None = None,
    anonymous: bool = False,
    privacy: bool = True,
) -> None:
    page.goto(f"{base_url}/complaints/new")
    expect(page.locator("h1")).to_contain_text("แจ้งเรื่องร้องเรียน")
    select_option_containing(page, "#kind", citizen.kind)
    select_option_containing(page, "#category", citizen.category)
    page.fill("#description", citizen.description)
    select_option_containing(page, "#province", citizen.province)
    select_option_containing(page, "#district", citizen.district)
    select_option_containing(page, "#subdistrict", citizen.subdistrict)
    page.fill("#name", citizen.name)
    page.fill("#phone", citizen.phone)
    page.fill("#email", citizen.email)
    if anonymous:
        page.check("#anonymous")
    if photo is not None:
        page.set_input_files("#photos", str(photo))
    if privacy:
        page.check("#privacy_accepted")


def submit(page: Page):
    with page.expect_navigation() as navigation:
        page.click("#submit")
    return navigation.value


def receipt_number(page: Page) -> str:
    expect(page).to_have_url(re.compile(r"/complaints/receipt/RR-"))
    number = page.locator("#receipt-number").inner_text().strip()
    assert TRACKING_RE.match(number), number
    assert str(tracking_numbers.parse(number, prefix="RR")) == number
    return number


def csp_violations(page: Page) -> list[str]:
    """Violations the current document saw (recorded by the init script in conftest)."""
    return page.evaluate("() => window.__cspViolations")


def test_citizen_submits_thai_form_with_photo_and_tracks_it(app, live_server, page, tmp_path):
    citizen = Citizen()
    fill_form(page, live_server, citizen, photo=make_png(tmp_path))
    screenshot(page, "form-filled")

    response = submit(page)
    assert response.status == 200
    number = receipt_number(page)
    expect(page.locator("h1")).to_have_text("ได้รับเรื่องของท่านแล้ว")
    expect(page.locator("#status")).to_have_text("รับเรื่องแล้ว")
    screenshot(page, "receipt")

    complaint = load_complaint(app, number)
    assert complaint.description == citizen.description
    assert complaint.kind == citizen.kind_code
    assert complaint.channel == "web"
    assert complaint.province == "กรุงเทพมหานคร"
    assert complaint.district == "เขตจตุจักร"
    assert complaint.subdistrict == "ลาดยาว"
    assert complaint.category is not None and complaint.category.code == "ถนน"
    assert complaint.anonymous is False
    assert [a.content_type for a in complaint.attachments] == ["image/png"]
    attachment = complaint.attachments[0]
    assert (attachment.width, attachment.height) == (64, 48)
    assert attachment.size_bytes > 0 and len(attachment.sha256) == 64
    assert attachment.original_name == "หลุมบนถนน.png"  # the citizen's Thai file name survives
    assert complaint.complainant is not None
    assert complaint.complainant.email == citizen.email
    assert complaint.complainant.name == citizen.name

    page.goto(f"{live_server}/track/{number}")
    expect(page.locator("#tracking-number")).to_have_text(number)
    expect(page.locator("#status")).to_have_text("รับเรื่องแล้ว")
    expect(page.locator("#timeline li")).to_contain_text(["ได้รับเรื่องร้องเรียน"])
    html = page.content()
    for personal in (citizen.name, citizen.phone, citizen.email, "0812345678", "somying"):
        assert personal not in html, f"tracking page shows personal data: {personal!r}"


def test_anonymous_hides_contact_fields_and_stores_no_identity(app, live_server, page):
    citizen = Citizen(kind="ข้อเสนอแนะ", kind_code="suggestion", description="ขอให้ติดตั้งไฟส่องสว่างเพิ่มที่ทางเดินริมคลองลาดพร้าว")
    # The citizen types contact details first, then changes their mind.
    fill_form(page, live_server, citizen, anonymous=False)
    expect(page.locator("#contact-fields")).to_be_visible()
    page.check("#anonymous")
    expect(page.locator("#contact-fields")).not_to_be_visible()
    expect(page.locator("#name")).to_be_disabled()
    page.uncheck("#anonymous")
    expect(page.locator("#contact-fields")).to_be_visible()
    page.check("#anonymous")
    expect(page.locator("#contact-fields")).to_be_hidden()

    assert submit(page).status == 200
    number = receipt_number(page)
    # No way to reach the citizen: the receipt on screen is the acknowledgement.
    expect(page.locator("#status")).to_have_text("ตอบรับแล้ว")

    complaint = load_complaint(app, number)
    assert complaint.anonymous is True
    assert complaint.complainant_id is None
    assert complaint.complainant is None
    assert complaint.kind == "suggestion"
    assert complaint.description == citizen.description
    assert complaint.district == "เขตจตุจักร"


@pytest.mark.parametrize(
    ("case", "th", "en"),
    [
        ("no-privacy", "กรุณารับทราบประกาศความเป็นส่วนตัวก่อนส่งเรื่อง", "Please acknowledge the privacy notice first."),
        ("no-description", "กรุณาระบุรายละเอียดของเรื่อง", "Please describe the matter"),
    ],
    ids=["no-privacy", "no-description"],
)
def test_invalid_form_comes_back_with_bilingual_error_and_stores_nothing(app, live_server, page, case, th, en):
    before = count_complaints(app)
    citizen = Citizen(description="" if case == "no-description" else Citizen.description)
    fill_form(page, live_server, citizen, privacy=case != "no-privacy")

    response = submit(page)
    assert response.status == 422
    expect(page).to_have_url(re.compile(r"/complaints/new$"))
    errors = page.locator("#form-errors")
    expect(errors).to_be_visible()
    expect(errors).to_contain_text("Please check the highlighted fields")
    expect(errors).to_contain_text(th)
    expect(errors).to_contain_text(en)
    # The form is shown again with what the citizen typed.
    expect(page.locator("#complaint-form")).to_be_visible()
    expect(page.locator("#email")).to_have_value(citizen.email)
    if case == "no-privacy":
        expect(page.locator("#description")).to_have_value(citizen.description)
        expect(page.locator("#privacy_accepted")).not_to_be_checked()
    assert count_complaints(app) == before


def test_english_switch_makes_english_primary_and_keeps_thai_secondary(live_server, page):
    page.goto(f"{live_server}/complaints/new")
    h1 = page.locator("h1")
    expect(h1).to_contain_text("แจ้งเรื่องร้องเรียน")
    expect(page.locator("html")).to_have_attribute("lang", "th")

    with page.expect_navigation():
        page.get_by_role("link", name="English", exact=True).click()
    expect(page).to_have_url(re.compile(r"/complaints/new\?lang=en$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(h1).to_contain_text("Submit a complaint")
    expect(h1.locator("small")).to_have_text("แจ้งเรื่องร้องเรียน")
    # Primary text outside <small> is English, the Thai stays beside it.
    assert h1.evaluate("e => e.firstChild.textContent.trim()") == "Submit a complaint"
    description_label = page.locator("label[for=description]")
    expect(description_label).to_contain_text("Details")
    expect(description_label.locator("small")).to_have_text("รายละเอียด")
    expect(page.locator("#submit")).to_contain_text("Send")
    expect(page.locator("#submit small")).to_have_text("ส่งเรื่อง")
    expect(page.get_by_role("link", name="ภาษาไทย")).to_be_visible()

    # The choice is remembered (cookie) on the next page without ?lang.
    page.goto(f"{live_server}/complaints/new")
    expect(h1).to_contain_text("Submit a complaint")


def test_full_flow_has_no_csp_violation_or_script_error(app, live_server, page, page_log, tmp_path):
    citizen = Citizen()
    fill_form(page, live_server, citizen, photo=make_png(tmp_path))
    # The picker ran: it is complaint-form.js (external, script-src 'self') that filled these.
    expect(page.locator("#subdistrict option", has_text="ลาดยาว")).to_have_count(1)
    assert csp_violations(page) == []

    assert submit(page).status == 200
    number = receipt_number(page)
    assert csp_violations(page) == []

    page.goto(f"{live_server}/track/{number}")
    expect(page.locator("#tracking-number")).to_have_text(number)
    assert csp_violations(page) == []

    assert page_log.errors() == []

    # Control: the recorder does catch a violation, so the empty lists above mean something.
    page.evaluate("""() => {
        const s = document.createElement("script");
        s.textContent = "window.__inlineRan = true";
        document.head.append(s);
    }""")
    page.wait_for_function("() => window.__cspViolations.length > 0")
    assert any(v.startswith("script-src") for v in csp_violations(page))
    assert page.evaluate("() => window.__inlineRan === undefined")
    assert any("Content Security Policy" in text for _, text, _ in page_log.console)
