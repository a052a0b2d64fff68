"""Issue 19, point 7: a report a Thai agency attaches to its PMQA submission, and the dashboard PDF.

Each document is rendered from real data and read back as a reader would: `pdftotext`
(poppler) for the text layer, `pdftoppm` for the pages as images, pypdf for what the
ToUnicode maps alone give. Without poppler these tests skip, and fail in CI
(RONGRIAN_REQUIRE_SERVICES=1, as for the other outside programs).
"""

from __future__ import annotations

import io
import logging
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pypdf
import pytest
from openpyxl import load_workbook
from PIL import Image

from assessment import report, service
from complaints.domain.periods import Period
from complaints.domain.thai_calendar import THAI_MONTHS_ABBR, format_thai_datetime
from complaints.extensions import db
from complaints.models import User
from complaints.services.analytics import pdf as thai_pdf
from tests.assessment_scenario import seed_fy2569
from tests.conftest import service_unavailable
from tests.helpers import csrf_from, make_staff

FY = Period.parse("2569")
EXPLANATION = (
    "หน่วยงานสำรวจความต้องการของประชาชนทุกไตรมาส ผ่านแบบสอบถาม ออนไลน์ และเวทีประชาคม "
    "แล้วนำผลมาวิเคราะห์ เพื่อ ปรับปรุง บริการ ที่ ตอบ สนอง ความ ต้องการ ของ ผู้รับบริการ ทุก กลุ่ม"
)
TABLE = {
    "columns": [
        {"key": "volume", "label_th": "จำนวนเรื่อง", "label_en": "Complaints"},
        {"key": "ack", "label_th": "ตอบรับภายใน 1 วันทำการ", "label_en": "Acknowledged in 1 working day"},
    ],
    "rows": [
        {"label_th": "เว็บไซต์", "label_en": "Web", "cells": {"volume": "1,204", "ack": "97.5%"}},
        {"label_th": "ไลน์ทางการ", "label_en": "LINE", "cells": {"volume": "388", "ack": "91.0%"}},
    ],
}


@pytest.fixture
def poppler():
    """The poppler tools the checks read PDFs with (poppler-utils; .ci/run installs it)."""
    if not (shutil.which("pdftotext") and shutil.which("pdftoppm")):
        service_unavailable("pdftotext/pdftoppm (poppler-utils)")


