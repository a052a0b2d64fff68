"""The intake contract: one submission shape for every channel.

The JSON API validates its body with these models and publishes their JSON
Schema in the OpenAPI document; the web form and later channels build the same
model, so every channel is checked by one set of rules.
"""

from __future__ import annotations

import contextlib
from typing import Annotated, TypeVar

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StrictBool, StringConstraints, ValidationError

from complaints.domain.errors import FieldError, invalid
from complaints.models import Kind

M = TypeVar("M", bound=BaseModel)

Text200 = Annotated[str, StringConstraints(max_length=200)]


class Contact(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text200 | None = None
    phone: Annotated[str, StringConstraints(pattern=r"^\+?[0-9][0-9 \-]{7,18}$")] | None = None
    email: EmailStr | None = Field(default=None, max_length=254)
    line_user_id: Annotated[str, StringConstraints(pattern=r"^U[0-9a-f]{32}$")] | None = None


class Location(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    address: Annotated[str, StringConstraints(max_length=500)] | None = None
    subdistrict: Annotated[str, StringConstraints(max_length=100)] | None = None
    district: Annotated[str, StringConstraints(max_length=100)] | None = None
    province: Annotated[str, StringConstraints(max_length=100)] | None = None


class ComplaintSubmission(BaseModel):
    """What a citizen submits. Only `description` is required."""

    model_config = ConfigDict(extra="forbid")

    description: Annotated[str, StringConstraints(min_length=1, max_length=10000)]
    title: Text200 | None = None
    kind: Kind = Kind.COMPLAINT
    category: Annotated[str, StringConstraints(max_length=40)] | None = None
    # JSON true or false only: 0, "false" or "yes" are refused, as the OpenAPI document says boolean.
    anonymous: StrictBool = False
    contact: Contact | None = None
    location: Location | None = None


class ComplaintReceipt(BaseModel):
    """The answer to a successful submission."""

    tracking_number: str
    status: str
    received_at: str
    public_url: str


_MESSAGES = {
    "missing": ("จำเป็นต้องกรอก", "This field is required."),
    "string_too_long": ("ยาวเกินกำหนด (ไม่เกิน {max_length} ตัวอักษร)", "Too long (at most {max_length} characters)."),
    "string_too_short": ("ต้องไม่เว้นว่าง", "Must not be empty."),
    "string_pattern_mismatch": ("รูปแบบไม่ถูกต้อง", "Wrong format."),
    "string_type": ("ต้องเป็นข้อความ", "Must be text."),
    "bool_type": ("ต้องเป็น true หรือ false", "Must be true or false."),
    "bool_parsing": ("ต้องเป็น true หรือ false", "Must be true or false."),
    "enum": ("ค่าไม่อยู่ในรายการที่กำหนด", "Not one of the allowed values."),
    "extra_forbidden": ("ไม่รู้จักช่องข้อมูลนี้", "Unknown field."),
    "value_error": ("รูปแบบไม่ถูกต้อง", "Wrong format."),
    "greater_than_equal": ("ค่าน้อยเกินไป", "Value too small."),
    "less_than_equal": ("ค่ามากเกินไป", "Value too large."),
    "model_type": ("ต้องเป็นออบเจกต์ JSON", "Must be a JSON object."),
    "model_attributes_type": ("ต้องเป็นออบเจกต์ JSON", "Must be a JSON object."),
}


def translate_validation_error(exc: ValidationError) -> list[FieldError]:
    """Pydantic's errors as field errors with Thai and English messages."""
    out = []
    for err in exc.errors(include_url=False, include_input=False):
        th, en = _MESSAGES.get(err["type"], ("ข้อมูลไม่ถูกต้อง", "Invalid value."))
        ctx = {k: v for k, v in (err.get("ctx") or {}).items() if isinstance(v, (int, str))}
        with contextlib.suppress(KeyError, IndexError):  # a message naming what ctx lacks stays as is
            th, en = th.format(**ctx), en.format(**ctx)
        field = ".".join(str(p) for p in err["loc"]) or "body"
        out.append(FieldError(field, th, en))
    return out


def parse_model(model: type[M], data: object) -> M:
    """Validate raw JSON data against a model; raises a 422 BilingualError listing the fields."""
    if not isinstance(data, dict):
        raise invalid([FieldError("body", "ต้องเป็นออบเจกต์ JSON", "The body must be a JSON object.")])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid(translate_validation_error(exc)) from None


def parse_submission(data: object) -> ComplaintSubmission:
    """Validate raw JSON data; raises a 422 BilingualError listing the fields."""
    return parse_model(ComplaintSubmission, data)
