"""The form as data: the shipped JSON is what the parser makes of the official form's text."""

import hashlib
import json

from assessment import form_builder
from assessment.form import all_items, criteria, levels

# sha256 of the official category-3 form as the project received it; the shipped copy
# must stay byte for byte that text (a change to it is a change of the form, on purpose).
OFFICIAL_FORM_SHA256 = "36c59fcca91b93db39eb6c431b88dc3d51d676306a36e3f51eaabca102aead55"


def test_shipped_json_matches_the_shipped_text():
    text = form_builder.SOURCE.read_text(encoding="utf-8")
    assert form_builder.render(form_builder.parse_form(text)) == form_builder.TARGET.read_text(encoding="utf-8")
    assert form_builder.main(["--check"]) == 0


def test_shipped_text_is_the_official_form():
    assert hashlib.sha256(form_builder.SOURCE.read_bytes()).hexdigest() == OFFICIAL_FORM_SHA256


def test_criteria_levels_items_and_fields():
    assert [c["id"] for c in criteria()] == ["3.1", "3.2", "3.3", "3.4"]
    assert [level["label_th"] for level in levels()] == [
        "ยังไม่ได้ดำเนินการ",
        "อยู่ระหว่างเริ่มดำเนินการ",
        "Basic",
        "Advance",
        "Significance",
    ]
    counts = {
        c["id"]: [sum(i["level"] == lv for i in c["items"]) for lv in ("basic", "advance", "significance")]
        for c in criteria()
    }
    assert counts == {"3.1": [3, 1, 2], "3.2": [2, 1, 1], "3.3": [3, 1, 1], "3.4": [3, 3, 2]}
    items = all_items()
    assert items["3.4-A2"]["text"] == "มีการตอบสนองกลับต่อข้อร้องเรียนทันที"
    assert "[bookmark" not in json.dumps(criteria(), ensure_ascii=False)
    labels = {i: [f["label"] for f in item["fields"]] for i, item in items.items() if item["fields"]}
    assert labels["3.1-B1"] == ["โดยวิธี"]
    assert labels["3.1-A1"] == ["เทคโนโลยีที่ใช้ ได้แก่"]
    assert labels["3.2-A1"] == ["เช่น"]
    assert labels["3.2-S1"] == ["ได้แก่"]
    assert labels["3.4-A3"] == ["โดยใช้ระบบ"]
    options = [o["text"] for o in items["3.2-S1"]["options"]]
    assert options == ["การกำหนดแผนยุทธศาสตร์", "สร้างนวัตกรรมในการบริการ", "อื่น ๆ"]
    assert items["3.2-S1"]["options"][2]["fields"][0]["label"] == "ระบุ"


def test_a_changed_text_is_detected(tmp_path, monkeypatch):
    changed = tmp_path / "form.txt"
    changed.write_text(
        form_builder.SOURCE.read_text(encoding="utf-8").replace("ความผูกพัน\n", "ความผูกพันใหม่\n"), encoding="utf-8"
    )
    monkeypatch.setattr(form_builder, "SOURCE", changed)
    assert form_builder.main(["--check"]) == 1
