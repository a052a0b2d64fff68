"""Open311 GeoReport v2 POST requests: the client's form mapped onto the one
intake contract (schemas.ComplaintSubmission) and stored by intake.submit_complaint
with channel "open311"; the service_request_id is the tracking number.

email, first_name, last_name and phone become the complainant record (personal
data, never returned by GET). Every refusal names the Open311 field that caused it.
"""

from __future__ import annotations

import math
import re
import secrets

from flask import current_app
from werkzeug.datastructures import MultiDict

from complaints.domain.errors import BilingualError, FieldError, invalid
from complaints.domain.locations import names_for_code
from complaints.extensions import db
from complaints.models import Channel, Complaint, Open311Request
from complaints.schemas import parse_submission
from complaints.services.casework.intake import submit_complaint
from complaints.services.channels import api_keys
from complaints.services.channels.open311 import (
    ATTRIBUTE_CODES,
    check_jurisdiction,
    error,
    find_service,
    service_notice,
)

MAX_DESCRIPTION = 4000  # "free form text limited to 4,000 characters"
_ATTRIBUTE = re.compile(r"^attribute\[([^\]]{1,40})\](\[\])?$")
_URL = re.compile(r"^https?://[^\s<>\"']{1,490}$", re.IGNORECASE)
_SHORT_FIELDS = {"account_id": 100, "device_id": 100}

# Our intake's field names, as the Open311 client knows them.
_FIELD_NAMES = {
    "description": "description",
    "title": "attribute[title]",
    "kind": "attribute[kind]",
    "anonymous": "attribute[anonymous]",
    "category": "service_code",
    "contact": "email",
    "contact.name": "first_name",
    "contact.email": "email",
    "contact.phone": "phone",
    "location": "lat",
    "location.lat": "lat",
    "location.lon": "long",
    "location.address": "address_string",
    "location.province": "attribute[province]",
    "location.district": "attribute[district]",
    "location.subdistrict": "attribute[subdistrict]",
}


def _text(form: MultiDict, name: str) -> str | None:
    value = form.get(name)
    return value.strip() or None if value is not None else None


def _coordinate(form: MultiDict, name: str, limit: float, errors: list[FieldError]) -> float | None:
    text = _text(form, name)
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or abs(value) > limit:
        errors.append(
            FieldError(
                name,
                f"{name} ต้องเป็นตัวเลขระหว่าง -{limit:g} ถึง {limit:g} (WGS84)",
                f"{name} must be a number from -{limit:g} to {limit:g} (WGS84).",
            )
        )
        return None
    return value


def _attributes(form: MultiDict, errors: list[FieldError]) -> dict[str, str]:
    values: dict[str, str] = {}
    for name in form:
        if not name.startswith("attribute"):
            continue
        match = _ATTRIBUTE.match(name)
        code = match.group(1) if match else name
        attribute = ATTRIBUTE_CODES.get(code) if match and not match.group(2) else None
        given = form.getlist(name)
        if attribute is None or len(given) != 1:
            errors.append(
                FieldError(
                    name,
                    "ไม่รู้จัก attribute นี้ หรือส่งมาหลายค่า (ดู services/{service_code})",
                    "Unknown attribute, or several values for one (see services/{service_code}).",
                )
            )
            continue
        value = given[0].strip()
        if attribute.values and value not in {key for key, _ in attribute.values}:
            errors.append(FieldError(name, "ค่าไม่อยู่ในรายการที่กำหนด", "Not one of the allowed values."))
            continue
        if value:
            values[code] = value
    return values


def _place(form: MultiDict, attributes: dict[str, str], errors: list[FieldError]) -> dict:
    """Province, district and subdistrict: from the attributes, or from address_id (a DOPA area code)."""
    address_id = _text(form, "address_id")
    if address_id is None:
        return {f: attributes.get(f) for f in ("province", "district", "subdistrict")}
    names = names_for_code(address_id)
    if names is None:
        errors.append(
            FieldError(
                "address_id",
                "address_id ต้องเป็นรหัสพื้นที่ของกรมการปกครอง 2, 4 หรือ 6 หลัก",
                "address_id must be a DOPA area code of 2, 4 or 6 digits.",
            )
        )
        return {}
    return dict(zip(("province", "district", "subdistrict"), names, strict=True))


