"""The scheduled retraining run in a real Celery worker process (PostgreSQL, Redis): it
learns from complaints citizens filed with a category, the web app then classifies
with the promoted model, and a second scheduled run with nothing new confirmed is skipped."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from complaints.domain.task_names import TaskName
from complaints.extensions import db
from complaints.models import TrainingRun
from complaints.services.classifier import retraining, triage
from tests.helpers import submit_api
from tests.integration.test_worker_acknowledgement import worker_factory  # noqa: F401 (fixture)
from tests.processes import wait_for
from tests.test_retraining import WORDS, make_rows, write_csv

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.worker]


def finished_runs(app) -> list[TrainingRun]:
    with app.app_context():
        runs = list(
            db.session.scalars(select(TrainingRun).where(TrainingRun.status.in_(["promoted", "rejected", "failed"])))
        )
        db.session.expunge_all()
        return runs


def test_the_weekly_run_learns_from_confirmed_complaints(tmp_path, pg_database, redis_url, worker_factory, worker_app):  # noqa: F811
    base_csv = write_csv(tmp_path / "base.csv", make_rows(100, 1))
    settings = {
        "NLP_BASE_DATA": base_csv,
        "NLP_MODEL_DIR": str(tmp_path / "models"),
        "NLP_RETRAIN_MIN_NEW": "20",
        "NLP_RECENT_HOLDOUT_MIN": "3",
    }
    worker = worker_factory(pg_database, redis_url, **settings)
    app = worker_app(redis_url)
    app.config.update(NLP_ACTIVE_MODEL_CHECK_SECONDS=0)
    client = app.test_client()
    for text, label in make_rows(10, 31):  # 30 complaints whose citizens chose the category
        submit_api(client, description=text, category=label)

    app.extensions["celery"].send_task(TaskName.SCHEDULED_RETRAINING)  # what beat sends on Sunday night
    runs = wait_for(lambda: finished_runs(app), timeout=120, interval=0.5)
    assert len(runs) == 1, worker.log()
    run = runs[0]
    assert (run.status, run.trigger, run.requested_by_id) == ("promoted", "schedule", None), run.error or worker.log()
    assert run.confirmed_rows + run.recent_heldout_rows == 30 and run.recent_heldout_rows < 10
    assert run.candidate_metrics["base"]["in_gold"] > run.active_metrics["base"]["in_gold"]  # vs the shipped model
    with app.app_context():
        assert retraining.active_model_path().name == f"run-{run.id}.joblib"
        ranked = triage.classify_many(["ถนนเป็นหลุม ยางมะตอยแตกร้าว ช่วยแก้ไขด่วน"], k=3)[0]
        assert ranked[0][0] == "ถนน" and {label for label, _ in ranked} == set(WORDS)

    app.extensions["celery"].send_task(TaskName.SCHEDULED_RETRAINING)  # nothing confirmed since
    assert wait_for(lambda: "scheduled retraining skipped: 0 confirmed" in worker.log(), timeout=30), worker.log()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TrainingRun)) == 1