def pdftotext(path: Path, page: int | None = None, *extra: str) -> str:
    pages = ("-f", str(page), "-l", str(page)) if page else ()
    return subprocess.run(
        ["pdftotext", *pages, *extra, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def squeezed(text: str) -> str:
    """Text without whitespace: a line wrapped anywhere still matches."""
    return "".join(text.split())


def page_count(path: Path) -> int:
    return len(pypdf.PdfReader(path).pages)


def write(tmp_path: Path, data: bytes, name: str = "report.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def draft_content(app) -> dict:
    """A draft of FY2569 from the seeded year, with answers, evidence, a 3.1 fact and a metric table."""
    user = db.session.get(User, make_staff(app, "boss", "manager", None))
    assessment = service.open_assessment(FY, user)
    service.save_answers(
        FY,
        assessment,
        {
            "3.1-B1": {"status": "met", "explanation": EXPLANATION, "fields": {"3.1-B1-f1": "แบบสอบถามออนไลน์"}},
            "3.2-B1": {"status": "in_progress", "explanation": "", "fields": {}},
        },
        user,
    )
    service.add_link(assessment, "3.1-B1", "ผลสำรวจความต้องการ", "https://example.go.th/survey", user)
    db.session.commit()
    content = service.content(FY, assessment)
    content["items"]["3.4-A1"]["metrics"][0]["details"] = {"table": TABLE}
    return content


# --- 1. the official form ----------------------------------------------------------------------


def test_the_pdf_is_the_official_form_with_header_pages_and_signatures(app, tmp_path, poppler):
    with app.test_request_context():
        seed_fy2569()
        content = draft_content(app)
        path = write(tmp_path, report.render_pdf(content))
    text = pdftotext(path)
    flat = " ".join(text.split())
    # Header block: agency, period code with its dates (BE), data as of (BE, Bangkok), status.
    assert content["agency"] in flat
    assert "ปีงบประมาณ พ.ศ. 2569 (2569) ตั้งแต่ 1 ต.ค. 2568 ถึง 30 ก.ย. 2569" in flat
    assert f"ข้อมูล ณ {format_thai_datetime(content['data_as_of'])}" in flat
    assert re.search(r"\d{1,2} \S+ 25\d\d \d\d:\d\d น\.", flat)  # Buddhist era, Bangkok time
    # Every criterion with its five levels, the one reached marked.
    for criterion, entries in report.rows(content):
        assert squeezed(f"{criterion['id']} {criterion['title']}") in squeezed(text)
        for item, _ in entries:
            assert item["id"] in flat
    for level in ("ยังไม่ได้ดำเนินการ", "อยู่ระหว่างเริ่มดำเนินการ", "Basic", "Advance", "Significance"):
        assert level in flat
    assert flat.count("[X] ระดับที่ได้") == 4
    # Checklist marks, fields, explanation, computed facts and metrics, evidence.
    assert "[X] 3.1-B1" in flat and "(ดำเนินการแล้ว)" in flat and "(อยู่ระหว่างดำเนินการ)" in flat
    assert "แบบสอบถามออนไลน์" in flat
    assert " ".join(EXPLANATION.split()[:3]) in flat
    fact = content["items"]["3.1-B1"]["facts"][0]
    assert f"ข้อมูลจากระบบ: {fact}" in flat
    assert "ตอบรับภายใน 1 วันทำการ: 95.0% (19/20)" in flat
    assert "หลักฐาน: ผลสำรวจความต้องการ (https://example.go.th/survey)" in flat
    # The metric's table (details["table"], shared with m34), row by row.
    assert "ไลน์ทางการ 388 91.0%" in flat and "เว็บไซต์ 1,204 97.5%" in flat
    # Every page: the draft mark and "หน้า X/Y".
    pages = page_count(path)
    assert pages > 1
    for page in range(1, pages + 1):
        on_page = pdftotext(path, page)
        assert "ฉบับร่าง" in on_page, page
        assert f"หน้า {page}/{pages}" in on_page, page
    # The signature block at the end.
    last = " ".join(pdftotext(path, pages).split())
    for words in ("ผู้จัดทำ", "ผู้รับรองข้อมูล", "ลงชื่อ", "ตำแหน่ง", "วันที่"):
        assert words in last


def test_a_submitted_report_says_when_and_by_whom_and_is_no_draft(app, tmp_path, poppler):
    with app.test_request_context():
        seed_fy2569()
        user = db.session.get(User, make_staff(app, "boss", "manager", None))
        user.display_name = "นางสาวสมหญิง ใจดี"
        assessment = service.open_assessment(FY, user)
        service.submit(FY, assessment, user)
        db.session.commit()
        content = service.content(FY, assessment)
        path = write(tmp_path, report.render_pdf(content))
    flat = " ".join(pdftotext(path).split())
    assert "ฉบับร่าง" not in flat
    assert "ส่งแล้ว (ข้อมูลคงที่)" in flat
    assert f"วันที่ส่ง {format_thai_datetime(content['submitted_at'])}" in flat
    assert "ผู้ส่ง นางสาวสมหญิง ใจดี" in flat
    assert "( นางสาวสมหญิง ใจดี )" in flat  # who prepared it, in the signature block
    assert content["monthly"] and sum(m["received"] for m in content["monthly"]) > 0  # the chart is frozen too


def test_no_line_is_justified(app, tmp_path, poppler):
    """Justified Thai stretched a line's few spaces into wide gaps ("แบบประเมินตนเอง      PMQA      4.0"):
    a line that breaks early (the next word is long) must keep its own width."""
    long_word = "https://example.go.th/" + "a" * 120
    with app.test_request_context():
        seed_fy2569()
        content = draft_content(app)
        content["items"]["3.1-B1"]["explanation"] = f"ผลสำรวจ ดูที่ {long_word}"
        path = write(tmp_path, report.render_pdf(content))
    layout = pdftotext(path, None, "-bbox-layout")
    ends = [
        float(x1) for x1, word in re.findall(r'<word [^>]*xMax="([\d.]+)"[^>]*>([^<]*)</word>', layout) if "ดูที่" in word
    ]
    assert ends, "the explanation's first line is not there"
    middle = 595.28 / 2  # A4 width in points, halved
    assert ends[0] < middle, ends  # justified, its last word would end at the right margin


# --- 2. every glyph present ----------------------------------------------------------------------


def test_every_glyph_is_present_and_the_thresholds_keep_their_signs(app, tmp_path, poppler, caplog):
    with app.test_request_context():
        seed_fy2569()
        content = draft_content(app)
        thresholds = {m["threshold"] for entry in content["items"].values() for m in entry["metrics"]}
        assert any("≥" in t for t in thresholds if t) and any("≤" in t for t in thresholds if t)
        with caplog.at_level(logging.WARNING, logger="fpdf"):
            path = write(tmp_path, report.render_pdf(content))
    assert not [r for r in caplog.records if "missing" in r.getMessage()]
    text = pdftotext(path)
    assert "เกณฑ์ ≥ 95.0%" in text and "เกณฑ์ ≤" in text
    # The fallback font draws them: it is embedded, and the signs are in its text layer too.
    reader = pypdf.PdfReader(path)
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()  # type: ignore[union-attr]
    }
    assert any("Sarabun" in name for name in fonts), fonts
    assert "≥" in "".join(page.extract_text() for page in reader.pages)


def test_a_character_no_font_has_is_reported_by_fpdf2(caplog):
    """Shaping dropped a missing glyph silently; now fpdf2's warning lists it."""
    pdf = thai_pdf.thai_document("ทดสอบ")
    thai_pdf.paragraph(pdf, "☑ ผ่าน ≥ 95%")
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        pdf.output()
    messages = [r.getMessage() for r in caplog.records if "missing" in r.getMessage()]
    assert messages and "☑" in messages[0] and "≥" not in messages[0]


# --- 3. a text layer that searches in Thai ----------------------------------------------------------


def test_sara_am_is_searchable_composed(app, tmp_path, poppler):
    with app.test_request_context():
        seed_fy2569()
        path = write(tmp_path, report.render_pdf(draft_content(app)))
    text = pdftotext(path)
    for word in ("ดำเนินการ", "จำนวน", "ผู้รับรองข้อมูล", "ตำแหน่ง"):
        assert word in text, word
    assert "\u0e4d\u0e32" not in text  # never NIKHAHIT + SARA AA
    # The ToUnicode maps alone (pypdf reads no ActualText) give the composed text too.
    mapped = "".join(page.extract_text() for page in pypdf.PdfReader(path).pages)
    assert "ดำเนินการ" in mapped and "จำนวน" in mapped
    assert not any(ord(ch) < 32 and ch not in "\n\t " for ch in mapped)


def test_the_text_map_keeps_harfbuzz_placement():
    """Only the text a glyph maps to changes: glyphs, advances and mark offsets stay HarfBuzz's."""
    pdf = thai_pdf.thai_document("ทดสอบ")
    font = pdf.fonts["notosansthai"]
    text = "น้ำท่วมขังที่ผู้ใหญ่บ้านแจ้ง ดำเนินการแล้ว"
    try:
        ours = font.shape_text(text, 12, None)
        stock = thai_pdf.TTFFont.shape_text(font, text, 12, None)
    finally:
        pdf.close_fonts()
    keep = ("x_advance", "y_advance", "x_offset", "y_offset")
    assert [[g[k] for k in keep] for g in ours] == [[g[k] for k in keep] for g in stock]
    assert any(g["x_offset"] or g["y_offset"] for g in ours)  # marks are placed


# --- 4. charts ------------------------------------------------------------------------------------


def _pages_as_images(path: Path, tmp_path: Path) -> list[Image.Image]:
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(path), str(tmp_path / "page")], check=True)
    return [Image.open(p).convert("RGB") for p in sorted(tmp_path.glob("page-*.png"))]


