"""Real parts: the beat of a Celery worker process clusters new complaints on PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import ClusterMonth, Complaint, RecurringCluster
from tests.conftest import worker_env
from tests.processes import CeleryWorker, wait_for
from tests.test_clusters import POTHOLE, add, utc

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.worker]


def unclustered(app) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).where(Complaint.clustered_at.is_(None)))
        db.session.remove()
        return count


def test_the_beat_clusters_new_complaints(tmp_path, pg_database, redis_url, worker_app):
    app = worker_app(redis_url)
    with app.app_context():
        first = add(POTHOLE[0], utc(2026, 1, 5, 3))
        add(POTHOLE[1], utc(2026, 2, 5, 3))
    worker = CeleryWorker(
        worker_env(tmp_path, pg_database, redis_url, CLUSTER_UPDATE_SECONDS="1"), tmp_path / "worker.log", beat=True
    )
    worker.start()
    try:
        worker.wait_ready()
        assert wait_for(lambda: unclustered(app) == 0, timeout=30), worker.log()
        with app.app_context():
            add(POTHOLE[2], utc(2026, 3, 5, 3))
        assert wait_for(lambda: unclustered(app) == 0, timeout=30), worker.log()
    finally:
        worker.stop()
    with app.app_context():
        cluster = db.session.get(Complaint, first).cluster
        assert cluster.size == 3 and db.session.scalar(select(func.count()).select_from(RecurringCluster)) == 1
        months = dict(db.session.execute(select(ClusterMonth.month, ClusterMonth.count)).all())
        # The third complaint may be clustered before the test back-dates it (intake
        # stamps it "now"), so only the first two months are known for sure.
        assert months[date(2026, 1, 1)] == 1 and months[date(2026, 2, 1)] == 1 and sum(months.values()) == 3
