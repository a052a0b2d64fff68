"""Errors that carry a Thai and an English message (pure: raised anywhere, answered by `complaints.errors`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class FieldError:
    field: str
    th: str
    en: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message_th": self.th, "message_en": self.en}


@dataclass
class BilingualError(Exception):
    status: int
    code: str
    th: str
    en: str
    errors: list[FieldError] = field(default_factory=list)

    def problem(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"https://rongrian.dev/problems/{self.code}",
            "title": self.en,
            "status": self.status,
            "detail": self.en,
            "detail_th": self.th,
            "code": self.code,
        }
        if self.errors:
            body["errors"] = [e.as_dict() for e in self.errors]
        return body


def unsafe_text(field: str) -> FieldError:
    """The answer to text carrying HTML or script (thai_text.UnsafeText)."""
    return FieldError(field, "ไม่รับข้อความที่มีแท็ก HTML หรือสคริปต์", "HTML tags or scripts are not accepted.")


def invalid(errors: list[FieldError]) -> BilingualError:
    return BilingualError(
        422,
        "invalid-input",
        "ข้อมูลไม่ถูกต้อง กรุณาตรวจสอบช่องที่ระบุ",
        "The submission is not valid; see the fields listed.",
        errors,
    )


# Standard HTTP errors raised by Flask/Werkzeug, with our two messages.
_HTTP_MESSAGES = {
    400: ("bad-request", "คำขอไม่ถูกต้อง", "The request is malformed."),
    403: ("forbidden", "ท่านไม่มีสิทธิ์เข้าถึงหน้านี้", "You do not have permission to view this page."),
    404: ("not-found", "ไม่พบสิ่งที่ต้องการ", "Not found."),
    405: ("method-not-allowed", "ไม่รองรับวิธีการเรียกนี้", "Method not allowed."),
    413: ("too-large", "ข้อมูลหรือไฟล์มีขนาดใหญ่เกินกำหนด", "The request or file is too large."),
    415: ("unsupported-media-type", "ไม่รองรับชนิดข้อมูลนี้", "Unsupported media type."),
    429: ("rate-limited", "มีการเรียกใช้บ่อยเกินไป กรุณารอสักครู่แล้วลองใหม่", "Too many requests; wait a moment and try again."),
    500: ("internal-error", "ระบบขัดข้อง เจ้าหน้าที่ได้รับแจ้งแล้ว", "Something went wrong on our side; it has been logged."),
    503: (
        "temporarily-unavailable",
        "ระบบขัดข้องชั่วคราว กรุณาลองใหม่อีกครั้งในอีกสักครู่",
        "The service is temporarily unavailable; please try again shortly.",
    ),
}


def http_error(status: int, name: str = "Error") -> BilingualError:
    code, th, en = _HTTP_MESSAGES.get(status, ("http-error", "เกิดข้อผิดพลาด", name))
    return BilingualError(status, code, th, en)
