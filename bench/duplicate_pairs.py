"""Draw candidate duplicate pairs from the Traffy Fondue data for the labelled set.

    .venv/bin/python bench/duplicate_pairs.py --out /tmp/candidates.csv [--seed 2569]

How candidates are drawn (deterministic for a seed). The Traffy rows carry a
district and a timestamp but no coordinates, so "near in place and time" is the
same Bangkok district and at most 14 days apart. Texts are compared with a
character 2-4-gram TF-IDF cosine (scikit-learn), deliberately NOT the word
signature that similarity.py scores with, so that the pairs are not chosen by the
rule under test. Strata:

  near_same   same district, <= 14 days, cosine >= 0.8 (resubmissions, copies)
  high        same district, <= 14 days, cosine 0.5-0.8
  mid         same district, <= 14 days, cosine 0.3-0.5
  low         same district, <= 14 days, cosine 0.15-0.3
  other_place other district, <= 14 days, same category, cosine >= 0.5

Texts are masked (complaints.nlp.pii_masking.mask_text, plus vehicle
registration plates after the word ทะเบียน) and cut to 400 characters before they
are written; the labelled set is about what is stored. Reading the set found
two names the masker had missed (a first name before a phone number with no
"โทร" cue, a surname after a masked first name); they were masked by hand.

    .venv/bin/python bench/duplicate_pairs.py --evaluate   # precision/recall on the committed set

How the committed labels were decided (data/duplicates/duplicate_pairs.csv): the
column `rule_label` is this script's rule: duplicate when both reports are in the
same district within 14 days, have the same category and share a named place (a
soi/road/village/market/temple/school/community/junction/bridge/canal name, i.e.
the word after ซอย/ซ./ถนน/ถ./หมู่บ้าน/ตลาด/วัด/โรงเรียน/ชุมชน/แยก/สะพาน/คลอง, or an
identical text). Every pair was then read (both Thai texts) and the final label
`duplicate` set by hand: 1 when both describe the same problem at the same spot
(one fault or nuisance that one fix would close), 0 otherwise (another problem,
another spot, or too vague to tell which spot -- vague pairs count as not
duplicate unless the texts are the same resubmission). `reviewed_changed` marks
the pairs where reading overruled the rule.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import random
import re
import sys
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the checkout: complaints, and tests.labelled_pairs (the evaluation the tests use)
from complaints.config import base_data_path  # noqa: E402

DATA = base_data_path()
WINDOW_DAYS = 14
MAX_CHARS = 400
STRATA = {  # name: (same district, low cosine, high cosine, how many)
    "near_same": (True, 0.8, 1.01, 50),
    "high": (True, 0.5, 0.8, 70),
    "mid": (True, 0.3, 0.5, 70),
    "low": (True, 0.15, 0.3, 50),
    "other_place": (False, 0.5, 1.01, 40),
}
FIELDS = (
    "pair_id",
    "stratum",
    "category_a",
    "category_b",
    "district_a",
    "district_b",
    "days_apart",
    "cosine",
    "text_a",
    "text_b",
    "rule_label",
    "duplicate",
    "reviewed_changed",
)
_PLATE = re.compile(r"(ทะเบียน(?:รถ)?\s*)[ก-ฮ0-9]{1,3}\s*[ก-ฮ]{0,2}\s*\d{1,4}")
_PLACE = re.compile(r"(?:ซอย|ซ\.|ถนน|ถ\.|หมู่บ้าน|ตลาด|วัด|โรงเรียน|ชุมชน|แยก|สะพาน|คลอง)\s*([^\s,.()]{2,})")


def mask(text: str) -> str:
    from complaints.nlp.pii_masking import mask_text

    return _PLATE.sub(r"\1[ทะเบียนรถ]", mask_text(" ".join(text.split())))[:MAX_CHARS]


def read_traffy(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["district"] and r["text"].strip()]
    for row in rows:
        row["when"] = datetime.fromisoformat(row["timestamp"])
    return rows


def named_places(text: str) -> set[str]:
    return {m.group(1)[:12] for m in _PLACE.finditer(text)}


def rule_label(a: dict, b: dict) -> int:
    same = a["district"] == b["district"] and a["label"] == b["label"]
    if not same or abs((a["when"] - b["when"]).days) > WINDOW_DAYS:
        return 0
    return int(a["text"].strip() == b["text"].strip() or bool(named_places(a["text"]) & named_places(b["text"])))


def candidate_pairs(rows: list[dict], seed: int) -> list[tuple[str, int, int, float]]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    from complaints.nlp.text import normalize_text

    texts = [normalize_text(r["text"])[:MAX_CHARS] for r in rows]
    matrix = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), min_df=2, sublinear_tf=True).fit_transform(texts)
    rng = random.Random(seed)
    found: dict[str, list[tuple[int, int, float]]] = {name: [] for name in STRATA}
    by_district: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        by_district.setdefault(row["district"], []).append(i)
    # Anchors: a random sample of reports; each is compared with every report of
    # the window (its district, or every district for other_place).
    anchors = rng.sample(range(len(rows)), 4000)
    all_ids = list(range(len(rows)))
    for anchor in anchors:
        for same_district in (True, False):
            pool = by_district[rows[anchor]["district"]] if same_district else rng.sample(all_ids, 3000)
            pool = [
                j
                for j in pool
                if j != anchor
                and abs((rows[j]["when"] - rows[anchor]["when"]).days) <= WINDOW_DAYS
                and (rows[j]["district"] == rows[anchor]["district"]) == same_district
                and (same_district or rows[j]["label"] == rows[anchor]["label"])
            ]
            if not pool:
                continue
            cosines = (matrix[pool] @ matrix[anchor].T).toarray().ravel()
            for j, cosine in zip(pool, cosines, strict=True):
                for name, (same, low, high, _) in STRATA.items():
                    if same == same_district and low <= cosine < high:
                        found[name].append((min(anchor, j), max(anchor, j), float(cosine)))
    chosen, seen = [], set()
    for name, (_, _, _, count) in STRATA.items():
        pairs = sorted(set(found[name]))
        rng.shuffle(pairs)
        taken = 0
        for a, b, cosine in pairs:
            if taken == count:
                break
            # One pair per report: a set of distinct reports reads more like the real stream.
            if a in seen or b in seen:
                continue
            seen.update((a, b))
            chosen.append((name, a, b, cosine))
            taken += 1
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--out", type=Path, help="write freshly drawn candidates here")
    parser.add_argument("--seed", type=int, default=2569)
    parser.add_argument("--evaluate", action="store_true", help="score the committed labelled set")
    args = parser.parse_args()
    if args.evaluate:
        evaluate()
        return
    if args.out is None:
        parser.error("--out or --evaluate")
    rows = read_traffy(args.data)
    pairs = candidate_pairs(rows, args.seed)
    with open(args.out, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        for n, (stratum, i, j, cosine) in enumerate(pairs, 1):
            a, b = rows[i], rows[j]
            label = rule_label(a, b)
            writer.writerow(
                {
                    "pair_id": n,
                    "stratum": stratum,
                    "category_a": a["label"],
                    "category_b": b["label"],
                    "district_a": a["district"],
                    "district_b": b["district"],
                    "days_apart": round(abs((a["when"] - b["when"]).total_seconds()) / 86400, 2),
                    "cosine": round(cosine, 3),
                    "text_a": mask(a["text"]),
                    "text_b": mask(b["text"]),
                    "rule_label": label,
                    "duplicate": label,
                    "reviewed_changed": 0,
                }
            )
    print(f"{len(pairs)} pairs written to {args.out}")


def evaluate() -> None:
    """Precision and recall of similarity.pair_score on the committed pairs, overall and by stratum."""
    from complaints.nlp.similarity import SIMILAR_MINIMUM
    from tests.labelled_pairs import evaluate_pairs, read_pairs

    pairs = read_pairs()
    print(f"threshold {SIMILAR_MINIMUM}: {evaluate_pairs(pairs)}")
    for stratum in STRATA:
        print(f"  {stratum:<12} {evaluate_pairs([p for p in pairs if p.stratum == stratum])}")
    for minimum in (0.2, 0.25, 0.35, 0.4, 0.5):
        print(f"threshold {minimum}: {evaluate_pairs(pairs, minimum)}")


if __name__ == "__main__":
    main()
