"""Faults, nothing lost: Redis killed, the worker killed mid-send, PostgreSQL restarted,
SMTP down. Afterwards every accepted complaint exists exactly once and was
acknowledged exactly once (in the database, in the outbox and at the SMTP server).

Run with `make test-faults` (excluded from `make test`).
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest
import requests
from sqlalchemy import create_engine, text

from tests.processes import wait_for

# Only `faults`: selecting postgres, redis or worker tests (`-m postgres`) must not start these.
pytestmark = pytest.mark.faults

BODY = {
    "title": "ถนนชำรุดเป็นหลุมบ่อ",
    "description": "ถนนหน้าซอยมีหลุมลึก ฝนตกแล้วมีน้ำขัง รถจักรยานยนต์ล้มไปแล้วสองคัน ขอให้ช่วยซ่อมด่วน",
    "category": "ถนน",
    "contact": {"name": "สมชาย ใจดี"},
    "location": {"province": "กรุงเทพมหานคร", "district": "วัฒนา"},
}
# A client gives up on one complaint only after this long (the faults last seconds).
CLIENT_PATIENCE = 90.0


@dataclass
class Load:
    """Client threads submitting complaints like a real client: one Idempotency-Key per
    complaint, the same key again after a connection error or a 5xx."""

    base_url: str
    scenario: str
    threads: int = 3
    accepted: dict[str, str] = field(default_factory=dict)  # key -> tracking number from a 201
    statuses: Counter = field(default_factory=Counter)
    connection_errors: int = 0
    retries: int = 0
    replayed: int = 0
    unanswered: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)

    def __post_init__(self):
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._workers = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(self.threads)]

    def __enter__(self):
        for worker in self._workers:
            worker.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for worker in self._workers:
            worker.join(CLIENT_PATIENCE + 30)

    def _run(self, thread: int) -> None:
        session = requests.Session()
        n = 0
        while not self._stop.is_set():
            key = f"{self.scenario}-{thread}-{n}"
            n += 1
            body = {
                **BODY,
                "description": f"{BODY['description']} ({key})",
                "contact": {**BODY["contact"], "email": f"{key}@example.com"},
            }
            self._submit(session, key, body)
            time.sleep(0.05)

    def _submit(self, session: requests.Session, key: str, body: dict) -> None:
        deadline = time.monotonic() + CLIENT_PATIENCE
        first = True
        while time.monotonic() < deadline:
            if not first:
                with self._lock:
                    self.retries += 1
                time.sleep(0.3)
            first = False
            try:
                response = session.post(
                    f"{self.base_url}/api/v1/complaints", json=body, headers={"Idempotency-Key": key}, timeout=30
                )
            except requests.RequestException:
                with self._lock:
                    self.connection_errors += 1
                session = requests.Session()
                continue
            with self._lock:
                self.statuses[response.status_code] += 1
            if response.status_code == 201:
                with self._lock:
                    self.accepted[key] = response.json()["tracking_number"]
                    # A retry whose first try was stored after all: answered from the record.
                    self.replayed += response.headers.get("Idempotent-Replayed") == "true"
                return
            if response.status_code == 503:
                problem = response.json()
                if not (problem.get("detail_th") and problem.get("detail") and response.headers.get("Retry-After")):
                    self.unexpected.append(f"{key}: 503 without bilingual problem or Retry-After: {problem}")
                continue
            # Anything else is a bug (a 500) or a refusal a client would not retry.
            with self._lock:
                self.unexpected.append(f"{key}: {response.status_code} {response.text[:300]}")
            if response.status_code >= 500:
                continue
            return
        with self._lock:
            self.unanswered.append(key)


def _supervise(stack, stop: threading.Event, hold: dict) -> None:
    """Restart the worker when it exits (the process supervisor of production)."""
    while not stop.wait(0.5):
        if time.monotonic() >= hold.get("until", 0):
            stack.worker.ensure_running()


@pytest.fixture
def supervised(stack):
    stop, hold = threading.Event(), {}
    thread = threading.Thread(target=_supervise, args=(stack, stop, hold), daemon=True)
    thread.start()
    yield hold
    stop.set()
    thread.join()


@pytest.fixture
def engine(stack):
    engine = create_engine(stack.pg.url, pool_pre_ping=True)
    yield engine
    engine.dispose()


def _last_complaint_id(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(text("SELECT coalesce(max(id), 0) FROM complaints"))


def _state(engine, before: int) -> dict:
    with engine.connect() as conn:
        complaints = conn.execute(
            text("SELECT id, tracking_number, acknowledged_at FROM complaints WHERE id > :before"), {"before": before}
        ).all()
        outbox = conn.execute(
            text(
                "SELECT complaint_id, status, attempts FROM outbox_messages "
                "WHERE complaint_id > :before AND purpose = 'acknowledgement'"
            ),
            {"before": before},
        ).all()
    return {"complaints": complaints, "outbox": outbox}


def _settle(stack, engine, before: int, expected: int, timeout: float = 120) -> float:
    """Wait until every new complaint is acknowledged and its message sent, then a little
    longer so that a late duplicate would still reach the SMTP server."""
    started = time.monotonic()

    def quiet():
        state = _state(engine, before)
        return (
            len(state["complaints"]) >= expected
            and all(c.acknowledged_at is not None for c in state["complaints"])
            and state["outbox"]
            and all(m.status == "sent" for m in state["outbox"])
        )

    settled = wait_for(quiet, timeout, interval=0.5)
    waited = time.monotonic() - started
    time.sleep(3)
    assert settled, (_state(engine, before), stack.worker.log()[-4000:])
    return waited


def _check_nothing_lost(stack, engine, load: Load, mark: Mark, name: str, waited: float, **facts) -> dict:
    before = mark.last_complaint_id
    assert not load.unexpected, load.unexpected[:10]
    assert not load.unanswered, load.unanswered
    assert load.accepted, "the load generator got no 201 at all"
    state = _state(engine, before)
    numbers = Counter(c.tracking_number for c in state["complaints"])
    # Every tracking number a client got a 201 for exists exactly once ...
    for key, number in load.accepted.items():
        assert numbers[number] == 1, (key, number, numbers[number])
    # ... and nothing else was stored: retries with the same key made no second complaint.
    assert len(state["complaints"]) == len(set(load.accepted.values())) == len(load.accepted)
    with engine.connect() as conn:
        keys = dict(
            conn.execute(
                text(
                    "SELECT r.key, c.tracking_number FROM idempotency_records r "
                    "JOIN complaints c ON c.id = r.complaint_id "
                    "WHERE r.key LIKE :prefix"
                ),
                {"prefix": f"api:{name}-%"},
            ).all()
        )
    assert keys == {f"api:{k}": v for k, v in load.accepted.items()}
    # Every complaint (each has an e-mail contact) is acknowledged ...
    assert all(c.acknowledged_at is not None for c in state["complaints"])
    # ... by exactly one acknowledgement in the outbox, sent ...
    per_complaint = Counter(m.complaint_id for m in state["outbox"])
    assert set(per_complaint) == {c.id for c in state["complaints"]}
    assert set(per_complaint.values()) == {1}
    assert {m.status for m in state["outbox"]} == {"sent"}
    # ... and received exactly once by the SMTP server.
    received = stack.smtp.by_tracking_number() - mark.smtp_received
    assert {n: received[n] for n in numbers} == {n: 1 for n in numbers}, {
        n: received[n] for n in numbers if received[n] != 1
    }
    assert sum(received.values()) == len(numbers), "mail for a complaint outside this scenario"
    counts = {
        "accepted_201": len(load.accepted),
        "client_retries": load.retries,
        "replayed_201": load.replayed,
        "connection_errors": load.connection_errors,
        "statuses": dict(sorted(load.statuses.items())),
        "complaints_stored": len(state["complaints"]),
        "acknowledged": sum(c.acknowledged_at is not None for c in state["complaints"]),
        "ack_messages_sent": sum(m.status == "sent" for m in state["outbox"]),
        "smtp_received": sum(received.values()),
        "max_send_attempts": max(m.attempts for m in state["outbox"]),
        "worker_restarts": stack.worker.starts - mark.worker_starts,
        "settled_after_s": round(waited, 1),
        **facts,
    }
    stack.report.append(f"{name}: " + ", ".join(f"{k}={v}" for k, v in counts.items()))
    return counts


@dataclass
class Mark:
    """Where a scenario starts: the last complaint, the worker's starts, the mail received."""

    last_complaint_id: int
    worker_starts: int
    smtp_received: Counter


