"""A channel without credentials is off, not failing: no network call, its messages in the
development outbox folder; the admin's channel page says which channels are configured."""

from __future__ import annotations

import email
import email.policy
import json
import re
import socket
from pathlib import Path

import pytest
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import ChannelMessage, Complaint, LineConversation, OutboxMessage, Status, TimelineEvent, User
from complaints.services.casework import case_actions
from complaints.services.channels.webhook_signatures import sign
from complaints.services.messaging import channel_status, outbox, sms
from complaints.services.unit_of_work import unit_of_work
from tests.channel_fakes import FakeLinePlatform, FakeSmsGateway
from tests.helpers import complaint_by_number, counts, login, make_staff
from tests.test_channel_line import SECRET as LINE_SECRET
from tests.test_channel_line import USER, image, location, text
from tests.test_channel_line import post as line_post

SMS_SECRET = "sms-webhook-secret"
NO_CREDENTIALS = {"MAIL_SERVER": None, "LINE_CHANNEL_ACCESS_TOKEN": None, "SMS_PROVIDER_URL": None}
NOT_CONFIGURED_TH = "ยังไม่ได้ตั้งค่า — ข้อความจะถูกเขียนลงโฟลเดอร์ทดสอบ"
NOT_CONFIGURED_EN = "not configured — messages go to the development outbox folder"


@pytest.fixture
def no_network(monkeypatch):
    """Every attempt to resolve a name or open a connection is recorded and refused."""
    attempts: list[tuple] = []

    def refuse(kind):
        def _refuse(*args, **kwargs):
            attempts.append((kind, args[1:] if kind != "getaddrinfo" else args[:2]))
            raise OSError(f"test: no network ({kind})")

        return _refuse

    monkeypatch.setattr(socket.socket, "connect", refuse("connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("connect_ex"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    return attempts


@pytest.fixture
def unconfigured(app):
    """Webhooks open (their secrets set), every outbound channel without credentials."""
    app.config.update(NO_CREDENTIALS, LINE_CHANNEL_SECRET=LINE_SECRET, SMS_WEBHOOK_SECRET=SMS_SECRET)
    return app


def deliver_all(app) -> list[str]:
    with app.app_context():
        ids = db.session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.status == "pending").order_by(OutboxMessage.id)
        ).all()
        return [outbox.deliver_message(message_id) for message_id in ids]


def sms_post(client, payload: dict):
    body = json.dumps(payload, ensure_ascii=False).encode()
    return client.post(
        "/channels/sms/inbound",
        data=body,
        headers={"Content-Type": "application/json", "X-Signature": sign(body, SMS_SECRET)},
    )


def json_files(folder: Path) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))] if folder.exists() else []


def line_conversation(client) -> None:
    for event in (text("ไฟทางดับทั้งซอย มืดมากตอนกลางคืน"), location(), text("ข้าม"), text("ยืนยัน")):
        assert line_post(client, event).status_code == 200


# --- the rule ------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,expected",
    [
        (None, False),
        ("", False),
        ("   ", False),
        ("\u200b\ufeff", False),
        ("\x00\t\r\n", False),
        (" token ", True),
        ("โทเค็น", True),
    ],
)
def test_a_channel_is_configured_exactly_when_its_credentials_are_set(app, value, expected):
    with app.app_context():
        for channel, (setting,) in channel_status.CREDENTIALS.items():
            app.config.update(NO_CREDENTIALS)
            app.config[setting] = value
            assert channel_status.configured(channel) is expected, (channel, value)
            assert [c for c in channel_status.CREDENTIALS if channel_status.configured(c)] == (
                [channel] if expected else []
            )


# --- unconfigured: no network, files in the development outbox ------------------


def test_line_without_a_token_writes_every_answer_to_the_outbox_and_opens_no_socket(unconfigured, client, no_network):
    app = unconfigured
    line_conversation(client)
    assert deliver_all(app) == ["sent"] * 4
    assert no_network == []
    files = json_files(Path(app.config["LINE_OUTBOX_DIR"]))
    assert len(files) == 4 and all(f["channel"] == "line" and f["to"] == USER for f in files)
    with app.app_context():
        complaint = db.session.scalar(select(Complaint).where(Complaint.channel == "line"))
        receipt = files[-1]
        assert complaint.tracking_number in receipt["text"] and "ได้รับเรื่องแล้ว" in receipt["text"]
        assert receipt["reply_token"]  # what a real reply would have used
        assert "ที่ไหน" in files[0]["text"]
        # Outside production the demo flows: acknowledged, and the timeline says how.
        assert complaint.status == Status.ACKNOWLEDGED and complaint.acknowledged_at is not None
        ack = db.session.scalar(
            select(TimelineEvent).where(
                TimelineEvent.complaint_id == complaint.id, TimelineEvent.kind == "acknowledged"
            )
        )
        assert ack.text == "line (development outbox)"
        message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.complaint_id == complaint.id))
        assert message.status == "sent" and message.payload["dev_outbox"] == f"outbox-{message.id}.json"


