"""PDF documents with Thai text: fpdf2 with HarfBuzz shaping and embedded Thai fonts.

Every PDF Rongrian makes (the dashboard, the self-assessment report) starts from
`thai_document()` and is laid out with the few routines here (paragraphs, tables,
column and bar charts drawn with fpdf2's own lines and rectangles, a signature
block), so fonts, shaping, running heads and page numbers live in one place.

Fonts: Noto Sans Thai from `fontpkg-noto-sans-thai` (a variable font, instanced at
regular and bold weights), and Sarabun from `fontpkg-sarabun` as the fallback for
what Noto Sans Thai lacks ("≥", "≤", "–" ...). No system package is needed. A
character no font has is recorded where fpdf2 reports missing glyphs (its warning
when the document is written), not silently dropped as shaping would.

The text layer stays real, searchable Thai. HarfBuzz draws SARA AM (U+0E33) as two
glyphs (NIKHAHIT + SARA AA) in one cluster; fpdf2 maps the first glyph of a
cluster to the cluster's text and leaves the others without a ToUnicode entry, so
readers extracted "ดำ" with a control character or a gap ("ดำ เนินการ"). Here the
cluster's text goes to its widest glyph (the one that takes the place in the line)
and the other glyphs map explicitly to nothing; each line also carries its text as
/ActualText, which poppler, pdf.js and Acrobat read instead of the glyphs.
"""

from __future__ import annotations

import atexit
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import fontpkg_noto_sans_thai
import fontpkg_sarabun
from fontTools.ttLib import TTFont
from fontTools.varLib.instancer import instantiateVariableFont
from fpdf import FPDF
from fpdf.enums import Align
from fpdf.fonts import FontFace, TTFFont
from fpdf.line_break import TotalPagesSubstitutionFragment
from pythainlp.tokenize import word_tokenize

from complaints.nlp.text import DEFAULT_ENGINE, FALLBACK_ENGINE

FONT_FAMILY = "NotoSansThai"
FALLBACK_FAMILY = "Sarabun"  # has the symbols Noto Sans Thai lacks
_WEIGHTS = {"": 400, "B": 700}
_FALLBACK_FILES = {"": "Sarabun-Regular.ttf", "B": "Sarabun-Bold.ttf"}
DRAFT_TH = "ฉบับร่าง"
INK = (30, 30, 30)
MUTED = (110, 110, 110)
DRAFT_RED = (180, 20, 20)
BAR = (60, 110, 170)
BAR_ALT = (225, 140, 40)
HEADING_FILL = (225, 235, 245)
ZWSP = "\u200b"  # where a Thai line may break; never in the text layer
_THAI_LETTER = re.compile(r"[\u0e01-\u0e5b]")


class _NoText(tuple):
    """A glyph's text that is empty yet written to ToUnicode (fpdf2 skips a mapping whose
    length is 0; this one says 1 and iterates over nothing, so it is written as `<>`)."""

    __slots__ = ()

    def __len__(self) -> int:
        return 1


