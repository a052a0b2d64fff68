"""The self-assessment report in HTML, PDF and XLSX, laid out like the official form.

A header block (agency, period with its dates, data as of, status, who submitted
and when), then each criterion: its title, the five levels with the one reached
marked, the checklist of each level with its marks, the free-text fields, the
explanation, the facts computed from operations (3.1-3.3 `facts`, every item's
`metrics` with their tables) and the evidence; a chart of the period's monthly
volume (and satisfaction); a signature block at the end. All three formats are
made from the same content dict (assessment.service.content) and the same header
and signature content (`header_rows`, `SIGNATURES`); dates are Buddhist era,
times Bangkok.
"""

from __future__ import annotations

import io
from datetime import date
from urllib.parse import urljoin, urlsplit

from flask import current_app, has_request_context, render_template, request
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from assessment.evidence.trend import monthly
from assessment.form import criteria, level_label, levels
from assessment.links import href
from complaints.domain.periods import Period
from complaints.domain.thai_calendar import THAI_MONTHS_ABBR, be_year, format_thai_datetime
from complaints.services.analytics.api import (
    BAR_ALT,
    Series,
    column_chart,
    paragraph,
    signature_block,
    table,
    thai_document,
)

FORMATS = {
    "html": ("text/html; charset=utf-8", "html"),
    "pdf": ("application/pdf", "pdf"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}
STATUS_TH = {"met": "ดำเนินการแล้ว", "in_progress": "อยู่ระหว่างดำเนินการ", "not_met": "ยังไม่ได้ดำเนินการ"}
LEVEL_NAMES = {"basic": "Basic", "advance": "Advance", "significance": "Significance"}
VERDICT_TH = {True: "ผ่าน", False: "ไม่ผ่าน", None: "ข้อมูลประกอบ"}
FORM_TITLE = "แบบประเมินตนเองตามเกณฑ์คุณภาพการบริหารจัดการภาครัฐ (PMQA 4.0)"
CATEGORY_TITLE = "หมวด 3 การให้ความสำคัญกับผู้รับบริการและผู้มีส่วนได้ส่วนเสีย"
# Who signs the report (Thai, English): the one who prepared it and the one who certifies its data.
SIGNATURES = (("ผู้จัดทำ", "Prepared by"), ("ผู้รับรองข้อมูล", "Data certified by"))


def title_of(content: dict) -> str:
    return f"แบบประเมินตนเอง PMQA 4.0 หมวด 3 · {content['agency']} · {content['period_th']}"


def rows(content: dict):
    """The report as (criterion, [(item, answer)]) in form order, for every format."""
    for criterion in criteria():
        yield criterion, [(item, content["items"][item["id"]]) for item in criterion["items"]]


# --- what every format shows the same way ------------------------------------------------------


def thai_date(day: str | date | None) -> str:
    """`1 ต.ค. 2568` of a date (or its ISO text)."""
    if not day:
        return ""
    if isinstance(day, str):
        day = date.fromisoformat(day[:10])
    return f"{day.day} {THAI_MONTHS_ABBR[day.month - 1]} {be_year(day)}"


def is_draft(content: dict) -> bool:
    return content.get("status") != "submitted"


def status_th(content: dict) -> str:
    if is_draft(content):
        return "ฉบับร่าง (ยังไม่ได้ส่ง ตัวเลขอาจเปลี่ยนแปลง)"
    return "ส่งแล้ว (ข้อมูลคงที่)"


def header_rows(content: dict) -> list[tuple[str, str, str]]:
    """The header block as (Thai label, English label, value), in every format."""
    found = [
        ("ส่วนราชการ/หน่วยงาน", "Agency", content["agency"]),
        (
            "รอบการประเมิน",
            "Period",
            f"{content['period_th']} ({content['period']}) "
            f"ตั้งแต่ {thai_date(content.get('first_day'))} ถึง {thai_date(content.get('last_day'))}",
        ),
        ("ข้อมูล ณ", "Data as of", format_thai_datetime(content.get("data_as_of")) + " (เวลากรุงเทพฯ)"),
        ("สถานะ", "Status", status_th(content)),
    ]
    if content.get("submitted_at"):
        found.append(("วันที่ส่ง", "Submitted on", format_thai_datetime(content["submitted_at"])))
        found.append(("ผู้ส่ง", "Submitted by", content.get("submitted_by") or "—"))
    scores = content["scores"]
    found.append(("คะแนนหมวด 3", "Category score", f"{scores['category_score']:.2f} / {scores['max']:.0f}"))
    return found


def signatures(content: dict) -> list[tuple[str, str, str]]:
    """(Thai role, English role, name or "") of each signature; the submitter prepared it."""
    return [(th, en, (content.get("submitted_by") or "") if i == 0 else "") for i, (th, en) in enumerate(SIGNATURES)]


def counted_met(answer: dict) -> bool:
    """The item counts as met in the score (a declared tick may not: assessment.scoring.supported)."""
    return answer.get("counted_status", answer["status"]) == "met"


def status_text(answer: dict) -> str:
    """The item's status as the score counts it, and what a declared tick rests on when that
    differs: an assessor must not read an uncounted tick as done."""
    counted = answer.get("counted_status", answer["status"])  # snapshots before the rule: as declared
    text = STATUS_TH[counted]
    if answer["status"] == "met" and counted != "met":
        text = f"แจ้งว่าดำเนินการแล้ว แต่ยังไม่นับว่าผ่าน: {answer.get('not_counted_th') or '—'}"
    elif counted == "met" and answer.get("declared_only"):
        text += " (อาศัยการรับรองตนเองเท่านั้น ไม่มีตัวชี้วัดหรือหลักฐานประกอบ)"
    return text


def fact_text(fact) -> str:
    """A 3.1-3.3 fact as a line: text as stored, or a dict's label and value."""
    if isinstance(fact, str):
        return fact
    label = fact.get("text_th") or fact.get("label_th") or ""
    value = fact.get("display") or fact.get("value")
    return f"{label}: {value}" if value not in (None, "") else str(label)


def metric_line(metric: dict) -> str:
    line = f"{metric['label_th']}: {metric['display']}"
    if metric.get("threshold"):
        line += f" เกณฑ์ {metric['threshold']}"
    line += f" [{VERDICT_TH[metric['met']]}]"
    if metric.get("why_not_th"):
        line += f" เหตุผล: {metric['why_not_th']}"
    return line


def metric_table(metric: dict) -> tuple[list[str], list[list[str]]] | None:
    """A metric's table (shared convention: details["table"]) as a heading and rows, in Thai."""
    grid = (metric.get("details") or {}).get("table")
    if not grid or not grid.get("columns"):
        return None
    columns = grid["columns"]
    header = ["รายการ", *[c.get("label_th") or c["key"] for c in columns]]
    body = [
        [r.get("label_th", ""), *[str(r.get("cells", {}).get(c["key"], "")) for c in columns]] for r in grid["rows"]
    ]
    return header, body


def field_lines(item: dict, answer: dict) -> list[str]:
    lines = []
    for field in item["fields"]:
        lines.append(f"{field['label']}: {answer['fields'].get(field['key']) or '……………'}")
    for option in item.get("options", []):
        extra = "".join(f" ({answer['fields'].get(f['key']) or '……'})" for f in option["fields"])
        lines.append(f"- {option['text']}{extra}")
    return lines


def absolute(link: str) -> str:
    """A link a reader outside Rongrian can follow: under the request's host when there is
    a request (as the page shows its links), else under PUBLIC_BASE_URL (the CLI)."""
    if not link or urlsplit(link).scheme:
        return link
    base = request.host_url if has_request_context() else current_app.config["PUBLIC_BASE_URL"]
    return urljoin(base, link)


def trend(content: dict) -> list[dict]:
    """The monthly series the chart shows: frozen in a submitted snapshot, else counted now."""
    if "monthly" in content:
        return content["monthly"]
    if not is_draft(content):
        return []  # submitted before the series was kept: no chart rather than today's numbers
    return monthly(Period.parse(content["period"]))


# --- HTML ----------------------------------------------------------------------------------


def render_html(content: dict) -> str:
    return render_template(
        "assessment/report.html",
        c=content,
        title=title_of(content),
        rows=list(rows(content)),
        levels=levels(),
        header=header_rows(content),
        signatures=signatures(content),
        draft=is_draft(content),
        fact_text=fact_text,
        metric_table=metric_table,
        FORM_TITLE=FORM_TITLE,
        CATEGORY_TITLE=CATEGORY_TITLE,
        STATUS_TH=STATUS_TH,
        status_text=status_text,
        LEVEL_NAMES=LEVEL_NAMES,
    )


# --- PDF -------------------------------------------------------------------------------------


def _pdf_trend(pdf, series: list[dict]) -> None:
    if not series:
        return
    labels = [m["label_th"] for m in series]
    paragraph(pdf, "แนวโน้มรายเดือนของรอบการประเมิน", 14, True)
    column_chart(
        pdf,
        "จำนวนเรื่องร้องเรียนที่รับรายเดือน",
        labels,
        Series("เรื่อง (นับตามวันที่รับเรื่อง)", [m["received"] for m in series]),
    )
    if any(m.get("satisfaction") is not None for m in series):
        column_chart(
            pdf,
            "ความพึงพอใจเฉลี่ยรายเดือน (คะแนนเต็ม 5)",
            labels,
            Series("คะแนนเฉลี่ยจากแบบสอบถามหลังปิดเรื่อง", [m.get("satisfaction") for m in series], BAR_ALT, "{:.2f}"),
            max_value=5,
            ticks=5,
        )


def render_pdf(content: dict) -> bytes:
    pdf = thai_document(title_of(content), draft=is_draft(content))
    paragraph(pdf, FORM_TITLE, 16, True)
    paragraph(pdf, CATEGORY_TITLE, 15, True)
    pdf.ln(2)
    table(pdf, ["หัวข้อ", "รายละเอียด"], [(th, value) for th, _, value in header_rows(content)], (45, pdf.epw - 45))
    pdf.ln(2)
    summary = [
        (
            f"{c['id']} {c['title']}",
            level_label(content["scores"]["criteria"][c["id"]]["level"]),
            f"{content['scores']['criteria'][c['id']]['total']:.2f} / 500",
        )
        for c in criteria()
    ]
    table(pdf, ["เกณฑ์", "ระดับที่ได้", "คะแนน"], summary, (pdf.epw - 70, 40, 30))
    pdf.ln(3)
    _pdf_trend(pdf, trend(content))
    for criterion, entries in rows(content):
        score = content["scores"]["criteria"][criterion["id"]]
        pdf.ln(3)
        if pdf.will_page_break(45):  # a criterion's heading stays with its levels
            pdf.add_page()
        paragraph(pdf, f"{criterion['id']} {criterion['title']}", 15, True)
        paragraph(pdf, "ระดับการพัฒนาองค์การสู่การเป็นระบบราชการ 4.0", 12, True)
        table(
            pdf,
            [level["label_th"] for level in levels()],
            [["[X] ระดับที่ได้" if level["code"] == score["level"] else "[  ]" for level in levels()]],
            [pdf.epw / len(levels())] * len(levels()),
            10,
        )
        paragraph(
            pdf,
            f"คะแนน {score['total']:.2f} / 500 (Basic {score['basic']:.2f}, Advance {score['advance']:.0f}, "
            f"Significance {score['significance']:.0f})",
            12,
        )
        current_level = None
        for item, answer in entries:
            if item["level"] != current_level:
                current_level = item["level"]
                lead = criterion.get("leads", {}).get(current_level, "")
                pdf.ln(1)
                if pdf.will_page_break(20):  # a level's heading stays with its first item
                    pdf.add_page()
                paragraph(pdf, f"{LEVEL_NAMES[current_level]}{(' · ' + lead) if lead else ''}", 13, True, 2)
            mark = "[X]" if counted_met(answer) else "[  ]"
            paragraph(pdf, f"{mark} {item['id']} {item['text']} ({status_text(answer)})", 12, indent=4)
            for line in field_lines(item, answer):
                paragraph(pdf, line, 11, indent=10)
            if answer["explanation"]:
                paragraph(pdf, f"คำอธิบาย: {answer['explanation']}", 11, indent=10)
            for fact in answer.get("facts", []):
                paragraph(pdf, f"ข้อมูลจากระบบ: {fact_text(fact)}", 11, indent=10)
            for metric in answer["metrics"]:
                paragraph(pdf, "• " + metric_line(metric), 11, indent=10)
                grid = metric_table(metric)
                if grid:
                    header, body = grid
                    first = min(60.0, (pdf.epw - 14) / 2)
                    rest = (pdf.epw - 14 - first) / max(len(header) - 1, 1)
                    table(pdf, header, body, [first, *[rest] * (len(header) - 1)], 9, indent=14)
            for ev in answer["evidence"]:
                target = ev["url"] or f"{ev['original_name']} SHA-256 {ev['sha256'][:16]}…"
                paragraph(pdf, f"หลักฐาน: {ev['title']} ({target})", 11, indent=10)
    pdf.ln(4)
    paragraph(pdf, "ขอรับรองว่าข้อมูลในแบบประเมินนี้ถูกต้องตามความเป็นจริง", 12)
    signature_block(pdf, [(th, name) for th, _, name in signatures(content)])
    return bytes(pdf.output())


# --- XLSX ------------------------------------------------------------------------------------


def _evidence_cell(answer: dict) -> str:
    return "\n".join(f"{e['title']} {absolute(e['url']) if e['url'] else e['sha256']}" for e in answer["evidence"])


def _bold_last_row(sheet) -> None:
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)


