"""Intake: the one way a complaint enters Rongrian, whatever the channel.

Validate, clean the Thai text, resolve the place, apply the service standard,
give a tracking number, and store the complaint, its complainant, its first
timeline events, its photos and its outbox message in ONE transaction. Only
after the commit is the acknowledgement handed to the broker; if the broker is
away, the outbox relay sends it later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from flask import current_app
from sqlalchemy.exc import IntegrityError

from complaints.domain import tracking_numbers
from complaints.domain.errors import BilingualError, FieldError, invalid, unsafe_text
from complaints.domain.locations import UnknownPlace, resolve_place
from complaints.domain.thai_calendar import be_year, to_bangkok
from complaints.extensions import db
from complaints.models import (
    Channel,
    Complainant,
    Complaint,
    IdempotencyRecord,
    Kind,
    OutboxMessage,
    Status,
    TimelineEvent,
    User,
    utcnow,
)
from complaints.nlp.cleaning import UnsafeText, clean_text
from complaints.nlp.similarity import text_signature
from complaints.schemas import ComplaintSubmission
from complaints.services.casework import similarity, workflow
from complaints.services.casework.photos import (
    PhotoRejected,
    PreparedPhoto,
    attachment_row,
    prepare_photo,
    remove_stored,
    store_photo,
)
from complaints.services.catalogue import reference_data
from complaints.services.catalogue.standards import due_dates
from complaints.services.classifier import triage
from complaints.services.messaging import citizen_links, dispatch
from complaints.services.messaging import outbox as outbox_service
from complaints.services.public_urls import tracking_page

log = logging.getLogger(__name__)

# Channels whose answer to the citizen shows the tracking number at once: for a
# citizen who left no way to reach them, that receipt is the acknowledgement.
TRACKING_NUMBER_ATTEMPTS = 5

RECEIPT_CHANNELS = {Channel.WEB, Channel.API, Channel.OPEN311, Channel.PHONE, Channel.COUNTER}

# The answer to an unknown place, per field (also the import's reasons for refusing a row).
PLACE_ERRORS = {
    "province": ("ไม่พบจังหวัดนี้", "Unknown province."),
    "district": ("ไม่พบอำเภอ/เขตนี้ในจังหวัดที่เลือก", "Unknown district for this province."),
    "subdistrict": ("ไม่พบตำบล/แขวงนี้ในอำเภอที่เลือก", "Unknown subdistrict for this district."),
}


@dataclass
class Upload:
    field: str
    filename: str | None
    data: bytes


@dataclass
class IntakeResult:
    complaint_id: int
    receipt: dict
    replayed: bool = False


def _clean(errors: list[FieldError], field: str, value: str | None, multiline: bool = False) -> str | None:
    if value is None:
        return None
    try:
        return clean_text(value, multiline=multiline) or None
    except UnsafeText:
        errors.append(unsafe_text(field))
        return None


def _receipt(complaint: Complaint) -> dict:
    number = complaint.tracking_number
    return {
        "tracking_number": number,
        "status": complaint.status,
        "received_at": complaint.received_at.isoformat(),
        # A tip-off has no public page (its number is an unknown number to anyone else):
        # its sender follows it through the personal link, whose token proves them.
        "public_url": citizen_links.response_url(number) if complaint.kind == Kind.TIP_OFF else tracking_page(number),
    }


def _unit_id(kind: str, category) -> int:
    """The responsible unit: tip-offs go to the integrity unit whatever they are about
    (never to the unit complained about), complaints without a category to the unit
    that triages intake, the rest to their category's unit."""
    if category and category.unit_id and kind != Kind.TIP_OFF:
        return category.unit_id
    code = current_app.config["INTEGRITY_UNIT_CODE" if kind == Kind.TIP_OFF else "INTAKE_UNIT_CODE"]
    unit_id = reference_data.unit_id_by_code(code)
    if unit_id is None:
        # A complaint with no unit is in nobody's queue: an install that was never set
        # up (`flask setup`) says so instead of storing it where no one will look.
        raise BilingualError(
            503,
            "not-set-up",
            "ระบบยังไม่พร้อมรับเรื่อง (หน่วยงานยังไม่ได้ตั้งค่าระบบ) กรุณาติดต่อหน่วยงานทางช่องทางอื่น",
            f"This service is not set up yet (no unit with the code {code}); please contact the agency another way.",
        )
    return unit_id


def _replay(key: str, request_hash: str | None) -> IntakeResult | None:
    record = db.session.get(IdempotencyRecord, key)
    if record is None:
        return None
    if request_hash is not None and record.request_hash != request_hash:
        raise BilingualError(
            422,
            "idempotency-key-reused",
            "Idempotency-Key นี้ถูกใช้กับคำขออื่นแล้ว",
            "This Idempotency-Key was already used for a different request.",
        )
    if record.complaint_id is None:  # intake stores each answer with its complaint's id
        raise LookupError(f"the stored answer for Idempotency-Key {key!r} names no complaint")
    return IntakeResult(record.complaint_id, record.response, replayed=True)


