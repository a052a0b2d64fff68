"""LINE: a short guided conversation (what → where → photo → confirm) that ends in intake.

The webhook body is checked against X-Line-Signature before anything is read.
Each event is handled once: its webhookEventId is stored (channel_refs) in the
same transaction as what the event changed, so a redelivered event changes
nothing. Answers go out through the outbox (channel "line") with the event's
reply token; the acknowledgement with the tracking number is the intake's own
outbox message.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.webhooks import (
    FollowEvent,
    ImageMessageContent,
    LocationMessageContent,
    MessageEvent,
    TextMessageContent,
    UserSource,
)
from sqlalchemy import delete

from complaints.domain.errors import BilingualError, unsafe_text
from complaints.extensions import db
from complaints.models import Channel, Complaint, LineConversation, OutboxMessage, utcnow
from complaints.nlp.cleaning import UnsafeText, clean_text
from complaints.schemas import parse_submission
from complaints.services.casework.intake import Upload, submit_complaint
from complaints.services.casework.photos import PhotoRejected, prepare_photo
from complaints.services.channels import chat_replies
from complaints.services.messaging import channel_refs, line_api
from complaints.services.unit_of_work import rows_changed

log = logging.getLogger(__name__)

LINE_USER_ID = re.compile(r"^U[0-9a-f]{32}$")
CONFIRM_WORDS = {"ยืนยัน", "ตกลง", "confirm", "ok", "yes"}
CANCEL_WORDS = {"ยกเลิก", "cancel"}
SKIP_WORDS = {"ข้าม", "ไม่มี", "skip", "no"}

PROMPTS = {
    "what": "กรุณาพิมพ์เล่าปัญหาที่ต้องการแจ้ง\nPlease describe the problem.",
    "where": "ปัญหาอยู่ที่ไหน? กดแชร์ตำแหน่ง (Location) หรือพิมพ์ที่อยู่/จุดสังเกต\n"
    "Where is it? Share a location or type the address or a landmark.",
    "photo": 'ส่งภาพประกอบได้ (ไม่บังคับ) หรือพิมพ์ "ข้าม"\nSend a photo (optional) or type "skip".',
    "confirm": 'พิมพ์ "ยืนยัน" เพื่อส่งเรื่อง หรือ "ยกเลิก"\nType "confirm" to submit, or "cancel".',
}
CANCELLED = "ยกเลิกเรื่องที่กำลังแจ้งแล้ว\nCancelled."


def _bad_request(code: str, th: str, en: str) -> BilingualError:
    return BilingualError(400, code, th, en)


def parse_webhook(body: bytes, signature: str | None) -> list:
    """The events of a webhook call whose signature matches; 400 otherwise, nothing read."""
    secret = current_app.config["LINE_CHANNEL_SECRET"]
    if not secret:
        raise BilingualError(
            404, "channel-not-configured", "ยังไม่ได้เปิดใช้ช่องทาง LINE", "The LINE channel is not configured."
        )
    if not signature:
        raise _bad_request("missing-signature", "ไม่มีลายเซ็น X-Line-Signature", "X-Line-Signature is missing.")
    try:
        text = body.decode("utf-8")
        return WebhookParser(secret).parse(text, signature)
    except InvalidSignatureError:
        raise _bad_request("bad-signature", "ลายเซ็นไม่ถูกต้อง", "The signature does not match.") from None
    # RecursionError: a validly signed body nested deeper than the JSON parser goes.
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise _bad_request("malformed-webhook", "ข้อมูล webhook ไม่ถูกต้อง", "The webhook body is malformed.") from None


@dataclass
class Turn:
    """What one event does: the conversation after it, and what to answer."""

    user_id: str
    event_id: str
    reply_token: str | None
    conversation: LineConversation | None
    replies: list[str] = field(default_factory=list)


def handle_events(events: list) -> int:
    """Handle each new event once; returns how many were handled (redeliveries are not)."""
    handled = 0
    for event in events:
        if _handle(event):
            handled += 1
    return handled


def _handle(event) -> bool:
    if not isinstance(event, (MessageEvent, FollowEvent)) or not isinstance(event.source, UserSource):
        return False
    user_id, event_id = event.source.user_id, event.webhook_event_id
    if not LINE_USER_ID.match(user_id or "") or not event_id:
        return False
    if channel_refs.find("line", event_id) is not None:
        return False  # redelivered: handled already
    turn = Turn(user_id, event_id, getattr(event, "reply_token", None), _conversation(user_id))
    if isinstance(event, FollowEvent):
        turn.replies.append(PROMPTS["what"])
    elif isinstance(event.message, TextMessageContent):
        if _on_text(turn, event.message.text):
            return True  # the complaint was submitted (and the event recorded) by intake
    elif isinstance(event.message, ImageMessageContent):
        _on_image(turn, event.message.id)
    elif isinstance(event.message, LocationMessageContent):
        _on_location(turn, event.message)
    else:
        turn.replies.append("ขออภัย รับได้เฉพาะข้อความ ภาพ และตำแหน่ง\nSorry: text, photos and locations only.")
    return _finish(turn)


def _conversation(user_id: str) -> LineConversation | None:
    conversation = db.session.get(LineConversation, user_id)
    if conversation is None:
        return None
    max_age = timedelta(minutes=current_app.config["LINE_CONVERSATION_MINUTES"])
    if utcnow() - conversation.updated_at > max_age:
        db.session.delete(conversation)
        return None
    return conversation


def _state(turn: Turn) -> LineConversation:
    if turn.conversation is None:
        turn.conversation = LineConversation(line_user_id=turn.user_id, step="what", data={})
        db.session.add(turn.conversation)
    return turn.conversation


def _update(conversation: LineConversation, **changes) -> None:
    # A new dict, so SQLAlchemy sees the JSON column change.
    conversation.data = {**conversation.data, **changes}
    conversation.updated_at = utcnow()


def _next_step(data: dict) -> str:
    if not data.get("description"):
        return "what"
    if not (data.get("address") or data.get("lat") is not None):
        return "where"
    if not data.get("photo_done"):
        return "photo"
    return "confirm"


def _prompt(turn: Turn, conversation: LineConversation) -> None:
    conversation.step = _next_step(conversation.data)
    if conversation.step == "confirm":
        data = conversation.data
        place = data.get("address") or f"{data['lat']:.5f}, {data['lon']:.5f}"
        turn.replies.append(
            f"สรุปเรื่อง / Summary\nเรื่อง: {data['description'][:300]}\nสถานที่: {place[:200]}\n"
            f"ภาพ: {len(data.get('photos', []))}"
        )
    turn.replies.append(PROMPTS[conversation.step])


def _clean(turn: Turn, text: str, multiline: bool, max_chars: int) -> str | None:
    try:
        cleaned = clean_text(text, multiline=multiline)
    except UnsafeText:
        refused = unsafe_text("text")
        turn.replies.append(f"{refused.th}\n{refused.en}")
        return None
    if not cleaned:
        turn.replies.append("ข้อความว่างเปล่า\nThe message is empty.")
        return None
    if len(cleaned) > max_chars:
        turn.replies.append(f"ข้อความยาวเกิน {max_chars} ตัวอักษร\nAt most {max_chars} characters.")
        return None
    return cleaned


def _on_text(turn: Turn, raw: str) -> bool:
    """Returns True when the text submitted the complaint."""
    number = chat_replies.track_request(raw)
    if number is not None:
        turn.replies.append(
            chat_replies.status_text(number, lambda c: _is_owner(c, turn.user_id), sender=f"line:{turn.user_id}")
        )
        return False
    word = raw.strip().lower()
    if word in CANCEL_WORDS:
        if turn.conversation is not None:
            db.session.delete(turn.conversation)
            turn.conversation = None
        turn.replies.append(CANCELLED)
        return False
    conversation = _state(turn)
    step = conversation.step
    if step == "confirm" and word in CONFIRM_WORDS:
        return _submit(turn, conversation)
    if step == "photo" and word in SKIP_WORDS:
        _update(conversation, photo_done=True)
    elif step == "what":
        text = _clean(turn, raw, True, current_app.config["MAX_DESCRIPTION_CHARS"])
        if text is not None:
            _update(conversation, description=text)
    elif step == "where":
        text = _clean(turn, raw, False, 500)
        if text is not None:
            _update(conversation, address=text)
    _prompt(turn, conversation)
    return False


def _on_location(turn: Turn, message: LocationMessageContent) -> None:
    conversation = _state(turn)
    lat, lon = message.latitude, message.longitude
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        turn.replies.append("ตำแหน่งไม่ถูกต้อง\nThat location is not valid.")
    else:
        address = None
        if message.address or message.title:
            try:
                address = clean_text(" ".join(x for x in (message.title, message.address) if x), multiline=False)[:500]
            except UnsafeText:
                address = None
        _update(conversation, lat=lat, lon=lon, address=address or conversation.data.get("address"))
    _prompt(turn, conversation)


def _on_image(turn: Turn, message_id: str) -> None:
    conversation = _state(turn)
    photos = list(conversation.data.get("photos", []))
    config = current_app.config
    if len(photos) >= config["MAX_PHOTOS"]:
        turn.replies.append(f"แนบภาพได้ไม่เกิน {config['MAX_PHOTOS']} ภาพ\nAt most {config['MAX_PHOTOS']} photos.")
    else:
        try:
            data = line_api.download_content(message_id, config["MAX_PHOTO_BYTES"])
            prepare_photo("photo", f"line-{message_id}.jpg", data, config["MAX_PHOTO_BYTES"])
        except line_api.ContentTooLarge:
            mb = config["MAX_PHOTO_BYTES"] // (1024 * 1024)
            turn.replies.append(f"ไฟล์ภาพต้องมีขนาดไม่เกิน {mb} MB\nA photo may be at most {mb} MB.")
        except line_api.ContentUnavailable:
            turn.replies.append("ไม่สามารถรับภาพได้ กรุณาส่งใหม่\nThe photo could not be fetched; please send it again.")
        except PhotoRejected as exc:
            turn.replies.append(f"{exc.error.th}\n{exc.error.en}")
        else:
            photos.append(message_id)
            changes: dict[str, object] = {"photos": photos}
            if conversation.step == "photo":
                changes["photo_done"] = True
            _update(conversation, **changes)
    _prompt(turn, conversation)


def _photos(message_ids: list[str]) -> list[Upload]:
    uploads, max_bytes = [], current_app.config["MAX_PHOTO_BYTES"]
    for message_id in message_ids:
        try:
            uploads.append(Upload("photos", f"line-{message_id}.jpg", line_api.download_content(message_id, max_bytes)))
        except (line_api.ContentTooLarge, line_api.ContentUnavailable):
            log.warning("LINE photo %s no longer available; submitted without it", message_id)
    return uploads


def _submit(turn: Turn, conversation: LineConversation) -> bool:
    data = conversation.data
    location = {"address": data.get("address"), "lat": data.get("lat"), "lon": data.get("lon")}
    try:
        submission = parse_submission(
            {
                "description": data["description"],
                "contact": {"line_user_id": turn.user_id},
                "location": {k: v for k, v in location.items() if v is not None},
            }
        )
        # The conversation ends in the complaint's own transaction: a crash between two
        # commits could leave it at its confirm step, to be confirmed into a second complaint.
        db.session.delete(conversation)
        submit_complaint(
            submission,
            channel=Channel.LINE,
            photos=_photos(data.get("photos", [])),
            idempotency_key=f"line-event:{turn.event_id}",
            attach=channel_refs.attach("line", turn.event_id),
            reply_context={"reply_token": turn.reply_token} if turn.reply_token else None,
        )
    except BilingualError as exc:
        db.session.rollback()
        turn.conversation = _conversation(turn.user_id)
        details = "\n".join(f"- {e.th}" for e in exc.errors)
        turn.replies.append(f"{exc.th}\n{details}\n{exc.en}".strip())
        return False
    # Stored with the complaint, unless intake retried a tracking-number clash after a
    # rollback (which undid the delete) or answered a concurrent copy of this event.
    left = db.session.get(LineConversation, turn.user_id)
    if left is not None:
        db.session.delete(left)
        db.session.commit()
    return True


def _is_owner(complaint: Complaint, user_id: str) -> bool:
    complainant = complaint.complainant
    return complainant is not None and complainant.line_user_id == user_id


def _finish(turn: Turn) -> bool:
    """Store the event id, the conversation and the answer in one transaction."""
    answer = None
    if turn.replies:
        answer = OutboxMessage(
            purpose="conversation",
            channel="line",
            recipient=turn.user_id,
            payload={"text": "\n\n".join(turn.replies), "reply_token": turn.reply_token},
        )
    return channel_refs.record_once("line", turn.event_id, answer=answer)


def purge_stale_conversations() -> int:
    """Delete conversations left unfinished (they hold what a citizen typed: PDPA)."""
    max_age = timedelta(minutes=current_app.config["LINE_CONVERSATION_MINUTES"])
    deleted = rows_changed(delete(LineConversation).where(LineConversation.updated_at < utcnow() - max_age))
    db.session.commit()
    return deleted
