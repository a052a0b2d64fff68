"""What anyone holding a tracking number may see: status and public timeline, no personal data.

The view is built field by field from an allow-list; the complainant is never
loaded.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from sqlalchemy import select

from complaints.domain import tracking_numbers
from complaints.domain.errors import BilingualError
from complaints.extensions import db
from complaints.i18n import EVENT_LABELS, KIND_LABELS, STATUS_LABELS
from complaints.models import Complaint, TimelineEvent
from complaints.nlp.pii_masking import mask_text
from complaints.nlp.scrubbing import scrubber_for
from complaints.services.access import PUBLIC, Viewer, may_know_of


def find_complaint(text: str, viewer: Viewer = PUBLIC) -> Complaint:
    """The complaint for a typed tracking number; 400 when malformed, 404 when unknown.

    A complaint the viewer may not know of (a tip-off, unless they filed it) is
    unknown: the same status and body as a number nobody was given.
    """
    try:
        number = tracking_numbers.parse(text, prefix=current_app.config["TRACKING_PREFIX"])
    except tracking_numbers.MalformedTrackingNumber:
        raise BilingualError(
            400,
            "malformed-tracking-number",
            "เลขที่เรื่องไม่ถูกต้อง รูปแบบคือ RR-2569-XXXX-XXXX",
            "That is not a valid tracking number; the format is RR-2569-XXXX-XXXX.",
        ) from None
    complaint = db.session.scalar(select(Complaint).where(Complaint.tracking_number == str(number)))
    if complaint is None or not may_know_of(viewer, complaint):
        raise BilingualError(
            404,
            "unknown-tracking-number",
            "ไม่พบเรื่องตามเลขที่นี้ กรุณาตรวจสอบอีกครั้ง",
            "No complaint has this tracking number; please check it.",
        )
    return complaint


# Events whose text is the agency's answer to the public; other texts (a citizen's
# reopen reason, system details) stay off the public page.
PUBLIC_TEXT_KINDS = frozenset({"reply", "resolve", "reject", "forward", "hold"})


def public_events(complaint: Complaint) -> list[TimelineEvent]:
    return [e for e in complaint.events if e.public]


def public_masker(complaint: Complaint, mask: Callable[[str], str] = mask_text) -> Callable[[str], str]:
    """How text about one complaint is masked for the public (PDPA): first its complainant's
    own name, phone, e-mail and LINE id, however written (a name with no title before it,
    "0 8 1 2 …", "somchai at …", which no general rule can know), then the general rules
    (`mask`, pii_masking.mask_text). The complaint's address is where the problem is, and
    stays where it is public (Open311)."""
    complainant = complaint.complainant
    scrubber = scrubber_for([complainant] if complainant else [], [])
    return lambda text: mask(scrubber.literals(text))


def public_text(event: TimelineEvent, mask: Callable[[str], str] | None = None) -> str | None:
    """The public part of an event's text, with personal data masked (PDPA): an
    officer's answer may name a person or quote a phone number. `mask`: the complaint's
    public_masker, when the caller shows several of its events."""
    if event.kind not in PUBLIC_TEXT_KINDS or not event.text:
        return None
    return (mask or public_masker(event.complaint))(event.text)


def public_view(complaint: Complaint) -> dict:
    """The public JSON view (DESIGN.md contract)."""
    category = complaint.category
    return {
        "tracking_number": complaint.tracking_number,
        "status": complaint.status,
        "status_label": {"th": STATUS_LABELS[complaint.status][0], "en": STATUS_LABELS[complaint.status][1]},
        "kind": complaint.kind,
        "kind_label": {"th": KIND_LABELS[complaint.kind][0], "en": KIND_LABELS[complaint.kind][1]},
        "category": (
            {"code": category.code, "name_th": category.name_th, "name_en": category.name_en} if category else None
        ),
        "received_at": complaint.received_at.isoformat(),
        "acknowledged_at": complaint.acknowledged_at.isoformat() if complaint.acknowledged_at else None,
        "due_at": complaint.due_at.isoformat(),
        "timeline": [  # one masker for the complaint, not one per event
            {
                "at": e.at.isoformat(),
                "kind": e.kind,
                "label": {
                    "th": EVENT_LABELS.get(e.kind, (e.kind, e.kind))[0],
                    "en": EVENT_LABELS.get(e.kind, (e.kind, e.kind))[1],
                },
                "text": public_text(e, mask),
            }
            for mask in [public_masker(complaint)]
            for e in public_events(complaint)
        ],
    }
