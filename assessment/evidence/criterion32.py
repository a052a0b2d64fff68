"""Criterion 3.2 (satisfaction and engagement): each metric a function of the Scope.

Over every kind of submission of the period (`common.all_received`, tip-offs left out).
Engagement is what people do again: answer the survey, come back with another matter,
send suggestions the agency acts on. Rongrian records no "adopted" outcome for a
suggestion: a suggestion counts as acted on when a corrective action (not cancelled) on
its category or its recurring cluster was opened on or after the day it arrived.
Returning complainants are recognised by the keyed hashes of their contacts (never the
contacts): a person is returning when they sent two or more submissions up to the
period's end, one of them in the period.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from sqlalchemy import and_, case, exists, func, or_, select

from assessment.evidence.common import (
    Metric,
    Scope,
    all_received,
    figures,
    pct,
    ratio,
    share_metric,
    table,
)
from assessment.evidence.criterion31 import (
    LOW_SCORE,
    Group,
    category_names,
    received_before,
    submissions_scan,
    sum_by,
)
from complaints.extensions import db
from complaints.i18n import CHANNEL_LABELS
from complaints.models import (
    ActionStatus,
    Channel,
    Complainant,
    Complaint,
    CorrectiveAction,
    Kind,
    Status,
    SurveyResponse,
    Unit,
)

NO_ANSWERS = ("ไม่มีผลการประเมินความพึงพอใจในรอบนี้", "No survey answers in this period")


# --- 3.2 Basic --------------------------------------------------------------------------------


def satisfied(scope: Scope) -> Metric:
    totals = sum_by(submissions_scan(scope), lambda g: None).get(None, {})
    answers, happy = totals.get("answers", 0), totals.get("satisfied", 0)
    mean = totals["score_sum"] / answers if answers else None
    return share_metric(
        "needs_satisfied",
        "3.2-B1",
        ("ผู้รับบริการพึงพอใจ (ให้คะแนน 4–5 จาก 5)", "Service users satisfied (score 4-5 of 5)"),
        happy,
        answers,
        scope.limits["min_satisfied"],
        empty=NO_ANSWERS,
        filters=figures(scope.period, satisfied="yes"),
        details={"mean": None if mean is None else round(mean, 3)},
    )


def response_rate(scope: Scope) -> Metric:
    """Survey answers of the submissions the complainant may rate (resolved, closed, rejected with reasons)."""
    totals = sum_by(submissions_scan(scope), lambda g: None).get(None, {})
    return share_metric(
        "survey_response_rate_all",
        "3.2-B2",
        ("อัตราการตอบแบบประเมิน (ความผูกพัน)", "Survey response rate (engagement)"),
        totals.get("rated", 0),
        totals.get("rateable", 0),
        scope.limits["needs_min_response_rate"],
        empty=("ไม่มีเรื่องที่ให้ประเมินได้ในรอบนี้", "Nothing in this period could be rated"),
        filters=figures(scope.period, survey="responded"),
    )


def returning_complainants(scope: Scope) -> Metric:
    person = func.coalesce(Complainant.line_key, Complainant.phone_key, Complainant.email_key)
    period, units = scope.period, scope.units
    in_period = (
        select(person)
        .select_from(Complaint)
        .join(Complainant, Complainant.id == Complaint.complainant_id)
        .where(*all_received(period, units), person.is_not(None))
        .distinct()
    )
    people = db.session.scalar(select(func.count()).select_from(in_period.subquery())) or 0
    until_end = received_before(period.end, units)
    returning_people = (
        select(person)
        .select_from(Complaint)
        .join(Complainant, Complainant.id == Complaint.complainant_id)
        .where(*until_end, person.in_(in_period))
        .group_by(person)
        .having(func.count(Complaint.id) >= 2)
    )
    returning = db.session.scalar(select(func.count()).select_from(returning_people.subquery())) or 0
    return share_metric(
        "returning_complainants",
        "3.2-B2",
        ("ผู้รับบริการที่กลับมาใช้บริการอีก", "Returning service users"),
        returning,
        people,
        None,
        empty=("ไม่มีผู้รับบริการที่ให้ช่องทางติดต่อในรอบนี้", "No service user left a contact in this period"),
        filters=None,
    )


def suggestions_acted_on(scope: Scope) -> Metric:
    acted = exists().where(
        CorrectiveAction.status != ActionStatus.CANCELLED,
        CorrectiveAction.created_at >= Complaint.received_at,
        or_(
            and_(Complaint.cluster_id.is_not(None), CorrectiveAction.cluster_id == Complaint.cluster_id),
            and_(Complaint.category_id.is_not(None), CorrectiveAction.category_id == Complaint.category_id),
        ),
    )
    whole, part, answered = db.session.execute(
        select(
            func.count(Complaint.id),
            func.sum(case((acted, 1), else_=0)),
            func.sum(case((Complaint.status.in_(Status.ANSWERED), 1), else_=0)),
        ).where(*all_received(scope.period, scope.units), Complaint.kind == Kind.SUGGESTION)
    ).one()
    return share_metric(
        "suggestions_acted_on",
        "3.2-B2",
        (
            "ข้อเสนอแนะที่นำไปสู่มาตรการแก้ไข (ระบบไม่มีสถานะ 'นำไปใช้')",
            "Suggestions followed by a corrective action (Rongrian has no 'adopted' outcome)",
        ),
        int(part or 0),
        int(whole or 0),
        None,
        empty=("ไม่มีข้อเสนอแนะในรอบนี้", "No suggestions in this period"),
        filters=figures(scope.period, kind=Kind.SUGGESTION),
        details={"answered": int(answered or 0)},
    )


# --- 3.2 Advance ------------------------------------------------------------------------------

SURVEY_COLUMNS = [
    ("answers", "ผู้ตอบ", "Answers"),
    ("satisfied", "พึงพอใจ (4–5)", "Satisfied (4-5)"),
    ("mean", "คะแนนเฉลี่ย", "Mean score"),
    ("low", "คะแนนต่ำ (1–2)", "Low (1-2)"),
    ("response_rate", "อัตราการตอบแบบประเมิน", "Survey response rate"),
]


def _breakdown(
    scope: Scope,
    key: str,
    labels: tuple[str, str],
    by: Callable[[Group], Hashable],
    name: Callable[[Hashable], tuple[str, str]],
) -> Metric:
    groups = sum_by(submissions_scan(scope), by)
    rows = sorted(
        ((k, sums) for k, sums in groups.items() if sums["answers"] or sums["rateable"]),
        key=lambda r: (-r[1]["answers"], -r[1]["rateable"]),
    )
    answers = sum(sums["answers"] for _, sums in rows)
    return Metric(
        key,
        "3.2-A1",
        *labels,
        len(rows),
        display=f"{answers:,} ผู้ตอบ / answers · {len(rows)} กลุ่ม / groups",
        filters=figures(scope.period, survey="responded"),
        details={
            "table": table(
                SURVEY_COLUMNS,
                [
                    (
                        *name(value),
                        {
                            "answers": f"{sums['answers']:,}",
                            "satisfied": pct(ratio(sums["satisfied"], sums["answers"])),
                            "mean": f"{sums['score_sum'] / sums['answers']:.2f}" if sums["answers"] else "—",
                            "low": f"{sums['low']:,}",
                            "response_rate": pct(ratio(sums["rated"], sums["rateable"])),
                        },
                    )
                    for value, sums in rows
                ],
            )
        },
    )


NOT_GIVEN = ("ไม่ระบุ", "Not given")


def _named(names: dict) -> Callable[[Hashable], tuple[str, str]]:
    return lambda value: names.get(value, NOT_GIVEN) if value is not None else NOT_GIVEN


def satisfaction_by_category(scope: Scope) -> Metric:
    return _breakdown(
        scope,
        "satisfaction_by_category",
        ("ความพึงพอใจแยกตามหมวดหมู่บริการ", "Satisfaction by service category"),
        lambda g: g.category_id,
        _named(category_names()),
    )


def satisfaction_by_unit(scope: Scope) -> Metric:
    units = {uid: (th, en) for uid, th, en in db.session.execute(select(Unit.id, Unit.name_th, Unit.name_en))}
    return _breakdown(
        scope,
        "satisfaction_by_unit",
        ("ความพึงพอใจแยกตามหน่วยงาน", "Satisfaction by unit"),
        lambda g: g.unit_id,
        _named(units),
    )


def satisfaction_by_channel(scope: Scope) -> Metric:
    return _breakdown(
        scope,
        "satisfaction_by_channel",
        ("ความพึงพอใจแยกตามช่องทาง", "Satisfaction by channel"),
        lambda g: g.channel,
        lambda v: CHANNEL_LABELS.get(str(v), (str(v), str(v))),
    )


def satisfaction_by_district(scope: Scope) -> Metric:
    return _breakdown(
        scope,
        "satisfaction_by_district",
        ("ความพึงพอใจแยกตามพื้นที่ (อำเภอ/เขต)", "Satisfaction by district"),
        lambda g: g.district,
        lambda v: (str(v), str(v)) if v is not None else NOT_GIVEN,
    )


def low_scores_with_action(scope: Scope) -> Metric:
    """Low scores (1-2) whose recurring cluster or category has a corrective action (not cancelled)."""
    actioned = exists().where(
        CorrectiveAction.status != ActionStatus.CANCELLED,
        or_(
            and_(Complaint.cluster_id.is_not(None), CorrectiveAction.cluster_id == Complaint.cluster_id),
            and_(Complaint.category_id.is_not(None), CorrectiveAction.category_id == Complaint.category_id),
        ),
    )
    by_category = db.session.execute(
        select(Complaint.category_id, func.count(Complaint.id), func.sum(case((actioned, 1), else_=0)))
        .join(SurveyResponse, SurveyResponse.complaint_id == Complaint.id)
        .where(*all_received(scope.period, scope.units), SurveyResponse.satisfaction <= LOW_SCORE)
        .group_by(Complaint.category_id)
    ).all()
    name = _named(category_names())
    by_category = sorted(by_category, key=lambda r: (-r[1], r[0] is None, name(r[0])[0]))
    whole = sum(int(n) for _, n, _ in by_category)
    part = sum(int(done or 0) for _, _, done in by_category)
    return share_metric(
        "low_scores_with_action",
        "3.2-A1",
        (
            "คะแนนความพึงพอใจต่ำ (1–2) ที่มีมาตรการแก้ไขในกลุ่มปัญหาหรือหมวดหมู่",
            "Low satisfaction scores (1-2) whose cluster or category has a corrective action",
        ),
        int(part or 0),
        int(whole or 0),
        scope.limits["needs_min_low_scores_actioned"],
        empty=("ไม่มีผู้ให้คะแนนต่ำในรอบนี้", "No low scores in this period"),
        filters=None,  # no list shows scores 1-2 together
        details={
            "table": table(
                [("low", "คะแนนต่ำ (1–2)", "Low (1-2)"), ("with_action", "มีมาตรการแก้ไข", "With an action")],
                [
                    (*name(category_id), {"low": f"{int(n):,}", "with_action": f"{int(done or 0):,}"})
                    for category_id, n, done in by_category
                ],
            )
        },
    )


# --- 3.2 Significance -------------------------------------------------------------------------


def other_sources(scope: Scope) -> Metric:
    """Data from outside the agency's own intake, joined to its complaint data: imported
    histories (`flask import`, joined when they carry a category), partner systems
    (Open311, the API) and survey answers (joined to the case they rate)."""
    period, units = scope.period, scope.units
    until_end = received_before(period.end, units)
    imported, imported_joined = db.session.execute(
        select(func.count(Complaint.id), func.count(Complaint.category_id)).where(
            *until_end, Complaint.source_key.is_not(None)
        )
    ).one()
    groups = submissions_scan(scope)
    partner_groups = [g for g in groups if g.channel in (Channel.OPEN311, Channel.API)]
    partners = sum(g.sums["n"] for g in partner_groups)
    partners_joined = sum(g.sums["n"] for g in partner_groups if g.category_id is not None)
    answers = sum(g.sums["answers"] for g in groups)
    sources = [
        ("imported", "ประวัติเรื่องที่นำเข้าจากระบบเดิม", "Imported case histories", int(imported), int(imported_joined)),
        ("partners", "ระบบภาคี (Open311, API)", "Partner systems (Open311, API)", int(partners), int(partners_joined)),
        ("survey", "แบบสำรวจความพึงพอใจ", "Satisfaction survey", int(answers), int(answers)),
    ]
    used = [key for key, _, _, _, joined in sources if joined]
    minimum = scope.limits["needs_min_other_sources"]
    metric = Metric(
        "other_sources",
        "3.2-S1",
        "แหล่งข้อมูลอื่นที่ลงทะเบียนและเชื่อมโยงกับข้อมูลเรื่องร้องเรียน",
        "Other data sources registered and joined to the complaint data",
        len(used),
        display=f"{len(used)} แหล่ง / sources",
        threshold=f"≥ {minimum}",
        met=len(used) >= minimum,
        details={
            "sources": used,
            "table": table(
                [("records", "จำนวนระเบียน", "Records"), ("joined", "เชื่อมโยงแล้ว", "Joined")],
                [(th, en, {"records": f"{n:,}", "joined": f"{j:,}"}) for _, th, en, n, j in sources],
            ),
        },
    )
    if not metric.met:
        metric.why_not_th = f"มีแหล่งข้อมูลอื่นที่เชื่อมโยง {len(used)} แหล่ง น้อยกว่าเกณฑ์ {minimum}"
        metric.why_not_en = f"{len(used)} other sources joined, fewer than {minimum}"
    return metric


METRICS: list[Callable[[Scope], Metric]] = [
    satisfied,
    response_rate,
    returning_complainants,
    suggestions_acted_on,
    satisfaction_by_category,
    satisfaction_by_unit,
    satisfaction_by_channel,
    satisfaction_by_district,
    low_scores_with_action,
    other_sources,
]
