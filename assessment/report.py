"""The self-assessment report in HTML, PDF and XLSX, laid out like the official form.

Each criterion: its title, the five levels with the one reached ticked, then the
checklist of each level with ☑/☐, the free-text fields, the explanation, the
evidence, and for 3.4 the metrics (value, threshold, met, why not). All three
formats are made from the same content dict (assessment.service.content).
"""

from __future__ import annotations

import io

from flask import render_template
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from assessment.form import criteria, level_label, levels
from assessment.links import href
from complaints.domain.thai_calendar import format_thai_datetime
from complaints.services.analytics.api import FONT_FAMILY, thai_document

FORMATS = {
    "html": ("text/html; charset=utf-8", "html"),
    "pdf": ("application/pdf", "pdf"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}
STATUS_TH = {"met": "ดำเนินการแล้ว", "in_progress": "อยู่ระหว่างดำเนินการ", "not_met": "ยังไม่ได้ดำเนินการ"}
LEVEL_NAMES = {"basic": "Basic", "advance": "Advance", "significance": "Significance"}


def title_of(content: dict) -> str:
    return f"แบบประเมินตนเอง PMQA 4.0 หมวด 3 · {content['agency']} · {content['period_th']}"


def rows(content: dict):
    """The report as (criterion, level code, item, answer) in form order, for every format."""
    for criterion in criteria():
        yield criterion, [(item, content["items"][item["id"]]) for item in criterion["items"]]


def render_html(content: dict) -> str:
    return render_template(
        "assessment/report.html",
        c=content,
        title=title_of(content),
        rows=list(rows(content)),
        levels=levels(),
        STATUS_TH=STATUS_TH,
        LEVEL_NAMES=LEVEL_NAMES,
    )


def _metric_line(metric: dict) -> str:
    verdict = {True: "ผ่าน", False: "ไม่ผ่าน", None: "ข้อมูลประกอบ"}[metric["met"]]
    line = f"{metric['label_th']}: {metric['display']}"
    if metric["threshold"]:
        line += f" เกณฑ์ {metric['threshold']}"
    line += f" [{verdict}]"
    if metric["why_not_th"]:
        line += f" เหตุผล: {metric['why_not_th']}"
    return line


def _field_lines(item: dict, answer: dict) -> list[str]:
    lines = []
    for field in item["fields"]:
        lines.append(f"{field['label']}: {answer['fields'].get(field['key']) or '……………'}")
    for option in item.get("options", []):
        extra = "".join(f" ({answer['fields'].get(f['key']) or '……'})" for f in option["fields"])
        lines.append(f"- {option['text']}{extra}")
    return lines


def render_pdf(content: dict) -> bytes:
    pdf = thai_document(title_of(content))
    width = pdf.epw

    def write(text: str, size: int = 14, bold: bool = False, indent: float = 0) -> None:
        pdf.set_font(FONT_FAMILY, "B" if bold else "", size)
        pdf.set_x(pdf.l_margin + indent)
        pdf.multi_cell(width - indent, size * 0.45, text, new_x="LMARGIN", new_y="NEXT")

    write("แบบประเมินตนเอง PMQA 4.0 หมวด 3 การให้ความสำคัญกับผู้รับบริการและผู้มีส่วนได้ส่วนเสีย", 16, True)
    write(f"หน่วยงาน: {content['agency']}   รอบ: {content['period_th']}")
    write(
        f"สถานะ: {'ส่งแล้ว (ข้อมูลคงที่)' if content['status'] == 'submitted' else 'ฉบับร่าง'}"
        f"   คะแนนหมวด 3: {content['scores']['category_score']:.2f} / {content['scores']['max']:.0f}"
    )
    if content.get("submitted_at"):
        write(f"ส่งโดย {content.get('submitted_by') or '—'} เมื่อ {format_thai_datetime(content['submitted_at'])}")
    for criterion, entries in rows(content):
        score = content["scores"]["criteria"][criterion["id"]]
        pdf.ln(3)
        write(f"{criterion['id']} {criterion['title']}", 15, True)
        write(
            "ระดับการพัฒนา: "
            + "  ".join(
                f"{'[X]' if level['code'] == score['level'] else '[  ]'} {level['label_th']}" for level in levels()
            ),
            13,
        )
        write(
            f"คะแนน {score['total']:.2f} / 500 (Basic {score['basic']:.2f}, Advance {score['advance']:.0f}, "
            f"Significance {score['significance']:.0f})",
            13,
        )
        current_level = None
        for item, answer in entries:
            if item["level"] != current_level:
                current_level = item["level"]
                lead = criterion.get("leads", {}).get(current_level, "")
                write(f"{LEVEL_NAMES[current_level]}{(' · ' + lead) if lead else ''}", 14, True, 2)
            mark = "[X]" if answer["status"] == "met" else "[  ]"
            write(f"{mark} {item['text']} ({STATUS_TH[answer['status']]})", 13, indent=4)
            for line in _field_lines(item, answer):
                write(line, 12, indent=8)
            if answer["explanation"]:
                write(f"คำอธิบาย: {answer['explanation']}", 12, indent=8)
            for metric in answer["metrics"]:
                write("• " + _metric_line(metric), 12, indent=8)
            for ev in answer["evidence"]:
                target = ev["url"] or f"{ev['original_name']} sha256 {ev['sha256'][:16]}…"
                write(f"หลักฐาน: {ev['title']} ({target})", 11, indent=8)
    return bytes(pdf.output())


def render_xlsx(content: dict) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "หมวด 3"
    sheet.append([title_of(content)])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["คะแนนหมวด 3 / Category score", content["scores"]["category_score"], content["scores"]["max"]])
    sheet.append([])
    sheet.append(["เกณฑ์", "ระดับ", "ข้อ", "รายการ", "สถานะ", "ช่องระบุ", "คำอธิบาย", "หลักฐาน"])
    for cell in sheet[4]:
        cell.font = Font(bold=True)
    for criterion, entries in rows(content):
        score = content["scores"]["criteria"][criterion["id"]]
        sheet.append(
            [criterion["id"], level_label(score["level"]), "", criterion["title"], f"{score['total']:.2f} / 500"]
        )
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
        for item, answer in entries:
            sheet.append(
                [
                    criterion["id"],
                    LEVEL_NAMES[item["level"]],
                    item["id"],
                    item["text"],
                    STATUS_TH[answer["status"]],
                    "\n".join(_field_lines(item, answer)),
                    answer["explanation"],
                    "\n".join(f"{e['title']} {e['url'] or e['sha256']}" for e in answer["evidence"]),
                ]
            )
    for column, width in zip("ABCDEFGH", (8, 14, 10, 70, 20, 40, 40, 40), strict=True):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=5):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    metrics = book.create_sheet("3.4 ตัวชี้วัด")
    metrics.append(["ข้อ", "ตัวชี้วัด", "Metric", "ค่า", "แสดงผล", "เกณฑ์", "ผ่าน", "เหตุผลที่ไม่ผ่าน", "Why not", "ลิงก์"])
    for cell in metrics[1]:
        cell.font = Font(bold=True)
    for entry in content["items"].values():
        for m in entry["metrics"]:
            metrics.append(
                [
                    m["item_id"],
                    m["label_th"],
                    m["label_en"],
                    m["value"],
                    m["display"],
                    m["threshold"],
                    {True: "ผ่าน", False: "ไม่ผ่าน", None: "ข้อมูลประกอบ"}[m["met"]],
                    m["why_not_th"],
                    m["why_not_en"],
                    href(m),
                ]
            )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def render(content: dict, fmt: str) -> bytes:
    if fmt == "html":
        return render_html(content).encode("utf-8")
    if fmt == "pdf":
        return render_pdf(content)
    return render_xlsx(content)
