"""Build the PMQA 4.0 category-3 form data from the official form's text.

The form comes as text extracted from the ก.พ.ร. Word document
(`forms/pmqa4-category3-form.txt`, byte for byte the form the project received; its sha256
is pinned in the test).
It is parsed once, here, into `forms/pmqa4_cat3.json`, which the app loads. The
JSON is versioned with the code, so a reviewer sees every change to the form as a
diff, and the app never depends on the quirks of a Word extraction at run time.
`tests/test_assessment_form.py` checks that the shipped JSON is exactly what this
parser makes of the shipped text.

Regenerate after the text changes:

    python -m assessment.form_builder            # writes assessment/forms/pmqa4_cat3.json
    python -m assessment.form_builder --check    # exit 1 when the JSON is out of date

How the text is laid out (and so how it is read):
- a line `<TAB>3.n title` opens a criterion;
- inside a criterion, each non-empty line that starts with a TAB opens the next
  level that has checklist items (Basic, Advance, Significance in that order; the
  two lower levels, ยังไม่ได้ดำเนินการ and อยู่ระหว่างเริ่มดำเนินการ, have none);
- a level line ending in "ดังนี้" is a lead-in and every following text line is
  one item; otherwise the level line is itself the only item and following text
  lines continue it;
- a line of dots (……) is a blank to fill in: a free-text field of the item (or
  option) before it, labelled by the prompt line just above it (ได้แก่, เช่น,
  (ระบุ)) or by the short phrase the item ends with (โดยใช้ระบบ, เทคโนโลยีที่ใช้);
  an item ending in "โดยวิธี" has a field even where the blank was lost;
- in a single-item level, text after a field that ends in "เช่น" is followed by
  options (checkboxes) of that item.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

FORMS_DIR = Path(__file__).resolve().parent / "forms"
SOURCE = FORMS_DIR / "pmqa4-category3-form.txt"
TARGET = FORMS_DIR / "pmqa4_cat3.json"
FORM_CODE = "pmqa4-cat3"

LEVELS = [
    # code, Thai label (as on the form), English
    ("not_started", "ยังไม่ได้ดำเนินการ", "Not started"),
    ("starting", "อยู่ระหว่างเริ่มดำเนินการ", "Starting"),
    ("basic", "Basic", "Basic"),
    ("advance", "Advance", "Advance"),
    ("significance", "Significance", "Significance"),
]
ITEM_LEVELS = ("basic", "advance", "significance")
_LEVEL_LETTER = {"basic": "B", "advance": "A", "significance": "S"}

_CRITERION = re.compile(r"^\t(3\.\d)\s+(.+)$")
_BLANK = re.compile(r"^[\s.…]*…[\s.…]*(?:\((?P<hint>[^)]*)\))?\s*$")
_PROMPTS = ("ได้แก่", "เช่น", "(ระบุ)")
_ARTEFACT = re.compile(r"\[bookmark: [^\]]*\]")
_SHORT_PHRASE = 20  # a trailing phrase at most this long can name a field


def _clean(line: str) -> str:
    return re.sub(r"\s+", " ", _ARTEFACT.sub("", line)).strip()


def _field_label(text: str, prompt: str | None) -> str:
    tail = text.rsplit(" ", 1)[-1] if text else ""
    if prompt is None and tail in _PROMPTS:
        prompt = tail
        tail = ""
    short_tail = tail if 0 < len(tail) <= _SHORT_PHRASE and tail not in _PROMPTS else ""
    if prompt:
        prompt = prompt.strip("()")
        return f"{short_tail} {prompt}".strip() if prompt == "ได้แก่" and short_tail else prompt
    return short_tail or "ระบุ"


class _Block:
    """The checklist of one level while its lines are read."""

    def __init__(self, criterion: str, level: str, first: str):
        self.criterion, self.level = criterion, level
        self.items: list[dict] = []
        self.lead = ""
        self.single = not first.endswith("ดังนี้")
        self.prompt: str | None = None
        self.in_options = False
        if self.single:
            self._new_item(first)
        else:
            self.lead = first

    def _new_item(self, text: str) -> None:
        number = len(self.items) + 1
        self.items.append(
            {
                "id": f"{self.criterion}-{_LEVEL_LETTER[self.level]}{number}",
                "level": self.level,
                "text": text,
                "fields": [],
                "options": [],
            }
        )

    def _target(self) -> dict:
        item = self.items[-1]
        return item["options"][-1] if self.in_options and item["options"] else item

    def _add_field(self, target: dict, hint: str | None) -> None:
        label = _field_label(target["text"], self.prompt)
        field = {"key": f"{target['id']}-f{len(target['fields']) + 1}", "label": label}
        if hint:
            field["hint"] = hint
        target["fields"].append(field)
        self.prompt = None

    def read(self, line: str) -> None:
        blank = _BLANK.match(line)
        if blank:
            self._add_field(self._target(), blank.group("hint"))
            return
        if line in _PROMPTS:
            self.prompt = line
            return
        if not self.items or not self.single:
            self._new_item(line)
            return
        item = self.items[-1]
        if self.in_options:
            item["options"].append({"id": f"{item['id']}-o{len(item['options']) + 1}", "text": line, "fields": []})
        elif item["fields"] or self.prompt:
            # Text after a blank: the sentence goes on, and a trailing เช่น opens options.
            item["text"] = f"{item['text']} … {line}"
            if line.endswith("เช่น"):
                self.in_options = True
        else:
            item["text"] = f"{item['text']} {line}"

    def finish(self) -> list[dict]:
        for item in self.items:
            if item["text"].endswith("โดยวิธี") and not item["fields"]:
                item["fields"].append({"key": f"{item['id']}-f1", "label": "โดยวิธี"})
            if not item["options"]:
                del item["options"]
        return self.items


def parse_form(text: str) -> dict:
    """The form as data: criteria, levels, checklist items and their fields."""
    lines = text.splitlines()
    title = next(_clean(line) for line in lines if _clean(line).startswith("หมวด"))
    criteria: list[dict] = []
    block: _Block | None = None
    blocks: list[_Block] = []

    def close() -> None:
        if block is not None:
            criteria[-1]["items"].extend(block.finish())

    for raw in lines:
        match = _CRITERION.match(raw)
        if match:
            close()
            block, blocks = None, []
            criteria.append({"id": match.group(1), "title": _clean(match.group(2)), "items": []})
            continue
        line = _clean(raw)
        if not criteria or not line:
            continue
        if raw.startswith("\t") and not _BLANK.match(line):
            close()
            level = ITEM_LEVELS[len(blocks)]
            block = _Block(criteria[-1]["id"], level, line)
            blocks.append(block)
            criteria[-1].setdefault("leads", {})[level] = block.lead
            continue
        if block is not None:
            block.read(line)
    close()
    return {
        "form": FORM_CODE,
        "title": title,
        "source_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "levels": [{"code": c, "label_th": th, "label_en": en} for c, th, en in LEVELS],
        "criteria": criteria,
    }


def render(form: dict) -> str:
    return json.dumps(form, ensure_ascii=False, indent=2) + "\n"


def main(argv: list[str]) -> int:
    expected = render(parse_form(SOURCE.read_text(encoding="utf-8")))
    if "--check" in argv:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != expected:
            print(f"{TARGET.name} is out of date: run python -m assessment.form_builder", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(expected, encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
