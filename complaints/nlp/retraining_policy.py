"""What a retraining learns from, what it is judged on, and when it is promoted.

One policy, used by the worker's retraining run (complaints.services.classifier.retraining)
and by the rolling-origin evaluation that measures it on the Traffy data
(`flask nlp evaluate --rolling`, `rolling_evaluation` below), so the figure in
BENCHMARKS.md is the product's behaviour, not a sketch of it.

- Training rows: the base data's training part (split (a) of
  complaints.nlp.evaluation) plus the CONFIRMED complaints: those whose category
  a person chose (the citizen at intake, or an officer), never the model's own
  guesses.
- Two held-out sets the candidate and the model in use are both scored on:
  the base data's held-out part (what the model knew), and the RECENT hold-out:
  every RECENT_HOLDOUT_EVERY-th confirmed complaint of the last `recent_days`
  (chosen by a hash of its de-duplicated text, so the same complaint stays held
  out in every run while it is recent, and a repeat of its text too). The recent
  set is what lets the gate see drift: new categories, a new mix, new wording.
- Promotion, on each set that has at least `min_recent` rows (the base set
  always counts): the candidate is WORSE on a set when, of the rows where the two
  models disagree on being right, it loses more than it gains by more than
  `tolerance` of the set's rows AND by more than chance allows (one-sided
  McNemar test at 5 %: net loss > 1.645 * sqrt(lost + gained)); and on the base
  set also when its lenient macro-F1 over the set's own categories
  (evaluation.own_labels_lenient_macro_f1) falls by more than `f1_tolerance`,
  so that rare categories are not traded away. A recent hold-out of a few hundred
  rows cannot estimate a macro-F1 over two dozen categories, so it is judged on
  in_gold alone. Why not "not worse by 0.002 on every figure" (the first policy,
  measured in BENCHMARKS.md): on a drifting stream it rejected every run from the
  eighth on, for base-set losses of 4-21 rows of 14,283 and recent macro-F1
  swings of 0.004-0.02 on ~580 rows, and so stopped the model from following
  the complaints; and the plain lenient_macro_f1 charges a model that learnt a
  new category an F1 of 0 for it on a set from before it existed whenever it
  predicts it once (a run learning October's new categories lost 0.05 of base
  lenient_macro_f1 with in_gold unchanged).
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from complaints.nlp.evaluation import (
    Metrics,
    Predictor,
    Row,
    compute_metrics,
    dedup_key,
    deduplicate,
    own_labels_lenient_macro_f1,
    random_split,
)

# A model trained on rows[indices] (complaints.nlp.model.train, or a stand-in in tests).
Trainer = Callable[[list[Row], list[int]], Predictor]

Z_ONE_SIDED_5_PERCENT = 1.645
RECENT_HOLDOUT_EVERY = 10


def in_recent_holdout(key: str) -> bool:
    """Whether a confirmed complaint with de-duplication key `key` is held out while recent."""
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % RECENT_HOLDOUT_EVERY == 0


@dataclass
class RetrainingSets:
    rows: list[Row]  # the base rows, then the confirmed rows trained on
    train: list[int]  # indices into rows
    base_heldout: list[Row]
    recent_heldout: list[Row]
    confirmed_trained: int = 0  # confirmed rows among `train`


def retraining_sets(base: Sequence[Row], confirmed: Sequence[Row], recent_since: str) -> RetrainingSets:
    """Split base and confirmed rows into what a candidate trains on and is judged on.

    `confirmed` rows carry their complaint's time in `timestamp` (ISO 8601, UTC, the
    same format throughout); those at or after `recent_since` may be held out.
    Confirmed rows whose text repeats a held-out text, or an earlier confirmed
    row's, are not trained on.
    """
    base = list(base)
    train_idx, held_idx, _ = random_split(base)
    base_heldout = [base[i] for i in held_idx]
    keys = [dedup_key(r.text) for r in confirmed]
    recent_keys: set[str] = set()
    recent = []
    for row, key in zip(confirmed, keys, strict=True):
        if key and row.timestamp >= recent_since and in_recent_holdout(key) and key not in recent_keys:
            recent_keys.add(key)
            recent.append(row)
    excluded = {dedup_key(r.text) for r in base_heldout} | recent_keys
    rows, train = list(base), list(train_idx)
    for row, key in zip(confirmed, keys, strict=True):
        if key and key not in excluded:
            excluded.add(key)
            train.append(len(rows))
            rows.append(row)
    return RetrainingSets(rows, train, base_heldout, recent, confirmed_trained=len(rows) - len(base))


@dataclass
class Decision:
    promote: bool
    reason: str  # "ไทย / English"
    compared: list[str] = field(default_factory=list)  # the held-out sets that counted


def _metrics(predictions: list[str], rows: list[Row]) -> Metrics:
    return {
        **compute_metrics(predictions, rows),
        "lenient_macro_f1_own": own_labels_lenient_macro_f1(predictions, rows),
    }


def score(
    candidate: Predictor, active: Predictor | None, sets: RetrainingSets
) -> tuple[dict[str, Metrics], dict[str, Metrics] | None]:
    """Both models' metrics per held-out set ("base", and "recent" when it has rows).

    The candidate's also count, of the rows where the two disagree on being right,
    those it gets right ("gained") and those only the model in use gets right ("lost").
    `active` may be None (nothing to compare with).
    """
    held = {"base": sets.base_heldout}
    if sets.recent_heldout:
        held["recent"] = sets.recent_heldout
    ours: dict[str, Metrics] = {}
    theirs: dict[str, Metrics] | None = {} if active is not None else None
    for name, rows in held.items():
        texts = [r.text for r in rows]
        predicted = candidate.predict(texts)
        ours[name] = _metrics(predicted, rows)
        if active is not None and theirs is not None:
            before = active.predict(texts)
            theirs[name] = _metrics(before, rows)
            right = [(p in r.all_labels, q in r.all_labels) for p, q, r in zip(predicted, before, rows, strict=True)]
            ours[name]["gained"] = sum(c and not a for c, a in right)
            ours[name]["lost"] = sum(a and not c for c, a in right)
    return ours, theirs


def decide(
    candidate: dict[str, Metrics],
    active: dict[str, Metrics] | None,
    tolerance: float,
    f1_tolerance: float,
    min_recent: int,
) -> Decision:
    """Promote or not, from score()'s metrics of both models (the module's rule)."""
    if not active:
        return Decision(True, "ไม่มีโมเดลปัจจุบันให้เปรียบเทียบ / no current model to compare with")
    compared: list[str] = [
        s
        for s in ("base", "recent")
        if s in candidate and s in active and (s == "base" or candidate[s]["n"] >= min_recent)
    ]
    worse, figures = [], []
    for name in compared:
        ours, theirs = candidate[name], active[name]
        net = ours["lost"] - ours["gained"]
        if net > tolerance * ours["n"] and net > Z_ONE_SIDED_5_PERCENT * math.sqrt(ours["lost"] + ours["gained"]):
            worse.append(f"{name} in_gold")
        figure = (
            f"{name}: in_gold {ours['in_gold']:.4f} vs {theirs['in_gold']:.4f} "
            f"(+{ours['gained']} -{ours['lost']} of {ours['n']})"
        )
        if name == "base":
            if ours["lenient_macro_f1_own"] < theirs["lenient_macro_f1_own"] - f1_tolerance:
                worse.append("base lenient_macro_f1_own")
            figure += (
                f", lenient_macro_f1_own {ours['lenient_macro_f1_own']:.4f} vs {theirs['lenient_macro_f1_own']:.4f}"
            )
        figures.append(figure)
    text = "; ".join(figures)
    if "recent" not in compared:
        text += f" (recent hold-out under {min_recent} rows: not compared)"
    rule = f"tolerance {tolerance}, macro-F1 {f1_tolerance}"
    if worse:
        return Decision(
            False,
            f"โมเดลใหม่แย่กว่าโมเดลปัจจุบันใน {', '.join(worse)} / the candidate is worse than the "
            f"current model on {', '.join(worse)} ({rule}): {text}",
            compared,
        )
    return Decision(
        True,
        f"โมเดลใหม่ไม่แย่กว่าโมเดลปัจจุบัน / the candidate is not worse than the current model ({rule}): {text}",
        compared,
    )


# --- measuring the policy: rolling origin -------------------------------------------


def _day(timestamp: str) -> datetime:
    return datetime.fromisoformat(timestamp[:10])


def rolling_evaluation(
    rows: Sequence[Row],
    cutoff: str,
    every_days: int = 7,
    recent_days: int = 28,
    tolerance: float = 0.002,
    f1_tolerance: float = 0.02,
    min_recent: int = 30,
    train: Trainer | None = None,
    log: Callable[[str], None] = lambda msg: None,
) -> dict[str, Any]:
    """Split (b), scored as a deployed Rongrian meets it.

    The de-duplicated rows before `cutoff` are the base data; the model in use at
    the cutoff is trained on their training part, as the shipped model is. The rows
    from `cutoff` on arrive in time order: each is predicted by the model in use at
    its time, and becomes a confirmed complaint (its label standing for the category
    its citizen or an officer chose). Every `every_days` a retraining run follows
    this module's policy exactly: retraining_sets, train, score both models, decide.

    Returns the metrics of those predictions (the `nlp evaluate` keys), the same
    rows scored by the model of the cutoff alone ("frozen"), and each run.
    """
    if train is None:
        from complaints.nlp.model import train as train_model

        train = train_model
    keep, _ = deduplicate(list(rows))
    base = [rows[i] for i in keep if rows[i].timestamp < cutoff]
    arriving = sorted((rows[i] for i in keep if rows[i].timestamp >= cutoff), key=lambda r: r.timestamp)
    if not base or not arriving:
        raise ValueError(f"no rows on one side of {cutoff}")
    train_idx, _, _ = random_split(base)
    log(f"base: {len(base)} rows before {cutoff}, training part {len(train_idx)}; {len(arriving)} arriving")
    active = frozen = train(base, train_idx)
    start = _day(cutoff)
    runs, predictions, done = [], [], 0
    for k in itertools.count():
        run_at = start + timedelta(days=every_days * k)
        if k:  # a retraining run at run_at, on everything confirmed before it
            since = (run_at - timedelta(days=recent_days)).strftime("%Y-%m-%d")
            sets = retraining_sets(base, arriving[:done], since)
            candidate = train(sets.rows, sets.train)
            decision = decide(*score(candidate, active, sets), tolerance, f1_tolerance, min_recent)
            runs.append(
                {
                    "at": run_at.strftime("%Y-%m-%d"),
                    "confirmed_trained": sets.confirmed_trained,
                    "recent_heldout": len(sets.recent_heldout),
                    "promoted": decision.promote,
                    "reason": decision.reason,
                }
            )
            log(f"run {k} at {runs[-1]['at']}: {decision.reason}")
            if decision.promote:
                active = candidate
        until = (run_at + timedelta(days=every_days)).strftime("%Y-%m-%d")
        first = done
        while done < len(arriving) and arriving[done].timestamp < until:
            done += 1
        if done > first:
            predictions.extend(active.predict([r.text for r in arriving[first:done]]))
        if done == len(arriving):
            break
    result: dict[str, Any] = {**compute_metrics(predictions, arriving)}
    result["frozen"] = compute_metrics(frozen.predict([r.text for r in arriving]), arriving)
    result["retraining"] = {
        "every_days": every_days,
        "recent_days": recent_days,
        "tolerance": tolerance,
        "f1_tolerance": f1_tolerance,
        "min_recent": min_recent,
        "runs": runs,
    }
    return result
