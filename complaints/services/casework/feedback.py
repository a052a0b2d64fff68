"""What the complainant does after a resolution: confirm, reopen, rate."""

from __future__ import annotations

from sqlalchemy import select

from complaints.domain.errors import BilingualError, FieldError, invalid, unsafe_text
from complaints.extensions import db
from complaints.ids import parse_id
from complaints.models import Complaint, Status, SurveyResponse, TimelineEvent
from complaints.nlp.cleaning import UnsafeText, clean_text
from complaints.services.casework import workflow


def confirm_fix(complaint: Complaint) -> None:
    workflow.transition(complaint, "confirm", workflow.CITIZEN)


def reopen(complaint: Complaint, reason: str) -> None:
    try:
        reason = clean_text(reason or "")
    except UnsafeText:
        raise invalid([unsafe_text("reason")]) from None
    workflow.transition(complaint, "reopen", workflow.CITIZEN, workflow.Params(reason=reason[:2000]))


def survey_of(complaint: Complaint) -> SurveyResponse | None:
    return db.session.scalar(select(SurveyResponse).where(SurveyResponse.complaint_id == complaint.id))


def _score(value, field: str, errors: list[FieldError]) -> int | None:
    score = parse_id(value) or 0  # '①' or '٣' is no score
    if not 1 <= score <= 5:
        errors.append(FieldError(field, "กรุณาให้คะแนน 1–5", "Choose a score from 1 to 5."))
        return None
    return score


def record_survey(complaint: Complaint, satisfaction, confidence, comment: str | None) -> SurveyResponse:
    """One response per complaint, once it has been answered."""
    if complaint.status not in Status.RATEABLE:
        raise BilingualError(
            409,
            "survey-not-open",
            "ยังไม่สามารถประเมินได้ จนกว่าจะแจ้งผลการดำเนินการ",
            "The survey opens once the complaint has been answered.",
        )
    if survey_of(complaint) is not None:
        raise BilingualError(
            409, "survey-done", "เรื่องนี้ได้รับการประเมินแล้ว ขอบคุณค่ะ", "This complaint has already been rated. Thank you."
        )
    errors: list[FieldError] = []
    scores = (_score(satisfaction, "satisfaction", errors), _score(confidence, "confidence", errors))
    try:
        comment = clean_text(comment or "")[:2000] or None
    except UnsafeText:
        errors.append(unsafe_text("comment"))
    if errors:
        raise invalid(errors)
    response = SurveyResponse(complaint_id=complaint.id, satisfaction=scores[0], confidence=scores[1], comment=comment)
    db.session.add(response)
    db.session.add(TimelineEvent(complaint=complaint, kind="survey", actor="citizen", public=True))
    db.session.flush()
    return response
