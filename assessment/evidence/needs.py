"""Evidence from operations for criteria 3.1-3.3 (needs, satisfaction, channels): the facts
offered to the people who answer (`prefill`), and the computed metrics of each item
(criterion31, criterion32, criterion33) that a tick needs behind it at Advance and
Significance (assessment.scoring.supported).

Thresholds: the `needs_` keys of complaints.config_thresholds (`NEEDS_THRESHOLDS` here), set
and checked at start like the others with ASSESSMENT_THRESHOLDS (JSON) in the environment.
They are Rongrian's defaults, not OPDC's: the PMQA 4.0 form sets no figures for 3.1-3.3, so
the agency's working group states its own and the report shows them.
"""

from __future__ import annotations

from collections.abc import Callable

from assessment.evidence import criterion31, criterion32, criterion33
from assessment.evidence.common import DEFAULT_THRESHOLDS, Metric, Scope, Units, thresholds
from complaints.domain.periods import Period
from complaints.i18n import CHANNEL_LABELS, KIND_LABELS
from complaints.models import Kind

# The 3.1-3.3 thresholds: part of the one validated registry (complaints.config_thresholds).
NEEDS_THRESHOLDS = {key: default for key, default in DEFAULT_THRESHOLDS.items() if key.startswith("needs_")}

METRICS: list[Callable[[Scope], Metric]] = [*criterion31.METRICS, *criterion32.METRICS, *criterion33.METRICS]


def needs_thresholds() -> dict:
    """The 3.1-3.4 thresholds (3.2 shares `min_satisfied` with 3.4), as configured."""
    return thresholds()


def computed(period: Period, limits: dict | None = None, units: Units = None) -> dict[str, dict]:
    """Every 3.1-3.3 metric by item: {item id: {"metrics": [...], "met": bool | None}}; "met" is
    whether every deciding metric (one with a threshold) is met, None when the item has none.
    In a period with nothing received no metric is met (as for 3.4)."""
    return _computed(Scope(period, limits or needs_thresholds(), units))


def _computed(scope: Scope) -> dict[str, dict]:
    metrics = [metric(scope) for metric in METRICS]
    if not any(group.sums["n"] for group in criterion31.submissions_scan(scope)):
        for metric in metrics:
            if metric.met:
                metric.met = False
                metric.why_not_th, metric.why_not_en = criterion31.NO_SUBMISSIONS
    items: dict[str, dict] = {}
    for metric in metrics:
        entry = items.setdefault(metric.item_id, {"metrics": [], "met": None})
        entry["metrics"].append(metric.as_dict())
        if metric.met is not None:
            entry["met"] = (entry["met"] is not False) and metric.met
    return items


def prefill(period: Period, units: Units = None, limits: dict | None = None) -> dict[str, dict]:
    """Facts from Rongrian's data for items of 3.1-3.3, a suggested text for their fields, and
    each item's computed metrics ({"facts", "fields", "metrics", "metrics_met"}).

    The status of these items stays with the people who answer the form: data helps them
    explain, and at Advance and Significance a tick needs the metrics (or, for an item
    without any, an evidence file) behind it (assessment.scoring.supported).
    """
    scope = Scope(period, limits or needs_thresholds(), units)
    groups = criterion31.submissions_scan(scope)  # every kind, tip-offs left out (all_received)
    by_channel = criterion31.sum_by(groups, lambda g: g.channel)
    channels = sorted(((c, sums["n"]) for c, sums in by_channel.items()), key=lambda r: (-r[1], r[0]))
    by_kind = criterion31.sum_by(groups, lambda g: g.kind)
    kinds = {k.value: by_kind[k.value]["n"] for k in Kind if k.value in by_kind}
    names = criterion31.category_names()
    by_name: dict[str, int] = {}
    for category_id, sums in criterion31.sum_by(groups, lambda g: g.category_id).items():
        if category_id in names:
            by_name[names[category_id][0]] = by_name.get(names[category_id][0], 0) + sums["n"]
    categories = sorted(by_name.items(), key=lambda r: (-r[1], r[0]))[:5]
    by_district = criterion31.sum_by(groups, lambda g: g.district)
    districts = sorted(((d, s["n"]) for d, s in by_district.items() if d is not None), key=lambda r: (-r[1], r[0]))[:5]
    totals = criterion31.sum_by(groups, lambda g: None).get(None, dict.fromkeys(criterion31.SCAN_SUMS, 0))
    auto = totals["model"]
    answers = totals["answers"]
    survey = (answers, totals["score_sum"] / max(answers, 1), totals["confidence_sum"] / max(answers, 1))
    total = sum(n for _, n in channels)
    channel_text = ", ".join(f"{CHANNEL_LABELS.get(c, (c,))[0]} {n:,}" for c, n in channels)
    kind_text = ", ".join(f"{KIND_LABELS.get(k, (k,))[0]} {n:,}" for k, n in kinds.items())
    category_text = ", ".join(f"{name} {n:,}" for name, n in categories)
    district_text = ", ".join(f"{name} {n:,}" for name, n in districts)
    facts: dict[str, dict] = {}
    if total:
        facts["3.1-B1"] = {
            "facts": [
                f"รับเรื่อง {total:,} เรื่อง ผ่านช่องทาง: {channel_text}",
                f"ข้อเสนอแนะจากประชาชน {kinds.get('suggestion', 0):,} เรื่อง",
            ],
            "fields": {"3.1-B1-f1": f"รับเรื่องร้องเรียนและข้อเสนอแนะผ่านระบบร้องเรียน {len(channels)} ช่องทาง ({channel_text})"},
        }
        facts["3.1-B2"] = {"facts": [f"ประเภทเรื่อง: {kind_text}", f"หมวดหมู่ที่พบมาก: {category_text or '—'}"]}
        facts["3.1-A1"] = {
            "facts": [f"จัดหมวดหมู่อัตโนมัติด้วยแบบจำลองภาษาไทย {auto:,} จาก {total:,} เรื่อง"],
            "fields": {"3.1-A1-f1": "ระบบรับเรื่องร้องเรียนออนไลน์ (Rongrian) หลายช่องทาง พร้อมการจัดหมวดหมู่ข้อความภาษาไทยอัตโนมัติ"},
        }
        facts["3.3-B2"] = {"facts": [f"ช่องทางที่ประชาชนใช้: {channel_text}"]}
        facts["3.3-A1"] = {"facts": [f"กลุ่มผู้รับบริการตามประเภทเรื่อง: {kind_text}", f"พื้นที่ที่มีเรื่องมาก: {district_text or '—'}"]}
    if answers:
        facts["3.2-B1"] = {"facts": [f"ผลประเมินความพึงพอใจ {answers:,} ราย คะแนนเฉลี่ย {float(survey[1]):.2f} จาก 5"]}
        facts["3.2-B2"] = {"facts": [f"ความเชื่อมั่นต่อระบบ {answers:,} ราย คะแนนเฉลี่ย {float(survey[2]):.2f} จาก 5"]}
    for item_id, entry in _computed(scope).items():
        item = facts.setdefault(item_id, {"facts": []})
        item["metrics"], item["metrics_met"] = entry["metrics"], entry["met"]
    return facts
