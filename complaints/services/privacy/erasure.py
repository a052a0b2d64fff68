"""Removing one data subject's personal data from everything that holds it.

Used by the admin's erasure (PDPA s.33) and by the retention purge, which must be
the same: clearing the complainant's row alone left the name, phone and e-mail in
officers' notes and public replies, the recipient and text of outbox messages, the
complaint's address and exact position, and JPEG comments in the photos.

Text is masked twice: first every known value of the subject (name and its parts,
phone number in any common spelling, e-mail, LINE id, address) by exact match,
because the masking rules cannot know that "มานี" is a name; then by the PII masker's
rules (complaints.nlp.pii_masking), for what the subject wrote about others or
spelled differently. Placeholders are the masker's own.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import (
    Attachment,
    ChannelMessage,
    Complainant,
    Complaint,
    ExportJob,
    LineConversation,
    OutboxMessage,
    SurveyResponse,
    TimelineEvent,
)
from complaints.models.open311 import Open311Request
from complaints.nlp.scrubbing import Scrubber
from complaints.nlp.similarity import normalise_phone, text_signature
from complaints.services.casework.photos import display_name, scrub_stored
from complaints.services.classifier import triage

# Two decimals of a degree: about 1.1 km, the neighbourhood and not the house.
COORDINATE_DECIMALS = 2


def erase(
    complainants: list[Complainant], complaints: list[Complaint], scrubber: Scrubber, personal_columns: Iterable[str]
) -> None:
    """Remove the subject's personal data from the session's rows and the stored files
    (the caller commits). Complaints, timelines and statistics stay."""
    for complaint in complaints:
        _complaint(complaint, scrubber)
    _complaint_rows([c.id for c in complaints], scrubber)
    line_ids = {person.line_user_id for person in complainants if person.line_user_id}
    for person in complainants:
        _complainant(person, personal_columns)
    numbers = {c.tracking_number for c in complaints}
    _mail_files(scrubber.emails, numbers)
    _chat_files(scrubber.phones, line_ids, numbers)
    if complaints:
        _exports()


def _complaint_rows(ids: list[int], scrubber: Scrubber) -> None:
    """The rows that hang off the complaints: timeline, outbox, surveys, Open311, photos, channel ids."""
    if not ids:
        return
    for event in db.session.scalars(select(TimelineEvent).where(TimelineEvent.complaint_id.in_(ids))):
        event.text = scrubber.text(event.text)
    for message in db.session.scalars(select(OutboxMessage).where(OutboxMessage.complaint_id.in_(ids))):
        _outbox_message(message, scrubber)
    for survey in db.session.scalars(select(SurveyResponse).where(SurveyResponse.complaint_id.in_(ids))):
        survey.comment = scrubber.text(survey.comment)
    for request in db.session.scalars(select(Open311Request).where(Open311Request.complaint_id.in_(ids))):
        request.account_id = request.device_id = request.media_url = None
    for attachment in db.session.scalars(select(Attachment).where(Attachment.complaint_id.in_(ids))):
        _photo(attachment)
    # A mail program may build its Message-ID from the sender's address. The hashed
    # key still recognises a redelivery; the id itself is only needed to answer.
    for ref in db.session.scalars(
        select(ChannelMessage).where(ChannelMessage.complaint_id.in_(ids), ChannelMessage.direction == "in")
    ):
        ref.external_id = f"<erased-{ref.external_key[:32]}@rongrian.invalid>"


def _complainant(person: Complainant, personal_columns: Iterable[str]) -> None:
    """The person's contact columns emptied and an unfinished LINE conversation dropped."""
    if person.line_user_id:
        conversation = db.session.get(LineConversation, person.line_user_id)
        if conversation is not None:
            db.session.delete(conversation)
    for column in personal_columns:
        setattr(person, column, None)


