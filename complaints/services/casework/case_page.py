"""What an officer's case page shows, gathered in one call.

(The view records that the complainant's contact details were shown, privacy.duties,
when `contact_readable`: privacy sits above casework.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from complaints.extensions import db
from complaints.models import CannedResponse, Complaint, RootCause, Unit, User
from complaints.models.encrypted import ContactUndecryptable
from complaints.services.access import may_know_of, visible_complaints
from complaints.services.casework import case_actions, similarity, workflow
from complaints.services.catalogue import reference_data


@dataclass(frozen=True)
class CasePage:
    contact_readable: bool
    repeat_of: Complaint | None  # only when the viewer may know of it (access)
    merged_into: Complaint | None
    actions: list
    earlier: list[Complaint]
    similar: list
    units: list[Unit]
    colleagues: list[User]
    canned: list[CannedResponse]
    categories: list[tuple[str, str]]  # active ones: (code, Thai name)
    root_causes: list[RootCause]

    def as_context(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def contact_readable(complaint: Complaint) -> bool:
    """Whether the complainant's contact decrypts; a wrong key shows as "cannot be decrypted", not a 500."""
    if complaint.complainant_id is None:
        return True
    try:
        complaint.complainant  # noqa: B018 - loading it decrypts every contact column
    except ContactUndecryptable:
        return False
    return True


def case_page(complaint: Complaint, viewer: User) -> CasePage:
    """Everything the case page of `complaint` shows `viewer`; every other complaint it
    names passes the visibility rule (access)."""
    readable = contact_readable(complaint)
    repeat_of, merged_into = (
        other if other is not None and may_know_of(viewer, other) else None
        for other in (complaint.repeat_of, complaint.merged_into)
    )
    return CasePage(
        contact_readable=readable,
        repeat_of=repeat_of,
        merged_into=merged_into,
        actions=workflow.allowed_actions(complaint, viewer),
        # Found by the complainant's keyed hashes, but through the record that did not decrypt.
        earlier=case_actions.earlier_complaints(complaint, viewer) if readable else [],
        similar=similarity.similar_open(complaint, limit=5, visible=visible_complaints(viewer)),
        units=list(db.session.scalars(select(Unit).order_by(Unit.name_th))),
        colleagues=list(
            db.session.scalars(
                select(User).where(User.unit_id == complaint.unit_id, User.active.is_(True)).order_by(User.display_name)
            )
        ),
        canned=list(db.session.scalars(select(CannedResponse).where(CannedResponse.active.is_(True)))),
        categories=[(c.code, c.name_th) for c in reference_data.active_categories().values()],
        root_causes=list(
            db.session.scalars(select(RootCause).where(RootCause.active.is_(True)).order_by(RootCause.id))
        ),
    )
