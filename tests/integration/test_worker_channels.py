"""A real Celery worker sends LINE and SMS answers to fake peers on loopback."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import User
from complaints.services import casework
from complaints.services.webhook_signatures import sign
from tests.channel_fakes import FakeLinePlatform, FakeSmsGateway
from tests.conftest import wait_for
from tests.helpers import complaint_by_number
from tests.integration.test_worker_acknowledgement import make_app, worker_factory  # noqa: F401 (fixture)
from tests.test_channel_line import SECRET, USER, location, post, text

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.worker]


def test_worker_answers_on_line_and_pushes_status_changes(tmp_path, pg_database, redis_url, worker_factory):  # noqa: F811
    with FakeLinePlatform() as line, FakeSmsGateway() as gateway:
        settings = {"LINE_CHANNEL_SECRET": SECRET, "LINE_CHANNEL_ACCESS_TOKEN": "line-token",
                    "LINE_API_BASE_URL": line.url, "LINE_DATA_API_BASE_URL": line.url,
                    "SMS_WEBHOOK_SECRET": "sms-secret", "SMS_PROVIDER_URL": gateway.url + "/send"}
        worker = worker_factory(pg_database, redis_url, **settings)
        app = make_app(tmp_path, pg_database, redis_url)
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
            casework.add_reply(complaint_by_number(number), officer, "ซ่อมหลังคาแล้ว")
            db.session.remove()
        pushed = wait_for(lambda: [m for m in line.sent() if m["kind"] == "push"], timeout=20)
        assert pushed and pushed[0]["to"] == USER and "ซ่อมหลังคาแล้ว" in pushed[0]["text"], worker.log()

        body = json.dumps({"message_id": "w-1", "from": "0812345678", "text": "ไฟจราจรเสีย"}).encode()
        response = client.post("/channels/sms/inbound", data=body,
                               headers={"Content-Type": "application/json", "X-Signature": sign(body, "sms-secret")})
        sms_number = response.get_json()["tracking_number"]
        sent = wait_for(lambda: gateway.requests, timeout=20)
        assert sent and sms_number in sent[0]["body"]["text"], worker.log()
