"""Request ids and structured (JSON) logs.

Every request gets an id: the caller's `X-Request-ID` when it is a short safe
token (a proxy's), else a new one. It is returned in the response header and
carried by every log record written while the request runs, so one complaint's
path through the web app can be followed in the logs. One access-log line per
request records method, path, status, the client's address and duration.
"""
from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, Response, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
access_log = logging.getLogger("rongrian.access")


def current_request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True


def configure_logging(app: Flask) -> None:
    """JSON lines on stderr (LOG_FORMAT=json, the default) or plain text, at LOG_LEVEL.

    Installed once per process on the root logger; under pytest (TESTING) the
    test runner's own log capture is left alone.
    """
    if app.testing:
        return
    root = logging.getLogger()
    if any(getattr(h, "_rongrian", False) for h in root.handlers):
        return
    handler = logging.StreamHandler()
    handler._rongrian = True  # type: ignore[attr-defined]
    handler.addFilter(RequestIdFilter())
    if app.config["LOG_FORMAT"] == "json":
        handler.setFormatter(JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        ))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    root.addHandler(handler)
    root.setLevel(app.config["LOG_LEVEL"])


def _start() -> None:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = given if _SAFE_ID.fullmatch(given) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    request_id = g.get("request_id")
    if request_id:
        response.headers[REQUEST_ID_HEADER] = request_id
        access_log.info("request", extra={
            "method": request.method, "path": request.path, "status": response.status_code,
            # The client's address: behind a proxy, as ProxyFix read it (TRUSTED_PROXY_COUNT).
            "remote_addr": request.remote_addr,
            "duration_ms": round((time.perf_counter() - g.request_started) * 1000, 1),
        })
    return response


def init_app(app: Flask) -> None:
    configure_logging(app)
    app.before_request(_start)
    app.after_request(_finish)
