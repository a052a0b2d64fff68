"""Celery bound to Flask, the documented way (Flask docs, patterns/celery)."""
from __future__ import annotations

from celery import Celery, Task
from celery.signals import worker_process_init
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

    return celery_app
