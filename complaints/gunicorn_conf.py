"""gunicorn settings for the image (`gunicorn --config python:complaints.gunicorn_conf`).

gunicorn's own lines (start-up, worker boots, a worker timed out) are written as the
app's JSON lines with zone-aware ISO 8601 times, so that everything the web container
writes can be shipped alike. Its access log stays off: the app writes one access line
per request (complaints.observability) with the request id, client address and user.
"""

from __future__ import annotations

import os

logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "complaints.observability.make_formatter", "log_format": os.environ.get("LOG_FORMAT", "json")},
    },
    "filters": {"request_id": {"()": "complaints.observability.RequestIdFilter"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_id"],
            "stream": "ext://sys.stderr",
        },
    },
    # The root logger is the app's (observability.configure_logging adds its handler):
    # none here, or every app line would be written twice.
    "root": {"handlers": []},
    "loggers": {
        "gunicorn.error": {"handlers": ["stderr"], "level": os.environ.get("LOG_LEVEL", "INFO"), "propagate": False},
    },
}

# On SIGTERM (systemd, `docker stop`) workers finish their requests for this long; the
# stop timeouts of deploy/systemd/rongrian-web.service and docker-compose.yml exceed it.
graceful_timeout = 25
