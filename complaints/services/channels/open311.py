"""Open311 GeoReport v2, read side: services from our categories, their
definitions (attributes), the discovery document, and service requests as the
spec shows them.

Everything here returns plain dicts and lists in the spec's field order; the
blueprint renders them as JSON or XML. What the public may read is decided here:
the complainant is never loaded, texts are masked for personal data, and a
complaint's own description and location are shown only when it was submitted
through Open311 (whose clients publish them by design); tip-offs are never
listed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import load_only, selectinload
from werkzeug.datastructures import MultiDict

from complaints.domain import tracking_numbers
from complaints.domain.errors import BilingualError, FieldError
from complaints.domain.locations import postal_code
from complaints.domain.thai_calendar import BANGKOK, to_bangkok
from complaints.extensions import db
from complaints.i18n import KIND_LABELS
from complaints.models import (
    Category,
    Channel,
    Complaint,
    Kind,
    Open311Request,
    StandardsPublication,
    Status,
    TimelineEvent,
    utcnow,
)
from complaints.nlp.pii_masking import mask_text
from complaints.services.access import PUBLIC, visible_complaints
from complaints.services.casework.public_view import PUBLIC_TEXT_KINDS, public_events, public_masker
from complaints.services.catalogue import agency, reference_data
from complaints.services.catalogue.reference_data import CategoryRef

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
FORMATS = ("text/xml", "application/json")
# GET requests: "a span of 90 days or first 1000 requests returned, whichever is smallest".
MAX_SPAN = timedelta(days=90)
MAX_RESULTS = 1000
MAX_IDS = 100  # service_request_id values in one query

# The spec's two statuses. A case on hold is still being handled, so it is open.
# Open311 "closed": handling ended here (Status.ENDED); everything else, on hold included, is "open".
CLOSED_STATUSES = Status.ENDED


def open311_status(status: str) -> str:
    return "closed" if status in CLOSED_STATUSES else "open"


def w3_datetime(moment: datetime | None) -> str | None:
    """ISO 8601 (the w3 note) with the Bangkok offset, e.g. 2026-11-26T12:00:00+07:00."""
    return to_bangkok(moment).isoformat(timespec="seconds") if moment else None


def error(status: int, th: str, en: str, field: str | None = None) -> BilingualError:
    return BilingualError(status, "open311", th, en, [FieldError(field, th, en)] if field else [])


# --- services and their definitions -----------------------------------------


@dataclass(frozen=True)
class Attribute:
    code: str
    datatype: str
    order: int
    th: str
    en: str
    values: tuple[tuple[str, str], ...] = ()
    variable: bool = True
    required: bool = False
    datatype_description: str | None = None


PRIVACY_TH = (
    "หน่วยงานเก็บชื่อ อีเมล และโทรศัพท์ที่ส่งมา (email, first_name, last_name, phone) เพื่อพิจารณาและแจ้งผลเรื่อง"
    " ตามฐานการปฏิบัติหน้าที่เพื่อประโยชน์สาธารณะ (พ.ร.บ. คุ้มครองข้อมูลส่วนบุคคล พ.ศ. 2562) ข้อมูลนี้ไม่เปิดเผยต่อสาธารณะ"
    " ส่วนรายละเอียดและตำแหน่งของเรื่องที่ส่งผ่าน Open311 เปิดเผยได้ โดยปิดบังข้อมูลส่วนบุคคล"
)
PRIVACY_EN = (
    "We keep the name, email and phone sent (email, first_name, last_name, phone) only to handle and answer the"
    " request (lawful basis: public task, Personal Data Protection Act 2019); they are never published. The"
    " description and location of a request sent through Open311 are public, with personal data masked."
)

ATTRIBUTES = (
    Attribute(
        "kind",
        "singlevaluelist",
        1,
        "ประเภทเรื่อง (ไม่ระบุ = ร้องเรียน)",
        "Kind of submission (default: complaint)",
        values=tuple((kind, f"{th} / {en}") for kind, (th, en) in KIND_LABELS.items()),
    ),
    Attribute(
        "title", "string", 2, "หัวเรื่อง", "Title", datatype_description="ไม่เกิน 200 ตัวอักษร / at most 200 characters"
    ),
    Attribute(
        "province", "string", 3, "จังหวัด", "Province", datatype_description="ชื่อไทยหรืออังกฤษ / Thai or English name"
    ),
    Attribute(
        "district", "string", 4, "อำเภอ/เขต", "District", datatype_description="ต้องระบุจังหวัด / needs the province"
    ),
    Attribute(
        "subdistrict", "string", 5, "ตำบล/แขวง", "Subdistrict", datatype_description="ต้องระบุอำเภอ / needs the district"
    ),
    Attribute(
        "anonymous",
        "singlevaluelist",
        6,
        "ไม่ประสงค์ออกนาม (จะไม่เก็บชื่อและช่องทางติดต่อ)",
        "Anonymous (no name or contact kept)",
        values=(("false", "ไม่ใช่ / No"), ("true", "ใช่ / Yes")),
    ),
    Attribute("privacy_notice", "text", 7, PRIVACY_TH, PRIVACY_EN, variable=False),
)
ATTRIBUTE_CODES = {a.code: a for a in ATTRIBUTES if a.variable}


def find_service(code: str | None) -> CategoryRef:
    """The active category for a service_code: 400 when none was given, 404 when unknown."""
    if not code:
        raise error(400, "ต้องระบุ service_code", "service_code was not provided.", "service_code")
    category = reference_data.active_categories(order_by="code").get(code)
    if category is None:
        raise error(404, "ไม่พบ service_code นี้", "service_code not found.", "service_code")
    return category


def _names(category: Category | CategoryRef, english: bool) -> tuple[str, str]:
    return (category.name_en, category.name_th) if english else (category.name_th, category.name_en)


def service_list(english: bool = False) -> list[dict]:
    out = []
    for category in reference_data.active_categories(order_by="code").values():
        name, other = _names(category, english)
        keywords = dict.fromkeys([category.code, category.name_th, category.name_en])
        out.append(
            {
                "service_code": category.code,
                "service_name": name,
                "description": other,
                "metadata": True,
                "type": current_app.config["OPEN311_SERVICE_TYPE"],
                "keywords": ", ".join(keywords),
                "group": (category.unit_name_en if english else category.unit_name_th) if category.unit_id else None,
            }
        )
    return out


def service_definition(code: str | None, english: bool = False) -> dict:
    category = find_service(code)
    return {
        "service_code": category.code,
        "attributes": [
            {
                "variable": a.variable,
                "code": a.code,
                "datatype": a.datatype,
                "required": a.required,
                "datatype_description": a.datatype_description,
                "order": a.order,
                "description": f"{a.en} / {a.th}" if english else f"{a.th} / {a.en}",
                "values": [{"key": key, "name": name} for key, name in a.values],
            }
            for a in ATTRIBUTES
        ],
    }


def _changeset() -> str:
    """When the services last changed as clients see them: the service notices come
    from the published service standards."""
    latest = db.session.scalar(select(func.max(StandardsPublication.published_at)))
    return to_bangkok(latest).strftime("%Y-%m-%d %H:%M") if latest else "2026-01-01 00:00"


def discovery() -> dict:
    config = current_app.config
    changeset = _changeset()
    return {
        "changeset": changeset,
        "contact": config["OPEN311_CONTACT"] or f"{agency.name().th} / {agency.name().en}",
        "key_service": config["OPEN311_KEY_SERVICE"],
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": config["PUBLIC_BASE_URL"].rstrip("/") + "/open311/v2",
                "changeset": changeset,
                "type": config["OPEN311_ENDPOINT_TYPE"],
                "formats": list(FORMATS),
            }
        ],
    }


def check_jurisdiction(jurisdiction_id: str | None) -> None:
    """One jurisdiction is served: the parameter may be left out, but a different one is not found."""
    ours = current_app.config["OPEN311_JURISDICTION_ID"]
    if jurisdiction_id and ours and jurisdiction_id != ours:
        raise error(404, "ไม่พบ jurisdiction_id นี้", "jurisdiction_id not found.", "jurisdiction_id")


# --- service requests -------------------------------------------------------


def service_notice(complaint: Complaint, english: bool) -> str:
    due = to_bangkok(complaint.due_at).date()
    if english:
        return f"To be answered under the published service standard by {due.isoformat()}."
    return f"ดำเนินการตามมาตรฐานการให้บริการที่ประกาศ กำหนดแล้วเสร็จภายใน {due.day}/{due.month}/{due.year + 543}"


def _status_notes(events: list, mask: Callable[[str], str]) -> str | None:
    """The latest public answer of the agency among the public events, masked."""
    texts = [e.text for e in events if e.kind in PUBLIC_TEXT_KINDS and e.text]
    return mask(texts[-1]) if texts else None


def request_view(
    complaint: Complaint, extra: Open311Request | None, english: bool = False, mask: Callable[[str], str] = mask_text
) -> dict:
    """One complaint as a GeoReport v2 service request, fields in the spec's order."""
    events = public_events(complaint)
    updated = max([complaint.received_at, *(e.at for e in events)])
    category = complaint.category
    unit = complaint.unit
    # The description and location are public only for what was sent through Open311;
    # a tip-off shows neither, whatever its channel.
    shown = complaint.channel == Channel.OPEN311 and complaint.kind != Kind.TIP_OFF
    name = (_names(category, english)[0]) if category else None
    return {
        "service_request_id": complaint.tracking_number,
        "status": open311_status(complaint.status),
        "status_notes": _status_notes(events, mask),
        "service_name": name,
        "service_code": category.code if category else None,
        "description": mask(complaint.description) if shown else None,
        "agency_responsible": (unit.name_en if english else unit.name_th) if unit else None,
        "service_notice": service_notice(complaint, english),
        "requested_datetime": w3_datetime(complaint.received_at),
        "updated_datetime": w3_datetime(updated),
        "expected_datetime": w3_datetime(complaint.due_at),
        "address": mask(complaint.address) if shown and complaint.address else None,
        "address_id": complaint.area_code if shown else None,
        "zipcode": postal_code(complaint.area_code) if shown else None,
        "lat": complaint.lat if shown else None,
        "long": complaint.lon if shown else None,
        "media_url": extra.media_url if shown and extra else None,
    }


