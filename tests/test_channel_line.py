"""LINE: signed webhook, guided conversation, replies and pushes to a fake LINE platform on loopback."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid

import pytest
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import (
    ChannelMessage,
    Complaint,
    LineConversation,
    OutboxMessage,
    Status,
    User,
)
from complaints.services.casework import case_actions
from complaints.services.messaging import outbox
from complaints.services.unit_of_work import unit_of_work
from tests.channel_fakes import FakeLinePlatform
from tests.helpers import complaint_by_number, counts, jpeg_bytes

SECRET = "line-channel-secret"
USER = "U" + "0123456789abcdef" * 2
OTHER = "U" + "fedcba9876543210" * 2


@pytest.fixture
def line(app):
    with FakeLinePlatform() as platform:
        app.config.update(
            LINE_CHANNEL_SECRET=SECRET,
            LINE_CHANNEL_ACCESS_TOKEN="line-token",
            LINE_API_BASE_URL=platform.url,
            LINE_DATA_API_BASE_URL=platform.url,
        )
        yield platform


def event(message: dict | None = None, user: str = USER, event_id: str | None = None, kind: str = "message") -> dict:
    body = {
        "type": kind,
        "mode": "active",
        "timestamp": 1764130000000,
        "source": {"type": "user", "userId": user},
        "webhookEventId": event_id or uuid.uuid4().hex.upper()[:26],
        "deliveryContext": {"isRedelivery": False},
        "replyToken": uuid.uuid4().hex,
    }
    if message is not None:
        body["message"] = {"id": uuid.uuid4().hex[:18], "quoteToken": "q", **message}
    return body


def text(value: str, **kw) -> dict:
    return event({"type": "text", "text": value}, **kw)


def image(message_id: str, **kw) -> dict:
    e = event({"type": "image", "contentProvider": {"type": "line"}}, **kw)
    e["message"]["id"] = message_id
    return e


def location(lat=13.7563, lon=100.5018, address="ถนนราชดำเนินกลาง แขวงบวรนิเวศ", **kw) -> dict:
    return event({"type": "location", "latitude": lat, "longitude": lon, "address": address, "title": "จุดเกิดเหตุ"}, **kw)


def signature(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def post(client, *events, sign: str | None = None, raw: bytes | None = None):
    body = raw if raw is not None else json.dumps({"destination": "Ubot", "events": list(events)}).encode()
    headers = {"Content-Type": "application/json"}
    headers["X-Line-Signature"] = sign if sign is not None else signature(body)
    return client.post("/channels/line/webhook", data=body, headers=headers)


def deliver_pending(app) -> None:
    with app.app_context():
        ids = db.session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.status == "pending").order_by(OutboxMessage.id)
        ).all()
        for message_id in ids:
            assert outbox.deliver_message(message_id) == "sent"


def file_a_complaint(app, client, line) -> str:
    assert post(client, text("ไฟทางดับทั้งซอย มืดมากตอนกลางคืน")).status_code == 200
    assert post(client, location()).status_code == 200
    line.content["photo-1"] = jpeg_bytes()
    assert post(client, image("photo-1")).status_code == 200
    confirm = text("ยืนยัน")
    assert post(client, confirm).status_code == 200
    deliver_pending(app)
    with app.app_context():
        return db.session.scalar(select(Complaint.tracking_number).where(Complaint.channel == "line"))


def test_a_conversation_becomes_a_complaint_and_the_reply_carries_the_tracking_number(app, client, line):
    number = file_a_complaint(app, client, line)
    sent = line.sent()
    # One answer per event, each to the event's reply token: prompts, then the receipt.
    assert [m["kind"] for m in sent] == ["reply"] * 4
    assert "ที่ไหน" in sent[0]["text"] and "Share a location" in sent[0]["text"]
    assert "ภาพ" in sent[1]["text"]
    assert "สรุปเรื่อง" in sent[2]["text"] and "ไฟทางดับ" in sent[2]["text"] and "ยืนยัน" in sent[2]["text"]
    assert number and number in sent[3]["text"] and "ได้รับเรื่องแล้ว" in sent[3]["text"]
    assert all(r["authorization"] == "Bearer line-token" for r in line.requests)
    with app.app_context():
        complaint = complaint_by_number(number)
        assert complaint.channel == "line"
        assert complaint.description == "ไฟทางดับทั้งซอย มืดมากตอนกลางคืน"
        assert (complaint.lat, complaint.lon) == (13.7563, 100.5018)
        assert "ราชดำเนิน" in complaint.address
        assert complaint.complainant.line_user_id == USER
        assert len(complaint.attachments) == 1 and complaint.attachments[0].content_type == "image/jpeg"
        assert complaint.status == Status.ACKNOWLEDGED and complaint.acknowledged_at is not None
        assert db.session.get(LineConversation, USER) is None


@pytest.mark.parametrize("sign", ["", "bm90LXRoZS1zaWduYXR1cmU=", None])
def test_a_bad_or_missing_signature_is_refused_and_nothing_is_stored(app, client, line, sign):
    body = json.dumps({"events": [text("ถนนพัง")]}).encode()
    if sign is None:
        sign = signature(body, "another-secret")
    headers = {"Content-Type": "application/json"}
    if sign:
        headers["X-Line-Signature"] = sign
    before = counts(app)
    response = client.post("/channels/line/webhook", data=body, headers=headers)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["detail_th"]
    assert counts(app) == before
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LineConversation)) == 0
        assert db.session.scalar(select(func.count()).select_from(ChannelMessage)) == 0


@pytest.mark.parametrize(
    "raw", [b"not json", b'{"events": "x"}', b"[1,2]", b'{"events":[{"type":"message"}]}', b"\xff\xfe\x00"]
)
def test_a_malformed_body_with_a_valid_signature_is_a_400(app, client, line, raw):
    response = post(client, raw=raw)
    assert response.status_code == 400 and response.get_json()["code"] == "malformed-webhook"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_redelivered_events_create_nothing_new(app, client, line):
    first = text("น้ำประปาไม่ไหลสามวันแล้ว")
    assert post(client, first).get_json()["handled"] == 1
    redelivered = {**first, "deliveryContext": {"isRedelivery": True}}
    assert post(client, redelivered).get_json()["handled"] == 0
    post(client, location())
    post(client, text("ข้าม"))
    confirm = text("ยืนยัน")
    post(client, confirm)
    assert post(client, {**confirm, "deliveryContext": {"isRedelivery": True}}).get_json()["handled"] == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Complaint).where(Complaint.channel == "line")) == 1
        # one answer per distinct event, none for the redeliveries
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 4


def test_oversized_or_fake_photos_are_refused_with_a_thai_answer(app, client, line):
    app.config["MAX_PHOTO_BYTES"] = 4000
    post(client, text("ต้นไม้ล้มขวางถนน"))
    post(client, text("หน้าวัดสุทัศน์"))
    line.content["big"] = jpeg_bytes((1200, 900)) + b"\0" * 5000
    line.content["fake"] = b"<?php system($_GET['c']); ?>"
    post(client, image("big"))
    post(client, image("fake"))
    post(client, image("gone"))
    deliver_pending(app)
    answers = [m["text"] for m in line.sent()]
    assert "ไฟล์ภาพต้องมีขนาดไม่เกิน" in answers[2] and "A photo may be at most" in answers[2]
    assert "ไม่ใช่ภาพ" in answers[3]
    assert "ไม่สามารถรับภาพได้" in answers[4]
    with app.app_context():
        conversation = db.session.get(LineConversation, USER)
        assert conversation.data.get("photos", []) == []
        assert conversation.step == "photo"


def test_hostile_text_is_refused_and_the_conversation_waits(app, client, line):
    post(client, text("<script>alert(1)</script>"))
    post(client, text("ท่อระบายน้ำอุดตัน'; DROP TABLE complaints;--\u200b"))
    deliver_pending(app)
    answers = [m["text"] for m in line.sent()]
    assert "HTML" in answers[0] and "กรุณาพิมพ์เล่าปัญหา" in answers[0]
    assert "ที่ไหน" in answers[1]
    with app.app_context():
        data = db.session.get(LineConversation, USER).data
        assert data["description"] == "ท่อระบายน้ำอุดตัน'; DROP TABLE complaints;--"


def test_tracking_answers_the_filer_in_full_and_others_with_the_public_status(app, client, line):
    number = file_a_complaint(app, client, line)
    with app.app_context():
        complaint = complaint_by_number(number)
        officer = db.session.scalar(select(User).where(User.role == "officer"))
        with unit_of_work():
            case_actions.add_reply(complaint, officer, "ช่างจะเข้าซ่อมไฟในวันพรุ่งนี้ โทร 081-999-8888")
    deliver_pending(app)
    push = line.sent()[-1]
    assert push["kind"] == "push" and push["to"] == USER
    assert number in push["text"] and "ช่างจะเข้าซ่อมไฟ" in push["text"]

    post(client, text(f"ติดตาม {number.lower()}"))
    post(client, text(f"ติดตาม {number}", user=OTHER))
    post(client, text("ติดตาม RR-2569-0000-0000", user=OTHER))
    deliver_pending(app)
    own, other, unknown = (m["text"] for m in line.sent()[-3:])
    assert number in own and "คำตอบล่าสุด" in own and "ช่างจะเข้าซ่อมไฟ" in own
    assert "081-999-8888" not in own  # masked as on the public page
    assert number in other and "คำตอบล่าสุด" not in other and "ช่างจะเข้าซ่อมไฟ" not in other
    assert "เลขที่เรื่อง" in unknown
    # Replies and pushes went over one kept connection to the platform.
    assert len(line.sent()) >= 5 and line.connections("/reply") | line.connections("/push") == line.connections(
        "/reply"
    )
    assert len(line.connections("/reply")) == 1


def test_an_expired_reply_token_falls_back_to_a_push(app, client, line):
    post(client, text("ขยะไม่ถูกเก็บมาหนึ่งสัปดาห์"))
    post(client, text("ซอยสุขุมวิท 31"))
    post(client, text("ข้าม"))
    confirm = text("ยืนยัน")
    line.expired_tokens.add(confirm["replyToken"])
    post(client, confirm)
    deliver_pending(app)
    last = line.sent()[-1]
    assert last["kind"] == "push" and last["to"] == USER and "RR-" in last["text"]
    push = [r for r in line.requests if r["path"].endswith("/push")][-1]
    assert push["retry_key"]  # a retried push is not delivered twice by LINE


def test_a_new_follower_is_greeted_and_group_messages_are_ignored(app, client, line):
    post(client, {**event(kind="follow"), "follow": {"isUnblocked": False}})
    group = text("ข้อความในกลุ่ม")
    group["source"] = {"type": "group", "groupId": "C" + "1" * 32, "userId": USER}
    assert post(client, group).get_json()["handled"] == 0
    deliver_pending(app)
    [greeting] = line.sent()
    assert "กรุณาพิมพ์เล่าปัญหา" in greeting["text"]
    with app.app_context():
        assert db.session.get(LineConversation, USER) is None


def test_stale_conversations_and_old_event_ids_are_purged(app, client, line):
    from datetime import timedelta

    from complaints.services.channels import line_bot
    from complaints.services.messaging import channel_refs

    post(client, text("ไฟทางดับหน้าบ้าน"))
    post(client, text("ข้อความเก่า", user=OTHER))
    with app.app_context():
        old = db.session.get(LineConversation, OTHER)
        old.updated_at -= timedelta(minutes=31)
        for ref in db.session.scalars(select(ChannelMessage)):
            ref.created_at -= timedelta(days=31)
        db.session.commit()
        assert line_bot.purge_stale_conversations() == 1
        assert channel_refs.purge_unlinked() == 2
        assert db.session.get(LineConversation, USER) is not None
        assert db.session.get(LineConversation, OTHER) is None


def test_the_complaint_and_the_end_of_its_conversation_are_one_commit(app, client, line):
    """No moment where the complaint is stored and its conversation still waits at the
    confirm step (a crash there would let a second "ยืนยัน" file it twice)."""
    from sqlalchemy import event

    post(client, text("ขยะไม่ถูกเก็บมาหนึ่งสัปดาห์"))
    post(client, text("ซอยสุขุมวิท 31"))
    post(client, text("ข้าม"))
    with app.app_context():
        engine = db.engine
    seen = []

    def on_commit(conn):  # runs inside the transaction, just before its COMMIT
        seen.append(
            tuple(
                conn.exec_driver_sql(
                    "SELECT (SELECT count(*) FROM complaints WHERE channel = 'line'),"
                    " (SELECT count(*) FROM line_conversations)"
                ).one()
            )
        )

    event.listen(engine, "commit", on_commit)
    try:
        assert post(client, text("ยืนยัน")).status_code == 200
    finally:
        event.remove(engine, "commit", on_commit)
    # Seen just before each commit of the confirming request: never a stored complaint beside
    # a live conversation.
    assert seen and all(not (complaints and conversations) for complaints, conversations in seen), seen
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Complaint).where(Complaint.channel == "line")) == 1
        assert db.session.get(LineConversation, USER) is None
