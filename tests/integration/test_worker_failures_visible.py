"""Real parts: a failed acknowledgement is sent once the operator resends it, by a real Celery
worker on PostgreSQL and Redis; /readyz follows the worker's heartbeat."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from complaints.extensions import db
from complaints.models import Complaint, OutboxMessage
from complaints.services.operations import heartbeat
from tests.conftest import worker_env
from tests.helpers import submit_api
from tests.processes import CeleryWorker, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.worker]


def ack_state(app, number: str):
    with app.app_context():
        row = db.session.execute(
            select(Complaint.acknowledged_at, OutboxMessage.status)
            .join(OutboxMessage, OutboxMessage.complaint_id == Complaint.id)
            .where(Complaint.tracking_number == number)
        ).one()
        db.session.remove()
        return row


def test_a_failed_acknowledgement_is_sent_after_resend_and_readyz_sees_the_worker(
    tmp_path, pg_database, redis_url, worker_app
):
    import redis

    redis.Redis.from_url(redis_url).delete(heartbeat.HEARTBEAT_KEY)
    app = worker_app(redis_url)
    app.config["REDIS_URL"] = redis_url
    client = app.test_client()
    number = submit_api(client)
    with app.app_context():  # what a long mail outage leaves
        db.session.execute(update(OutboxMessage).values(status="failed", attempts=10, last_error="SMTP down"))
        db.session.commit()
    before = client.get("/readyz").get_json()
    assert before["status"] == "not_ready" and "no worker heartbeat" in before["checks"]["worker"]["reason"]

    # No beat: the heartbeat comes from the worker starting (worker_ready), and the resent
    # message from resend's own enqueue, not from the periodic relay.
    worker = CeleryWorker(worker_env(tmp_path, pg_database, redis_url), tmp_path / "worker.log")
    worker.start()
    try:
        worker.wait_ready()
        assert wait_for(lambda: client.get("/readyz").status_code == 200, timeout=30), (
            client.get("/readyz").get_json(),
            worker.log()[-3000:],
        )
        # The worker runs, but a failed message stays failed: nobody is acknowledged by it.
        assert ack_state(app, number) == (None, "failed")
        result = app.test_cli_runner().invoke(args=["outbox", "resend", "--all-failed"])
        assert "resent 1 message(s)" in result.output
        assert wait_for(lambda: ack_state(app, number)[1] == "sent", timeout=30), worker.log()[-3000:]
        assert ack_state(app, number)[0] is not None  # the complaint is acknowledged now
    finally:
        worker.stop()
    redis.Redis.from_url(redis_url).delete(heartbeat.HEARTBEAT_KEY)
