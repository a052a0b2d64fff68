"""Real parts: PostgreSQL, Redis and a Celery worker process acknowledging complaints."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from complaints.domain.task_names import TaskName
from complaints.extensions import db
from complaints.models import Complaint, OutboxMessage
from tests.conftest import service_unavailable, worker_env
from tests.processes import CeleryWorker, RedisServer, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.worker]

BODY = {
    "description": "ท่อระบายน้ำอุดตัน น้ำเน่าส่งกลิ่นเหม็น",
    "category": "ท่อระบายน้ำ",
    "contact": {"name": "ประยุทธ์ ทดสอบ", "email": "citizen@example.com"},
    "location": {"province": "กรุงเทพมหานคร", "district": "บางเขน"},
}


def acknowledged_at(app, number: str):
    with app.app_context():
        value = db.session.scalar(select(Complaint.acknowledged_at).where(Complaint.tracking_number == number))
        db.session.remove()
        return value


def eml_files(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "mail").glob("*.eml"))


@pytest.fixture
def worker_factory(tmp_path):
    started = []

    def start(database_url: str, broker_url: str, beat: bool = False, **extra):
        worker = CeleryWorker(
            worker_env(tmp_path, database_url, broker_url, **extra), tmp_path / f"worker-{len(started)}.log", beat=beat
        )
        started.append(worker)
        worker.start()
        worker.wait_ready()
        return worker

    yield start
    for worker in started:
        worker.stop()


def test_worker_acknowledges_an_api_complaint_within_seconds(
    tmp_path, pg_database, redis_url, worker_factory, worker_app
):
    worker = worker_factory(pg_database, redis_url)
    app = worker_app(redis_url)
    client = app.test_client()
    response = client.post("/api/v1/complaints", json=BODY)
    assert response.status_code == 201
    number = response.get_json()["tracking_number"]
    assert response.get_json()["status"] == "received"
    acked = wait_for(lambda: acknowledged_at(app, number), timeout=15)
    assert acked is not None, worker.log()
    with app.app_context():
        complaint = db.session.scalar(select(Complaint).where(Complaint.tracking_number == number))
        latency = (complaint.acknowledged_at - complaint.received_at).total_seconds()
        assert latency < 5, latency
        assert complaint.status == "acknowledged"
        message = db.session.scalar(select(OutboxMessage))
        assert message.status == "sent" and message.attempts == 1
    files = eml_files(tmp_path)
    assert len(files) == 1
    assert number in files[0].read_text(errors="replace")
    # The public view shows the acknowledgement.
    assert client.get(f"/api/v1/complaints/{number}").get_json()["acknowledged_at"] is not None

    # The same task delivered again (a redelivery after a lost ack) sends nothing new.
    with app.app_context():
        app.extensions["celery"].send_task(TaskName.ACKNOWLEDGE, args=[message.id])
    assert wait_for(lambda: worker.log().count("'already_sent'") >= 1, timeout=15), worker.log()
    assert len(eml_files(tmp_path)) == 1


@pytest.fixture
def own_redis(tmp_path, redis_url):
    if shutil.which("redis-server") is None:
        service_unavailable("redis-server binary")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def test_redis_down_at_intake_then_back_the_relay_acknowledges(
    tmp_path, pg_database, own_redis, worker_factory, worker_app
):
    broker = f"redis://127.0.0.1:{own_redis.port}/0"
    worker = worker_factory(pg_database, broker, beat=True, OUTBOX_RELAY_SECONDS="1", OUTBOX_RELAY_AFTER_SECONDS="2")
    app = worker_app(broker)
    client = app.test_client()

    own_redis.stop()
    started = time.monotonic()
    response = client.post("/api/v1/complaints", json=BODY)
    elapsed = time.monotonic() - started
    assert response.status_code == 201, response.get_data(as_text=True)
    assert elapsed < 5, elapsed
    number = response.get_json()["tracking_number"]
    time.sleep(3)
    assert acknowledged_at(app, number) is None  # nothing could carry it yet
    with app.app_context():
        assert db.session.scalar(select(OutboxMessage.status)) == "pending"
        db.session.remove()

    own_redis.start()

    def acknowledged():
        worker.ensure_running()
        return acknowledged_at(app, number)

    acked = wait_for(acknowledged, timeout=60, interval=0.5)
    assert acked is not None, worker.log()
    assert len(eml_files(tmp_path)) == 1
    with app.app_context():
        assert db.session.scalar(select(OutboxMessage.status)) == "sent"


def test_sla_sweep_on_a_real_worker_escalates_an_overdue_case_by_email(
    tmp_path, pg_database, redis_url, worker_factory, worker_app
):
    from datetime import timedelta

    from tests.helpers import make_staff

    app = worker_app(redis_url)
    # BODY's category (drains) belongs to the drainage department.
    make_staff(app, "boss", "supervisor", "drainage", email="boss@example.go.th")
    client = app.test_client()
    number = client.post("/api/v1/complaints", json=BODY).get_json()["tracking_number"]
    with app.app_context():
        complaint = db.session.scalar(select(Complaint).where(Complaint.tracking_number == number))
        complaint.due_at = complaint.received_at - timedelta(minutes=1)
        db.session.commit()
        db.session.remove()
    worker_factory(pg_database, redis_url, beat=True, SLA_SWEEP_SECONDS="1")

    def escalation_mail():
        return [p for p in eml_files(tmp_path) if "boss@example.go.th" in p.read_text(errors="replace")]

    mails = wait_for(escalation_mail, timeout=30, interval=0.5)
    with app.app_context():
        outbox_rows = [
            (m.id, m.purpose, m.recipient, m.status, m.attempts, m.last_error)
            for m in db.session.scalars(select(OutboxMessage))
        ]
        db.session.remove()
    assert len(mails) == 1, (outbox_rows, [p.name for p in eml_files(tmp_path)])
    assert number in mails[0].read_text(errors="replace")
    with app.app_context():
        complaint = db.session.scalar(select(Complaint).where(Complaint.tracking_number == number))
        assert complaint.sla_state == "overdue" and complaint.escalated_at is not None
        db.session.remove()
