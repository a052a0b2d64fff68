"""Every stop signal, a slow mail server: each acknowledgement reaches it exactly once (issue 17).

The SMTP server waits before its 250, so that the signal comes while sends are in
the middle of their conversation (DATA sent, reply not yet read). For the SIGTERM and
SIGINT cases it has already queued the message when it waits (the worst case: a
client that gives up then has sent it anyway, and would send it again), so only a
worker that waits for the 250 and records it sends each message once. Then:

- SIGTERM / SIGINT to the worker's whole process group (systemd KillMode=control-group,
  supervisord stopasgroup, `kill -- -PGID`): the pool children get it too;
- SIGTERM to the main process only (KillMode=mixed, `docker stop`);
- SIGTERM to the pool children that are sending, the main process left running;
- SIGKILL to the group: the sends in flight are lost with the worker and are sent
  again, once, within 30 s of the restart (the lease, renewed while a send runs,
  is short). Here the server is slow *before* it queues (content checks, as most
  MTAs do before their 250): against a server that had queued it, nothing can tell
  a message cut off by SIGKILL from one never sent. The window that remains, between
  the server's queueing and our record, is as short as the server makes it.

Afterwards every complaint has one acknowledgement, recorded sent, that the SMTP
server received once. Run with `make test-faults` (excluded from `make test`).
"""

from __future__ import annotations

import os
import signal
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from tests.faults.conftest import SMTP_PORT
from tests.processes import wait_for

pytestmark = pytest.mark.faults

# Acknowledgements per scenario; the worker sends two at a time (--concurrency 2).
COMPLAINTS = 6
# The SMTP server's pause before its 250 while the signal comes (then it answers at once).
SLOW_250 = 2.5
# What the issue asks of a send lost with a SIGKILLed worker.
SIGKILL_REDELIVERY_LIMIT = 30.0
# A warm shutdown waits for the sends in flight; far more than SLOW_250 means it hung.
STOP_LIMIT = 25.0

BODY = {
    "title": "ไฟฟ้าส่องสว่างดับทั้งซอย",
    "description": "ไฟถนนในซอยดับมาหนึ่งสัปดาห์แล้ว กลางคืนมืดมาก เดินกลับบ้านไม่ปลอดภัย ขอให้ช่วยซ่อมด้วย",
    "category": "ถนน",
    "contact": {"name": "สมหญิง รักดี"},
    "location": {"province": "กรุงเทพมหานคร", "district": "บางรัก"},
}


@pytest.fixture
def engine(stack):
    engine = create_engine(stack.pg.url, pool_pre_ping=True)
    yield engine
    engine.dispose()


@pytest.fixture
def slow_smtp(stack):
    """A server that has queued the message, then is slow to say 250."""
    stack.smtp.delay, stack.smtp.queued_before_reply = SLOW_250, True
    yield stack.smtp
    stack.smtp.delay, stack.smtp.queued_before_reply = 0.0, False


@pytest.fixture
def slow_checking_smtp(stack):
    """A server slow before it queues: a client that goes away meanwhile sent nothing."""
    stack.smtp.delay = SLOW_250
    yield stack.smtp
    stack.smtp.delay = 0.0


def _submit(stack, name: str) -> list[str]:
    numbers = []
    with requests.Session() as session:
        for i in range(COMPLAINTS):
            key = f"stops-{name}-{i}"
            body = {
                **BODY,
                "description": f"{BODY['description']} ({key})",
                "contact": {**BODY["contact"], "email": f"{key}@example.com"},
            }
            response = session.post(
                f"{stack.web.base_url}/api/v1/complaints", json=body, headers={"Idempotency-Key": key}, timeout=30
            )
            assert response.status_code == 201, response.text
            numbers.append(response.json()["tracking_number"])
    return numbers


def _acknowledgements(engine, numbers: list[str]) -> list:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT c.tracking_number, m.id, m.status, m.attempts, m.sent_at, m.claimed_until "
                "FROM outbox_messages m JOIN complaints c ON c.id = m.complaint_id "
                "WHERE m.purpose = 'acknowledgement' AND c.tracking_number = ANY(:numbers)"
            ),
            {"numbers": numbers},
        ).all()


def _in_flight(stack, timeout: float = 30) -> int:
    """Wait until both pool children are in the middle of a send (DATA sent, no 250 yet)."""
    assert wait_for(lambda: stack.smtp.in_flight >= 2, timeout, interval=0.05), stack.worker.log()[-3000:]
    time.sleep(0.3)  # well inside the server's pause
    return stack.smtp.in_flight


def _settle_and_check(stack, engine, name: str, numbers: list[str], before, **facts) -> dict:
    def done():
        rows = _acknowledgements(engine, numbers)
        return len(rows) == len(numbers) and all(r.status == "sent" for r in rows)

    started = time.monotonic()
    assert wait_for(done, 90, interval=0.3), (_acknowledgements(engine, numbers), stack.worker.log()[-4000:])
    settled = time.monotonic() - started
    time.sleep(2)  # a late second copy would arrive now
    rows = _acknowledgements(engine, numbers)
    # One acknowledgement per complaint, recorded sent ...
    assert sorted(r.tracking_number for r in rows) == sorted(numbers)
    assert {r.status for r in rows} == {"sent"}
    # ... and received exactly once by the SMTP server.
    received = stack.smtp.by_tracking_number() - before
    assert {n: received[n] for n in numbers} == {n: 1 for n in numbers}, {
        n: received[n] for n in numbers if received[n] != 1
    }
    counts = {
        "acknowledgements": len(numbers),
        "smtp_received": sum(received[n] for n in numbers),
        "max_send_attempts": max(r.attempts for r in rows),
        "settled_after_s": round(settled, 1),
        **facts,
    }
    stack.report.append(f"stops/{name}: " + ", ".join(f"{k}={v}" for k, v in counts.items()))
    return counts