def _chart_pixels(image: Image.Image, top_pt: float, height_pt: float, color: tuple[int, int, int]) -> int:
    """Pixels of `color` (within 40 per channel) below a title at top_pt, over height_pt (PDF points)."""
    scale = 50 / 72
    box = (0, int(top_pt * scale), image.width, min(image.height, int((top_pt + height_pt) * scale)))
    data = image.crop(box).tobytes()
    return sum(1 for i in range(0, len(data), 3) if all(abs(data[i + k] - color[k]) <= 40 for k in range(3)))


def _inked(image: Image.Image) -> int:
    """Pixels that are not (nearly) white."""
    return sum(image.convert("L").histogram()[:245])


def _title_position(path: Path, words: str) -> tuple[int, float]:
    """(page, yMax in points) of the first line that starts with `words`."""
    layout = pdftotext(path, None, "-bbox-layout")
    for number, page in enumerate(re.findall(r"<page .*?</page>", layout, re.S), start=1):
        for line in re.findall(r'<line [^>]*yMax="([\d.]+)">(.*?)</line>', page, re.S):
            if "".join(re.findall(r">([^<]*)</word>", line[1])).startswith(words.replace(" ", "")):
                return number, float(line[0])
    raise AssertionError(f"{words!r} not found")


def test_the_assessment_pdf_charts_the_monthly_volume(app, tmp_path, poppler):
    with app.test_request_context():
        seed_fy2569()
        content = draft_content(app)
        path = write(tmp_path, report.render_pdf(content))
    images = _pages_as_images(path, tmp_path)
    assert len(images) == page_count(path)
    for image in images:  # no blank page
        assert _inked(image) > 500
    page, y = _title_position(path, "จำนวนเรื่องร้องเรียนที่รับรายเดือน")
    assert _chart_pixels(images[page - 1], y, 160, thai_pdf.BAR) > 30


