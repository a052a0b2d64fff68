"""The manager dashboard as a printable PDF: charts for the trends, short tables for the rest.

A time series (months, weeks, quarters) is a column chart, never a table of 52
weekly rows; a ranking (categories, units, channels ...) is a bar chart of its top
rows and a table of its non-empty rows (the top TOP_ROWS); a figure of states
(kpi) is its non-empty rows. Laid out with the routines of analytics.pdf, as the
self-assessment report is.
"""

from __future__ import annotations

from complaints.domain.thai_calendar import format_thai_datetime
from complaints.services.analytics.metrics.figures import Figure
from complaints.services.analytics.metrics.scope import Scope
from complaints.services.analytics.pdf import Series, bar_chart, column_chart, paragraph, table, thai_document

TOP_ROWS = 10  # rows of a ranking shown (the rest are summed in "อื่น ๆ")
MAX_LABELS = 13  # labels under a column chart: every n-th when there are more columns


def _percent(share: float | None) -> str:
    return "" if share is None else f"{share * 100:.1f}%"


def _kpi(key: str, value) -> str:
    if value is None:
        return "-"
    return f"{value * 100:.1f}%" if "rate" in key else str(value)


def _time_series(pdf, figure: Figure) -> None:
    labels = [row.label_th for row in figure.rows]
    every = max(1, -(-len(labels) // MAX_LABELS))
    rates = [row.extra.get("rate") for row in figure.rows]
    title = f"{figure.title_th} ({figure.title_en})"
    if figure.rows and all("rate" in row.extra for row in figure.rows):
        column_chart(
            pdf,
            title,
            labels,
            Series(f"{figure.axis_th} (ร้อยละ)", [None if r is None else r * 100 for r in rates], display="{:.1f}"),
            label_every=every,
        )
    else:
        column_chart(
            pdf,
            title,
            labels,
            Series(f"{figure.axis_th} รวม {figure.total:,}", [row.count for row in figure.rows]),
            label_every=every,
            show_values=len(labels) <= 24,
        )


def _ranking(pdf, figure: Figure) -> None:
    shown = [row for row in figure.rows if row.count][:TOP_ROWS]
    title = f"{figure.title_th} ({figure.title_en})"
    if not shown:
        paragraph(pdf, title, 12, True)
        paragraph(pdf, "ไม่มีเรื่องในช่วงนี้", 11)
        return
    if figure.chart == "bars":
        bar_chart(pdf, title, [(row.label_th, row.count) for row in shown])
    else:
        paragraph(pdf, title, 12, True)
    rows = [[row.label_th, f"{row.count:,}", _percent(row.share)] for row in shown]
    others = figure.total - sum(row.count for row in shown)
    if others:
        rows.append(["อื่น ๆ", f"{others:,}", _percent(others / figure.total if figure.total else None)])
    rows.append(["รวม", f"{figure.total:,}", ""])
    table(pdf, ["รายการ", figure.axis_th, "สัดส่วน"], rows, (100, 35, 30), 10)


def dashboard_pdf(scope: Scope, figures: dict[str, Figure], unit_name: str | None, agency: str) -> bytes:
    title = f"รายงานสถิติเรื่องร้องเรียน {scope.period.label('th')}"
    pdf = thai_document(title, running_head=f"{title} · {agency}")
    paragraph(pdf, f"รายงานสถิติเรื่องร้องเรียน · {agency}", 18, True)
    paragraph(
        pdf,
        f"{scope.period.label('th')} ({scope.period.label('en')}) ตั้งแต่ {scope.period.date_range('th')}"
        f" · หน่วยงาน: {unit_name or 'ทุกหน่วยงาน (all units)'}",
        13,
    )
    paragraph(pdf, f"ข้อมูล ณ {format_thai_datetime(scope.now)} (เวลากรุงเทพฯ)", 13)
    for figure in figures.values():
        pdf.ln(3)
        if figure.chart == "columns":
            _time_series(pdf, figure)
        else:
            _ranking(pdf, figure)
        if figure.kpis:
            paragraph(pdf, " · ".join(f"{k}: {_kpi(k, v)}" for k, v in figure.kpis.items()), 10)
    return bytes(pdf.output())
