"""Celery bound to Flask, the documented way (Flask docs, patterns/celery)."""

from __future__ import annotations

from celery import Celery, Task
from celery.signals import task_failure, worker_process_init, worker_ready
from flask import Flask, has_app_context


def celery_init_app(app: Flask) -> Celery:
    flask_app = app

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            if has_app_context():
                return self.run(*args, **kwargs)
            with flask_app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    # Register the tasks on this Celery app; they import services, never the reverse.
    from workers import log_context, tasks

    tasks.register(celery_app)
    log_context.connect(app)

    @worker_process_init.connect(weak=False)
    def _fresh_connections(**_):
        # A forked worker must not share the parent's database connections.
        with flask_app.app_context():
            from complaints.extensions import db

            db.engine.dispose(close=False)

    # Celery's signals are global; a process that built several apps (the tests) must
    # count each event once, in the app it belongs to.
    @worker_ready.connect(weak=False)
    def _first_heartbeat(sender=None, **_):
        if getattr(sender, "app", None) is not celery_app:
            return
        # Ready at once, not only after the first relay run (services.heartbeat).
        with flask_app.app_context():
            from complaints.services.operations import heartbeat

            heartbeat.record_worker()

    @task_failure.connect(weak=False)
    def _count_failure(sender=None, **_):
        if getattr(sender, "app", None) is not celery_app:
            return
        # Counted in Redis, which every worker process shares (complaints.ops_metrics).
        with flask_app.app_context():
            from complaints.services.operations import heartbeat

            heartbeat.count_task_failure(getattr(sender, "name", None) or "unknown")

    return celery_app