def test_a_photo_from_an_unconfigured_line_is_not_fetched(unconfigured, client, no_network):
    app = unconfigured
    line_post(client, text("ต้นไม้ล้มขวางถนน"))
    line_post(client, text("หน้าวัดสุทัศน์"))
    assert line_post(client, image("photo-1")).status_code == 200
    deliver_all(app)
    assert no_network == []
    answers = [f["text"] for f in json_files(Path(app.config["LINE_OUTBOX_DIR"]))]
    assert "ไม่สามารถรับภาพได้" in answers[-1]
    with app.app_context():
        assert db.session.get(LineConversation, USER).step == "photo"


def test_sms_without_a_gateway_writes_acknowledgement_and_updates_to_the_outbox(unconfigured, client, no_network):
    app = unconfigured
    number = sms_post(
        client, {"message_id": "dev-1", "from": "0812345678", "text": "ไฟจราจรเสีย <script>alert(1)</script>"}
    ).get_json()
    # Hostile text is refused at intake, the same as with a gateway; plain text goes on.
    assert number.get("tracking_number") is None
    number = sms_post(client, {"message_id": "dev-2", "from": "0812345678", "text": "ไฟจราจรเสียที่แยก"}).get_json()[
        "tracking_number"
    ]
    assert set(deliver_all(app)) == {"sent"}
    with app.app_context():
        officer = db.session.scalar(select(User).where(User.role == "officer"))
        with unit_of_work():
            case_actions.add_reply(complaint_by_number(number), officer, "ช่างจะเข้าซ่อมวันพรุ่งนี้")
    assert deliver_all(app) == ["sent"]
    assert no_network == []
    files = json_files(Path(app.config["SMS_OUTBOX_DIR"]))
    assert {f["to"] for f in files} == {"0812345678"} and all(f["channel"] == "sms" for f in files)
    assert any(number in f["text"] and "ได้รับเรื่อง" in f["text"] for f in files)
    assert any("ช่างจะเข้าซ่อม" in f["text"] for f in files)
    with app.app_context():
        assert complaint_by_number(number).acknowledged_at is not None


def test_email_without_a_mail_server_opens_no_socket(unconfigured, client, no_network):
    app = unconfigured
    response = client.post(
        "/api/v1/complaints",
        json={
            "description": "น้ำท่วมขังหน้าบ้าน ระบายไม่ออก",
            "category": "น้ำท่วม",
            "contact": {"name": "มานี มีนา", "email": "manee@example.com"},
        },
    )
    number = response.get_json()["tracking_number"]
    assert deliver_all(app) == ["sent"]
    assert no_network == []
    [path] = Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml")
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert message["To"] == "manee@example.com" and number in message["Subject"]


def test_in_production_the_outbox_write_is_not_an_acknowledgement(unconfigured, client, no_network):
    app = unconfigured
    app.config["RONGRIAN_ENV"] = "production"
    number = sms_post(client, {"message_id": "prod-1", "from": "0899999999", "text": "ถนนเป็นหลุม"}).get_json()[
        "tracking_number"
    ]
    assert deliver_all(app) == ["dev_outbox"]
    assert no_network == []
    assert len(json_files(Path(app.config["SMS_OUTBOX_DIR"]))) == 1
    with app.app_context():
        complaint = complaint_by_number(number)
        assert complaint.acknowledged_at is None and complaint.status == Status.RECEIVED
        assert [e.kind for e in complaint.events] == ["received"]
        message = db.session.scalar(select(OutboxMessage))
        assert message.status == "dev_outbox" and message.sent_at is not None
        # Done with: neither delivered again nor relayed.
        assert outbox.deliver_message(message.id) == "already_written"
        assert outbox.relay_pending() == 0
    assert len(json_files(Path(app.config["SMS_OUTBOX_DIR"]))) == 1