def _stop_and_restart(stack, send_signal) -> float:
    """Signal the worker, wait for it to exit on its own, start it again; returns how long it took to stop."""
    worker = stack.worker
    started = time.monotonic()
    send_signal(worker.proc.pid)
    stack.smtp.delay = 0.0  # the sends in flight keep their pause; later ones are quick
    try:
        worker.proc.wait(timeout=STOP_LIMIT)
    except Exception:  # noqa: BLE001 - subprocess.TimeoutExpired: report the log, then clean up
        log = worker.log()[-4000:]
        worker.kill()
        worker.start()
        worker.wait_ready()
        pytest.fail(f"the worker did not stop within {STOP_LIMIT}s:\n{log}")
    stopped_after = time.monotonic() - started
    # Nothing of the worker is left behind (pool children, embedded beat).
    assert wait_for(lambda: not _group_alive(worker.proc.pid), 5), "worker processes outlived the main one"
    worker.start()
    worker.wait_ready()
    return stopped_after


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _scenario(stack, engine, name: str, send_signal) -> dict:
    before = stack.smtp.by_tracking_number()
    numbers = _submit(stack, name)
    in_flight = _in_flight(stack)
    stopped_after = _stop_and_restart(stack, send_signal)
    counts = _settle_and_check(
        stack,
        engine,
        name,
        numbers,
        before,
        sends_in_flight_at_signal=in_flight,
        stopped_after_s=round(stopped_after, 1),
    )
    assert in_flight >= 2 and stopped_after < STOP_LIMIT, counts
    return counts


def test_sigterm_to_the_process_group(stack, engine, slow_smtp):
    counts = _scenario(stack, engine, "sigterm-group", lambda pid: os.killpg(pid, signal.SIGTERM))
    # The sends in flight finished before the worker exited: none was made twice.
    assert counts["stopped_after_s"] >= SLOW_250 - 1, counts


def test_sigint_to_the_process_group(stack, engine, slow_smtp):
    _scenario(stack, engine, "sigint-group", lambda pid: os.killpg(pid, signal.SIGINT))


def test_sigterm_to_the_main_process_only(stack, engine, slow_smtp):
    _scenario(stack, engine, "sigterm-main", lambda pid: os.kill(pid, signal.SIGTERM))


def _children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _smtp_client_sockets() -> set[str]:
    """Inodes of the TCP connections to the SMTP server's port (the clients' ends)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[2].split(":")[1], 16) == SMTP_PORT:
            inodes.add(fields[9])
    return inodes


def _sending_children(pid: int) -> list[int]:
    sockets = {f"socket:[{inode}]" for inode in _smtp_client_sockets()}
    sending = []
    for child in _children(pid):
        fds = Path(f"/proc/{child}/fd")
        try:
            links = {os.readlink(fd) for fd in fds.iterdir()}
        except (FileNotFoundError, ProcessLookupError):
            continue
        if links & sockets:
            sending.append(child)
    return sending


def test_sigterm_to_the_children_that_are_sending(stack, engine, slow_smtp):
    before = stack.smtp.by_tracking_number()
    numbers = _submit(stack, "sigterm-child")
    in_flight = _in_flight(stack)
    main = stack.worker.proc.pid
    sending = _sending_children(main)
    assert sending, "no pool child holds a connection to the SMTP server"
    for child in sending:
        os.kill(child, signal.SIGTERM)
    stack.smtp.delay = 0.0
    # Each child finishes its send, records it, then goes; the pool starts another.
    assert wait_for(lambda: not set(sending) & set(_children(main)), STOP_LIMIT), stack.worker.log()[-3000:]
    counts = _settle_and_check(
        stack,
        engine,
        "sigterm-child",
        numbers,
        before,
        sends_in_flight_at_signal=in_flight,
        children_signalled=len(sending),
    )
    assert stack.worker.alive(), stack.worker.log()[-3000:]
    assert in_flight >= 2, counts


def test_sigkill_to_the_process_group(stack, engine, slow_checking_smtp):
    before = stack.smtp.by_tracking_number()
    numbers = _submit(stack, "sigkill-group")
    in_flight = _in_flight(stack)
    stack.worker.kill()  # SIGKILL to the group: no handler runs, the sends are cut off
    stack.smtp.delay = 0.0
    killed_at = datetime.now(UTC)
    lost = {
        r.id
        for r in _acknowledgements(engine, numbers)
        if r.status == "pending" and r.claimed_until and r.claimed_until > killed_at
    }
    assert lost, "no claimed send was lost with the worker"
    stack.worker.start()
    restarted_at = datetime.now(UTC)
    stack.worker.wait_ready()
    counts = _settle_and_check(
        stack, engine, "sigkill-group", numbers, before, sends_in_flight_at_kill=in_flight, claims_lost=len(lost)
    )
    rows = {r.id: r for r in _acknowledgements(engine, numbers)}
    late = max((rows[i].sent_at - restarted_at).total_seconds() for i in lost)
    stack.report[-1] += f", lost_sends_delivered_after_restart_s={late:.1f}"
    # Sent again (a second attempt), once, well within the limit.
    assert all(rows[i].attempts >= 2 for i in lost), counts
    assert late < SIGKILL_REDELIVERY_LIMIT, (late, counts)
