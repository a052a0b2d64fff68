"""`make run`'s stop path (issue 15, point 5) with stand-ins for the web app and the worker.

The real stop is exercised end to end in tests/integration/test_bare_clone.py; these tests
run the Makefile's own `run` recipe with a stand-in virtual environment (VENV=…, the
`seed` prerequisite taken as done with `-o seed`) so that the worker can misbehave on
purpose: one that ignores SIGTERM and SIGQUIT must still be ended by the SIGKILL to its
process group, and the grace before SIGQUIT is counted in seconds, not in checks (each
check forks `ps`, which takes long on a busy machine). /bin/sh is dash on Debian, whose
`kill` refuses `kill -KILL -- -PGID`; the recipe must use a form every POSIX shell takes.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from tests.conftest import ROOT
from tests.processes import free_port, wait_for

GRACE = 2  # RUN_STOP_GRACE for these runs: short, so that each test takes seconds

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _script(path: Path, text: str) -> None:
    path.write_text("#!/bin/sh\n" + text, encoding="utf-8")
    path.chmod(0o755)


def _stand_ins(tmp_path: Path, worker_traps: str, ps_delay: float) -> tuple[Path, Path, dict]:
    """A VENV whose celery and flask are shell scripts, and a PATH whose ps is slow."""
    venv, shims = tmp_path / "venv", tmp_path / "shims"
    (venv / "bin").mkdir(parents=True)
    shims.mkdir()
    pidfile = tmp_path / "worker.pid"
    _script(venv / "bin" / "celery", f'echo $$ > "{pidfile}"\n{worker_traps}\nwhile :; do sleep 0.1; done\n')
    _script(venv / "bin" / "flask", "exec sleep 600\n")
    _script(shims / "ps", f'sleep {ps_delay}\nexec "{shutil.which("ps")}" "$@"\n')
    env = {**os.environ, "PATH": f"{shims}{os.pathsep}{os.environ['PATH']}"}
    return venv, pidfile, env


def _run_and_stop(tmp_path: Path, worker_traps: str, ps_delay: float) -> tuple[float, psutil.Process]:
    venv, pidfile, env = _stand_ins(tmp_path, worker_traps, ps_delay)
    command = [
        "make",
        "--no-print-directory",
        "-C",
        str(ROOT),
        "-o",
        "seed",
        "run",
        f"VENV={venv}",
        f"RUN_STOP_GRACE={GRACE}",
        f"PORT={free_port()}",
    ]
    make = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    worker = None
    try:
        assert wait_for(lambda: pidfile.exists() and pidfile.read_text().strip(), timeout=20), "no worker started"
        worker = psutil.Process(int(pidfile.read_text()))
        time.sleep(0.5)  # the recipe's shell has set its trap by now
        started = time.monotonic()
        make.send_signal(signal.SIGTERM)
        try:
            make.wait(timeout=GRACE + 10)
        except subprocess.TimeoutExpired:
            pytest.fail(f"make run still running {GRACE + 10} s after SIGTERM")
        return time.monotonic() - started, worker
    finally:
        if worker is not None and worker.is_running():
            os.killpg(worker.pid, signal.SIGKILL)
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)
            make.wait(timeout=10)


def _gone(process: psutil.Process) -> bool:
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_a_worker_deaf_to_term_and_quit_is_killed_and_make_returns(tmp_path):
    elapsed, worker = _run_and_stop(tmp_path, "trap '' TERM QUIT INT", ps_delay=0)
    assert wait_for(lambda: _gone(worker), timeout=2), "the worker survived the SIGKILL to its group"
    assert elapsed < GRACE + 4, f"stopped in {elapsed:.1f} s"


def test_the_grace_is_counted_in_seconds_when_each_check_is_slow(tmp_path):
    # The worker ignores SIGTERM (a warm shutdown that does not end) and leaves on SIGQUIT.
    elapsed, worker = _run_and_stop(tmp_path, "trap '' TERM INT\ntrap 'exit 0' QUIT", ps_delay=0.5)
    assert _gone(worker)
    # Grace, the second after SIGQUIT, a slow check that may straddle the deadline, and a margin;
    # counted in checks, the grace alone took 10 × (0.2 s + 0.5 s) = 7 s.
    assert elapsed < GRACE + 4, f"stopped in {elapsed:.1f} s with RUN_STOP_GRACE={GRACE}"
