"""PDF documents with Thai text: fpdf2 with HarfBuzz shaping and an embedded Thai font.

Every PDF Rongrian makes (the dashboard, the self-assessment report) starts from
`thai_document()`, so the font lookup and the shaping switch live in one place.
The text stays real text: a PDF reader can search and copy it.
"""
from __future__ import annotations

from pathlib import Path

from flask import current_app
from fpdf import FPDF

from complaints.errors import BilingualError

FONT_FAMILY = "Laksaman"
_FONT_FILES = {"": "Laksaman.ttf", "B": "Laksaman-Bold.ttf"}


def font_files(folder: str | Path | None = None) -> dict[str, Path]:
    """The Thai font files by fpdf2 style, or a bilingual 503 when they are missing."""
    folder = Path(folder or current_app.config["THAI_FONT_DIR"])
    files = {style: folder / name for style, name in _FONT_FILES.items()}
    missing = [p.name for p in files.values() if not p.is_file()]
    if missing:
        raise BilingualError(
            503, "thai_font_missing",
            "ไม่พบฟอนต์ภาษาไทยสำหรับสร้าง PDF กรุณาติดตั้งแพ็กเกจ fonts-thai-tlwg หรือตั้งค่า THAI_FONT_DIR",
            "No Thai font for PDF output: install Debian's fonts-thai-tlwg or set THAI_FONT_DIR.",
        )
    return files


def thai_document(title: str, *, orientation: str = "portrait", font_dir: str | Path | None = None) -> FPDF:
    """A new A4 document with the Thai font registered, shaping on and one page open."""
    pdf = FPDF(orientation=orientation, unit="mm", format="A4")
    for style, path in font_files(font_dir).items():
        pdf.add_font(FONT_FAMILY, style, str(path))
    pdf.set_text_shaping(True)
    pdf.set_title(title)
    pdf.set_creator("Rongrian")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font(FONT_FAMILY, size=14)
    return pdf


def extractable(text: str) -> str:
    """Text whose PDF copy reads back cleanly: SARA AM written as NIKHAHIT + SARA AA.

    HarfBuzz shapes ำ (U+0E33) into two glyphs anyway, and fpdf2 then maps the
    second glyph to a control character, so a reader extracts "ดำ\\x03เนิน".
    Written decomposed (its Unicode compatibility form, the same glyphs) it
    extracts as "ดําเนิน", equal to the original under NFKC/NFKD.
    """
    return text.replace("\u0e33", "\u0e4d\u0e32")