@pytest.mark.postgres
def test_in_production_on_postgresql_the_message_keeps_its_dev_outbox_status(pg_app, no_network):
    """The status fits the column (VARCHAR(10)) where its length is enforced."""
    app = pg_app
    app.config.update(NO_CREDENTIALS, SMS_WEBHOOK_SECRET=SMS_SECRET, RONGRIAN_ENV="production")
    client = app.test_client()
    number = sms_post(client, {"message_id": "pg-1", "from": "0899999998", "text": "ถนนเป็นหลุม"}).get_json()[
        "tracking_number"
    ]
    assert deliver_all(app) == ["dev_outbox"]
    with app.app_context():
        assert db.session.scalar(select(OutboxMessage.status)) == "dev_outbox"
        assert complaint_by_number(number).acknowledged_at is None
    assert no_network == []  # (PostgreSQL is reached through libpq, not Python sockets)


def test_an_outbox_folder_that_cannot_be_written_keeps_the_message_for_a_retry(unconfigured, client, tmp_path):
    app = unconfigured
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    app.config["SMS_OUTBOX_DIR"] = str(blocker / "sms")
    sms_post(client, {"message_id": "ro-1", "from": "0811111111", "text": "ทางเท้าชำรุด"})
    with app.app_context():
        message_id = db.session.scalar(select(OutboxMessage.id))
        with pytest.raises(outbox.RetryLater):
            outbox.deliver_message(message_id)
        message = db.session.get(OutboxMessage, message_id)
        assert message.status == "pending" and "development outbox" in message.last_error


@pytest.mark.parametrize("reference", ["../../escape", "/etc/passwd", "..", "a/b\\c", "x\x00y", "ข้อความ"])
def test_an_sms_outbox_file_never_leaves_its_folder(app, tmp_path, reference):
    folder = tmp_path / "sms-out"
    with app.app_context():
        path = sms.write_to_folder("0812345678", "ทดสอบ", reference, folder)
    assert path.parent == folder and path.exists()
    assert [p for p in tmp_path.rglob("*.json")] == [path]


# --- configured: delivery still goes to the (fake) service --------------------


@pytest.mark.parametrize("channel", ["line", "sms"])
def test_the_no_network_guard_does_catch_a_configured_channel(unconfigured, client, no_network, channel):
    """The guard above is not vacuous: a configured channel's delivery is seen trying to connect."""
    app = unconfigured
    app.config.update(
        LINE_CHANNEL_ACCESS_TOKEN="line-token",
        LINE_API_BASE_URL="http://line.invalid:9",
        SMS_PROVIDER_URL="http://sms.invalid:9/send",
    )
    if channel == "line":
        line_post(client, text("ไฟทางดับทั้งซอย"))
    else:
        sms_post(client, {"message_id": "guard-1", "from": "0833333333", "text": "ไฟจราจรเสีย"})
    with app.app_context():
        with pytest.raises(outbox.RetryLater):
            outbox.deliver_message(db.session.scalar(select(OutboxMessage.id)))
    assert no_network
    assert json_files(Path(app.config["LINE_OUTBOX_DIR"])) == json_files(Path(app.config["SMS_OUTBOX_DIR"])) == []


def test_with_credentials_line_and_sms_go_to_their_services_and_not_to_the_outbox(unconfigured, client):
    app = unconfigured
    with FakeLinePlatform() as line, FakeSmsGateway() as gateway:
        app.config.update(
            LINE_CHANNEL_ACCESS_TOKEN="line-token", LINE_API_BASE_URL=line.url, SMS_PROVIDER_URL=gateway.url + "/send"
        )
        line_conversation(client)
        number = sms_post(client, {"message_id": "live-1", "from": "0822222222", "text": "ไฟฟ้าดับ"}).get_json()[
            "tracking_number"
        ]
        assert deliver_all(app) == ["sent"] * 5
        assert len(line.sent()) == 4 and gateway.requests[0]["body"]["to"] == "0822222222"
        assert number in gateway.requests[0]["body"]["text"]
    assert json_files(Path(app.config["LINE_OUTBOX_DIR"])) == []
    assert json_files(Path(app.config["SMS_OUTBOX_DIR"])) == []
    with app.app_context():
        assert "dev_outbox" not in db.session.scalar(select(OutboxMessage).order_by(OutboxMessage.id.desc())).payload


# --- inbound webhooks of an unconfigured channel --------------------------------


