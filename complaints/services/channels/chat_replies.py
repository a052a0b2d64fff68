"""Short text answers shared by the chat-like channels (LINE, SMS): status look-ups."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import current_app

from complaints.domain.errors import BilingualError
from complaints.domain.thai_calendar import format_thai_datetime
from complaints.i18n import STATUS_LABELS
from complaints.models import Complaint
from complaints.services.access import Public
from complaints.services.casework.public_view import find_complaint, public_events, public_text
from complaints.services.operations import throttle
from complaints.services.public_urls import tracking_page

# "ติดตาม RR-2569-7K3M-Q2XD" (or "track ..."): the citizen asks for a status.
TRACK_COMMAND = re.compile(r"^\s*(?:ติดตาม|track)\s*[:：]?\s*(?P<number>\S.{0,40}?)\s*$", re.IGNORECASE | re.DOTALL)


def track_request(text: str) -> str | None:
    """The tracking number typed after ติดตาม/track, or None when the text is not a status request."""
    match = TRACK_COMMAND.match(text)
    return match.group("number") if match else None


RATE_LIMITED = (
    'ขออภัย ท่านขอดูสถานะบ่อยเกินไป กรุณารอสักครู่แล้วพิมพ์ "ติดตาม" ตามด้วยเลขเรื่องอีกครั้ง '
    "หรือดูได้ที่หน้าเว็บติดตามเรื่อง\n"
    "Sorry, too many status requests; please wait a while and try again, or use the tracking page."
)


def status_text(number: str, is_owner: Callable[[Complaint], bool], sender: str | None = None) -> str:
    """The answer to a status request.

    Anyone gets what the public tracking page shows (status, due date, link); the
    citizen who filed it also gets the agency's latest public answer. A tip-off is
    answered only to its sender; to anyone else it is an unknown number. One sender
    ("line:<user id>", "sms:<phone>") gets CHAT_TRACK_RATE_LIMIT answers, so the
    command cannot be used to walk through tracking numbers.
    """
    if sender is not None and not throttle.allow(
        current_app.config["CHAT_TRACK_RATE_LIMIT"], "chat-track", throttle.key("chat-track", sender)
    ):
        return RATE_LIMITED
    try:
        complaint = find_complaint(number, Public(owns=is_owner))
    except BilingualError as exc:
        return f"{exc.th}\n{exc.en}"
    return _status_lines(complaint, is_owner(complaint))


def _status_lines(complaint: Complaint, is_owner: bool) -> str:
    th, en = STATUS_LABELS[complaint.status]
    lines = [
        f"เรื่อง {complaint.tracking_number}: {th}",
        f"กำหนดแจ้งผล {format_thai_datetime(complaint.due_at, with_time=False)}",
    ]
    if is_owner:
        # Only the latest answer is shown, so only it is masked.
        answer = next((text for event in reversed(public_events(complaint)) if (text := public_text(event))), None)
        if answer:
            lines.append(f"คำตอบล่าสุด: {answer[:500]}")
    lines += [f"ติดตาม: {tracking_page(complaint.tracking_number)}", f"{complaint.tracking_number}: {en}"]
    return "\n".join(lines)
