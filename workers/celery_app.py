"""Celery bound to Flask, the documented way (Flask docs, patterns/celery)."""

from __future__ import annotations

from typing import Any

from celery import Celery, Task
from celery import current_app as current_celery
from celery.signals import task_failure, worker_process_init, worker_ready
from flask import Flask, has_app_context

# The Flask app a Celery app belongs to, kept on the Celery app. Celery's signals are
# global: their receivers below are connected once, at import, and find the Flask app
# through the Celery app that sent the event, so a process that builds many apps (the
# tests) neither keeps each one alive in a receiver nor counts an event once per app.
FLASK_APP = "flask_app"


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
    setattr(celery_app, FLASK_APP, app)
    app.extensions["celery"] = celery_app
    # Register the tasks on this Celery app; they import services, never the reverse.
    from workers import log_context, tasks

    tasks.register(celery_app)
    log_context.connect(app)
    return celery_app


def _flask_app_of(celery_app: Any) -> Flask | None:
    return getattr(celery_app, FLASK_APP, None)


@worker_process_init.connect
def _fresh_connections(**_: Any) -> None:
    # A forked pool process must not share the parent's database connections. A worker
    # process has one Celery app, the default one (celery_init_app sets it).
    flask_app = _flask_app_of(current_celery._get_current_object())
    if flask_app is None:
        return
    with flask_app.app_context():
        from complaints.extensions import db

        db.engine.dispose(close=False)


@worker_ready.connect
def _first_heartbeat(sender: Any = None, **_: Any) -> None:
    flask_app = _flask_app_of(getattr(sender, "app", None))
    if flask_app is None:
        return
    # Ready at once, not only after the first relay run (services.heartbeat).
    with flask_app.app_context():
        from complaints.services.operations import heartbeat

        heartbeat.record_worker()


@task_failure.connect
def _count_failure(sender: Any = None, **_: Any) -> None:
    flask_app = _flask_app_of(getattr(sender, "app", None))
    if flask_app is None:
        return
    # Counted in Redis, which every worker process shares (complaints.ops.metrics).
    with flask_app.app_context():
        from complaints.services.operations import heartbeat

        heartbeat.count_task_failure(getattr(sender, "name", None) or "unknown")
