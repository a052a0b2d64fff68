"""PDPA duties: an audit trail of who saw contact data, data-subject requests
(access and erasure) handled by an admin with a record, and a retention policy.

- Every page that shows a complainant's contact data records an AuditEntry
  (`record_contact_view`); admins read the trail at /admin/audit.
- A subject is found by a phone number, e-mail or LINE id through the keyed
  hashes (similarity.contact_key), never by decrypting every row.
- Erasure and retention anonymise through one function (`_anonymise`, the
  mechanics in complaints.services.privacy.erasure): the complainant's contact data and
  keys are removed; the subject's name, phone, e-mail and address are masked in
  the complaint, its notes and replies, its outbox messages and survey comment;
  the address is dropped and the position coarsened; photos are re-encoded without
  metadata; mail files and exports that may hold the data are deleted. The
  complaint, its timeline and its statistics stay, so the agency's figures do not
  change.
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, request
from sqlalchemy import func, not_, or_, select

from complaints.domain.errors import BilingualError
from complaints.extensions import db
from complaints.models import AuditEntry, Complainant, Complaint, DataRequest, TimelineEvent, User, utcnow
from complaints.nlp import scrubbing
from complaints.nlp.similarity import contact_key
from complaints.services.access import TIP_OFF_ROLE, sees_tip_offs, visible_complaints
from complaints.services.casework import similarity
from complaints.services.privacy import erasure

log = logging.getLogger(__name__)

CONTACT_KINDS = {"phone": Complainant.phone_key, "email": Complainant.email_key, "line": Complainant.line_key}


def _client_ip() -> str | None:
    """The client's address as an IP, or None. Behind proxies it comes from
    X-Forwarded-For (TRUSTED_PROXY_COUNT); with a count larger than the proxies that
    really append to it, that entry is the client's own text, which must neither
    stand in the trail as an address nor overflow the column."""
    if not request:
        return None
    try:
        return str(ipaddress.ip_address((request.remote_addr or "").strip()))
    except ValueError:
        return None


def audit(user: User | None, action: str, complaint_id: int | None = None, detail: str | None = None) -> None:
    """Add one audit entry to the session (committed with the caller's work, or on its own)."""
    db.session.add(
        AuditEntry(
            user_id=user.id if user else None, action=action, complaint_id=complaint_id, detail=detail, ip=_client_ip()
        )
    )


def record_contact_view(user: User, complaint: Complaint) -> None:
    """A staff member is shown this complaint's contact data."""
    if complaint.complainant_id is None or complaint.anonymous:
        return
    audit(user, "view_contact", complaint.id)


def recent_audit(limit: int, viewer: User) -> list[AuditEntry]:
    """The latest entries `viewer` may know of. An entry about a complaint they may not know
    of (a tip-off), or made by an integrity officer (whose every access and subject request
    is about a tip-off or its sender), is left out, not shown as withheld: that such an
    access happened is the integrity role's to know alone (issue 16)."""
    statement = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if viewer.role != "integrity":
        hidden = select(Complaint.id).where(not_(visible_complaints(viewer)))
        integrity_officers = select(User.id).where(User.role == "integrity")
        statement = statement.where(
            or_(AuditEntry.complaint_id.is_(None), AuditEntry.complaint_id.not_in(hidden)),
            or_(AuditEntry.user_id.is_(None), AuditEntry.user_id.not_in(integrity_officers)),
        )
    return list(db.session.scalars(statement))


def known_complaint_ids(viewer: User, entries: list[AuditEntry]) -> dict[int, str]:
    """The complaints of these audit entries that `viewer` may know of, id -> tracking
    number: the trail shows every access (oversight), but not which complaint when it is
    a tip-off, and names a case by its number, never its row id (issue 16)."""
    ids = {e.complaint_id for e in entries if e.complaint_id is not None}
    if not ids:
        return {}
    rows = db.session.execute(
        select(Complaint.id, Complaint.tracking_number).where(Complaint.id.in_(ids), visible_complaints(viewer))
    )
    return {complaint_id: number for complaint_id, number in rows}


def recent_requests(limit: int, viewer: User) -> list[DataRequest]:
    """The requests the viewer may know of. A tip-off's sender is served by the integrity
    officers (the only ones who may find their data); that such a request was handled
    would tell an admin that the person sent a tip-off, so each side sees its own."""
    by_integrity = select(User.id).where(User.role == TIP_OFF_ROLE)
    handled = DataRequest.handled_by_id.in_(by_integrity)
    statement = select(DataRequest).where(
        handled if sees_tip_offs(viewer) else or_(DataRequest.handled_by_id.is_(None), not_(handled))
    )
    return list(db.session.scalars(statement.order_by(DataRequest.id.desc()).limit(limit)))


@dataclass
class Subject:
    contact_kind: str
    contact_key: str
    complainants: list[Complainant]
    complaints: list[Complaint]


def find_subject(contact_kind: str, value: str, viewer: User) -> Subject:
    """The complainant records and complaints of the person with this contact that
    `viewer` may know of (access.visible_complaints).

    An admin does not learn of a tip-off, nor of a complainant record that only a
    tip-off holds: the data subject's right of access to a tip-off is served by the
    integrity unit, and an admin who saw "1 record, 0 complaints" would know."""
    if contact_kind not in CONTACT_KINDS:
        raise BilingualError(
            422,
            "invalid-input",
            "เลือกชนิดข้อมูลติดต่อ: โทรศัพท์ อีเมล หรือ LINE",
            "Choose the contact kind: phone, email or line.",
        )
    key = contact_key(contact_kind, (value or "").strip(), similarity.secret())
    if key is None:
        raise BilingualError(422, "invalid-input", "กรุณาระบุข้อมูลติดต่อ", "Enter the contact to look for.")
    hidden = select(Complaint.complainant_id).where(
        Complaint.complainant_id.is_not(None), not_(visible_complaints(viewer))
    )
    shown = select(Complaint.complainant_id).where(Complaint.complainant_id.is_not(None), visible_complaints(viewer))
    people = list(
        db.session.scalars(
            select(Complainant).where(
                CONTACT_KINDS[contact_kind] == key, or_(Complainant.id.in_(shown), Complainant.id.not_in(hidden))
            )
        )
    )
    ids = [p.id for p in people]
    complaints = (
        list(
            db.session.scalars(
                select(Complaint)
                .where(Complaint.complainant_id.in_(ids), visible_complaints(viewer))
                .order_by(Complaint.received_at)
            )
        )
        if ids
        else []
    )
    return Subject(contact_kind, key, people, complaints)


def export_subject(subject: Subject, admin: User, note: str = "") -> dict:
    """Everything held about the subject (PDPA s.30), recorded as a handled request."""
    data = {
        "complainants": [
            {
                "name": p.name,
                "phone": p.phone,
                "email": p.email,
                "line_user_id": p.line_user_id,
                "created_at": p.created_at.isoformat(),
            }
            for p in subject.complainants
        ],
        "complaints": [
            {
                "tracking_number": c.tracking_number,
                "kind": c.kind,
                "channel": c.channel,
                "title": c.title,
                "description": c.description,
                "status": c.status,
                "received_at": c.received_at.isoformat(),
                "address": c.address,
                "district": c.district,
                "province": c.province,
                "privacy_notice_version": c.privacy_notice_version,
            }
            for c in subject.complaints
        ],
    }
    _record(subject, "access", admin, note)
    for complaint in subject.complaints:
        audit(admin, "subject_export", complaint.id)
    db.session.flush()
    return data


# What identifies a complainant: erased by erasure and retention.
PERSONAL_COLUMNS = ("name", "phone", "email", "line_user_id", "phone_key", "email_key", "line_key")


def _anonymise(complainants: list[Complainant], complaints: list[Complaint]) -> scrubbing.Scrubber:
    """Erase the subject's personal data everywhere (the caller commits); the scrubber
    of the subject's values, for text written about them at the same time."""
    scrubber = scrubbing.scrubber_for(complainants, complaints)
    erasure.erase(complainants, complaints, scrubber, PERSONAL_COLUMNS)
    return scrubber


def erase_subject(subject: Subject, admin: User, note: str = "") -> DataRequest:
    """Erase the subject's personal data (PDPA s.33); complaints and statistics stay."""
    scrubber = _anonymise(subject.complainants, subject.complaints)
    # The admin's note may name the person the request was about.
    record = _record(subject, "erasure", admin, scrubber.text(note) or "")
    for complaint in subject.complaints:
        audit(admin, "subject_erasure", complaint.id)
        db.session.add(
            TimelineEvent(
                complaint_id=complaint.id,
                kind="personal_data_erased",
                actor="officer",
                actor_user_id=admin.id,
                public=False,
            )
        )
    db.session.flush()
    return record


def _record(subject: Subject, kind: str, admin: User, note: str) -> DataRequest:
    record = DataRequest(
        kind=kind,
        contact_kind=subject.contact_kind,
        contact_key=subject.contact_key,
        complainants=len(subject.complainants),
        complaints=len(subject.complaints),
        note=(note or "")[:2000],
        handled_by_id=admin.id,
    )
    db.session.add(record)
    return record


def retention_cutoff(now=None):
    """Complaints closed before this have outlived the retention period."""
    return (now or utcnow()) - timedelta(days=current_app.config["RETENTION_DAYS_AFTER_CLOSE"])


def _due_for_retention(cutoff):
    """Complainants who still hold contact data and have no complaint open or closed since `cutoff`."""
    has_contact = or_(*(getattr(Complainant, column).is_not(None) for column in PERSONAL_COLUMNS))
    # A person with any complaint still open or recently closed keeps their data.
    recent = select(Complaint.complainant_id).where(
        Complaint.complainant_id.is_not(None), or_(Complaint.closed_at.is_(None), Complaint.closed_at >= cutoff)
    )
    return select(Complainant).where(has_contact, Complainant.id.not_in(recent))


def count_due_for_retention(now=None) -> int:
    """How many complainant records retention would erase now, all batches together (a dry run)."""
    due = _due_for_retention(retention_cutoff(now)).with_only_columns(Complainant.id).subquery()
    return db.session.scalar(select(func.count()).select_from(due)) or 0


def apply_retention(now=None, batch: int = 500) -> int:
    """Anonymise the contact data of complaints closed before the retention period;
    returns how many complainant records were erased (the periodic task; at most `batch`)."""
    cutoff = retention_cutoff(now)
    people = list(db.session.scalars(_due_for_retention(cutoff).order_by(Complainant.id).limit(batch)))
    if not people:
        return 0
    complaints = list(db.session.scalars(select(Complaint).where(Complaint.complainant_id.in_([p.id for p in people]))))
    _anonymise(people, complaints)
    for complaint in complaints:
        audit(None, "retention", complaint.id, f"closed before {cutoff.date().isoformat()}")
    db.session.commit()
    log.info(
        "retention erased the contact data of %d people (closed before %s)", len(people), cutoff.date().isoformat()
    )
    return len(people)
