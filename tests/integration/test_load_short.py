"""The load scenario, short: the whole system under mixed traffic for half a minute.

`bench/load_test.py` starts its own database, gunicorn, Celery worker and beat, and runs
the Locust scenario (citizens, officers, managers); BENCHMARKS.md has the 10-minute run.
A run this short says nothing about memory staying flat, so that verdict is not asserted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from tests.conftest import PG_URL, REDIS_URL, ROOT
from tests.processes import free_port

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.worker]


def test_short_mixed_load_has_no_errors_and_acknowledges_every_complaint(tmp_path, pg_database, redis_url):
    out = tmp_path / "load.json"
    redis_base = urlsplit(REDIS_URL)._replace(path="").geturl()  # the runner picks its own db
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "load_test.py"),
            "--seconds",
            "35",
            "--users",
            "8",
            "--spawn-rate",
            "8",
            "--think-scale",
            "0.3",
            "--complaints",
            "500",
            "--port",
            str(free_port()),
            "--redis-db",
            "15",  # the suite's workers take 11 to 14 (tests/conftest.py), the benchmarks 5, 6 and 8
            "--ack-timeout",
            "30",
            "--json",
            str(out),
        ],
        cwd=ROOT,
        env={**os.environ, "BENCH_PG_URL": PG_URL, "BENCH_REDIS_URL": redis_base},
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert out.is_file(), proc.stdout[-4000:] + proc.stderr[-4000:]
    result = json.loads(out.read_text(encoding="utf-8"))
    report = proc.stdout[-6000:]

    assert result["errors"] == 0, report
    assert result["missing_endpoints"] == [], report
    assert all(row["failures"] == 0 for row in result["endpoints"]), report
    assert result["total"]["requests"] >= 150, report
    complaints = result["complaints"]
    # Everything the citizens were told was accepted is stored, and acknowledged by the worker.
    assert complaints["accepted"] >= 20, report
    assert complaints["accepted"] == complaints["accepted_by_locust"], report
    assert complaints["web"] > 0 and complaints["api"] > 0, report
    assert complaints["unacknowledged"] == 0 and complaints["outbox_failed"] == 0, report
    # Memory was sampled for both gunicorn workers and the Celery worker with its pool.
    sampled = {name for name, m in result["memory"].items() if m["samples"] >= 3}
    assert {"gunicorn worker 1", "gunicorn worker 2", "celery worker", "celery pool 1"} <= sampled, sampled
    assert proc.returncode == (0 if result["ok"] else 1), report