class _ShapedFont(TTFFont):
    """fpdf2's font whose shaped clusters map their text to their widest glyph."""

    __slots__ = ()

    def shape_text(
        self, text: str, font_size_pt: float, text_shaping_params: dict[str, Any] | None
    ) -> Sequence[dict[str, Any]]:
        if not text:
            return []
        infos, positions = self.perform_harfbuzz_shaping(text, font_size_pt, text_shaping_params)
        starts = sorted({int(info.cluster) for info in infos})
        ends = dict(zip(starts, [*starts[1:], len(text)], strict=True))
        carrier: dict[int, int] = {}  # cluster -> index of the glyph that carries its text
        for i, info in enumerate(infos):
            best = carrier.get(int(info.cluster))
            if best is None or positions[i].x_advance > positions[best].x_advance:
                carrier[int(info.cluster)] = i
        shaped = []
        for i, info in enumerate(infos):
            cluster = int(info.cluster)
            first = 0 if cluster == starts[0] else cluster  # text before the first cluster joins it
            own = text[first : ends[cluster]].replace(ZWSP, "") if carrier[cluster] == i else ""
            unicode = tuple(ord(c) for c in own) or _NoText()
            name = self.ttfont.getGlyphName(info.codepoint)
            width = round(self.scale * self.ttfont["hmtx"].metrics[name][0])
            glyph = self.subset.get_glyph(glyph=info.codepoint, unicode=unicode, glyph_name=name, glyph_width=width)
            if glyph is None:  # .notdef: the character is recorded as missing (ThaiPDF.normalize_text)
                continue
            position = positions[i]
            shaped.append(
                {
                    "mapped_char": self.subset.pick_glyph(glyph),
                    "x_advance": position.x_advance,
                    "y_advance": position.y_advance,
                    "x_offset": position.x_offset,
                    "y_offset": position.y_offset,
                    "force_positioning": bool(
                        width != position.x_advance or position.x_offset or position.y_offset or position.y_advance
                    ),
                }
            )
        return shaped


@lru_cache(maxsize=4096)
def thai_breaks(text: str) -> str:
    """`text` with a zero-width space between two Thai words, where fpdf2 may break a line:
    Thai writes no space between words, and fpdf2 breaks only at spaces (or, for a run
    longer than the line, anywhere: "เพื่|อนำ"). Words as complaints.nlp tokenizes them."""
    if not _THAI_LETTER.search(text) or ZWSP in text:
        return text
    try:
        words = word_tokenize(text, engine=DEFAULT_ENGINE, keep_whitespace=True)
    except Exception:  # noqa: BLE001 - a missing optional engine falls back, as in complaints.nlp
        words = word_tokenize(text, engine=FALLBACK_ENGINE, keep_whitespace=True)
    joined = [words[0]] if words else []
    for before, word in zip(words, words[1:], strict=False):
        if before and word and _THAI_LETTER.match(before[-1]) and _THAI_LETTER.match(word[0]):
            joined.append(ZWSP)
        joined.append(word)
    return "".join(joined)


def _pdf_text_string(text: str) -> str:
    """A PDF text string in UTF-16BE with its byte-order mark, as hex."""
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


