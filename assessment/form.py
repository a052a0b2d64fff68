"""The PMQA 4.0 category-3 form, loaded from the data file shipped with the package."""

from __future__ import annotations

import json
from functools import lru_cache

from assessment.form_builder import TARGET


@lru_cache(maxsize=1)
def load_form() -> dict:
    """The form as data (see assessment/form_builder.py for how it was made)."""
    return json.loads(TARGET.read_text(encoding="utf-8"))


def criteria() -> list[dict]:
    return load_form()["criteria"]


def all_items() -> dict[str, dict]:
    """Every checklist item by id, with its criterion id."""
    return {item["id"]: {**item, "criterion": c["id"]} for c in criteria() for item in c["items"]}


def field_keys(item: dict) -> list[str]:
    """The free-text fields of an item and of its options."""
    keys = [f["key"] for f in item["fields"]]
    for option in item.get("options", []):
        keys += [f["key"] for f in option["fields"]]
    return keys


def levels() -> list[dict]:
    return load_form()["levels"]


def level_label(code: str) -> str:
    return next(level["label_th"] for level in levels() if level["code"] == code)


__all__ = ["all_items", "criteria", "field_keys", "level_label", "levels", "load_form"]