def test_the_dashboard_pdf_draws_charts_not_52_weekly_rows(app, manager, data, tmp_path, poppler):
    response = manager.get("/manager/dashboard.pdf?period=2569")
    assert response.status_code == 200
    path = write(tmp_path, response.data, "dashboard.pdf")
    text = pdftotext(path)
    flat = " ".join(text.split())
    assert "ปีงบประมาณ พ.ศ. 2569" in flat and "ข้อมูล ณ" in flat
    assert "หน้า 1/" in text
    # Weeks are a chart: no table row per week (a week label followed by its count).
    months = "|".join(re.escape(m) for m in THAI_MONTHS_ABBR)
    weeks = re.findall(rf"^\d{{1,2}} (?:{months}) \d+$", text, re.M)
    assert len(weeks) < 5, weeks
    images = _pages_as_images(path, tmp_path)
    for image in images:
        assert _inked(image) > 500
    for title in ("จำนวนเรื่องรายเดือน", "จำนวนเรื่องรายสัปดาห์"):
        page, y = _title_position(path, title)
        assert _chart_pixels(images[page - 1], y, 160, thai_pdf.BAR) > 20, title


# --- 5. XLSX ---------------------------------------------------------------------------------------


def test_xlsx_links_are_absolute_and_it_holds_facts_and_metric_tables(app, tmp_path):
    with app.test_request_context(base_url="https://rongrian.example.go.th"):
        seed_fy2569()
        content = draft_content(app)
        book = load_workbook(io.BytesIO(report.render_xlsx(content)))
    links = [row[9] for row in book["3.4 ตัวชี้วัด"].iter_rows(min_row=2, values_only=True) if row[9]]
    assert links and all(link.startswith("https://rongrian.example.go.th/") for link in links), links
    rows = list(book["หมวด 3"].iter_rows(values_only=True))
    fact = content["items"]["3.1-B1"]["facts"][0]
    assert any(row[2] == "3.1-B1" and fact in (row[8] or "") for row in rows)
    assert any(row[0] and "ตั้งแต่ 1 ต.ค. 2568 ถึง 30 ก.ย. 2569" in str(row[1]) for row in rows)
    tables = [list(row) for row in book["ตารางตัวชี้วัด"].iter_rows(values_only=True)]
    # The per-channel table of 3.4-B1: the LINE row holds its volume (388 in the seeded year).
    line_rows = [row for row in tables if row[1] == "ไลน์ทางการ" and "388" in row[2:]]
    assert line_rows, tables[:5]
    trend = list(book["แนวโน้มรายเดือน"].iter_rows(min_row=2, values_only=True))
    assert len(trend) == 12 and sum(row[2] for row in trend) > 0


def test_xlsx_links_without_a_request_are_under_the_public_base_url(app, runner, tmp_path):
    app.config["PUBLIC_BASE_URL"] = "https://example.go.th/rongrian/"
    with app.app_context():
        seed_fy2569()
    out = tmp_path / "r.xlsx"
    result = runner.invoke(args=["assessment", "report", "--period", "2569", "--format", "xlsx", "--out", str(out)])
    assert result.exit_code == 0, result.output
    links = [row[9] for row in load_workbook(out)["3.4 ตัวชี้วัด"].iter_rows(min_row=2, values_only=True) if row[9]]
    assert "https://example.go.th/rongrian/track" in links
    assert all(link.startswith("https://example.go.th/rongrian/") for link in links), links


# --- 6. HTML ---------------------------------------------------------------------------------------


