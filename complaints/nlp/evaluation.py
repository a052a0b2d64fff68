"""Reading labelled CSVs, de-duplication, the fixed splits and the metrics.

Metrics (the `nlp evaluate --json` contract):
  n                 rows evaluated
  accuracy          top-1 prediction == `label`
  macro_f1          macro-F1 of the top-1 prediction against `label`
  in_gold           share of top-1 predictions found among the row's `all_labels`
  lenient_macro_f1  macro-F1 where a row's gold label is the prediction when the
                    prediction is in `all_labels`, else `label`
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from complaints.nlp.text import normalize_text

SPLIT_SEED = 42
TEST_FRACTION = 0.2
TEMPORAL_CUTOFF = "2022-10-01"  # train May-Sep 2022, test Oct-Dec 2022
METRIC_KEYS = ("n", "accuracy", "macro_f1", "in_gold", "lenient_macro_f1")


@dataclass(frozen=True)
class Row:
    text: str
    label: str
    all_labels: tuple[str, ...]
    timestamp: str = ""


# Metrics by name ("n", "accuracy", "macro_f1", ...); counts are ints among the fractions.
Metrics = dict[str, float]


class Predictor(Protocol):
    """What the evaluation needs of a model: the most likely label of each text."""

    def predict(self, texts: list[str]) -> list[str]: ...


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_rows(path: str | Path) -> list[Row]:
    """Rows of a CSV (optionally .gz) with columns text,label[,all_labels,timestamp]."""
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline=""))
    missing = {"text", "label"} - set(reader.fieldnames or ())
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    rows = []
    for rec in reader:
        label = (rec.get("label") or "").strip()
        if not label:
            continue
        extra = [x.strip() for x in (rec.get("all_labels") or "").split("|") if x.strip()]
        all_labels = tuple(dict.fromkeys([label, *extra]))
        rows.append(Row(rec.get("text") or "", label, all_labels, rec.get("timestamp") or ""))
    return rows


_NON_LETTERS = re.compile(r"[^a-zก-ฮะ-ฺเ-ๅ็-๎]+")


def dedup_key(text: str) -> str:
    """Texts with the same key are near-exact duplicates: equal after
    normalisation once digits, punctuation, emoji and spaces are dropped."""
    return _NON_LETTERS.sub("", normalize_text(text))


def deduplicate(rows: list[Row]) -> tuple[list[int], int]:
    """Indices of the first row of each near-exact duplicate group, and how many were dropped."""
    seen: set[str] = set()
    keep = []
    for i, row in enumerate(rows):
        key = dedup_key(row.text)
        if key in seen:
            continue
        seen.add(key)
        keep.append(i)
    return keep, len(rows) - len(keep)


def random_split(
    rows: list[Row], seed: int = SPLIT_SEED, test_fraction: float = TEST_FRACTION
) -> tuple[list[int], list[int], int]:
    """Split (a): de-duplicated, shuffled with a fixed seed. Returns (train, test, removed)."""
    keep, removed = deduplicate(rows)
    rng = random.Random(seed)
    rng.shuffle(keep)
    n_test = int(len(keep) * test_fraction)
    return sorted(keep[n_test:]), sorted(keep[:n_test]), removed


def temporal_split(rows: list[Row], cutoff: str = TEMPORAL_CUTOFF) -> tuple[list[int], list[int], int]:
    """Split (b): de-duplicated, train before `cutoff`, test from it on."""
    keep, removed = deduplicate(rows)
    train = [i for i in keep if rows[i].timestamp < cutoff]
    test = [i for i in keep if rows[i].timestamp >= cutoff]
    return train, test, removed


def lenient_gold(predictions: list[str], rows: list[Row]) -> list[str]:
    """Each row's gold label for the lenient metrics: the prediction when it is among all_labels."""
    return [p if p in r.all_labels else r.label for p, r in zip(predictions, rows, strict=True)]


def own_labels_lenient_macro_f1(predictions: list[str], rows: list[Row]) -> float:
    """lenient_macro_f1 averaged over the categories these rows have, not every category
    predicted: a category the rows never have, predicted wrongly, costs the recall of the
    right one but does not add an F1 of 0 of its own (what a held-out set from before a
    new category appeared would otherwise charge a model that learnt it)."""
    from sklearn.metrics import f1_score

    if not rows:
        return 0.0
    gold = lenient_gold(predictions, rows)
    return round(float(f1_score(gold, predictions, labels=sorted(set(gold)), average="macro", zero_division=0)), 4)


def compute_metrics(predictions: list[str], rows: list[Row]) -> Metrics:
    from sklearn.metrics import f1_score

    n = len(rows)
    if n == 0:
        return {"n": 0, "accuracy": 0.0, "macro_f1": 0.0, "in_gold": 0.0, "lenient_macro_f1": 0.0}
    gold = [r.label for r in rows]
    lenient = lenient_gold(predictions, rows)
    return {
        "n": n,
        "accuracy": round(sum(p == g for p, g in zip(predictions, gold, strict=True)) / n, 4),
        "macro_f1": round(float(f1_score(gold, predictions, average="macro", zero_division=0)), 4),
        "in_gold": round(sum(p in r.all_labels for p, r in zip(predictions, rows, strict=True)) / n, 4),
        "lenient_macro_f1": round(float(f1_score(lenient, predictions, average="macro", zero_division=0)), 4),
    }


def evaluate(model: Predictor, rows: list[Row]) -> Metrics:
    predictions = model.predict([r.text for r in rows])
    return compute_metrics(predictions, rows)
