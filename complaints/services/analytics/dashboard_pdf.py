"""The manager dashboard as a printable PDF: one Thai table per figure."""

from __future__ import annotations

from fpdf.fonts import FontFace

from complaints.domain.thai_calendar import format_thai_datetime
from complaints.services.analytics.metrics.figures import Figure
from complaints.services.analytics.metrics.scope import Scope
from complaints.services.analytics.pdf import FONT_FAMILY, thai_document


def _percent(share: float | None) -> str:
    return "" if share is None else f"{share * 100:.1f}%"


def _kpi(key: str, value) -> str:
    if value is None:
        return "-"
    return f"{value * 100:.1f}%" if "rate" in key else str(value)


def dashboard_pdf(scope: Scope, figures: dict[str, Figure], unit_name: str | None, agency: str) -> bytes:
    pdf = thai_document(f"รายงานสถิติเรื่องร้องเรียน {scope.period.label('th')}")
    pdf.set_font(FONT_FAMILY, "B", 18)
    pdf.multi_cell(0, 9, f"รายงานสถิติเรื่องร้องเรียน · {agency}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, "", 13)
    pdf.multi_cell(
        0,
        7,
        f"{scope.period.label('th')} ({scope.period.label('en')}) · หน่วยงาน: {unit_name or 'ทุกหน่วยงาน (all units)'}",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.multi_cell(0, 7, f"ข้อมูล ณ {format_thai_datetime(scope.now)}", new_x="LMARGIN", new_y="NEXT")
    heading = FontFace(emphasis="BOLD", fill_color=(225, 235, 245))
    for figure in figures.values():
        pdf.ln(3)
        pdf.set_font(FONT_FAMILY, "B", 14)
        pdf.multi_cell(0, 8, f"{figure.title_th} ({figure.title_en})", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT_FAMILY, "", 12)
        with pdf.table(col_widths=(90, 30, 30), headings_style=heading, line_height=6.5) as table:
            table.row(["รายการ", figure.axis_th, "สัดส่วน"])
            for row in figure.rows:
                table.row([row.label_th, str(row.count), _percent(row.share)])
            table.row(["รวม", str(figure.total), ""])
        if figure.kpis:
            pdf.multi_cell(
                0, 6, " · ".join(f"{k}: {_kpi(k, v)}" for k, v in figure.kpis.items()), new_x="LMARGIN", new_y="NEXT"
            )
    return bytes(pdf.output())
