"""Category suggestions at intake, the triage queue, and officers' corrections.

At intake the Thai-text classifier (complaints.nlp) suggests a category. A
citizen's own choice stands; without one, a suggestion at or above
NLP_AUTO_APPLY_THRESHOLD is applied (and routes the complaint to that
category's unit), anything less waits for an officer in the triage queue. An
officer's correction is stored as labelled feedback for retraining.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app

from complaints.domain.errors import BilingualError
from complaints.extensions import db
from complaints.models import CategoryFeedback, Complaint, Kind, TimelineEvent, User
from complaints.services.catalogue import reference_data
from complaints.services.catalogue.reference_data import CategoryRef
from complaints.services.catalogue.standards import due_dates

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Suggestion:
    category: CategoryRef | None  # the best label that is an active category here
    confidence: float
    ranked: tuple[tuple[str, float], ...]


def active_model():
    """The ACTIVE model (the latest promoted retraining run's, else the shipped one).

    A newly promoted model is noticed within NLP_ACTIVE_MODEL_CHECK_SECONDS; the
    model itself is loaded once per process. An active artefact that cannot be
    loaded is logged and the shipped model is used instead.
    """
    from complaints import nlp  # loaded on first use: the model costs memory and time
    from complaints.services.classifier import retraining

    path = retraining.active_model_path()
    if path is not None:
        try:
            return nlp.load_model(path)
        except Exception:  # noqa: BLE001 - a broken artefact must never stop intake
            log.exception("could not load the active model %s; using the shipped model", path)
            retraining.mark_broken(path)
    return nlp.load_model()


def classify_many(texts: list[str], k: int = 5) -> list[list[tuple[str, float]]]:
    """The k best (label, probability) of each text: the app's own classify(text, k)
    if it sets one (tests), else the active model, in one batch."""
    custom = current_app.extensions.get("rongrian.classifier")
    if custom is not None:
        return [list(custom(text, k=k)) for text in texts]
    return active_model().top_k_many(texts, k)


def _suggestion(ranked, categories: dict[str, CategoryRef]) -> Suggestion:
    for label, probability in ranked:
        if label in categories:
            return Suggestion(categories[label], float(probability), tuple(ranked))
    return Suggestion(None, 0.0, tuple(ranked))


def suggest(text: str) -> Suggestion | None:
    """The classifier's best active category for this text, or None when it cannot say."""
    return suggest_many([text])[0] if text else None


def suggest_many(texts: list[str]) -> list[Suggestion | None]:
    """suggest() for several texts in one batch (several times faster per text)."""
    if not current_app.config["NLP_ENABLED"] or not texts:
        return [None] * len(texts)
    try:
        ranked = classify_many(texts, k=5)
    except Exception:  # noqa: BLE001 - a missing or broken model must never stop intake
        log.exception("classification failed; the complaint goes to triage")
        return [None] * len(texts)
    categories = reference_data.active_categories()
    return [_suggestion(r, categories) for r in ranked]


def store_suggestion(complaint: Complaint, suggestion: Suggestion | None) -> None:
    if suggestion is not None:
        complaint.suggested_category_id = suggestion.category.id if suggestion.category else None
        complaint.suggestion_confidence = suggestion.confidence


def suggest_later(complaints: list[Complaint]) -> int:
    """Suggestions for complaints whose citizen chose the category.

    Their category stands, so intake does not classify them (the request stays
    fast); the post-intake pass does it here in one batch, for the officer's view
    and the feedback data. Returns how many got a suggestion.
    """
    waiting = [c for c in complaints if c.category_source == "citizen" and c.suggestion_confidence is None]
    suggestions = suggest_many([complaint_text(c.title, c.description) for c in waiting])
    for complaint, suggestion in zip(waiting, suggestions, strict=True):
        store_suggestion(complaint, suggestion)
    return sum(s is not None for s in suggestions)


def complaint_text(title: str | None, description: str | None) -> str:
    """The text the classifier and the similarity signature read."""
    return " ".join(t for t in (title, description) if t)


def decide(citizen_category: CategoryRef | None, suggestion: Suggestion | None) -> tuple[CategoryRef | None, str, bool]:
    """(category to apply, its source, needs triage) for a new complaint."""
    if citizen_category is not None:
        return citizen_category, "citizen", False
    threshold = current_app.config["NLP_AUTO_APPLY_THRESHOLD"]
    if suggestion is not None and suggestion.category is not None and suggestion.confidence >= threshold:
        return suggestion.category, "model", False
    return None, "none", True


def recategorise(complaint: Complaint, officer: User, category_code: str) -> CategoryFeedback:
    """An officer sets the category: routes the case to its unit and records the correction."""
    category = reference_data.active_categories().get(category_code or "")
    if category is None:
        raise BilingualError(422, "invalid-input", "กรุณาเลือกหมวดหมู่ที่ถูกต้อง", "Choose a valid category.")
    feedback = CategoryFeedback(
        complaint_id=complaint.id,
        predicted_category_id=complaint.suggested_category_id,
        predicted_confidence=complaint.suggestion_confidence,
        previous_category_id=complaint.category_id,
        corrected_category_id=category.id,
        officer_id=officer.id,
    )
    db.session.add(feedback)
    # A tip-off stays with the integrity unit whatever it is about (intake._unit_id):
    # moving it to the category's unit would hand it to the unit complained about.
    moved = complaint.kind != Kind.TIP_OFF and category.unit_id is not None and category.unit_id != complaint.unit_id
    complaint.category_id = category.id
    if moved:
        complaint.unit_id = category.unit_id
        complaint.assigned_user_id = None
    complaint.category_source = "officer"
    complaint.needs_triage = False
    deadlines = due_dates(category.id, complaint.kind, complaint.received_at)
    complaint.ack_due_at = deadlines.ack_due_at
    complaint.first_response_due_at = deadlines.first_response_due_at
    complaint.due_at = deadlines.due_at
    db.session.add(
        TimelineEvent(
            complaint=complaint,
            kind="recategorise",
            actor="officer",
            actor_user_id=officer.id,
            text=category.code,
            public=False,
        )
    )
    db.session.flush()
    return feedback
