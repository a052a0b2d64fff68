"""Precision and recall of the similar-complaint rule on labelled pairs.

The pairs (data/duplicates/duplicate_pairs.csv, drawn and labelled as
bench/duplicate_pairs.py describes) are real Traffy Fondue reports, masked: two
texts, their categories and Bangkok districts, and a person's label, 1 when both
report the same problem at the same spot. Each report is turned into what
`similarity.pair_score` reads (the text signature, the district's DOPA code as
the area, the category) and a pair is predicted "similar" when the score reaches
the threshold that `similar_open` uses.

Used by tests/test_duplicate_pairs.py and `bench/duplicate_pairs.py --evaluate`; not part of
the installed package (it reads the pairs from the repository's data/ folder).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from complaints.domain.locations import UnknownPlace, resolve_place
from complaints.nlp import similarity

PAIRS_FILE = Path(__file__).resolve().parent.parent / "data" / "duplicates" / "duplicate_pairs.csv"


@dataclass(frozen=True)
class LabelledPair:
    pair_id: int
    stratum: str
    a: similarity.Signals
    b: similarity.Signals
    duplicate: bool


def _district_code(district: str) -> str | None:
    try:
        return resolve_place("กรุงเทพมหานคร", district, None).code if district else None
    except UnknownPlace:  # a report from outside Bangkok
        return None


def _signals(text: str, category: str, district: str) -> similarity.Signals:
    return similarity.Signals(None, similarity.text_signature(text), None, None, _district_code(district), category)


def read_pairs(path: str | Path = PAIRS_FILE) -> list[LabelledPair]:
    with open(path, newline="", encoding="utf-8") as handle:
        return [
            LabelledPair(
                int(row["pair_id"]),
                row["stratum"],
                _signals(row["text_a"], row["category_a"], row["district_a"]),
                _signals(row["text_b"], row["category_b"], row["district_b"]),
                row["duplicate"] == "1",
            )
            for row in csv.DictReader(handle)
        ]


def evaluate_pairs(pairs: list[LabelledPair], minimum: float = similarity.SIMILAR_MINIMUM) -> dict[str, float]:
    """Counts, precision, recall and F1 of `pair_score >= minimum` against the labels."""
    tp = fp = fn = tn = 0
    for pair in pairs:
        predicted = similarity.pair_score(pair.a, pair.b) >= minimum
        tp += predicted and pair.duplicate
        fp += predicted and not pair.duplicate
        fn += not predicted and pair.duplicate
        tn += not predicted and not pair.duplicate
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "n": len(pairs),
        "duplicates": tp + fn,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "f1": round(f1, 3),
    }
