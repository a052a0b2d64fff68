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

from collections.abc import Callable

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
from complaints.extensions import db
from complaints.i18n import CHANNEL_LABELS
from complaints.models import (
    ActionStatus,
    Category,
    Complainant,
    Complaint,
    CorrectiveAction,
    Kind,
    Status,
    SurveyResponse,
    Unit,
)
from complaints.services.analytics.api import public_complaints

NO_ANSWERS = ("ไม่มีผลการประเมินความพึงพอใจในรอบนี้", "No survey answers in this period")
LOW_SCORE = 2  # satisfaction of 1 or 2 out of 5


def _survey_rows(scope: Scope, dimension, *joins) -> list:
    """(dimension value, answers, satisfied 4-5, mean, low 1-2) per value, most answers first."""
    statement = (
        select(
            dimension,
            func.count(SurveyResponse.id),
            func.sum(case((SurveyResponse.satisfaction >= 4, 1), else_=0)),
            func.avg(SurveyResponse.satisfaction),
            func.sum(case((SurveyResponse.satisfaction <= LOW_SCORE, 1), else_=0)),
        )
        .select_from(Complaint)
        .join(SurveyResponse, SurveyResponse.complaint_id == Complaint.id)
    )
    for target, on in joins:
        statement = statement.outerjoin(target, on)
    return list(
        db.session.execute(
            statement.where(*all_received(scope.period, scope.units))
            .group_by(dimension)
            .order_by(func.count(SurveyResponse.id).desc())
        ).all()
    )


# --- 3.2 Basic --------------------------------------------------------------------------------


def satisfied(scope: Scope) -> Metric:
    rows = _survey_rows(scope, Complaint.kind)
    answers = sum(int(r[1]) for r in rows)
    happy = sum(int(r[2] or 0) for r in rows)
    mean = sum(float(r[3] or 0) * int(r[1]) for r in rows) / answers if answers else None
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
    rateable = Complaint.status.in_(Status.RATEABLE)
    whole, part = db.session.execute(
        select(func.count(Complaint.id), func.count(SurveyResponse.id))
        .outerjoin(SurveyResponse, SurveyResponse.complaint_id == Complaint.id)
        .where(*all_received(scope.period, scope.units), rateable)
    ).one()
    return share_metric(
        "survey_response_rate_all",
        "3.2-B2",
        ("อัตราการตอบแบบประเมิน (ความผูกพัน)", "Survey response rate (engagement)"),
        int(part),
        int(whole),
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
    until_end = [
        Complaint.received_at < period.end,
        Complaint.status != Status.MERGED,
        public_complaints(),
        *([] if units is None else [Complaint.unit_id.in_(units)]),
    ]
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
]


def _breakdown(
    scope: Scope, key: str, labels: tuple[str, str], rows: list, name: Callable[[object], tuple[str, str]]
) -> Metric:
    answers = sum(int(r[1]) for r in rows)
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
                            "answers": f"{int(n):,}",
                            "satisfied": pct(ratio(int(happy or 0), int(n))),
                            "mean": f"{float(mean or 0):.2f}",
                            "low": f"{int(low or 0):,}",
                        },
                    )
                    for value, n, happy, mean, low in rows
                ],
            )
        },
    )


def _or_none(value: object, none: tuple[str, str] = ("ไม่ระบุ", "Not given")) -> tuple[str, str]:
    return (str(value), str(value)) if value is not None else none


def satisfaction_by_category(scope: Scope) -> Metric:
    rows = _survey_rows(
        scope,
        func.coalesce(Category.name_th, "").label("name"),
        (Category, Category.id == Complaint.category_id),
    )
    return _breakdown(
        scope,
        "satisfaction_by_category",
        ("ความพึงพอใจแยกตามหมวดหมู่บริการ", "Satisfaction by service category"),
        rows,
        lambda v: _or_none(v or None),
    )


def satisfaction_by_unit(scope: Scope) -> Metric:
    rows = _survey_rows(
        scope,
        func.coalesce(Unit.name_th, "").label("name"),
        (Unit, Unit.id == Complaint.unit_id),
    )
    return _breakdown(
        scope,
        "satisfaction_by_unit",
        ("ความพึงพอใจแยกตามหน่วยงาน", "Satisfaction by unit"),
        rows,
        lambda v: _or_none(v or None),
    )


def satisfaction_by_channel(scope: Scope) -> Metric:
    rows = _survey_rows(scope, Complaint.channel)
    return _breakdown(
        scope,
        "satisfaction_by_channel",
        ("ความพึงพอใจแยกตามช่องทาง", "Satisfaction by channel"),
        rows,
        lambda v: CHANNEL_LABELS.get(str(v), (str(v), str(v))),
    )


def satisfaction_by_district(scope: Scope) -> Metric:
    rows = _survey_rows(scope, Complaint.district)
    return _breakdown(
        scope,
        "satisfaction_by_district",
        ("ความพึงพอใจแยกตามพื้นที่ (อำเภอ/เขต)", "Satisfaction by district"),
        rows,
        _or_none,
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
    whole, part = db.session.execute(
        select(func.count(Complaint.id), func.sum(case((actioned, 1), else_=0)))
        .join(SurveyResponse, SurveyResponse.complaint_id == Complaint.id)
        .where(*all_received(scope.period, scope.units), SurveyResponse.satisfaction <= LOW_SCORE)
    ).one()
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
    )


# --- 3.2 Significance -------------------------------------------------------------------------


def other_sources(scope: Scope) -> Metric:
    """Data from outside the agency's own intake, joined to its complaint data: imported
    histories (`flask import`, joined when they carry a category), partner systems
    (Open311, the API) and survey answers (joined to the case they rate)."""
    period, units = scope.period, scope.units
    until_end = [
        Complaint.received_at < period.end,
        Complaint.status != Status.MERGED,
        public_complaints(),
        *([] if units is None else [Complaint.unit_id.in_(units)]),
    ]
    imported, imported_joined = db.session.execute(
        select(func.count(Complaint.id), func.count(Complaint.category_id)).where(
            *until_end, Complaint.source_key.is_not(None)
        )
    ).one()
    partners, partners_joined = db.session.execute(
        select(func.count(Complaint.id), func.count(Complaint.category_id)).where(
            *all_received(period, units), Complaint.channel.in_(("open311", "api"))
        )
    ).one()
    answers = (
        db.session.scalar(
            select(func.count(SurveyResponse.id))
            .join(Complaint, Complaint.id == SurveyResponse.complaint_id)
            .where(*all_received(period, units))
        )
        or 0
    )
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
