"""A complaint-list export written by a real Celery worker (PostgreSQL, Redis) and downloaded."""

from __future__ import annotations

import csv
import io

import pytest

from complaints.domain.periods import Period
from tests.helpers import complaint_by_number, login, make_staff, request_export, submit_api
from tests.integration.test_worker_acknowledgement import worker_factory  # noqa: F401 (fixture)
from tests.processes import wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.worker]


def test_the_worker_writes_the_export_the_manager_asked_for(
    tmp_path, pg_database, redis_url, worker_factory, worker_app
):  # noqa: F811
    worker = worker_factory(pg_database, redis_url)
    app = worker_app(redis_url)
    client = app.test_client()
    numbers = [submit_api(client, description=f"ไฟทางดับหน้าซอย {i} โทร 081-234-567{i}") for i in range(3)]
    with app.app_context():
        period = Period.containing(complaint_by_number(numbers[0]).received_at).code
    make_staff(app, "boss", "manager", None)
    login(client, "boss")
    asked = request_export(client, f"period={period}")
    assert asked.status_code == 302
    job_page = asked.headers["Location"]
    ready = wait_for(lambda: 'data-status="done"' in client.get(job_page).text, timeout=30)
    assert ready, worker.log()
    job_id = job_page.rsplit("/", 1)[1]
    download = client.get(f"/manager/exports/{job_id}/download")
    rows = list(csv.reader(io.StringIO(download.get_data().decode("utf-8-sig"))))
    download.close()
    assert sorted(row[0] for row in rows[1:]) == sorted(numbers)
    assert all("081-234-567" not in cell for row in rows for cell in row)  # masked
