"""Thai PDF foundation: real text with a Thai font, a clear error without one."""
import io

import pypdf
import pytest

from complaints.errors import BilingualError
from complaints.services.pdf import font_files, thai_document


def test_thai_text_is_extractable(app):
    with app.app_context():
        try:
            font_files()
        except BilingualError:
            pytest.skip("fonts-thai-tlwg is not installed")
        pdf = thai_document("ทดสอบ")
        pdf.multi_cell(0, 8, "ศูนย์รับเรื่องร้องเรียน ปีงบประมาณ พ.ศ. ๒๕๖๙")
        text = pypdf.PdfReader(io.BytesIO(bytes(pdf.output()))).pages[0].extract_text()
    assert "ศูนย์รับเรื่องร้องเรียน" in text
    assert "๒๕๖๙" in text


def test_missing_font_is_a_bilingual_503(app, tmp_path):
    with app.app_context(), pytest.raises(BilingualError) as err:
        thai_document("x", font_dir=tmp_path)
    assert err.value.status == 503
    assert "fonts-thai-tlwg" in err.value.th and "fonts-thai-tlwg" in err.value.en
