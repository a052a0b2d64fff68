"""Officers' work on a case besides status changes: replies, internal notes, files,
and the complainant's earlier complaints."""

from __future__ import annotations

from collections.abc import Sequence

from flask import current_app
from sqlalchemy import select

from complaints.domain.errors import BilingualError, FieldError, invalid, unsafe_text
from complaints.extensions import db
from complaints.ids import parse_key
from complaints.models import Attachment, Complaint, TimelineEvent, User, utcnow
from complaints.nlp.cleaning import UnsafeText, clean_text
from complaints.services.access import scoped
from complaints.services.casework import similarity
from complaints.services.casework.intake import Upload
from complaints.services.casework.photos import PhotoRejected, attachment_row, prepare_photo, remove_stored, store_photo
from complaints.services.messaging import dispatch, outbox
from complaints.services.unit_of_work import after_rollback


def _text(value: str | None, field: str) -> str:
    try:
        text = clean_text(value or "")
    except UnsafeText:
        raise invalid([unsafe_text(field)]) from None
    if not text:
        raise invalid([FieldError(field, "กรุณาพิมพ์ข้อความ", "Please write something.")])
    if len(text) > 5000:
        raise invalid([FieldError(field, "ข้อความยาวเกิน 5,000 ตัวอักษร", "At most 5,000 characters.")])
    return text


def add_reply(complaint: Complaint, officer: User, text: str) -> TimelineEvent:
    """A public reply: shown on the tracking page and emailed to the complainant."""
    now = utcnow()
    event = TimelineEvent(
        complaint=complaint,
        at=now,
        kind="reply",
        actor="officer",
        actor_user_id=officer.id,
        text=_text(text, "text"),
        public=True,
    )
    db.session.add(event)
    complaint.first_response_at = complaint.first_response_at or now
    message = outbox.message_to_citizen(
        complaint, "status_update", {"template": "status_update", "action": "reply", "text": event.text}
    )
    dispatch.enqueue_after_commit([message])
    return event


def add_note(complaint: Complaint, officer: User, text: str) -> TimelineEvent:
    """An internal note: staff only, never public."""
    event = TimelineEvent(
        complaint=complaint,
        kind="note",
        actor="officer",
        actor_user_id=officer.id,
        text=_text(text, "text"),
        public=False,
    )
    db.session.add(event)
    db.session.flush()
    return event


def attach_files(complaint: Complaint, officer: User, uploads: Sequence[Upload]) -> list[Attachment]:
    config = current_app.config
    if not uploads:
        raise invalid([FieldError("files", "กรุณาเลือกไฟล์ภาพ", "Choose a photo to attach.")])
    prepared, errors = [], []
    for upload in uploads:
        try:
            prepared.append(prepare_photo(upload.field, upload.filename, upload.data, config["MAX_PHOTO_BYTES"]))
        except PhotoRejected as exc:
            errors.append(exc.error)
    if errors:
        raise invalid(errors)
    keys: list[str] = []
    attachments = []
    # The files are stored before the rows are committed; if the caller's unit of work
    # rolls back, they go too (nothing half-stored).
    after_rollback(lambda: remove_stored(config["UPLOAD_DIR"], keys))
    for photo in prepared:
        key = store_photo(config["UPLOAD_DIR"], photo, utcnow().year)
        keys.append(key)
        attachment = attachment_row(complaint, photo, key)
        db.session.add(attachment)
        attachments.append(attachment)
    db.session.add(
        TimelineEvent(
            complaint=complaint,
            kind="note",
            actor="officer",
            actor_user_id=officer.id,
            text=f"attached {len(attachments)} file(s)",
            public=False,
        )
    )
    db.session.flush()
    return attachments


def earlier_complaints(complaint: Complaint, user: User, limit: int = 20) -> list[Complaint]:
    """The same complainant's other complaints (by phone, email or LINE id) that the user may see."""
    people = similarity.same_person(complaint.complainant)
    if people is None:
        return []
    statement = (
        select(Complaint)
        .where(Complaint.complainant_id.in_(people), Complaint.id != complaint.id)
        .order_by(Complaint.received_at.desc())
        .limit(limit)
    )
    return list(db.session.scalars(scoped(statement, user)))


def attachment_for(user: User, url_key: str) -> Attachment:
    """The attachment of `url_key` if its complaint is one `user` may see; else the same 404
    whether the key is unknown, malformed or of a hidden complaint (a tip-off's photo)."""
    key = parse_key(url_key)
    attachment = (
        None
        if key is None
        else db.session.scalar(scoped(select(Attachment).join(Complaint).where(Attachment.url_key == key), user))
    )
    if attachment is None:
        raise BilingualError(404, "not-found", "ไม่พบไฟล์", "Not found.")
    return attachment
