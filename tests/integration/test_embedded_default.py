"""The embedded default of `make run`: SQLite and kombu's SQLAlchemy broker, no server."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from complaints import create_app
from complaints.extensions import db
from complaints.models import Complaint
from complaints.services.datasets import demo_seed
from tests.conftest import migrate_database
from tests.processes import CeleryWorker, wait_for

pytestmark = pytest.mark.worker


def test_embedded_worker_acknowledges_through_the_sqlite_broker(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir()
    # Exactly what `make run` gets: nothing but the instance folder.
    env = {"RONGRIAN_INSTANCE": str(instance)}
    for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "MAIL_SERVER", "MAIL_OUTBOX_DIR", "UPLOAD_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RONGRIAN_INSTANCE", str(instance))
    app = create_app({"TESTING": True, "RATELIMIT_STORAGE_URI": "memory://"})
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["CELERY"]["broker_url"].startswith("sqla+sqlite:///")
    migrate_database(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)
    with app.app_context():
        demo_seed.seed()

    worker = CeleryWorker(env, tmp_path / "worker.log")
    worker.start()
    try:
        worker.wait_ready()
        response = app.test_client().post(
            "/api/v1/complaints",
            json={"description": "เสียงดังจากร้านคาราโอเกะทุกคืน", "contact": {"email": "neighbour@example.com"}},
        )
        assert response.status_code == 201
        number = response.get_json()["tracking_number"]

        def acknowledged():
            with app.app_context():
                value = db.session.scalar(select(Complaint.acknowledged_at).where(Complaint.tracking_number == number))
                db.session.remove()
                return value

        assert wait_for(acknowledged, timeout=30, interval=0.2) is not None, worker.log()
        mail = list((instance / "mail-outbox").glob("*.eml"))
        assert len(mail) == 1 and number in mail[0].read_text(errors="replace")
    finally:
        worker.stop()
        with app.app_context():
            db.engine.dispose()