def _begin(stack, engine) -> Mark:
    return Mark(_last_complaint_id(engine), stack.worker.starts, stack.smtp.by_tracking_number())


def test_redis_killed_mid_load_and_restarted(stack, engine, supervised):
    mark = _begin(stack, engine)
    with Load(stack.web.base_url, "redis") as load:
        time.sleep(2)
        stack.redis.kill()
        down_at = len(load.accepted)
        time.sleep(4)
        accepted_while_down = len(load.accepted) - down_at
        stack.redis.start()
        time.sleep(2)
    waited = _settle(stack, engine, mark.last_complaint_id, len(load.accepted))
    counts = _check_nothing_lost(
        stack, engine, load, mark, "redis", waited, accepted_while_redis_down=accepted_while_down
    )
    # Intake does not need the broker: complaints were accepted while Redis was away.
    assert accepted_while_down > 0, counts
    assert set(load.statuses) == {201}, counts


def test_worker_killed_while_sending_and_restarted(stack, engine, supervised):
    mark = _begin(stack, engine)
    stack.smtp.delay = 1.5  # a slow mail server: deliveries are in flight when the worker dies
    try:
        with Load(stack.web.base_url, "worker") as load:
            assert wait_for(lambda: stack.smtp.in_flight > 0, 30), stack.worker.log()[-3000:]
            time.sleep(0.5)
            supervised["until"] = time.monotonic() + 3  # down for a few seconds, then restarted
            in_flight = stack.smtp.in_flight
            stack.worker.kill()
            time.sleep(4)
    finally:
        stack.smtp.delay = 0.0
    waited = _settle(stack, engine, mark.last_complaint_id, len(load.accepted))
    counts = _check_nothing_lost(stack, engine, load, mark, "worker", waited, sends_in_flight_at_kill=in_flight)
    assert in_flight > 0 and counts["max_send_attempts"] > 1, counts


