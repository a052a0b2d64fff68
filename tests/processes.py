"""Child processes for the tests, the fault tests and the benchmarks: one harness.

Every process runs in a session (process group) of its own and logs to a file. `stop()`
stops it the supported way, SIGTERM to the leader alone (a signal to the whole group would
reach a Celery worker's pool children directly, and a child killed while holding the pool's
queue lock leaves the warm shutdown waiting for ever), then SIGKILL to the group for what is
left. `kill()` is the crash: SIGKILL to the group, no handler runs.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate: Callable[[], Any], timeout: float, interval: float = 0.1) -> Any:
    """The first truthy value of predicate() within timeout seconds, else its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


class Process:
    """A child process in its own session, appending its output to `log_path`."""

    def __init__(
        self, name: str, args: list[str], env: dict, log_path: Path, cwd: Path | None = None, stdout: bool = True
    ):
        self.name, self.args, self.env = name, args, {**os.environ, **env}
        self.log_path, self.cwd, self._stdout = log_path, cwd or ROOT, stdout
        self.starts = 0
        self.proc: subprocess.Popen | None = None
        log_path.write_bytes(b"")

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                self.args,
                cwd=self.cwd,
                env=self.env,
                stdout=log if self._stdout else subprocess.DEVNULL,
                stderr=log,
                start_new_session=True,
            )
        self.starts += 1

    @property
    def pid(self) -> int:
        assert self.proc is not None, f"{self.name} was never started"
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole process group: no shutdown handler runs, nothing is acknowledged."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self, timeout: float = 20) -> None:
        if self.alive():
            assert self.proc is not None
            self.proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=timeout)
        self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_until(self, ready: Callable[[], bool], timeout: float, what: str) -> None:
        """Wait for `ready()`; fail with the log's tail if the process exits or time runs out."""
        if not wait_for(lambda: ready() or not self.alive(), timeout, interval=0.2):
            raise RuntimeError(f"{self.name} not {what} in {timeout}s:\n{self.log()[-4000:]}")
        if not self.alive():
            raise RuntimeError(f"{self.name} exited:\n{self.log()[-4000:]}")


def celery_worker_args(beat_schedule: Path | None = None, concurrency: int = 2, quiet: bool = False) -> list[str]:
    """A real worker on both queues (with beat when given a schedule file); gossip, mingle
    and heartbeats off: one worker per test needs none of them and starts faster."""
    args = [PYTHON, "-m", "celery", *(["--quiet"] if quiet else []), "-A", "workers.main", "worker"]
    args += ["-Q", "notify,default", "--concurrency", str(concurrency), "--loglevel", "INFO"]
    args += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    return args + (["--beat", "--schedule", str(beat_schedule)] if beat_schedule is not None else [])


class CeleryWorker(Process):
    """`celery worker`; `start()` runs it, `wait_ready()` waits for this start's "ready".
    `quiet` runs it as compose does: no banner, the log lines on stderr alone (stdout,
    left out of the log, keeps only Celery's bare "worker: Warm shutdown" notice)."""

    def __init__(
        self,
        env: dict,
        log_path: Path,
        beat: bool = False,
        concurrency: int = 2,
        quiet: bool = False,
        cwd: Path | None = None,
    ):
        schedule = log_path.parent / "beat-schedule" if beat else None
        args = celery_worker_args(schedule, concurrency, quiet)
        super().__init__("celery-worker", args, env, log_path, cwd, stdout=not quiet)
        self._ready_seen = 0

    @property
    def restarts(self) -> int:
        return max(self.starts - 1, 0)

    def _ready_lines(self) -> int:
        return len(re.findall(r"celery@\S+ ready", self.log()))

    def start(self) -> None:
        self._ready_seen = self._ready_lines()
        super().start()

    def wait_ready(self, timeout: float = 60) -> None:
        self.wait_until(lambda: self._ready_lines() > self._ready_seen, timeout, "ready")

    def ensure_running(self) -> None:
        """Start the worker again if it exited, as a process supervisor does in production
        (compose `restart:`, systemd): Celery's Redis consumer can exit on a broker loss
        while a message is unacknowledged (celery/kombu issues #970, #4652)."""
        if not self.alive():
            self.start()


class Gunicorn(Process):
    """gunicorn serving `app_spec` on 127.0.0.1:`port` (a free one unless given)."""

    def __init__(
        self,
        name: str,
        env: dict,
        log_path: Path,
        app_spec: str = "complaints:create_app()",
        port: int | None = None,
        workers: int = 2,
        health_path: str = "/healthz",
        extra_args: tuple[str, ...] = (),
        cwd: Path | None = None,
    ):
        self.port = port or free_port()
        self.health_path = health_path
        args = [PYTHON, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers)]
        args += ["--graceful-timeout", "5", "--log-level", "warning", *extra_args, app_spec]
        super().__init__(name, args, env, log_path, cwd)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _answers(self) -> bool:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:  # closed on every path: a connection reset mid-answer must not leak its socket
            conn.request("GET", self.health_path)
            return conn.getresponse().status < 500
        except OSError:
            return False
        finally:
            conn.close()

    def wait_ready(self, timeout: float = 90) -> None:
        self.wait_until(self._answers, timeout, "answering")


class RedisServer(Process):
    """A Redis server of a test's own (nothing kept on disk), so it can be stopped or
    killed without disturbing the shared one."""

    def __init__(self, folder: Path, port: int | None = None):
        self.port = port or free_port()
        binary = shutil.which("redis-server") or "redis-server"
        args = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        super().__init__("redis", [*args, "--dir", str(folder)], {}, folder / f"redis-{self.port}.log")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        super().start()
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=1)

        def ping() -> bool:
            with contextlib.suppress(redis.RedisError):
                return bool(client.ping())
            return False

        self.wait_until(ping, 10, "answering")
        client.close()