def _extras(form: MultiDict, errors: list[FieldError]) -> dict:
    extras = {}
    for name, limit in _SHORT_FIELDS.items():
        value = _text(form, name)
        if value and (len(value) > limit or not value.isprintable()):
            errors.append(
                FieldError(
                    name,
                    f"{name} ยาวเกิน {limit} ตัวอักษรหรือมีอักขระควบคุม",
                    f"{name} is longer than {limit} characters or has control characters.",
                )
            )
            value = None
        extras[name] = value
    media_url = _text(form, "media_url")
    if media_url and not _URL.match(media_url):
        errors.append(
            FieldError(
                "media_url", "media_url ต้องเป็น URL แบบ http หรือ https", "media_url must be an http or https URL."
            )
        )
        media_url = None
    extras["media_url"] = media_url
    return extras


def _submission_data(form: MultiDict, category, errors: list[FieldError]) -> tuple[dict, dict]:
    lat = _coordinate(form, "lat", 90, errors)
    lon = _coordinate(form, "long", 180, errors)
    if (_text(form, "lat") is None) != (_text(form, "long") is None):
        errors.append(FieldError("lat", "ต้องส่งทั้ง lat และ long", "lat and long must both be sent."))
    address = _text(form, "address_string")
    if not any(_text(form, f) for f in ("lat", "address_string", "address_id")):
        errors.append(
            FieldError(
                "lat",
                "ต้องระบุตำแหน่ง: lat และ long หรือ address_string หรือ address_id",
                "A location is required: lat and long, address_string or address_id.",
            )
        )
    attributes = _attributes(form, errors)
    place = _place(form, attributes, errors)
    description = form.get("description") or ""
    if len(description) > MAX_DESCRIPTION:
        errors.append(
            FieldError(
                "description",
                f"description ยาวเกิน {MAX_DESCRIPTION} ตัวอักษร",
                f"description is longer than {MAX_DESCRIPTION} characters.",
            )
        )
    extras = _extras(form, errors)
    name = " ".join(filter(None, (_text(form, "first_name"), _text(form, "last_name")))) or None
    contact = {"name": name, "email": _text(form, "email"), "phone": _text(form, "phone")}
    data = {
        # The spec makes the description optional: the service chosen is then the report.
        "description": description if description.strip() else f"{category.name_th} ({category.name_en})",
        "category": category.code,
        "kind": attributes.get("kind", "complaint"),
        "title": attributes.get("title"),
        "anonymous": attributes.get("anonymous") == "true",
        "location": {"lat": lat, "lon": lon, "address": address, **place},
    }
    if any(contact.values()):
        data["contact"] = {k: v for k, v in contact.items() if v}
    return data, extras


def _open311_fields(exc: BilingualError) -> BilingualError:
    """The intake's field errors renamed to the Open311 parameters they came from."""
    for e in exc.errors:
        e.field = _FIELD_NAMES.get(e.field, e.field)
    return exc


def submit_request(form: MultiDict) -> list[dict]:
    """Store one service request; raises a BilingualError (403 bad key, 404 unknown
    service, 400/422 bad fields) and stores nothing when refused."""
    key = api_keys.authenticate(form.get("api_key"))
    if key is None:
        raise error(403, "api_key ไม่ถูกต้อง ถูกเพิกถอน หรือไม่ได้ส่งมา", "Missing or invalid api_key.", "api_key")
    check_jurisdiction(form.get("jurisdiction_id"))
    category = find_service(_text(form, "service_code"))
    errors: list[FieldError] = []
    data, extras = _submission_data(form, category, errors)
    if errors:
        raise invalid(errors)
    token = secrets.token_urlsafe(24)
    try:
        submission = parse_submission(data)
        result = submit_complaint(
            submission,
            channel=Channel.OPEN311,
            attach=lambda complaint: [Open311Request(complaint=complaint, api_key=key, token=token, **extras)],
        )
    except BilingualError as exc:
        raise _open311_fields(exc) from None
    complaint = db.session.get_one(Complaint, result.complaint_id)
    answer = (
        {"token": token}
        if current_app.config["OPEN311_SERVICE_TYPE"] == "batch"
        else {"service_request_id": complaint.tracking_number}
    )
    return [{**answer, "service_notice": service_notice(complaint, english=False), "account_id": extras["account_id"]}]
