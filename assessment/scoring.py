"""Scoring of the self-assessment, as the PMQA 4.0 self-assessment tools do it.

Per criterion (500 points): the Basic items share 300 points in proportion to
how many are met; Advance adds 100 only when every Basic item and every Advance
item is met; Significance adds 100 only when Basic and Advance are met and every
Significance item is too. The category score is the mean of the criteria. The
level follows from the items: the highest level whose items, and those of every
level below it, are all met; "starting" when some item is met or under way but
Basic is not complete; "not started" otherwise. Pure functions: no app, no database.

A tick is never enough alone for Advance or Significance (`supported`): an item of
3.1-3.3 that the person marks met counts as met at those levels only when its computed
metrics are met, or, for an item without a deciding metric, when at least one evidence
file or link is attached. A Basic item may rest on the declaration. Every item marked
met with neither behind it is listed as resting on a declaration only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

BASIC_POINTS = 300.0
ADVANCE_POINTS = 100.0
SIGNIFICANCE_POINTS = 100.0
CRITERION_MAX = BASIC_POINTS + ADVANCE_POINTS + SIGNIFICANCE_POINTS

MET = "met"
IN_PROGRESS = "in_progress"
NOT_MET = "not_met"
ITEM_STATUSES = (NOT_MET, IN_PROGRESS, MET)


@dataclass(frozen=True)
class CriterionScore:
    criterion: str
    level: str
    basic: float
    advance: float
    significance: float

    @property
    def total(self) -> float:
        return self.basic + self.advance + self.significance


SUPPORT_METRICS = "metrics"
SUPPORT_EVIDENCE = "evidence"
SUPPORT_DECLARATION = "declaration"
GATED_LEVELS = ("advance", "significance")


@dataclass(frozen=True)
class Support:
    """What a declared status counts as, and what it rests on."""

    status: str  # the status the score counts
    basis: str  # metrics, evidence, declaration; "" when not declared met
    declared_only: bool  # marked met with neither met metrics nor evidence behind it
    why_th: str = ""  # why a declared "met" does not count
    why_en: str = ""


def supported(level: str, declared: str, metrics_met: bool | None, evidence: int) -> Support:
    """What a declared status counts as. `metrics_met`: the item's deciding computed metrics
    are all met (True), some are not (False), it has none (None); `evidence`: files and links
    attached. An Advance or Significance item marked met without what it needs counts as
    under way (it was declared, it is not shown)."""
    if declared != MET:
        return Support(declared, "", False)
    if metrics_met:
        return Support(MET, SUPPORT_METRICS, False)
    if metrics_met is None and evidence:
        return Support(MET, SUPPORT_EVIDENCE, False)
    basis = SUPPORT_EVIDENCE if evidence else SUPPORT_DECLARATION
    declared_only = not evidence
    if level not in GATED_LEVELS:
        return Support(MET, basis, declared_only)
    if metrics_met is False:
        return Support(
            IN_PROGRESS,
            basis,
            declared_only,
            "ตัวชี้วัดที่คำนวณจากข้อมูลของข้อนี้ยังไม่ผ่านเกณฑ์ จึงยังไม่นับว่าผ่าน",
            "Its computed metrics are not met, so the tick does not count.",
        )
    return Support(
        IN_PROGRESS,
        basis,
        declared_only,
        "ยังไม่มีไฟล์หรือลิงก์หลักฐานแนบ จึงยังไม่นับว่าผ่าน",
        "No evidence file or link is attached, so the tick does not count.",
    )


def _all_met(statuses: list[str]) -> bool:
    return bool(statuses) and all(s == MET for s in statuses)


def score_criterion(criterion: str, items: Iterable[tuple[str, str]]) -> CriterionScore:
    """Score one criterion from (level, status) pairs of its checklist items.

    An item without an answer counts as not met; an unknown status is an error.
    """
    by_level: dict[str, list[str]] = {"basic": [], "advance": [], "significance": []}
    for level, status in items:
        if level not in by_level:
            raise ValueError(f"unknown level {level!r}")
        if status not in ITEM_STATUSES:
            raise ValueError(f"unknown item status {status!r}")
        by_level[level].append(status)
    basic = by_level["basic"]
    if not basic:
        raise ValueError(f"criterion {criterion} has no Basic items")
    basic_points = BASIC_POINTS * sum(s == MET for s in basic) / len(basic)
    basic_done = _all_met(basic)
    advance_done = basic_done and _all_met(by_level["advance"])
    significance_done = advance_done and _all_met(by_level["significance"])
    return CriterionScore(
        criterion=criterion,
        level=_level(
            basic_done,
            advance_done,
            significance_done,
            any(s != NOT_MET for statuses in by_level.values() for s in statuses),
        ),
        basic=round(basic_points, 2),
        advance=ADVANCE_POINTS if advance_done else 0.0,
        significance=SIGNIFICANCE_POINTS if significance_done else 0.0,
    )


def _level(basic: bool, advance: bool, significance: bool, anything_done: bool) -> str:
    if significance:
        return "significance"
    if advance:
        return "advance"
    if basic:
        return "basic"
    return "starting" if anything_done else "not_started"


def score_form(criteria: list[dict], statuses: Mapping[str, str], declared_only: Iterable[str] = ()) -> dict:
    """Every criterion's score and the category score, from item statuses by item id; each
    criterion lists its items in `declared_only` (those resting on a declaration only)."""
    resting = set(declared_only)
    scores = [
        score_criterion(c["id"], [(i["level"], statuses.get(i["id"], NOT_MET)) for i in c["items"]]) for c in criteria
    ]
    return {
        "criteria": {
            s.criterion: {
                "level": s.level,
                "basic": s.basic,
                "advance": s.advance,
                "significance": s.significance,
                "total": round(s.total, 2),
                "declared_only": [i["id"] for i in c["items"] if i["id"] in resting],
            }
            for c, s in zip(criteria, scores, strict=True)
        },
        "category_score": round(sum(s.total for s in scores) / len(scores), 2) if scores else 0.0,
        "max": CRITERION_MAX,
    }