def _validate(submission: ComplaintSubmission) -> tuple[dict, list[FieldError]]:
    errors: list[FieldError] = []
    values: dict = {
        "description": _clean(errors, "description", submission.description, multiline=True),
        "title": _clean(errors, "title", submission.title),
    }
    if values["description"] is None and not any(e.field == "description" for e in errors):
        errors.append(FieldError("description", "กรุณาระบุรายละเอียดของเรื่อง", "Please describe the matter."))
    max_chars = current_app.config["MAX_DESCRIPTION_CHARS"]
    if values["description"] and len(values["description"]) > max_chars:
        errors.append(
            FieldError(
                "description",
                f"รายละเอียดยาวเกิน {max_chars} ตัวอักษร",
                f"The description is longer than {max_chars} characters.",
            )
        )
    location = submission.location
    if location:
        values["address"] = _clean(errors, "location.address", location.address)
        names = {
            f: _clean(errors, f"location.{f}", getattr(location, f)) for f in ("province", "district", "subdistrict")
        }
        try:
            values["place"] = resolve_place(names["province"], names["district"], names["subdistrict"])
        except UnknownPlace as exc:
            th, en = PLACE_ERRORS[exc.field]
            errors.append(FieldError(f"location.{exc.field}", th, en))
        if (location.lat is None) != (location.lon is None):
            errors.append(FieldError("location", "ต้องระบุทั้งละติจูดและลองจิจูด", "Give both latitude and longitude."))
    contact = submission.contact
    if contact and submission.anonymous and any(contact.model_dump().values()):
        errors.append(
            FieldError(
                "contact",
                "เรื่องแบบไม่ประสงค์ออกนามต้องไม่มีข้อมูลติดต่อ (เราจะไม่เก็บตัวตนของท่าน)",
                "An anonymous submission must not carry contact details (we keep no identity).",
            )
        )
    if contact and not submission.anonymous:
        values["name"] = _clean(errors, "contact.name", contact.name)
    category = None
    if submission.category:
        category = reference_data.active_categories().get(submission.category)
        if category is None:
            errors.append(FieldError("category", "ไม่พบหมวดหมู่นี้", "Unknown category."))
    if not errors:
        text = triage.complaint_text(values["title"], values["description"])
        # A citizen's category stands: the classifier is needed now only to route a
        # complaint without one; the others get their suggestion in the post-intake
        # pass (triage.suggest_later), in batches, off the request.
        values["suggestion"] = suggestion = triage.suggest(text) if category is None else None
        values["signature"] = text_signature(text)
        values["category"], values["category_source"], values["needs_triage"] = triage.decide(category, suggestion)
    return values, errors


def _prepare_photos(photos: Sequence[Upload], errors: list[FieldError], leave_out_rejected: bool) -> list:
    config = current_app.config
    if len(photos) > config["MAX_PHOTOS"] and not leave_out_rejected:
        errors.append(
            FieldError("photos", f"แนบภาพได้ไม่เกิน {config['MAX_PHOTOS']} ภาพ", f"At most {config['MAX_PHOTOS']} photos.")
        )
        return []
    prepared: list[PreparedPhoto] = []
    for upload in photos:
        if len(prepared) == config["MAX_PHOTOS"]:
            break
        try:
            prepared.append(prepare_photo(upload.field, upload.filename, upload.data, config["MAX_PHOTO_BYTES"]))
        except PhotoRejected as exc:
            if leave_out_rejected:
                log.info("photo %r left out: %s", upload.filename, exc.error.en)
            else:
                errors.append(exc.error)
    return prepared


