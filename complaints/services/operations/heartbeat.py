"""Worker heartbeats and task-failure counts, shared by the worker and web processes.

`/readyz` must tell whether any worker is alive without asking Celery (`inspect
ping` waits a second or more for replies). Instead a worker records a timestamp
when it starts and each time the periodic outbox relay runs (every
OUTBOX_RELAY_SECONDS, 15 s by default), and readiness compares it with now. A
missing heartbeat thus also means beat is not scheduling the relay, which is the
other half of "failed acknowledgements are sent when mail returns".

Where it is kept: Redis (REDIS_URL, else a redis:// broker), which every process of
a deployment reaches; without Redis (the embedded single-host set-up) a small file
(WORKER_HEARTBEAT_FILE, in the instance folder), which worker and web share there. Task failures are
counted in Redis only (a hash per task name); without Redis they are not counted.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from flask import current_app

log = logging.getLogger(__name__)

HEARTBEAT_KEY = "rongrian:worker:heartbeat"
TASK_FAILURES_KEY = "rongrian:task_failures"


def _redis_url() -> str | None:
    url = current_app.config.get("REDIS_URL")
    if url:
        return url
    broker = str(current_app.config.get("CELERY", {}).get("broker_url", ""))
    return broker if broker.startswith(("redis://", "rediss://")) else None


def _redis():
    import redis

    url = _redis_url()
    if url is None:
        return None
    # Short timeouts: a health check must answer even when Redis does not.
    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)


def _file() -> Path:
    return Path(current_app.config["WORKER_HEARTBEAT_FILE"])


def record_worker(now: float | None = None) -> None:
    """A worker is alive now. Never raises: a heartbeat must not fail the task carrying it."""
    stamp = now if now is not None else time.time()
    try:
        client = _redis()
        if client is not None:
            client.set(HEARTBEAT_KEY, repr(stamp), ex=24 * 3600)
            return
        path = _file()
        tmp = path.with_suffix(".tmp")
        tmp.write_text(repr(stamp))
        os.replace(tmp, path)  # atomic: a reader never sees half a number
    except Exception:  # noqa: BLE001 - redis errors, OSError
        log.warning("could not record the worker heartbeat", exc_info=True)


def worker_seen_at() -> float | None:
    """When a worker last recorded a heartbeat (Unix time), None if never.

    Raises what the store raises (redis.ConnectionError, ...) so readiness can say why.
    """
    client = _redis()
    if client is not None:
        value = client.get(HEARTBEAT_KEY)
        return float(value) if value else None
    try:
        return float(_file().read_text())
    except (FileNotFoundError, ValueError):
        return None


def count_task_failure(task_name: str) -> None:
    """One more failure of this task (Celery's task_failure signal). Never raises."""
    try:
        client = _redis()
        if client is not None:
            client.hincrby(TASK_FAILURES_KEY, task_name[:200], 1)
    except Exception:  # noqa: BLE001
        log.warning("could not count a task failure", exc_info=True)


def task_failures() -> dict[str, int] | None:
    """Failures counted per task name; None when there is no Redis to count them in."""
    client = _redis()
    if client is None:
        return None
    return {k.decode(): int(v) for k, v in client.hgetall(TASK_FAILURES_KEY).items()}