_SHOWN_COLUMNS = (
    Complaint.tracking_number,
    Complaint.status,
    Complaint.kind,
    Complaint.channel,
    Complaint.description,
    Complaint.category_id,
    Complaint.unit_id,
    Complaint.lat,
    Complaint.lon,
    Complaint.address,
    Complaint.area_code,
    Complaint.received_at,
    Complaint.due_at,
    Complaint.complainant_id,
)


def _load(where, limit: int | None = None) -> list[Complaint]:
    # Only the columns a service request shows (a complaint row also carries casework,
    # triage and similarity data). Only what the public may know of: a tip-off's number
    # answers as an unknown one, by id as in a search.
    query = (
        select(Complaint)
        .options(
            load_only(*_SHOWN_COLUMNS),
            selectinload(Complaint.category),
            selectinload(Complaint.unit),
            selectinload(Complaint.complainant),  # its own contacts are masked in what is shown
            selectinload(Complaint.events).load_only(
                TimelineEvent.at, TimelineEvent.kind, TimelineEvent.text, TimelineEvent.public
            ),
        )
        .where(*where, visible_complaints(PUBLIC))
        .order_by(Complaint.received_at.desc(), Complaint.id.desc())
    )
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def _views(complaints: list[Complaint], english: bool) -> list[dict]:
    extras = {}
    if complaints:
        extras = {
            r.complaint_id: r
            for r in db.session.scalars(
                select(Open311Request).where(Open311Request.complaint_id.in_([c.id for c in complaints]))
            )
        }
    # Officers answer with canned responses: one masking per distinct text.
    mask = lru_cache(maxsize=None)(mask_text)
    return [request_view(c, extras.get(c.id), english, public_masker(c, mask)) for c in complaints]


