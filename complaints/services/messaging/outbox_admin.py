"""Failed outbox messages made visible, and sent again (issue 17: failures visible).

A message gives up after OUTBOX_MAX_ATTEMPTS tries (about 20 minutes of a mail
outage with the defaults) and stays `failed`. Here an admin (the page) or the
operator (`flask outbox`) lists those messages and puts them back to `pending`
with their attempts reset: the existing sender (outbox.deliver_message, through
dispatch and the periodic relay) then sends them; nothing here talks to a channel.

Staff lists never show a full contact (`masked_recipient`), and an admin is shown
only messages of complaints they may know of (access.visible_complaints): a
failed message of a tip-off is neither listed nor counted (its existence is the
integrity role's alone); the operator's `flask outbox status` counts every message. Pages and forms name a message
by its random `url_key`, never its row id: ids are dense, and the gaps between the
ids an admin sees would place the hidden messages (issue 16).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, and_, func, or_, select, true, type_coerce, update
from sqlalchemy.sql import Select

from complaints.extensions import db
from complaints.models import Complaint, OutboxMessage, User, encrypted, utcnow
from complaints.services.access import visible_complaints
from complaints.services.messaging import dispatch

CHANNELS = ("email", "line", "sms")
PURPOSES = ("acknowledgement", "status_update", "interim_notice", "supervisor_alert", "integrity_grant", "conversation")
UNREADABLE = "[ถอดรหัสไม่ได้ / cannot be decrypted]"


def masked_recipient(channel: str, recipient: str) -> str:
    """Enough of a contact to tell two apart, never the whole of it.

    e-mail: first letter and the domain ("s***@example.com"); phone: the first two
    and last two digits; LINE user id: its first five characters.
    """
    if channel == "email" and "@" in recipient:
        local, _, domain = recipient.rpartition("@")
        return f"{local[:1]}***@{domain}"
    if channel == "sms":
        digits = "".join(ch for ch in recipient if ch.isdigit())
        return f"{digits[:2]}{'*' * max(len(digits) - 4, 3)}{digits[-2:]}" if len(digits) >= 6 else "***"
    return f"{recipient[:5]}…" if len(recipient) > 5 else "***"


def _readable_recipient(channel: str, token: str | None) -> str:
    """The masked contact, decrypting the stored token here so a wrong key shows as such, not as a 500."""
    if token is None:
        return "—"
    try:
        return masked_recipient(channel, encrypted.decrypt(token))
    except RuntimeError:
        return UNREADABLE


def _visible_to(viewer: User | None):
    """Messages the viewer may know of: those of no complaint, or of a complaint they may see.

    `viewer` None is the operator at the command line, who sees every message.
    """
    if viewer is None:
        return true()
    return or_(OutboxMessage.complaint_id.is_(None), visible_complaints(viewer))


def _failed(viewer: User | None, channel: str | None = None, purpose: str | None = None) -> Select:
    statement = (
        select(OutboxMessage.id)
        .outerjoin(Complaint, OutboxMessage.complaint_id == Complaint.id)
        .where(OutboxMessage.status == "failed", _visible_to(viewer))
    )
    if channel:
        statement = statement.where(OutboxMessage.channel == channel)
    if purpose:
        statement = statement.where(OutboxMessage.purpose == purpose)
    return statement


@dataclass(frozen=True)
class FailedRow:
    key: str  # the message's url_key: what the page shows and the resend form posts
    channel: str
    purpose: str
    recipient: str  # masked
    attempts: int
    last_error: str | None
    created_at: datetime
    tracking_number: str | None
    complaint_id: int | None


def failed_page(viewer: User, channel: str | None, purpose: str | None, page: int, per_page: int = 50):
    """(rows of this page, total matching) of the failed messages `viewer` may know of."""
    ids = _failed(viewer, channel, purpose)
    total = db.session.scalar(select(func.count()).select_from(ids.subquery())) or 0
    # Within the pages there are (a page number from the URL may be anything, 10**20 included).
    page = min(max(page, 1), max((total + per_page - 1) // per_page, 1))
    statement = (
        select(
            OutboxMessage.url_key,
            OutboxMessage.channel,
            OutboxMessage.purpose,
            type_coerce(OutboxMessage.recipient, String).label("token"),
            OutboxMessage.attempts,
            OutboxMessage.last_error,
            OutboxMessage.created_at,
            Complaint.tracking_number,
            Complaint.id,
        )
        .where(OutboxMessage.id.in_(ids))
        .outerjoin(Complaint, OutboxMessage.complaint_id == Complaint.id)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    rows = [
        FailedRow(r[0], r[1], r[2], _readable_recipient(r[1], r[3]), r[4], r[5], r[6], r[7], r[8])
        for r in db.session.execute(statement)
    ]
    return rows, total


def resend(
    viewer: User | None, *, message_key: str | None = None, message_id: int | None = None, channel: str | None = None
) -> int:
    """Put failed messages back to pending with attempts reset, and hand them to the broker.

    One message (`message_key`, its url_key; or `message_id`, the row id, which only
    the operator's command line takes) or every failed one (of `channel`, if given)
    that `viewer` may know of (None: the operator, every message). Returns how many.
    If the broker is away the relay enqueues them once it answers.
    """
    ids_query = _failed(viewer, channel)
    if message_key is not None:
        ids_query = ids_query.where(OutboxMessage.url_key == message_key)
    if message_id is not None:
        ids_query = ids_query.where(OutboxMessage.id == message_id)
    ids = list(db.session.scalars(ids_query))
    if not ids:
        return 0
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.status == "failed")
        .values(status="pending", attempts=0, claimed_until=None, last_error=None, enqueued_at=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if dispatch.enqueue_outbox(ids):
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids))
            .values(enqueued_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    return len(ids)


@dataclass(frozen=True)
class OutboxSummary:
    counts: dict[tuple[str, str], int]  # (status, channel) -> messages
    oldest_pending: datetime | None
    oldest_pending_ack: datetime | None


def status() -> OutboxSummary:
    """Messages by status and channel, and the oldest still pending (all, and acknowledgements)."""
    return OutboxSummary(counts(), oldest_pending(), oldest_pending_acknowledgement())


def counts() -> dict[tuple[str, str], int]:
    """Every message counted, by (status, channel)."""
    return {
        (s, c): n
        for s, c, n in db.session.execute(
            select(OutboxMessage.status, OutboxMessage.channel, func.count()).group_by(
                OutboxMessage.status, OutboxMessage.channel
            )
        )
    }


def oldest_pending() -> datetime | None:
    return db.session.scalar(select(func.min(OutboxMessage.created_at)).where(OutboxMessage.status == "pending"))


def oldest_pending_acknowledgement() -> datetime | None:
    return db.session.scalar(
        select(func.min(OutboxMessage.created_at)).where(
            and_(OutboxMessage.status == "pending", OutboxMessage.purpose == "acknowledgement")
        )
    )


def failed_acknowledgements() -> int:
    """Acknowledgements that gave up (every one: the readiness probe's count, no viewer's)."""
    return (
        db.session.scalar(
            select(func.count(OutboxMessage.id)).where(
                OutboxMessage.status == "failed", OutboxMessage.purpose == "acknowledgement"
            )
        )
        or 0
    )
