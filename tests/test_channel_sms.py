"""SMS: HMAC-signed inbound webhook, outbound through a fake HTTP gateway on loopback, message length."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import Complaint, OutboxMessage, User
from complaints.services.casework import case_actions
from complaints.services.channels.webhook_signatures import sign
from complaints.services.messaging import outbox, sms
from complaints.services.messaging.delivery import DeliveryFailed
from complaints.services.unit_of_work import unit_of_work
from tests.channel_fakes import FakeSmsGateway
from tests.helpers import complaint_by_number, counts

SECRET = "sms-webhook-secret"


@pytest.fixture
def gateway(app):
    with FakeSmsGateway() as fake:
        app.config.update(SMS_WEBHOOK_SECRET=SECRET, SMS_PROVIDER_URL=fake.url + "/send", SMS_PROVIDER_TOKEN="gw-token")
        yield fake


def post(client, payload, secret: str | None = SECRET, signature: str | None = None):
    body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Signature"] = signature
    elif secret is not None:
        headers["X-Signature"] = "sha256=" + sign(body, secret)
    return client.post("/channels/sms/inbound", data=body, headers=headers)


def deliver_pending(app) -> None:
    with app.app_context():
        for message_id in db.session.scalars(select(OutboxMessage.id).where(OutboxMessage.status == "pending")):
            outbox.deliver_message(message_id)


def test_an_sms_becomes_a_complaint_acknowledged_by_sms_with_its_tracking_number(app, client, gateway):
    response = post(
        client, {"message_id": "gw-1", "from": "+66812345678", "text": "ไฟฟ้าดับทั้งหมู่บ้านตั้งแต่เมื่อคืน หมู่ 3 ตำบลบางพลี"}
    )
    assert response.status_code == 200, response.text
    number = response.get_json()["tracking_number"]
    deliver_pending(app)
    [sent] = gateway.requests
    assert sent["authorization"] == "Bearer gw-token"
    assert sent["body"]["to"] == "0812345678"
    assert sent["body"]["text"].splitlines()[0].endswith(number)
    assert sms.segments(sent["body"]["text"]) <= app.config["SMS_MAX_PARTS"]
    with app.app_context():
        complaint = complaint_by_number(number)
        assert complaint.channel == "sms" and complaint.complainant.phone == "0812345678"
        assert "ไฟฟ้าดับ" in complaint.description
        assert complaint.acknowledged_at is not None


@pytest.mark.parametrize("secret,signature", [(None, None), ("wrong-secret", None), (None, "sha256=00ff")])
def test_a_bad_or_missing_signature_is_refused_and_nothing_is_stored(app, client, gateway, secret, signature):
    before = counts(app)
    response = post(client, {"message_id": "gw-2", "from": "0812345678", "text": "ถนนพัง"}, secret, signature)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json" and response.get_json()["detail_th"]
    assert counts(app) == before


@pytest.mark.parametrize(
    "payload,status",
    [
        (b"{not json", 400),
        ([1, 2], 422),
        ({"from": "0812345678", "text": "x"}, 422),
        ({"message_id": "m", "from": "0812345678", "text": ""}, 422),
        ({"message_id": "m", "from": "0812345678", "text": "<script>alert(1)</script>"}, 422),
        ({"message_id": "m", "from": "0812345678", "text": "ก" * 5000}, 422),
        ({"message_id": "m", "from": "not-a-number", "text": "ถนนพัง"}, 422),
    ],
)
def test_malformed_or_hostile_messages_are_a_4xx_and_store_nothing(app, client, gateway, payload, status):
    before = counts(app)
    response = post(client, payload)
    assert response.status_code == status, response.text
    assert response.get_json()["detail_th"]
    assert counts(app) == before


def test_a_retried_post_creates_one_complaint(app, client, gateway):
    payload = {"message_id": "gw-7", "from": "0899999999", "text": "สุนัขจรจัดกัดเด็กหน้าโรงเรียน"}
    first = post(client, payload).get_json()
    second = post(client, payload).get_json()
    assert second == {"status": "duplicate", "tracking_number": first["tracking_number"]}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Complaint).where(Complaint.channel == "sms")) == 1


def test_status_by_sms_and_updates_pushed_by_sms(app, client, gateway):
    number = post(client, {"message_id": "gw-8", "from": "0811111111", "text": "ไฟทางดับ"}).get_json()["tracking_number"]
    with app.app_context():
        officer = db.session.scalar(select(User).where(User.role == "officer"))
        with unit_of_work():
            case_actions.add_reply(complaint_by_number(number), officer, "จะซ่อมภายใน 3 วัน")
    post(client, {"message_id": "gw-9", "from": "0811111111", "text": f"ติดตาม {number}"})
    post(client, {"message_id": "gw-10", "from": "0822222222", "text": f"ติดตาม {number}"})
    deliver_pending(app)
    texts = {(r["body"]["to"], i): r["body"]["text"] for i, r in enumerate(gateway.requests)}
    update = next(t for (to, _), t in texts.items() if to == "0811111111" and "เจ้าหน้าที่ตอบกลับ" in t)
    assert number in update and "จะซ่อม" in update
    own = next(t for (to, _), t in texts.items() if to == "0811111111" and "กำหนดแจ้งผล " in t)
    other = next(t for (to, _), t in texts.items() if to == "0822222222")
    assert number in own and number in other
    assert "คำตอบล่าสุด" in own and "คำตอบล่าสุด" not in other
    # Every message went over one kept connection, not a new one each.
    assert len(gateway.requests) >= 4 and len(gateway.connections()) == 1


def test_a_gateway_that_refuses_keeps_the_message_for_a_retry(app, client, gateway):
    gateway.status = 503
    post(client, {"message_id": "gw-11", "from": "0833333333", "text": "น้ำท่วมขัง"})
    with app.app_context():
        message_id = db.session.scalar(select(OutboxMessage.id))
        with pytest.raises(DeliveryFailed):
            outbox.deliver_message(message_id)
        message = db.session.get(OutboxMessage, message_id)
        assert message.status == "pending" and "503" in message.last_error


def test_without_a_gateway_messages_go_to_the_development_outbox(app, client, tmp_path):
    app.config.update(SMS_WEBHOOK_SECRET=SECRET, SMS_PROVIDER_URL=None, SMS_OUTBOX_DIR=str(tmp_path / "sms"))
    number = post(client, {"message_id": "gw-12", "from": "0844444444", "text": "ทางเท้าชำรุด"}).get_json()[
        "tracking_number"
    ]
    deliver_pending(app)
    [path] = (tmp_path / "sms").glob("*.json")
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record["to"] == "0844444444" and number in record["text"]


@pytest.mark.parametrize(
    "text,parts",
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("{" * 80, 1),
        ("{" * 81, 2),
        ("ก" * 70, 1),
        ("ก" * 71, 2),
        ("ก" * 134, 2),
        ("ก" * 135, 3),
        ("😀" * 35, 1),
        ("😀" * 36, 2),
    ],
)
def test_sms_parts_follow_gsm7_and_ucs2_limits(text, parts):
    assert sms.segments(text) == parts


def test_a_long_message_is_cut_by_whole_lines_keeping_the_tracking_number():
    text = "ได้รับเรื่องแล้ว เลขที่ RR-2569-7K3M-Q2XD\n" + "\n".join("รายละเอียดเพิ่มเติม" * 3 for _ in range(10))
    fitted = sms.fit(text, 2)
    assert sms.segments(fitted) <= 2
    assert fitted.startswith("ได้รับเรื่องแล้ว เลขที่ RR-2569-7K3M-Q2XD")
    assert sms.fit("ก" * 500, 1) == "ก" * 70


def test_a_message_handled_twice_at_once_stores_and_answers_once(app):
    """Two requests for the same channel message that both passed the first lookup:
    the reference's unique key lets one store its answer, the other stores nothing."""
    from complaints.services.messaging import channel_refs

    with app.app_context():

        def answer(text):
            return OutboxMessage(purpose="conversation", channel="sms", recipient="0812345678", payload={"text": text})

        assert channel_refs.record_once("sms", "gw-race", answer=answer("first")) is True
        assert channel_refs.record_once("sms", " gw-race ", answer=answer("second")) is False
        texts = db.session.scalars(select(OutboxMessage.payload)).all()
        assert [t["text"] for t in texts] == ["first"]
        assert channel_refs.find("sms", "gw-race") is not None