def _tracking_number(text: str) -> str:
    try:
        return str(tracking_numbers.parse(text, prefix=current_app.config["TRACKING_PREFIX"]))
    except tracking_numbers.MalformedTrackingNumber:
        raise error(
            404,
            "ไม่พบ service_request_id นี้ (รูปแบบคือ RR-2569-XXXX-XXXX)",
            "service_request_id not found (the format is RR-2569-XXXX-XXXX).",
            "service_request_id",
        ) from None


def get_request(service_request_id: str, english: bool = False) -> list[dict]:
    number = _tracking_number(service_request_id)
    found = _load([Complaint.tracking_number == number])
    if not found:
        raise error(404, "ไม่พบ service_request_id นี้", "service_request_id not found.", "service_request_id")
    return _views(found, english)


def _comma_list(args: MultiDict, name: str) -> list[str]:
    """A parameter given comma-delimited, repeated, or both."""
    return [part.strip() for value in args.getlist(name) for part in value.split(",") if part.strip()]


EARLIEST_YEAR, LATEST_YEAR = 1900, 2200


def _parse_date(name: str, value: str | None) -> datetime | None:
    """A w3 datetime; a date alone or a time without offset is read as Bangkok time."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise error(
            400,
            f"{name} ต้องเป็นวันเวลาแบบ ISO 8601 เช่น 2026-01-01T00:00:00+07:00",
            f"{name} must be an ISO 8601 datetime, e.g. 2026-01-01T00:00:00Z.",
            name,
        ) from None
    # Year 1 or 9999 with an offset, or 90 days before or after it, is beyond what
    # datetime can hold (OverflowError): only dates a complaint can have are searched.
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise error(
            400,
            f"{name} ต้องอยู่ระหว่างปี ค.ศ. {EARLIEST_YEAR} ถึง {LATEST_YEAR}",
            f"{name} must be between the years {EARLIEST_YEAR} and {LATEST_YEAR}.",
            name,
        )
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=BANGKOK)
    return moment


def _date_range(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    if start and end:
        if end < start:
            raise error(400, "end_date ต้องไม่มาก่อน start_date", "end_date must not be before start_date.", "end_date")
        if end - start > MAX_SPAN:
            raise error(
                400,
                "ช่วง start_date ถึง end_date ต้องไม่เกิน 90 วัน",
                "start_date to end_date may not span more than 90 days.",
                "end_date",
            )
        return start, end
    if start:
        return start, start + MAX_SPAN
    end = end or utcnow()
    return end - MAX_SPAN, end


def find_requests(args: MultiDict, english: bool = False) -> list[dict]:
    """GET requests: the spec's filters, at most 90 days and 1000 requests."""
    ids = _comma_list(args, "service_request_id")
    if ids:  # "This overrides all other arguments."
        if len(ids) > MAX_IDS:
            raise error(
                400,
                f"ระบุ service_request_id ได้ไม่เกิน {MAX_IDS} รายการ",
                f"At most {MAX_IDS} service_request_id values.",
                "service_request_id",
            )
        numbers = []
        for text in ids:
            try:
                numbers.append(str(tracking_numbers.parse(text, prefix=current_app.config["TRACKING_PREFIX"])))
            except tracking_numbers.MalformedTrackingNumber:
                continue  # cannot exist: simply not returned, like an unknown number
        return _views(_load([Complaint.tracking_number.in_(numbers)]) if numbers else [], english)

    where: list[Any] = []
    codes = _comma_list(args, "service_code")
    if codes:
        known = dict(db.session.execute(select(Category.code, Category.id).where(Category.code.in_(codes))).all())
        if unknown := [c for c in codes if c not in known]:
            raise error(
                404,
                "ไม่พบ service_code: " + ", ".join(unknown[:5]),
                "service_code not found: " + ", ".join(unknown[:5]),
                "service_code",
            )
        where.append(Complaint.category_id.in_(list(known.values())))
    statuses = {s.lower() for s in _comma_list(args, "status")}
    if statuses - {"open", "closed"}:
        raise error(400, "status ต้องเป็น open หรือ closed", "status must be open or closed.", "status")
    if statuses == {"open"}:
        where.append(Complaint.status.not_in(list(CLOSED_STATUSES)))
    elif statuses == {"closed"}:
        where.append(Complaint.status.in_(list(CLOSED_STATUSES)))
    start, end = _date_range(
        _parse_date("start_date", args.get("start_date")), _parse_date("end_date", args.get("end_date"))
    )
    where += [Complaint.received_at >= start, Complaint.received_at <= end]
    return _views(_load(where, limit=MAX_RESULTS), english)


def token_request(token: str) -> list[dict]:
    row = db.session.scalar(select(Open311Request).where(Open311Request.token == token)) if token else None
    if row is None:
        raise error(404, "ไม่พบ token นี้", "token not found.", "token")
    return [{"service_request_id": row.complaint.tracking_number, "token": row.token}]
