"""Connections to outside services (SMS gateway, LINE), kept for the life of a process.

A worker sending many messages reuses its connections instead of opening a new
one (and a TLS handshake) per message. A forked child (a Celery prefork process,
a gunicorn worker) gets its own: it must not share its parent's sockets.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable
from typing import TypeVar

import urllib3

TIMEOUT = urllib3.Timeout(connect=5, read=20)

T = TypeVar("T")
_cache: dict[Hashable, object] = {}
_owner_pid: int | None = None


def per_process(key: Hashable, make: Callable[[], T]) -> T:
    """The object made by `make` for `key`, made once in this process."""
    global _owner_pid
    if _owner_pid != os.getpid():
        _cache.clear()  # inherited from the parent: never used here
        _owner_pid = os.getpid()
    if key not in _cache:
        _cache[key] = make()
    return _cache[key]  # type: ignore[return-value]


def pool() -> urllib3.PoolManager:
    """The process's urllib3 pool: timeouts set, no automatic retries (the outbox retries)."""
    return per_process("urllib3", lambda: urllib3.PoolManager(timeout=TIMEOUT, retries=False))
