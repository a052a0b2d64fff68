"""PDF documents with Thai text: fpdf2 with HarfBuzz shaping and an embedded Thai font.

Every PDF Rongrian makes (the dashboard, the self-assessment report) starts from
`thai_document()`, so the font and the shaping switch live in one place. The font
is Noto Sans Thai from the `fontpkg-noto-sans-thai` package (a variable font,
instanced at regular and bold weights), so no system package is needed. The text
stays real text: a PDF reader can search and copy it.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import unicodedata
from functools import cache
from pathlib import Path

import fontpkg_noto_sans_thai
from fontTools.ttLib import TTFont
from fontTools.varLib.instancer import instantiateVariableFont
from fpdf import FPDF

FONT_FAMILY = "NotoSansThai"
_WEIGHTS = {"": 400, "B": 700}
# SARA AM (U+0E33) is drawn as NIKHAHIT + SARA AA; written as one character, its
# two glyphs get a broken ToUnicode entry and readers extract control characters.
# Written decomposed, it looks the same and extracts as U+0E4D U+0E32, which is
# U+0E33 under NFKC.
_SARA_AM = str.maketrans({"\u0e33": "\u0e4d\u0e32"})


class ThaiPDF(FPDF):
    """FPDF whose text output keeps Thai extractable."""

    def normalize_text(self, text: str) -> str:
        return super().normalize_text(text.translate(_SARA_AM))


def font_file() -> Path:
    """The Noto Sans Thai variable font shipped by fontpkg-noto-sans-thai."""
    return next((fontpkg_noto_sans_thai.ROOT / "files").glob("NotoSansThai*.ttf"))


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
    """Text as a PDF reader gives it back, for comparisons (NFKC, as SARA AM above)."""
    return unicodedata.normalize("NFKC", text)


def thai_document(title: str, *, orientation: str = "portrait") -> FPDF:
    """A new A4 document with the Thai font registered (regular and bold), shaping on
    and one page open."""
    pdf = ThaiPDF(orientation=orientation, unit="mm", format="A4")
    for style, weight in _WEIGHTS.items():
        pdf.add_font(FONT_FAMILY, style, _instance(weight))
    pdf.set_text_shaping(True)
    pdf.set_title(title)
    pdf.set_creator("Rongrian")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font(FONT_FAMILY, size=12)
    return pdf