def _complaint(complaint: Complaint, scrubber: Scrubber) -> None:
    complaint.description = scrubber.text(complaint.description) or ""
    title = scrubber.text(complaint.title)
    # Placeholders can be longer than what they replace: the column is VARCHAR(200).
    complaint.title = title[:200] if title else title
    complaint.root_cause_note = scrubber.text(complaint.root_cause_note)
    complaint.address = None
    if complaint.lat is not None and complaint.lon is not None:
        complaint.lat = round(complaint.lat, COORDINATE_DECIMALS)
        complaint.lon = round(complaint.lon, COORDINATE_DECIMALS)
    if complaint.text_signature is not None:
        complaint.text_signature = text_signature(triage.complaint_text(complaint.title, complaint.description))
    complaint.anonymous = True


def _outbox_message(message: OutboxMessage, scrubber: Scrubber) -> None:
    # The recipient column is NOT NULL: an empty string is no address.
    message.recipient = ""
    message.payload = scrubber.json(message.payload or {})
    message.last_error = scrubber.text(message.last_error)
    if message.status == "pending":
        # Nobody to send it to any more; "failed" keeps it out of the relay and the worker.
        message.status = "failed"
        message.last_error = "personal data erased"
        message.claimed_until = None


def _photo(attachment: Attachment) -> None:
    extension = attachment.storage_key.rsplit(".", 1)[-1]
    data = scrub_stored(current_app.config["UPLOAD_DIR"], attachment.storage_key)
    if data is not None:
        attachment.size_bytes = len(data)
        attachment.sha256 = hashlib.sha256(data).hexdigest()
    # A file name is often the sender's name or address ("บ้านนายสมชาย.jpg").
    attachment.original_name = display_name(None, extension)


def _mail_files(addresses: set[str], tracking_numbers: set[str]) -> None:
    """Mails written to MAIL_OUTBOX_DIR (the file backend) to the subject or about
    their complaints: deleted. Mail already handed to an SMTP server is beyond reach."""
    folder = Path(current_app.config["MAIL_OUTBOX_DIR"])
    if not folder.is_dir() or not (addresses or tracking_numbers):
        return
    for path in folder.glob("*.eml"):
        try:
            msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            recipients = {
                a.addr_spec.lower() for header in ("To", "Cc") for a in getattr(msg.get(header), "addresses", ())
            }
            subject = str(msg.get("Subject", ""))
        except (OSError, ValueError, TypeError, LookupError):
            continue
        if recipients & addresses or any(number in subject for number in tracking_numbers):
            path.unlink(missing_ok=True)


def _chat_files(phones: set[str], line_ids: set[str], tracking_numbers: set[str]) -> None:
    """Messages of an unconfigured SMS or LINE channel written to its development outbox
    (one JSON file each, channel_status.write_dev_record) to the subject or about their
    complaints: deleted, the others kept."""
    if not (phones or line_ids or tracking_numbers):
        return
    for setting in ("SMS_OUTBOX_DIR", "LINE_OUTBOX_DIR"):
        folder = Path(current_app.config[setting])
        for path in folder.glob("*.json") if folder.is_dir() else ():
            try:
                entry = json.loads(path.read_text(encoding="utf-8", errors="replace"))
                to, text = str(entry.get("to", "")), str(entry.get("text", ""))
            except (OSError, ValueError, AttributeError):
                continue
            if normalise_phone(to) in phones or to in line_ids or any(number in text for number in tracking_numbers):
                path.unlink(missing_ok=True)


def _exports() -> None:
    """Finished exports are snapshots that may hold the subject's (masked-by-rule, not
    by name) text: withdrawn; the manager asks for a new one. Running ones are left
    to finish and expire (EXPORT_KEEP_HOURS)."""
    folder = Path(current_app.config["EXPORT_DIR"])
    for job in db.session.scalars(select(ExportJob).where(ExportJob.status.in_(("done", "failed")))):
        if job.storage_key:
            (folder / job.storage_key).unlink(missing_ok=True)
        db.session.delete(job)
