"""Request ids and structured (JSON) logs.

Every request gets an id: the caller's `X-Request-ID` when it is a short safe
token (a proxy's), else a new one. It is returned in the response header and
carried by every log record written while the request runs, so one complaint's
path through the web app can be followed in the logs. One access-log line per
request records method, path, status, the client's address, the signed-in user
and duration.

Tasks a request causes carry its id too (workers.log_context puts it in the
task's headers and binds it here while the task runs), so the worker's lines
of an intake's acknowledgement show the intake's request id.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from flask import Flask, Response, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
access_log = logging.getLogger("rongrian.access")

# The request id of the work this thread or task is doing outside a request (a task).
_bound_request_id: ContextVar[str | None] = ContextVar("rongrian_request_id", default=None)


def safe_request_id(value: object) -> str | None:
    """`value` when it is a short safe token, else None: ids come from callers and
    task headers and must not forge or break a log line."""
    return value if isinstance(value, str) and _SAFE_ID.fullmatch(value) else None


def current_request_id() -> str | None:
    """The id of the request being served, or of the request that caused the running task."""
    if has_request_context() and g.get("request_id"):
        return g.request_id
    return _bound_request_id.get()


def bind_request_id(value: str | None) -> object:
    """Set the request id for what follows (a task's prerun); returns the token for `unbind`."""
    return _bound_request_id.set(safe_request_id(value))


def unbind_request_id(token: object) -> None:
    try:
        _bound_request_id.reset(token)  # type: ignore[arg-type]
    except ValueError:  # set in another context (a thread pool's); clearing is what matters
        _bound_request_id.set(None)


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (None outside a request or a task it caused)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True


def iso_time(created: float) -> str:
    """ISO 8601 with the zone, to the millisecond: `2026-12-07T19:30:00.123+00:00`.
    UTC, so that lines of hosts in different zones sort together."""
    return datetime.fromtimestamp(created, tz=UTC).isoformat(timespec="milliseconds")


class IsoJsonFormatter(JsonFormatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 - logging's name
        return iso_time(record.created)


class IsoTextFormatter(logging.Formatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return iso_time(record.created)


def make_formatter(log_format: str) -> logging.Formatter:
    if log_format == "json":
        return IsoJsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    return IsoTextFormatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")


def configure_logging(app: Flask) -> None:
    """JSON lines on stderr (LOG_FORMAT=json, the default) or plain text, at LOG_LEVEL.

    Installed once per process on the root logger, by the web app and by Celery's
    worker and beat alike (workers.log_context); under pytest (TESTING) the test
    runner's own log capture is left alone.
    """
    if app.testing:
        return
    root = logging.getLogger()
    if any(getattr(h, "_rongrian", False) for h in root.handlers):
        return
    handler = logging.StreamHandler()
    handler._rongrian = True  # type: ignore[attr-defined]
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(make_formatter(app.config["LOG_FORMAT"]))
    root.addHandler(handler)
    root.setLevel(app.config["LOG_LEVEL"])
    # Alembic's "setup plugin ..." lines at every start say nothing an operator needs.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    # Python's warnings (a library's deprecation) as log lines too, not bare text on stderr.
    logging.captureWarnings(True)


def _start() -> None:
    g.request_id = safe_request_id(request.headers.get(REQUEST_ID_HEADER, "")) or uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _user() -> dict:
    """The signed-in staff member, if the request loaded one: who did what, for an operator
    reading the lines. Only a user Flask-Login already loaded (its `g._login_user`): loading
    one here would query the database on every public page, and fail when it is away (a
    /healthz answering 503). The numeric id, never get_id(), which holds the session token."""
    user = g.get("_login_user")
    if user is not None and user.is_authenticated:
        return {"user_id": user.id, "username": user.username}
    return {"user_id": None, "username": None}


def _finish(response: Response) -> Response:
    request_id = g.get("request_id")
    if request_id:
        response.headers[REQUEST_ID_HEADER] = request_id
        access_log.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                # The client's address: behind a proxy, as ProxyFix read it (TRUSTED_PROXY_COUNT).
                "remote_addr": request.remote_addr,
                **_user(),
                "duration_ms": round((time.perf_counter() - g.request_started) * 1000, 1),
            },
        )
    return response


def init_app(app: Flask) -> None:
    configure_logging(app)
    app.before_request(_start)
    app.after_request(_finish)
