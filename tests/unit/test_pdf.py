"""Thai PDF foundation: shaped Thai text that a reader extracts back."""

import io

import pypdf

from complaints.services.analytics.pdf import FONT_FAMILY, extracted, thai_document


def test_thai_text_is_extractable_in_regular_and_bold():
    pdf = thai_document("ทดสอบ")
    pdf.multi_cell(0, 8, "ศูนย์รับเรื่องร้องเรียน ปีงบประมาณ พ.ศ. ๒๕๖๙ น้ำท่วมขัง", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, "B", size=14)
    pdf.multi_cell(0, 8, "หัวข้อตัวหนา", new_x="LMARGIN", new_y="NEXT")
    reader = pypdf.PdfReader(io.BytesIO(bytes(pdf.output())))
    text = extracted(reader.pages[0].extract_text())
    assert extracted("ศูนย์รับเรื่องร้องเรียน ปีงบประมาณ พ.ศ. ๒๕๖๙ น้ำท่วมขัง") in text
    assert not any(ord(ch) < 32 and ch not in "\n " for ch in text)  # no stray control characters
    assert "หัวข้อตัวหนา" in text
    assert reader.metadata.title == "ทดสอบ"
