"""SMS in: a gateway posts each message; it becomes a complaint or answers a status request.

The gateway's message id is stored with what it caused, so a retried post
creates nothing new. Answers and the acknowledgement go back by SMS through the
outbox.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from complaints.extensions import db
from complaints.models import Channel, Complaint, OutboxMessage
from complaints.nlp.similarity import normalise_phone
from complaints.schemas import parse_model, parse_submission
from complaints.services.casework.intake import submit_complaint
from complaints.services.channels import chat_replies
from complaints.services.messaging import channel_refs


class InboundSms(BaseModel):
    """What the gateway posts (JSON)."""

    model_config = ConfigDict(extra="ignore")

    message_id: str = Field(min_length=1, max_length=200)
    sender: str = Field(alias="from", min_length=3, max_length=32)
    text: str = Field(min_length=1, max_length=2000)


@dataclass
class SmsResult:
    outcome: str  # complaint, status, duplicate
    tracking_number: str | None = None


def parse(data: object) -> InboundSms:
    return parse_model(InboundSms, data)


def _phone(sender: str) -> str:
    # Thai mobile numbers arrive as 66812345678 or +66812345678; stored as dialled in Thailand.
    return normalise_phone(sender) or sender.strip()


def receive(sms: InboundSms) -> SmsResult:
    existing = channel_refs.find("sms", sms.message_id)
    if existing is not None:
        complaint = db.session.get(Complaint, existing.complaint_id) if existing.complaint_id else None
        return SmsResult("duplicate", complaint.tracking_number if complaint else None)
    phone = _phone(sms.sender)
    number = chat_replies.track_request(sms.text)
    if number is not None:
        return _answer_status(sms, phone, number)
    submission = parse_submission({"description": sms.text, "contact": {"phone": phone}})
    result = submit_complaint(
        submission,
        channel=Channel.SMS,
        idempotency_key=f"sms:{sms.message_id}"[:255],
        attach=channel_refs.attach("sms", sms.message_id),
    )
    return SmsResult("complaint", result.receipt["tracking_number"])


def _answer_status(sms: InboundSms, phone: str, number: str) -> SmsResult:
    def is_owner(complaint: Complaint) -> bool:
        return complaint.complainant is not None and _phone(complaint.complainant.phone or "") == phone

    answer = OutboxMessage(
        purpose="conversation",
        channel="sms",
        recipient=phone,
        payload={"text": chat_replies.status_text(number, is_owner, sender=f"sms:{phone}")},
    )
    if not channel_refs.record_once("sms", sms.message_id, answer=answer):
        return SmsResult("duplicate")
    return SmsResult("status")
