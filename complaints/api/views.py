"""JSON API views: parse, call one service, answer."""

from __future__ import annotations

import hashlib
import re

import geothai
from flask import Blueprint, jsonify, request

from complaints.api.openapi import openapi_document
from complaints.domain.errors import BilingualError
from complaints.extensions import limiter
from complaints.json_input import request_json
from complaints.models import Channel
from complaints.schemas import parse_submission
from complaints.services.casework.intake import submit_complaint
from complaints.services.casework.public_view import find_complaint, public_view
from complaints.services.casework.tracking_lookups import record_lookup
from complaints.services.catalogue import reference_data
from complaints.services.unit_of_work import unit_of_work
from complaints.web.security import intake_limit, tracking_rate

bp = Blueprint("api", __name__, url_prefix="/api/v1")

_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


def _json_body() -> object:
    if not request.is_json:
        raise BilingualError(
            415,
            "unsupported-media-type",
            "ต้องส่งข้อมูลเป็น JSON (Content-Type: application/json)",
            "Send JSON with Content-Type: application/json.",
        )
    return request_json()  # a bilingual 400 when malformed or nested too deep


def _idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not _IDEMPOTENCY_KEY.match(key):
        raise BilingualError(
            400,
            "bad-idempotency-key",
            "Idempotency-Key ต้องเป็นอักขระ ASCII ที่พิมพ์ได้ 1–255 ตัว",
            "Idempotency-Key must be 1-255 printable ASCII characters.",
        )
    return f"api:{key}"


@bp.post("/complaints")
@limiter.limit(intake_limit)
def create_complaint():
    key = _idempotency_key()
    data = _json_body()
    submission = parse_submission(data)
    result = submit_complaint(
        submission,
        channel=Channel.API,
        idempotency_key=key,
        request_hash=hashlib.sha256(submission.model_dump_json().encode()).hexdigest(),
    )
    response = jsonify(result.receipt)
    response.status_code = 201
    response.headers["Location"] = result.receipt["public_url"]
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@bp.get("/complaints/<tracking_number>")
@tracking_rate
def get_complaint(tracking_number: str):
    view = public_view(find_complaint(tracking_number))
    with unit_of_work():  # the lookup's count, in a transaction of its own
        record_lookup("api")
    return jsonify(view)


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@bp.get("/categories")
def categories():
    return jsonify(
        [
            {"code": c.code, "name_th": c.name_th, "name_en": c.name_en}
            for c in reference_data.active_categories(order_by="code").values()
        ]
    )


@bp.get("/places/provinces")
def provinces():
    return jsonify([{"code": p.code, "name_th": p.name_th, "name_en": p.name_en} for p in geothai.provinces()])


@bp.get("/places/provinces/<code>/districts")
def districts(code: str):
    return jsonify([{"code": d.code, "name_th": d.name_th, "name_en": d.name_en} for d in geothai.districts(code)])


@bp.get("/places/districts/<code>/subdistricts")
def subdistricts(code: str):
    return jsonify([{"code": s.code, "name_th": s.name_th, "name_en": s.name_en} for s in geothai.subdistricts(code)])