def test_html_report_has_thai_dates_header_and_signatures(app):
    with app.test_request_context():
        seed_fy2569()
        user = db.session.get(User, make_staff(app, "boss", "manager", None))
        assessment = service.open_assessment(FY, user)
        service.submit(FY, assessment, user)
        db.session.commit()
        content = service.content(FY, assessment)
        content["items"]["3.4-A1"]["metrics"][0]["details"] = {"table": TABLE}
        html = report.render_html(content)
    visible = re.sub(r"<[^>]+>", " ", html)
    assert not re.search(r"\d{4}-\d\d-\d\d", visible), re.findall(r"\S*\d{4}-\d\d-\d\d\S*", visible)
    flat = " ".join(visible.split())
    for th, _, value in report.header_rows(content):
        assert th in flat and " ".join(value.split()) in flat
    assert "ตั้งแต่ 1 ต.ค. 2568 ถึง 30 ก.ย. 2569" in flat
    assert f"วันที่ส่ง / Submitted on {format_thai_datetime(content['submitted_at'])}" in flat
    for words in ("ผู้จัดทำ", "ผู้รับรองข้อมูล", "ลงชื่อ", "ตำแหน่ง", "วันที่"):
        assert words in flat
    assert "ไลน์ทางการ 388 91.0%" in flat
    assert "ฉบับร่าง" not in flat


def test_thai_date_is_buddhist_era():
    assert report.thai_date("2025-10-01") == "1 ต.ค. 2568"
    assert report.thai_date(date(2026, 9, 30)) == "30 ก.ย. 2569"


def test_the_monthly_trend_counts_the_periods_complaints_by_month(any_app):
    """The chart's series: the 3.4 population by month received (Bangkok time), on both databases."""
    from sqlalchemy import func, select

    from assessment.evidence import population
    from assessment.evidence.trend import monthly
    from complaints.models import Complaint

    with any_app.test_request_context():
        seed_fy2569()
        series = monthly(FY)
        total = db.session.scalar(select(func.count(Complaint.id)).where(*population(FY)))
    assert [m["month"] for m in series] == [f"{d:%Y-%m}" for d in FY.months()]
    assert series[0]["label_th"] == "ต.ค. 68" and series[-1]["label_th"] == "ก.ย. 69"
    assert sum(m["received"] for m in series) == total > 0
    rated = [m for m in series if m["answers"]]
    assert rated and all(1 <= m["satisfaction"] <= 5 for m in rated)
    assert all(m["satisfaction"] is None for m in series if not m["answers"])


def test_a_tick_that_does_not_count_is_not_shown_done_in_any_report(app, manager, tmp_path, poppler):
    """3.3-S1 ticked "met" with no evidence counts as under way: the reports say so and do not
    mark it done."""
    with app.app_context():
        seed_fy2569()
    token = csrf_from(manager.get("/assessment/").text)
    manager.post("/assessment/open", data={"period": "2569", "csrf_token": token})
    form = {"csrf_token": token, "status-3.3-S1": "met", "explanation-3.3-S1": "ทดสอบ"}
    assert manager.post("/assessment/2569/answers", data=form).status_code == 302
    with app.app_context():
        period, assessment = service.get("2569")
        content = service.build(period, assessment, fresh=True)
    assert content["items"]["3.3-S1"]["status"] == "met"
    assert content["items"]["3.3-S1"]["counted_status"] != "met"
    with app.test_request_context():
        html = report.render_html(content)
        book = load_workbook(io.BytesIO(report.render_xlsx(content)))
    assert "แจ้งว่าดำเนินการแล้ว แต่ยังไม่นับว่าผ่าน" in html
    rows = {row[2]: row for row in book["หมวด 3"].iter_rows(values_only=True) if row[2]}
    assert rows["3.3-S1"][4].startswith("แจ้งว่าดำเนินการแล้ว แต่ยังไม่นับว่าผ่าน")
    with app.app_context():
        document = report.render_pdf(content)
    flat = " ".join(pdftotext(write(tmp_path, document)).split())
    assert "[ ] 3.3-S1" in flat and "[X] 3.3-S1" not in flat, flat[:300]
    assert "แจ้งว่าดำเนินการแล้ว แต่ยังไม่นับว่าผ่าน" in flat


def test_each_download_says_its_type_once(app, manager):
    with app.app_context():
        seed_fy2569()
    token = csrf_from(manager.get("/assessment/").text)
    manager.post("/assessment/open", data={"period": "2569", "csrf_token": token})
    types = {fmt: manager.get(f"/assessment/2569/report.{fmt}").headers["Content-Type"] for fmt in report.FORMATS}
    assert types == {fmt: content_type for fmt, (content_type, _) in report.FORMATS.items()}
    assert types["html"] == "text/html; charset=utf-8"
