"""Worker and beat write the web app's log lines, and tasks carry the request id that caused them.

- Celery leaves logging alone when a `setup_logging` receiver is connected: the
  app's handler (complaints.observability: JSON lines, ISO 8601 times with zone,
  LOG_LEVEL) then serves worker, beat and web alike, instead of Celery's plain text.
- `before_task_publish` puts the publisher's request id (the web request's, or
  the running task's) into the task message's headers; `task_prerun` binds it
  for the task's log lines and for the tasks it sends in turn.
- Routine passes of periodic tasks (the 15-second outbox relay, after-intake, the
  mailbox poll...) would write two INFO lines each every few seconds, doing
  nothing: their "received", beat's "sending due task" and a "succeeded" that
  returned only zeros are logged at DEBUG. A pass that did something, and any
  failure or retry, keeps its level.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from celery import signals
from flask import Flask

from complaints import observability

# The header the request id travels in; Celery hands custom headers to the task as `task.request.<name>`.
REQUEST_ID_TASK_HEADER = "rongrian_request_id"

_NONZERO = re.compile(r"[1-9]")


def connect(app: Flask) -> None:
    """Connect the signals for this process's app (called once per Celery app)."""

    def _use_the_apps_logging(**_) -> None:
        # Connected at all, this receiver stops Celery's own handlers (plain text on
        # the root logger); the level is LOG_LEVEL for every process, not --loglevel.
        observability.configure_logging(app)
        # "celery@host ready." is how an operator, a supervisor or a test harness knows
        # the worker serves: said at any LOG_LEVEL (one line per start).
        logging.getLogger("celery.apps.worker").setLevel(logging.INFO)

    # One receiver per process (a worker has one app; tests make many and must not keep them all).
    signals.setup_logging.connect(_use_the_apps_logging, weak=False, dispatch_uid="rongrian-logging")

    demote_routine_passes(periodic_task_names(app.config["CELERY"].get("beat_schedule", {})))


def periodic_task_names(beat_schedule: dict) -> frozenset[str]:
    return frozenset(entry["task"] for entry in beat_schedule.values())


@signals.before_task_publish.connect
def _carry_request_id(headers: dict | None = None, **_) -> None:
    request_id = observability.current_request_id()
    if headers is not None and request_id:
        headers[REQUEST_ID_TASK_HEADER] = request_id


# Per task id, a stack: an eager retry runs the same task id inside the first run.
_tokens: dict[str, list[object]] = {}


@signals.task_prerun.connect
def _bind_request_id(task_id: str | None = None, task=None, **_) -> None:
    request_id = _request_id_of(task.request) if task is not None else None
    _tokens.setdefault(task_id or "", []).append(observability.bind_request_id(request_id))


def _request_id_of(request) -> str | None:
    # A worker gets a message's custom headers as the request's own fields; an eager
    # `apply(headers=...)` (tests, task_always_eager) keeps them under `headers`.
    return request.get(REQUEST_ID_TASK_HEADER) or (request.get("headers") or {}).get(REQUEST_ID_TASK_HEADER)


@signals.task_postrun.connect
def _unbind_request_id(task_id: str | None = None, **_) -> None:
    stack = _tokens.get(task_id or "")
    if stack:
        observability.unbind_request_id(stack.pop())
        if not stack:
            del _tokens[task_id or ""]


class RoutinePassFilter(logging.Filter):
    """Lowers Celery's bookkeeping lines of no-op periodic passes to DEBUG (see the module's doc)."""

    def __init__(self, periodic: Iterable[str]):
        super().__init__()
        self.periodic = frozenset(periodic)

    def _routine(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.INFO:
            return False
        if record.name == "celery.beat":
            return isinstance(record.args, tuple) and "Sending due task" in str(record.msg)
        data = getattr(record, "data", None)
        if not isinstance(data, dict) or data.get("name") not in self.periodic:
            return False
        if record.name == "celery.worker.strategy":  # "received": its outcome line tells what it did
            return True
        # "succeeded": a no-op when what it returned holds no count above zero.
        return "return_value" in data and not _NONZERO.search(str(data["return_value"]))

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._routine(record):
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)


ROUTINE_LOGGERS = ("celery.beat", "celery.worker.strategy", "celery.app.trace")


def demote_routine_passes(periodic: Iterable[str]) -> None:
    """Install the filter on the loggers that write those lines (so every handler sees it)."""
    for name in ROUTINE_LOGGERS:
        logger = logging.getLogger(name)
        for old in [f for f in logger.filters if isinstance(f, RoutinePassFilter)]:
            logger.removeFilter(old)
        logger.addFilter(RoutinePassFilter(periodic))