class ThaiPDF(FPDF):
    """FPDF whose Thai text extracts as typed, with a running head, the draft mark and
    "หน้า X/Y" on every page, and no justified line."""

    def __init__(self, *args: Any, running_head: str = "", draft: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.running_head = running_head
        self.draft = draft
        self._actual_text: list[str | None] = []

    # --- text -----------------------------------------------------------------------------

    def normalize_text(self, text: str) -> str:
        text = thai_breaks(super().normalize_text(text))
        font = self.current_font
        if isinstance(font, TTFFont):
            fallbacks = [self.fonts[key] for key in self._fallback_font_ids]
            for char in set(text):
                if (
                    char.isprintable()
                    and not char.isspace()
                    and ord(char) not in font.cmap
                    and not any(ord(char) in f.cmap for f in fallbacks if isinstance(f, TTFFont))
                    and ord(char) not in font.missing_glyphs
                ):
                    font.missing_glyphs.append(ord(char))  # fpdf2 warns of these when writing
        return text

    def multi_cell(self, *args: Any, **kwargs: Any) -> Any:
        """Never justified: Thai has no spaces between words, so justifying stretches the few
        spaces of a line into wide gaps."""
        if kwargs.get("align") in ("J", "JUSTIFY", Align.J) or "align" not in kwargs:
            kwargs["align"] = Align.L
        return super().multi_cell(*args, **kwargs)

    def _render_styled_text_line(self, text_line: Any, *args: Any, **kwargs: Any) -> bool:
        fragments = text_line.fragments
        shaped = any(getattr(f, "text_shaping_parameters", None) for f in fragments)
        page_total = any(isinstance(f, TotalPagesSubstitutionFragment) for f in fragments)
        text = "".join(f.string for f in fragments) if shaped and not page_total else None
        self._actual_text.append(text.replace(ZWSP, "") if text else None)
        try:
            return super()._render_styled_text_line(text_line, *args, **kwargs)
        finally:
            self._actual_text.pop()

    def _out(self, s: str | bytes) -> None:
        # The line's text object, written once the page break (if any) is done: marked
        # with the line's text, so readers need not rebuild Thai from shaped glyphs.
        if self._actual_text and self._actual_text[-1] and isinstance(s, str) and " Td " in s:
            s = f"/Span <</ActualText {_pdf_text_string(self._actual_text[-1])}>> BDC {s} EMC"
            self._actual_text[-1] = None
        super()._out(s)

    def output(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().output(*args, **kwargs)
        finally:
            self.close_fonts()

    def close_fonts(self) -> None:
        """Close every font file: fpdf2 closes those a document used, and leaves the others
        (the fallback's bold, say) open until the garbage collector warns of them."""
        for font in self.fonts.values():
            if isinstance(font, TTFFont):
                font.close()

    # --- every page -----------------------------------------------------------------------

    def header(self) -> None:
        self.set_font(FONT_FAMILY, "", 9)
        self.set_text_color(*MUTED)
        self.set_xy(self.l_margin, 6)
        width = self.epw - (25 if self.draft else 0)
        self.cell(width, 5, self.running_head, align="L")
        if self.draft:
            self.set_font(FONT_FAMILY, "B", 11)
            self.set_text_color(*DRAFT_RED)
            self.cell(25, 5, DRAFT_TH, align="R")
        self.set_text_color(*INK)
        self.set_xy(self.l_margin, 14)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT_FAMILY, "", 9)
        self.set_text_color(*MUTED)
        if self.draft:
            self.set_text_color(*DRAFT_RED)
            self.cell(self.epw / 2, 5, f"{DRAFT_TH} (ยังไม่ได้ส่ง)", align="L")
            self.set_text_color(*MUTED)
            self.cell(self.epw / 2, 5, f"หน้า {self.page_no()}/{{nb}}", align="R")
        else:
            self.cell(self.epw, 5, f"หน้า {self.page_no()}/{{nb}}", align="R")
        self.set_text_color(*INK)


def font_file() -> Path:
    """The Noto Sans Thai variable font shipped by fontpkg-noto-sans-thai."""
    return next((fontpkg_noto_sans_thai.ROOT / "files").glob("NotoSansThai*.ttf"))


def fallback_font_file(style: str = "") -> Path:
    """Sarabun (fontpkg-sarabun) at a style: it has "≥", "≤" and the dashes."""
    return fontpkg_sarabun.ROOT / "files" / _FALLBACK_FILES[style]


@cache
def _instance(weight: int) -> Path:
    """The variable font instanced at `weight`, written once per process: instancing
    takes about 0.1 s, which every document would otherwise pay again per weight."""
    folder = tempfile.mkdtemp(prefix="rongrian-font-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)  # not left behind by every process
    path = Path(folder) / f"{FONT_FAMILY}-{weight}.ttf"
    instantiateVariableFont(TTFont(font_file()), {"wght": weight}).save(path)
    return path


def extracted(text: str) -> str:
    """Text as a PDF reader gives it back, for comparisons (NFKC)."""
    return unicodedata.normalize("NFKC", text)


def thai_document(
    title: str, *, orientation: str = "portrait", running_head: str | None = None, draft: bool = False
) -> ThaiPDF:
    """A new A4 document with the Thai fonts registered (regular and bold, Sarabun as the
    fallback), shaping on, the running head (the title unless given), the draft mark on
    every page when `draft`, page numbers "หน้า X/Y", and one page open."""
    pdf = ThaiPDF(
        orientation=orientation,
        unit="mm",
        format="A4",
        running_head=title if running_head is None else running_head,
        draft=draft,
    )
    for style, weight in _WEIGHTS.items():
        pdf.add_font(FONT_FAMILY, style, _instance(weight))
        pdf.add_font(FALLBACK_FAMILY, style, fallback_font_file(style))
    for font in pdf.fonts.values():
        font.__class__ = _ShapedFont  # same slots: only shape_text differs
    pdf.set_fallback_fonts([FALLBACK_FAMILY])
    pdf.set_text_shaping(True)
    pdf.set_title(title)
    pdf.set_creator("Rongrian")
    pdf.alias_nb_pages()
    pdf.set_margins(15, 16, 15)
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.add_page()
    pdf.set_font(FONT_FAMILY, size=12)
    return pdf


# --- layout routines shared by every document ---------------------------------------------------


def paragraph(pdf: FPDF, text: str, size: float = 12, bold: bool = False, indent: float = 0, color=INK) -> None:
    """Left-aligned text that wraps within the margins, `indent` mm in."""
    pdf.set_font(FONT_FAMILY, "B" if bold else "", size)
    pdf.set_text_color(*color)
    pdf.set_x(pdf.l_margin + indent)
    pdf.multi_cell(pdf.epw - indent, size * 0.45, text, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)


def table(
    pdf: FPDF,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    size: float = 11,
    indent: float = 0,
) -> None:
    """A bordered table, its heading shaded and repeated on each page, text left-aligned."""
    pdf.set_font(FONT_FAMILY, "", size)
    pdf.set_x(pdf.l_margin + indent)
    with pdf.table(
        col_widths=tuple(widths),
        width=sum(widths),
        align="LEFT",
        text_align="LEFT",
        headings_style=FontFace(emphasis="BOLD", fill_color=HEADING_FILL),
        line_height=size * 0.45,
        padding=1,
    ) as grid:
        grid.row(list(header))
        for row in rows:
            grid.row([str(cell) for cell in row])
    pdf.set_x(pdf.l_margin)


@dataclass(frozen=True)
class Series:
    """One series of a chart: a value (or None: no data) per label."""

    label: str
    values: Sequence[float | None]
    color: tuple[int, int, int] = BAR
    display: str = "{:,.0f}"  # how a value is written above its column


def _nice_step(value: float, ticks: int) -> float:
    """A round whole step (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten, at least 1) so
    that `ticks` steps reach `value`."""
    raw = max(value, 1) / ticks
    power = 10 ** (len(str(int(raw))) - 1)
    return next(s for s in (power * f for f in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)) if s >= raw and s == int(s))


def column_chart(
    pdf: FPDF,
    title: str,
    labels: Sequence[str],
    series: Series,
    *,
    height: float = 50,
    max_value: float | None = None,
    ticks: int = 4,
    label_every: int = 1,
    show_values: bool = True,
) -> tuple[float, float, float, float]:
    """A column chart (a time series: months, weeks) drawn with lines and rectangles:
    axis, grid, one column per label, the value above it, every `label_every`-th label
    under it. Returns the plot area (x, y, w, h) in mm."""
    if pdf.will_page_break(height + 22):  # the title stays with its chart
        pdf.add_page()
    paragraph(pdf, title, 12, True)
    top = pdf.get_y() + 4
    left, width = pdf.l_margin + 14, pdf.epw - 16
    known = [v for v in series.values if v is not None]
    ceiling = max_value if max_value is not None else _nice_step(max(known, default=0), ticks) * ticks
    pdf.set_draw_color(200, 200, 200)
    pdf.set_line_width(0.1)
    pdf.set_font(FONT_FAMILY, "", 7)
    pdf.set_text_color(*MUTED)
    for step in range(ticks + 1):  # grid and its scale
        tick = ceiling * step / ticks
        y = top + height - height * step / ticks
        pdf.line(left, y, left + width, y)
        pdf.set_xy(pdf.l_margin, y - 2)
        pdf.cell(13, 4, f"{tick:,.2f}".rstrip("0").rstrip("."), align="R")
    slot = width / max(len(labels), 1)
    pdf.set_fill_color(*series.color)
    for i, (label, value) in enumerate(zip(labels, series.values, strict=True)):
        x = left + i * slot
        if value is not None and value > 0:
            bar = height * min(value / ceiling, 1)
            pdf.rect(x + slot * 0.15, top + height - bar, slot * 0.7, bar, style="F")
        if show_values and value is not None:
            pdf.set_xy(x, top + height - (height * min((value or 0) / ceiling, 1)) - 4)
            pdf.cell(slot, 4, series.display.format(value), align="C")
        if i % label_every == 0:
            pdf.set_xy(x - slot, top + height + 0.5)
            pdf.cell(slot * 3, 4, label, align="C")
    pdf.set_draw_color(*INK)
    pdf.set_line_width(0.3)
    pdf.line(left, top + height, left + width, top + height)
    pdf.line(left, top, left, top + height)
    pdf.set_text_color(*INK)
    pdf.set_fill_color(255, 255, 255)
    pdf.set_y(top + height + 6)
    pdf.set_font(FONT_FAMILY, "", 9)
    pdf.set_x(pdf.l_margin)
    pdf.cell(pdf.epw, 4, series.label, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    return left, top, width, height


def bar_chart(
    pdf: FPDF, title: str, rows: Sequence[tuple[str, float]], *, display: str = "{:,.0f}", bar_height: float = 5
) -> tuple[float, float, float, float]:
    """Horizontal bars (a ranking: categories, units): the label, the bar, its value.
    Returns the plot area (x, y, w, h) in mm."""
    height = bar_height * 1.4 * len(rows)
    if pdf.will_page_break(height + 12):  # the title stays with its chart
        pdf.add_page()
    paragraph(pdf, title, 12, True)
    top = pdf.get_y() + 1
    label_width, value_width = 60, 18
    left = pdf.l_margin + label_width
    width = pdf.epw - label_width - value_width
    ceiling = max((value for _, value in rows), default=0) or 1
    pdf.set_fill_color(*BAR)
    pdf.set_font(FONT_FAMILY, "", 9)
    for i, (label, value) in enumerate(rows):
        y = top + i * bar_height * 1.4
        pdf.set_xy(pdf.l_margin, y)
        pdf.cell(label_width - 2, bar_height, label if len(label) <= 40 else label[:39] + "…", align="R")
        if value > 0:
            pdf.rect(left, y + 0.5, width * value / ceiling, bar_height - 1, style="F")
        pdf.set_xy(left + width * value / ceiling + 1, y)
        pdf.cell(value_width, bar_height, display.format(value), align="L")
    pdf.set_draw_color(*INK)
    pdf.set_line_width(0.3)
    pdf.line(left, top, left, top + height)
    pdf.set_fill_color(255, 255, 255)
    pdf.set_y(top + height + 3)
    return left, top, width, height


SIGNATURE_LINE = "............................................"


def signature_block(pdf: FPDF, roles: Sequence[tuple[str, str]]) -> None:
    """Signature boxes side by side, kept on one page: for each (role, name or ""):
    the role, ลงชื่อ, the name in brackets, ตำแหน่ง, วันที่."""
    height = 45
    if pdf.will_page_break(height):
        pdf.add_page()
    pdf.ln(6)
    top = pdf.get_y()
    column = pdf.epw / max(len(roles), 1)
    for i, (role, name) in enumerate(roles):
        x = pdf.l_margin + i * column
        lines = [
            (role, True),
            (f"ลงชื่อ {SIGNATURE_LINE}", False),
            (f"( {name or SIGNATURE_LINE} )", False),
            (f"ตำแหน่ง {SIGNATURE_LINE}", False),
            (f"วันที่ {SIGNATURE_LINE}", False),
        ]
        for j, (text, bold) in enumerate(lines):
            pdf.set_font(FONT_FAMILY, "B" if bold else "", 12)
            pdf.set_xy(x, top + j * 8)
            pdf.cell(column, 7, text, align="C")
    pdf.set_xy(pdf.l_margin, top + height)
