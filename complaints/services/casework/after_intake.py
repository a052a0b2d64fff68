"""The post-intake pass: work on new complaints that the citizen's answer does not wait for.

A periodic task (beat entry "after-intake") takes the complaints not yet passed
(`repeat_checked_at` is NULL, an indexed column) in id order and, in one
transaction per batch:

- links each to the earlier complaint it repeats (similarity.mark_repeats);
- classifies, in one batch, those whose citizen chose the category, so that the
  officer sees the model's opinion and disagreements become feedback
  (triage.suggest_later). Complaints without a category were classified at
  intake, because their routing depends on it.
"""

from __future__ import annotations

from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Complaint, utcnow
from complaints.services.casework import similarity
from complaints.services.classifier import triage


def process_new(limit: int = 500) -> int:
    """Pass over up to `limit` new complaints; returns how many were passed."""
    pending = list(
        db.session.scalars(
            select(Complaint)
            .where(Complaint.repeat_checked_at.is_(None))
            .order_by(Complaint.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    triage.suggest_later(pending)
    similarity.mark_repeats(pending, utcnow())
    db.session.commit()
    return len(pending)