@pytest.mark.parametrize(
    "path,setting,header",
    [
        ("/channels/line/webhook", "LINE_CHANNEL_SECRET", "X-Line-Signature"),
        ("/channels/sms/inbound", "SMS_WEBHOOK_SECRET", "X-Signature"),
        ("/channels/email/inbound", "EMAIL_WEBHOOK_SECRET", "X-Signature"),
    ],
)
@pytest.mark.parametrize(
    "body", [b'{"events": []}', b"<script>alert(1)</script>", b"' OR 1=1 --", b"\x00\xff" * 50, b"x" * 200_000]
)
def test_a_webhook_of_an_unconfigured_channel_is_a_bilingual_404(app, client, no_network, path, setting, header, body):
    app.config[setting] = None
    before = counts(app)
    response = client.post(path, data=body, headers={"Content-Type": "application/json", header: "sha256=abc"})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["code"] == "channel-not-configured"
    assert "ยังไม่ได้เปิดใช้ช่องทาง" in problem["detail_th"] and "not configured" in problem["detail"]
    assert counts(app) == before and no_network == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ChannelMessage)) == 0


# --- the admin's channel page ----------------------------------------------------


def rows(page: str) -> dict[str, str]:
    return dict(re.findall(r'<tr id="channel-(\w+)" data-configured="(yes|no)"', page))


def row_html(page: str, key: str) -> str:
    return re.search(rf'<tr id="channel-{key}".*?</tr>', page, re.S).group(0)


def test_the_channel_page_says_in_thai_which_channels_are_configured(unconfigured, admin):
    page = admin.get("/admin/channels")
    assert page.status_code == 200
    assert rows(page.text) == {"web": "yes", "email": "no", "line": "no", "sms": "no", "open311": "no", "phone": "yes"}
    line = row_html(page.text, "line")
    # Thai first, English beside it, smaller.
    assert line.index(NOT_CONFIGURED_TH) < line.index(NOT_CONFIGURED_EN)
    assert "LINE_CHANNEL_ACCESS_TOKEN" in line and unconfigured.config["LINE_OUTBOX_DIR"] in line
    assert "รับเรื่องจาก webhook ของ LINE" in line and 'data-ready="yes"' in line
    sms_row = row_html(page.text, "sms")
    assert "SMS_PROVIDER_URL" in sms_row and NOT_CONFIGURED_TH in sms_row
    assert "MAIL_SERVER" in row_html(page.text, "email")
    web = row_html(page.text, "web")
    assert "ตั้งค่าแล้ว" in web and NOT_CONFIGURED_TH not in web
    assert 'href="/admin/api-keys"' in row_html(page.text, "open311")
    # The admin navigation leads here.
    assert 'href="/admin/channels"' in admin.get("/admin/").text


def test_the_channel_page_in_english_and_with_credentials(unconfigured, admin):
    unconfigured.config.update(
        LINE_CHANNEL_ACCESS_TOKEN="t",
        SMS_PROVIDER_URL="https://sms.example/send",
        MAIL_SERVER="smtp.example",
        EMAIL_WEBHOOK_SECRET=None,
        IMAP_HOST=None,
    )
    page = admin.get("/admin/channels?lang=en")
    assert page.status_code == 200
    assert rows(page.text) == {
        "web": "yes",
        "email": "yes",
        "line": "yes",
        "sms": "yes",
        "open311": "no",
        "phone": "yes",
    }
    assert "<h1>Channels <small>ช่องทาง</small></h1>" in page.text
    line = row_html(page.text, "line")
    assert line.index("configured") < line.index("ตั้งค่าแล้ว")
    assert NOT_CONFIGURED_EN not in page.text and unconfigured.config["LINE_OUTBOX_DIR"] not in page.text
    email_row = row_html(page.text, "email")
    assert 'data-ready="no"' in email_row and "IMAP_HOST" in email_row
    unconfigured.config["LINE_CHANNEL_ACCESS_TOKEN"] = None
    line = row_html(admin.get("/admin/channels?lang=en").text, "line")
    assert line.index(NOT_CONFIGURED_EN) < line.index(NOT_CONFIGURED_TH)


@pytest.mark.parametrize("role", ["officer", "supervisor", "manager", "integrity"])
def test_only_admins_see_the_channel_page(app, client, role):
    make_staff(app, f"{role}9", role, "complaints-centre")
    assert login(client, f"{role}9").status_code == 302
    response = client.get("/admin/channels")
    assert response.status_code == 403 and "LINE_CHANNEL_ACCESS_TOKEN" not in response.text


def test_in_production_the_channel_page_warns_that_the_outbox_is_not_an_acknowledgement(unconfigured, admin):
    assert "ไม่นับเป็นการตอบรับเรื่อง" not in admin.get("/admin/channels").text
    unconfigured.config["RONGRIAN_ENV"] = "production"
    page = admin.get("/admin/channels").text
    assert "ไม่นับเป็นการตอบรับเรื่อง" in page and "nor as an acknowledgement" in page
    assert rows(page)["line"] == "no"
