"""A real worker (with embedded beat) writes JSON lines with zone-aware ISO 8601 times, and
the lines of an acknowledgement carry the request id of the intake that caused it."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest

from tests.conftest import worker_env
from tests.integration.test_worker_acknowledgement import BODY
from tests.processes import CeleryWorker, free_port, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.worker]

ISO_WITH_ZONE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00")


def lines(worker) -> list[dict]:
    return [json.loads(line) for line in worker.log().splitlines() if line.strip()]


def test_worker_and_beat_write_json_lines_carrying_the_intakes_request_id(tmp_path, pg_database, redis_url, worker_app):
    # An SMTP outage: the acknowledgement fails, and says so at WARNING.
    env = worker_env(
        tmp_path,
        pg_database,
        redis_url,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(free_port()),
        LOG_FORMAT="json",
        LOG_LEVEL="DEBUG",
        OUTBOX_RELAY_SECONDS="1",
    )
    worker = CeleryWorker(env, tmp_path / "worker.log", beat=True, quiet=True)
    worker.start()
    try:
        worker.wait_ready()
        app = worker_app(redis_url)
        response = app.test_client().post("/api/v1/complaints", json=BODY, headers={"X-Request-ID": "intake-9c1d"})
        assert response.status_code == 201

        def failure_line():
            return next(
                (line for line in lines(worker) if line["logger"] == "complaints.services.messaging.outbox"), None
            )

        failure = wait_for(failure_line, timeout=30, interval=0.3)
        assert failure is not None, worker.log()
        assert failure["level"] == "WARNING" and "not delivered" in failure["message"]
        assert failure["request_id"] == "intake-9c1d"
        assert "citizen@example.com" not in worker.log()
        # Celery's own line of that task run carries it too.
        assert wait_for(
            lambda: any(
                line["request_id"] == "intake-9c1d" and line["logger"].startswith("celery") for line in lines(worker)
            ),
            timeout=10,
        ), worker.log()
        assert wait_for(
            lambda: any(re.search(r"relay_outbox\[.*\] succeeded", line["message"]) for line in lines(worker)),
            timeout=15,
        ), worker.log()
    finally:
        worker.stop()
    parsed = lines(worker)  # every line is JSON (json.loads raised otherwise)
    assert len(parsed) >= 3
    assert all(ISO_WITH_ZONE.fullmatch(line["time"]) for line in parsed), parsed
    assert all(datetime.fromisoformat(line["time"]).utcoffset() is not None for line in parsed)
    assert any(re.fullmatch(r"celery@\S+ ready\.", line["message"]) for line in parsed)
    # Beat ran the relay every second; those no-op passes are DEBUG lines (LOG_LEVEL=INFO hides them).
    due = [line for line in parsed if "Sending due task relay-outbox" in line["message"]]
    assert due and {line["level"] for line in due} == {"DEBUG"}, parsed
    noop = [line for line in parsed if re.search(r"rongrian\.relay_outbox\[.*\] succeeded in .*: 0$", line["message"])]
    assert noop and {line["level"] for line in noop} == {"DEBUG"}, parsed
    # The task that failed is not demoted.
    assert any(
        line["level"] == "WARNING" and line["logger"] == "complaints.services.messaging.outbox" for line in parsed
    )