def test_postgres_restarted_mid_load(stack, engine, supervised):
    mark = _begin(stack, engine)
    log_before = len(stack.worker.log())
    # Mail held in DATA while the database goes, then let out: the mail is out but the
    # worker cannot record it yet (it must, before its claim runs out, or the message
    # would be sent again).
    stack.smtp.hold()
    try:
        with Load(stack.web.base_url, "postgres") as load:
            assert wait_for(lambda: stack.smtp.in_flight > 0, 30), stack.worker.log()[-3000:]
            stack.pg.stop()  # pg_ctl stop -m fast: open sessions are cut off
            stack.smtp.release()
            time.sleep(3)
            stack.pg.start()
            time.sleep(2)
    finally:
        stack.smtp.release()
    waited = _settle(stack, engine, mark.last_complaint_id, len(load.accepted))
    recorded_late = set(re.findall(r"outbox message (\d+); recording it again", stack.worker.log()[log_before:]))
    counts = _check_nothing_lost(
        stack, engine, load, mark, "postgres", waited, sent_then_recorded_after_restart=len(recorded_late)
    )
    # Requests during the outage got a bilingual 503 (checked by the client), never a 500.
    assert load.statuses[503] + load.connection_errors > 0, counts
    # The outage did fall between a send and its record, and still nothing went twice.
    assert recorded_late, counts
    assert set(load.statuses) <= {201, 503}, counts


def test_smtp_down_for_a_while_then_back(stack, engine, supervised):
    mark = _begin(stack, engine)
    stack.smtp.stop()
    try:
        with Load(stack.web.base_url, "smtp") as load:
            time.sleep(4)
        time.sleep(12)
    finally:
        stack.smtp.start()
    waited = _settle(stack, engine, mark.last_complaint_id, len(load.accepted))
    counts = _check_nothing_lost(stack, engine, load, mark, "smtp", waited)
    assert counts["max_send_attempts"] > 1 and set(load.statuses) == {201}, counts
