"""Facts from operations for criteria 3.1-3.3 (needs, satisfaction, channels)."""

from __future__ import annotations

from sqlalchemy import func, select

from assessment.evidence.common import Units, all_received, count
from complaints.domain.periods import Period
from complaints.extensions import db
from complaints.i18n import CHANNEL_LABELS, KIND_LABELS
from complaints.models import (
    Category,
    Complaint,
    SurveyResponse,
)
from complaints.services.analytics.api import (
    public_complaints,
)


def prefill(period: Period, units: Units = None) -> dict[str, dict]:
    """Facts from Rongrian's data for items of 3.1-3.3, and a suggested text for their fields.

    The status of these items stays with the people who answer the form: data
    helps them explain, it does not tick boxes.
    """
    where = all_received(period, units)
    channels = db.session.execute(
        select(Complaint.channel, func.count(Complaint.id))
        .where(*where)
        .group_by(Complaint.channel)
        .order_by(func.count(Complaint.id).desc())
    ).all()
    kinds = dict(
        db.session.execute(
            select(Complaint.kind, func.count(Complaint.id)).where(*where).group_by(Complaint.kind)
        ).all()
    )
    # Breakdowns by category and district leave tip-offs out (what anyone may know of,
    # analytics.api.public_complaints()): a tip-off's category or place in a small count
    # would point at it. Totals by channel and kind stay aggregate counts.
    open_data = (*where, public_complaints())
    categories = db.session.execute(
        select(Category.name_th, func.count(Complaint.id))
        .join(Category, Category.id == Complaint.category_id)
        .where(*open_data)
        .group_by(Category.name_th)
        .order_by(func.count(Complaint.id).desc())
        .limit(5)
    ).all()
    districts = db.session.execute(
        select(Complaint.district, func.count(Complaint.id))
        .where(*open_data, Complaint.district.is_not(None))
        .group_by(Complaint.district)
        .order_by(func.count(Complaint.id).desc())
        .limit(5)
    ).all()
    survey = db.session.execute(
        select(
            func.count(SurveyResponse.id), func.avg(SurveyResponse.satisfaction), func.avg(SurveyResponse.confidence)
        )
        .join(Complaint, Complaint.id == SurveyResponse.complaint_id)
        .where(*where)
    ).one()
    auto = count(*where, Complaint.category_source == "model")
    total = sum(n for _, n in channels)
    channel_text = ", ".join(f"{CHANNEL_LABELS.get(c, (c,))[0]} {n:,}" for c, n in channels)
    kind_text = ", ".join(f"{KIND_LABELS.get(k, (k,))[0]} {n:,}" for k, n in kinds.items())
    category_text = ", ".join(f"{name} {n:,}" for name, n in categories)
    district_text = ", ".join(f"{name} {n:,}" for name, n in districts)
    answers = int(survey[0] or 0)
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
    return facts
