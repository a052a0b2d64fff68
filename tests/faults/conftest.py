"""The fault-test stack: real processes that a test may kill, stop and start again.

One stack per session, on servers of its own so that killing them disturbs nobody:
a PostgreSQL cluster initialised in a temporary folder, a redis-server, gunicorn with
two workers serving the app, a Celery worker with its embedded beat (the outbox
relay), and a loopback SMTP server (aiosmtpd) the app sends its mail to. Every
scenario submits complaints through the JSON API while it injects its fault, then
checks with SQL and at the SMTP server that nothing was lost or sent twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections import Counter
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, text

from complaints.extensions import db
from tests.conftest import _make_app, base_config, migrate_database, service_unavailable
from tests.processes import CeleryWorker, Gunicorn, RedisServer

# Ports of this suite's own servers (override when they clash on another machine).
PG_PORT = int(os.environ.get("FAULTS_PG_PORT", "5441"))
REDIS_PORT = int(os.environ.get("FAULTS_REDIS_PORT", "6391"))
WEB_PORT = int(os.environ.get("FAULTS_WEB_PORT", "5201"))
SMTP_PORT = int(os.environ.get("FAULTS_SMTP_PORT", "5202"))

# Our mails' subjects start with "[tracking number]" (Message-IDs are keyed HMACs, opaque).
SUBJECT_NUMBER = re.compile(r"^\[([0-9A-Z-]+)\]")


class PostgresCluster:
    """A PostgreSQL cluster of this suite's own, in a temporary folder (run as the
    `postgres` OS user when the tests run as root, which PostgreSQL refuses)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.data = folder / "data"
        self.log_path = folder / "postgres.log"
        self.bin = self.server_binaries()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{PG_PORT}/rongrian"

    @staticmethod
    def server_binaries() -> Path | None:
        """The folder of initdb and pg_ctl: on the PATH, or Debian's newest version."""
        if shutil.which("pg_ctl") and shutil.which("initdb"):
            return Path(shutil.which("pg_ctl")).resolve().parent
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
        return found[-1].parent if found else None

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-N", "-E", "UTF8")
        self.start()
        admin = create_engine(self.url.replace("/rongrian", "/postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE rongrian"))
        admin.dispose()

    def _ctl(self, *args: str) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log_path), "-w", *args)

    def start(self) -> None:
        self._ctl("-o", f"-p {PG_PORT} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off", "start")

    def stop(self) -> None:
        self._ctl("-m", "fast", "stop")


class SmtpSink:
    """A loopback SMTP server that keeps what it accepted, and can be slowed or stopped.

    A message counts as received only once its DATA is answered: a client that
    dies before (a killed worker) cancels the handler, as a real MTA drops a
    transaction whose sender went away before the final reply.

    With `queued_before_reply`, the server instead keeps the message as soon as the
    DATA is complete and is slow only to say 250 (it queued the message, then took its
    time): a client that goes away then has sent it all the same. No client can then
    know whether its message went out; only one that waits for the 250 can.
    """

    def __init__(self):
        self.delay = 0.0
        self.queued_before_reply = False
        self.messages: list[tuple[str, str]] = []  # (Message-ID, tracking number)
        self.in_flight = 0
        self._lock = threading.Lock()
        self._open = threading.Event()  # cleared by hold(): messages wait in DATA
        self._open.set()
        self.controller: Controller | None = None

    def hold(self) -> None:
        """Keep every message in DATA (not yet accepted) until release()."""
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.in_flight += 1
        try:
            queued_first = self.queued_before_reply
            if queued_first:
                self._keep(envelope)
            while not self._open.is_set():
                await asyncio.sleep(0.02)
            if self.delay:
                await asyncio.sleep(self.delay)
            if not queued_first:
                self._keep(envelope)
            return "250 OK"
        finally:
            with self._lock:
                self.in_flight -= 1

    def _keep(self, envelope) -> None:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        match = SUBJECT_NUMBER.search(str(parsed["Subject"]))
        with self._lock:
            self.messages.append((str(parsed["Message-ID"]), match[1] if match else ""))

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=SMTP_PORT)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def by_tracking_number(self) -> Counter:
        with self._lock:
            return Counter(number for _, number in self.messages)

    def count(self) -> int:
        with self._lock:
            return len(self.messages)


class Stack:
    def __init__(
        self, folder: Path, pg: PostgresCluster, redis: RedisServer, smtp: SmtpSink, web: Gunicorn, worker: CeleryWorker
    ):
        self.folder, self.pg, self.redis, self.smtp, self.web, self.worker = folder, pg, redis, smtp, web, worker
        self.report: list[str] = []


def _environment(folder: Path, database_url: str) -> dict:
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
        "SECRET_KEY": "faults-secret",
        "RONGRIAN_INSTANCE": str(folder / "instance"),
        "UPLOAD_DIR": str(folder / "uploads"),
        "INTAKE_RATE_LIMIT": "100000 per minute",
        "LOG_FORMAT": "text",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(SMTP_PORT),
        # Quick relay and backoff, so a scenario settles in seconds; the lease is the
        # production default (test_stops measures what a SIGKILL costs with it).
        "OUTBOX_RELAY_SECONDS": "1",
        "OUTBOX_RELAY_AFTER_SECONDS": "3",
        "OUTBOX_RETRY_SECONDS": "1",
        "OUTBOX_RETRY_MAX_SECONDS": "4",
        "AFTER_INTAKE_SECONDS": "3600",
        "CLUSTER_UPDATE_SECONDS": "3600",
        "SLA_SWEEP_SECONDS": "3600",
    }


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    needed = ["redis-server"] + (["runuser"] if os.geteuid() == 0 else [])
    for binary in needed:
        if shutil.which(binary) is None:
            service_unavailable(f"{binary} binary")
    if PostgresCluster.server_binaries() is None:
        service_unavailable("PostgreSQL server binaries (initdb, pg_ctl)")
    # Not below pytest's temporary folder: the `postgres` user must be able to enter it.
    pg_folder = Path(tempfile.mkdtemp(prefix="rongrian-faults-pg-"))
    pg = PostgresCluster(pg_folder)
    folder = tmp_path_factory.mktemp("faults")
    redis, smtp = RedisServer(folder, port=REDIS_PORT), SmtpSink()
    started: list = []
    try:
        started.append(pg)
        pg.init()
        migrate_database(pg.url, folder)
        app = _make_app(base_config(folder, pg.url))  # reference data: categories, units, standards
        with app.app_context():
            db.engine.dispose()
        redis.start()
        started.append(redis)
        smtp.start()
        started.append(smtp)
        env = _environment(folder, pg.url)
        web = Gunicorn("gunicorn", env, folder / "gunicorn.log", port=WEB_PORT, extra_args=("--timeout", "60"))
        worker = CeleryWorker(env, folder / "celery-worker.log", beat=True)
        web.start()
        started.append(web)
        worker.start()
        started.append(worker)
        web.wait_ready()
        worker.wait_ready()
        stack = Stack(folder, pg, redis, smtp, web, worker)
        yield stack
        _REPORT.extend(stack.report)
    finally:
        for part in reversed(started):
            with contextlib.suppress(Exception):
                part.stop()
        shutil.rmtree(pg_folder, ignore_errors=True)


_REPORT: list[str] = []


def pytest_terminal_summary(terminalreporter):
    if _REPORT:
        terminalreporter.section("faults: nothing lost")
        for line in _REPORT:
            terminalreporter.write_line(line)
