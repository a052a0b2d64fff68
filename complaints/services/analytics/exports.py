"""CSV and XLSX exports of the dashboard figures and of complaint lists (PDPA-safe).

Complainant data is never read: the complaint list comes from the complaints
table alone, and its free text goes through pii_masking.mask_text. Cells that
a spreadsheet would run as a formula are prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import TextIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from sqlalchemy import Select
from sqlalchemy.orm import selectinload

from complaints.domain.thai_calendar import format_thai_datetime
from complaints.extensions import db
from complaints.i18n import CHANNEL_LABELS, KIND_LABELS, STATUS_LABELS, label
from complaints.models import Complaint
from complaints.nlp.pii_masking import mask_text
from complaints.services.analytics.metrics.figures import Figure

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

FIGURE_HEADER = [
    "รายการ (label)",
    "Label (EN)",
    "จำนวน (count)",
    "สัดส่วน (share %)",
    "ตัวกรอง (drill-down)",
    "ข้อมูลเพิ่มเติม (extra)",
]
COMPLAINT_HEADER = [
    "เลขที่เรื่อง (tracking number)",
    "วันที่รับเรื่อง (received, BE)",
    "ประเภท (kind)",
    "ช่องทาง (channel)",
    "หมวดหมู่ (category)",
    "หน่วยงาน (unit)",
    "เขต/อำเภอ (district)",
    "จังหวัด (province)",
    "สถานะ (status)",
    "กำหนดแล้วเสร็จ (due, BE)",
    "แล้วเสร็จ (finished, BE)",
    "เปิดซ้ำ (reopened)",
    "สาเหตุ (root cause)",
    "หัวข้อ (title, masked)",
    "รายละเอียด (description, masked)",
]


def safe_cell(value):
    """A value a spreadsheet shows as text, never runs as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def figure_rows(figure: Figure) -> list[list]:
    rows = [
        [
            r.label_th,
            r.label_en,
            r.count,
            None if r.share is None else round(r.share * 100, 1),
            "&".join(f"{k}={v}" for k, v in r.drill.items()),
            "; ".join(f"{k}={v}" for k, v in r.extra.items()),
        ]
        for r in figure.rows
    ]
    rows.append(["รวม", "Total", figure.total, None, "", ""])
    rows += [[f"ตัวชี้วัด: {k}", k, v, None, "", ""] for k, v in figure.kpis.items()]
    return rows


def complaint_rows(statement: Select) -> Iterator[list]:
    """One masked row per complaint of the statement (a select of Complaint).

    The statement is already limited to what the reader may know of (the scope's
    access.visible_complaints): a tip-off is no row for anyone but the integrity role."""
    statement = statement.options(
        selectinload(Complaint.category),
        selectinload(Complaint.unit),
        selectinload(Complaint.root_cause),
    ).execution_options(yield_per=1000)  # streamed: a year's list is not held in memory
    for c in db.session.scalars(statement):
        yield [
            c.tracking_number,
            format_thai_datetime(c.received_at),
            label(KIND_LABELS, c.kind, "th"),
            label(CHANNEL_LABELS, c.channel, "th"),
            c.category.name_th if c.category else "",
            c.unit.name_th if c.unit else "",
            c.district or "",
            c.province or "",
            label(STATUS_LABELS, c.status, "th"),
            format_thai_datetime(c.due_at),
            format_thai_datetime(c.resolved_at or c.closed_at),
            c.reopen_count,
            c.root_cause.name_th if c.root_cause else "",
            mask_text(c.title or ""),
            mask_text(c.description or ""),
        ]


def write_csv(out: TextIO, header: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Write the table to a text stream; returns the rows written (the header not counted)."""
    writer = csv.writer(out)
    writer.writerow(header)
    written = 0
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
        written += 1
    return written


def to_csv(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    out = io.StringIO()
    write_csv(out, header, rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel then reads the Thai as UTF-8


def write_xlsx(target, sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence]]]) -> int:
    """A workbook with one sheet per (title, header, rows), written as the rows come (openpyxl's
    write-only mode keeps no cells) to a path or binary stream; returns the rows written."""
    book = Workbook(write_only=True)
    written = 0
    for title, header, rows in sheets:
        sheet = book.create_sheet(_sheet_title(title))
        sheet.append([_bold(sheet, h) for h in header])
        for row in rows:
            sheet.append([safe_cell(v) for v in row])
            written += 1
    book.save(target)
    return written


def to_xlsx(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence]]]) -> bytes:
    out = io.BytesIO()
    write_xlsx(out, sheets)
    return out.getvalue()


def _bold(sheet, value) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = Font(bold=True)
    return cell


def _sheet_title(title: str) -> str:
    for ch in "[]:*?/\\":
        title = title.replace(ch, " ")
    return title[:31]