def _build(
    submission: ComplaintSubmission,
    values: dict,
    channel: Channel,
    received_at,
    document_number,
    privacy_notice_version: str | None,
    recorded_by: User | None,
    reply_context: dict | None,
) -> tuple[Complaint, OutboxMessage | None]:
    """The complaint, its complainant, first events and outbox message, added to the session."""
    category = values.get("category")
    deadlines = due_dates(category.id if category else None, submission.kind, received_at)
    place = values.get("place")
    location = submission.location
    prefix = current_app.config["TRACKING_PREFIX"]
    complaint = Complaint(
        tracking_number=tracking_numbers.generate(prefix, be_year(to_bangkok(received_at))),
        kind=submission.kind,
        channel=channel,
        title=values["title"],
        description=values["description"],
        category_id=category.id if category else None,
        unit_id=_unit_id(submission.kind, category),
        status=Status.RECEIVED,
        lat=location.lat if location else None,
        lon=location.lon if location else None,
        address=values.get("address"),
        province=place.province if place else None,
        district=place.district if place else None,
        subdistrict=place.subdistrict if place else None,
        area_code=place.code if place else None,
        anonymous=submission.anonymous,
        privacy_notice_version=privacy_notice_version or current_app.config["PRIVACY_NOTICE_VERSION"],
        received_at=received_at,
        ack_due_at=deadlines.ack_due_at,
        first_response_due_at=deadlines.first_response_due_at,
        due_at=deadlines.due_at,
        document_number=document_number,
        category_source=values["category_source"],
        needs_triage=values["needs_triage"],
        text_signature=values["signature"],
    )
    triage.store_suggestion(complaint, values.get("suggestion"))
    contact = submission.contact
    if contact and not submission.anonymous and any(contact.model_dump().values()):
        complaint.complainant = Complainant(
            name=values.get("name"),
            phone=contact.phone,
            email=contact.email,
            line_user_id=contact.line_user_id,
        )
        similarity.complainant_keys(complaint.complainant)
    db.session.add(complaint)
    db.session.add(
        TimelineEvent(
            complaint=complaint,
            at=received_at,
            kind="received",
            actor="officer" if recorded_by else "citizen",
            actor_user_id=recorded_by.id if recorded_by else None,
            text=f"recorded by officer ({channel})" if recorded_by else None,
        )
    )
    # Acknowledged on the channel the citizen used (LINE, SMS), else by email.
    outbox = outbox_service.message_to_citizen(
        complaint, "acknowledgement", {"template": "acknowledgement", **(reply_context or {})}, created_at=received_at
    )
    if outbox is None and channel in RECEIPT_CHANNELS:
        workflow.record(complaint, "acknowledge", workflow.SYSTEM, workflow.Params(reason="receipt"), at=received_at)
    return complaint, outbox


def submit_complaint(
    submission: ComplaintSubmission,
    *,
    channel: Channel,
    photos: Sequence[Upload] = (),
    leave_out_rejected_photos: bool = False,
    idempotency_key: str | None = None,
    request_hash: str | None = None,
    privacy_notice_version: str | None = None,
    document_number: str | None = None,
    recorded_by: User | None = None,
    reply_context: dict | None = None,
    attach: Callable[[Complaint], Iterable[object]] | None = None,
) -> IntakeResult:
    """Store one complaint; raises a 422 BilingualError listing every bad field.

    With an idempotency key, a repeat of the same request returns the first
    answer and stores nothing new. `attach` gives the rows a channel keeps about
    the complaint (the channel's message id, so that a redelivery is recognised
    and email replies thread to it; the Open311 client that sent it), stored in
    the same transaction; `reply_context` goes into the acknowledgement's payload
    (a LINE reply token, say). With `leave_out_rejected_photos` (a channel whose
    message cannot be corrected and sent again, like a mail), a photo that is refused,
    or beyond MAX_PHOTOS, is left out and the complaint kept.
    """
    if idempotency_key and (replayed := _replay(idempotency_key, request_hash)):
        return replayed

    values, errors = _validate(submission)
    document_number = _clean(errors, "document_number", document_number)
    prepared = _prepare_photos(photos, errors, leave_out_rejected_photos)
    if errors:
        raise invalid(errors)

    received_at = utcnow()
    upload_dir = current_app.config["UPLOAD_DIR"]
    for attempt in range(TRACKING_NUMBER_ATTEMPTS):
        complaint, outbox = _build(
            submission,
            values,
            channel,
            received_at,
            document_number,
            privacy_notice_version,
            recorded_by,
            reply_context,
        )
        if attach is not None:
            db.session.add_all(attach(complaint))
        stored_keys: list[str] = []
        try:
            for photo in prepared:
                key = store_photo(upload_dir, photo, received_at.year)
                stored_keys.append(key)
                db.session.add(attachment_row(complaint, photo, key))
            db.session.flush()
            # Read before the commit expires them: reading after would cost a SELECT each.
            complaint_id = complaint.id
            outbox_id = outbox.id if outbox is not None else None
            receipt = _receipt(complaint)
            if idempotency_key:
                db.session.add(
                    IdempotencyRecord(
                        key=idempotency_key,
                        request_hash=request_hash or "",
                        status_code=201,
                        response=receipt,
                        complaint_id=complaint_id,
                    )
                )
            db.session.commit()
            break
        except IntegrityError as exc:
            db.session.rollback()
            remove_stored(upload_dir, stored_keys)
            # A concurrent retry with the same key won the race: answer as it did.
            if idempotency_key and (replayed := _replay(idempotency_key, request_hash)):
                return replayed
            # The unique constraint, not a lookup first, guards tracking numbers: a
            # clash (rare: 35 random bits a year) is simply tried again with a new one.
            if "tracking_number" in str(exc.orig) and attempt + 1 < TRACKING_NUMBER_ATTEMPTS:
                continue
            raise
        except BaseException:
            db.session.rollback()
            remove_stored(upload_dir, stored_keys)
            raise

    if outbox_id is not None:
        dispatch.enqueue_outbox([outbox_id])
    return IntakeResult(complaint_id, receipt)
