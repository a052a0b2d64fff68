"""A real Celery worker sends LINE and SMS answers to fake peers on loopback."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import User
from complaints.services.casework import case_actions
from complaints.services.channels.webhook_signatures import sign
from complaints.services.unit_of_work import unit_of_work
from tests.channel_fakes import FakeLinePlatform, FakeSmsGateway
from tests.helpers import complaint_by_number
from tests.integration.test_worker_acknowledgement import worker_factory  # noqa: F401 (fixture)
from tests.processes import wait_for
from tests.test_channel_line import SECRET, USER, location, post, text

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.worker]


def test_worker_answers_on_line_and_pushes_status_changes(tmp_path, pg_database, redis_url, worker_factory, worker_app):  # noqa: F811
    with FakeLinePlatform() as line, FakeSmsGateway() as gateway:
        settings = {
            "LINE_CHANNEL_SECRET": SECRET,
            "LINE_CHANNEL_ACCESS_TOKEN": "line-token",
            "LINE_API_BASE_URL": line.url,
            "LINE_DATA_API_BASE_URL": line.url,
            "SMS_WEBHOOK_SECRET": "sms-secret",
            "SMS_PROVIDER_URL": gateway.url + "/send",
        }
        worker = worker_factory(pg_database, redis_url, **settings)
        app = worker_app(redis_url)
        app.config.update(settings)
        client = app.test_client()
        post(client, text("ป้ายรถเมล์หลังคาพัง"))
        post(client, location())
        post(client, text("ข้าม"))
        post(client, text("ยืนยัน"))
        receipt = wait_for(lambda: [m for m in line.sent() if "RR-" in m["text"]], timeout=20)
        assert receipt, worker.log()
        number = next(w for w in receipt[0]["text"].split() if w.startswith("RR-"))
        with app.app_context():
            officer = db.session.scalar(select(User).where(User.role == "officer"))
            with unit_of_work():
                case_actions.add_reply(complaint_by_number(number), officer, "ซ่อมหลังคาแล้ว")
            db.session.remove()
        pushed = wait_for(lambda: [m for m in line.sent() if m["kind"] == "push"], timeout=20)
        assert pushed and pushed[0]["to"] == USER and "ซ่อมหลังคาแล้ว" in pushed[0]["text"], worker.log()

        body = json.dumps({"message_id": "w-1", "from": "0812345678", "text": "ไฟจราจรเสีย"}).encode()
        response = client.post(
            "/channels/sms/inbound",
            data=body,
            headers={"Content-Type": "application/json", "X-Signature": sign(body, "sms-secret")},
        )
        sms_number = response.get_json()["tracking_number"]
        sent = wait_for(lambda: gateway.requests, timeout=20)
        assert sent and sms_number in sent[0]["body"]["text"], worker.log()


def test_worker_without_credentials_writes_line_and_sms_answers_to_the_outbox(
    tmp_path, pg_database, redis_url, worker_factory, worker_app
):  # noqa: F811
    """No LINE token, no SMS gateway: the worker writes files and the fake LINE platform,
    where LINE_API_BASE_URL points, never hears from it."""
    with FakeLinePlatform() as line:
        settings = {
            "LINE_CHANNEL_SECRET": SECRET,
            "LINE_CHANNEL_ACCESS_TOKEN": "",
            "LINE_API_BASE_URL": line.url,
            "LINE_DATA_API_BASE_URL": line.url,
            "SMS_WEBHOOK_SECRET": "sms-secret",
            "SMS_PROVIDER_URL": "",
            "LINE_OUTBOX_DIR": str(tmp_path / "worker-line"),
            "SMS_OUTBOX_DIR": str(tmp_path / "worker-sms"),
        }
        worker = worker_factory(pg_database, redis_url, **settings)
        app = worker_app(redis_url)
        app.config.update({**settings, "LINE_CHANNEL_ACCESS_TOKEN": None, "SMS_PROVIDER_URL": None})
        client = app.test_client()
        for event in (text("ป้ายรถเมล์หลังคาพัง"), location(), text("ข้าม"), text("ยืนยัน")):
            assert post(client, event).status_code == 200

        def written(folder: str) -> list[dict]:
            return [json.loads(p.read_text(encoding="utf-8")) for p in sorted((tmp_path / folder).glob("*.json"))]

        receipt = wait_for(lambda: [f for f in written("worker-line") if "RR-" in f["text"]], timeout=20)
        assert receipt and receipt[0]["to"] == USER, worker.log()
        body = json.dumps({"message_id": "w-2", "from": "0812345678", "text": "ไฟจราจรเสีย"}).encode()
        response = client.post(
            "/channels/sms/inbound",
            data=body,
            headers={"Content-Type": "application/json", "X-Signature": sign(body, "sms-secret")},
        )
        sms_number = response.get_json()["tracking_number"]
        sms_files = wait_for(lambda: written("worker-sms"), timeout=20)
        assert sms_files and sms_number in sms_files[0]["text"] and sms_files[0]["to"] == "0812345678", worker.log()
        number = next(w for w in receipt[0]["text"].split() if w.startswith("RR-"))
        assert wait_for(lambda: _acknowledged(app, number), timeout=10), worker.log()
        assert line.requests == [] and line.answered == []
        assert "api.line.me" not in worker.log() and "NameResolution" not in worker.log()


def _acknowledged(app, number: str) -> bool:
    with app.app_context():
        acknowledged = complaint_by_number(number).acknowledged_at is not None
        db.session.remove()
        return acknowledged