def _xlsx_form(sheet, content: dict) -> None:
    """The form: the header block, then every criterion and item with its answer and facts."""
    sheet.title = "หมวด 3"
    sheet.append([title_of(content)])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["คะแนนหมวด 3 / Category score", content["scores"]["category_score"], content["scores"]["max"]])
    for th, en, value in header_rows(content):
        sheet.append([f"{th} / {en}", value])
    sheet.append([])
    sheet.append(["เกณฑ์", "ระดับ", "ข้อ", "รายการ", "สถานะ", "ช่องระบุ", "คำอธิบาย", "หลักฐาน", "ข้อมูลจากระบบ"])
    _bold_last_row(sheet)
    first_row = sheet.max_row + 1
    for criterion, entries in rows(content):
        score = content["scores"]["criteria"][criterion["id"]]
        sheet.append(
            [criterion["id"], level_label(score["level"]), "", criterion["title"], f"{score['total']:.2f} / 500"]
        )
        _bold_last_row(sheet)
        for item, answer in entries:
            sheet.append(
                [
                    criterion["id"],
                    LEVEL_NAMES[item["level"]],
                    item["id"],
                    item["text"],
                    status_text(answer),
                    "\n".join(field_lines(item, answer)),
                    answer["explanation"],
                    _evidence_cell(answer),
                    "\n".join(fact_text(f) for f in answer.get("facts", [])),
                ]
            )
    for column, width in zip("ABCDEFGHI", (8, 14, 10, 70, 20, 40, 40, 40, 60), strict=True):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=first_row):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _xlsx_metrics(metrics, tables, content: dict) -> None:
    """Every metric with its absolute link, and each metric's table (details["table"])."""
    metrics.append(["ข้อ", "ตัวชี้วัด", "Metric", "ค่า", "แสดงผล", "เกณฑ์", "ผ่าน", "เหตุผลที่ไม่ผ่าน", "Why not", "ลิงก์"])
    _bold_last_row(metrics)
    for entry in content["items"].values():
        for m in entry["metrics"]:
            link = absolute(href(m))
            metrics.append(
                [
                    m["item_id"],
                    m["label_th"],
                    m["label_en"],
                    m["value"],
                    m["display"],
                    m["threshold"],
                    VERDICT_TH[m["met"]],
                    m["why_not_th"],
                    m["why_not_en"],
                    link,
                ]
            )
            if link:
                metrics.cell(metrics.max_row, 10).hyperlink = link
            grid = metric_table(m)
            if grid:
                tables.append([m["item_id"], m["label_th"], m["label_en"]])
                _bold_last_row(tables)
                for line in (grid[0], *grid[1]):
                    tables.append(["", *line])
                tables.append([])


def render_xlsx(content: dict) -> bytes:
    book = Workbook()
    _xlsx_form(book.active, content)
    _xlsx_metrics(book.create_sheet("3.4 ตัวชี้วัด"), book.create_sheet("ตารางตัวชี้วัด"), content)
    trend_sheet = book.create_sheet("แนวโน้มรายเดือน")
    trend_sheet.append(["เดือน", "Month", "เรื่องที่รับ", "ผู้ตอบแบบสอบถาม", "ความพึงพอใจเฉลี่ย (เต็ม 5)"])
    for m in trend(content):
        trend_sheet.append([m["label_th"], m["month"], m["received"], m.get("answers"), m.get("satisfaction")])
    signature = book.create_sheet("ลงนาม")
    for th, en, name in signatures(content):
        for line in (f"{th} / {en}", "ลงชื่อ", f"({name})" if name else "( )", "ตำแหน่ง", "วันที่", ""):
            signature.append([line])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def render(content: dict, fmt: str) -> bytes:
    if fmt == "html":
        return render_html(content).encode("utf-8")
    if fmt == "pdf":
        return render_pdf(content)
    return render_xlsx(content)
