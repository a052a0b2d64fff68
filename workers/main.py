"""Worker entry point: `celery -A workers.main worker` (and `beat`)."""

from complaints import create_app

flask_app = create_app()
celery_app = flask_app.extensions["celery"]
