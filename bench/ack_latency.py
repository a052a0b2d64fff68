"""Acknowledgement latency: from intake to the acknowledgement e-mail being written.

A fresh migrated PostgreSQL database, a real Celery worker process (the `make run`
command line, prefork, concurrency 2) with a Redis broker and the file mail
backend, and a gunicorn Rongrian server. N complaints with a contact e-mail are
submitted through the HTTP API at a steady rate (open loop: a slow answer does
not delay the next submission); then the benchmark waits until every complaint
has `acknowledged_at` and reports the distribution of
`acknowledged_at - received_at`, both read from the database, and checks that
exactly one .eml file was written per complaint.

    .venv/bin/python bench/ack_latency.py [-n 300] [--rate 20] [--quick]
"""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import re
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402

TARGET_P95_SECONDS = 2.0
SUBJECT_NUMBER = re.compile(r"\[([A-Z]{1,6}-\d{4}-[0-9A-Z]{4}-[0-9A-Z]{4})\]")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-n", type=int, default=300, help="complaints measured (default 300)")
    p.add_argument("--rate", type=float, default=20, help="submissions per second (default 20)")
    p.add_argument(
        "--warmup", type=int, default=10, help="complaints sent and acknowledged first, not measured (default 10)"
    )
    p.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    p.add_argument("--concurrency", type=int, default=2, help="Celery worker concurrency (default 2)")
    p.add_argument("--timeout", type=float, default=180, help="seconds to wait for the last acknowledgement")
    p.add_argument("--redis-db", type=int, default=5)
    p.add_argument("--quick", action="store_true", help="60 complaints")
    p.add_argument("--keep-workdir", action="store_true")
    p.add_argument("--commit", help="measure this git commit (exported to a temporary folder), not the working tree")
    args = p.parse_args(argv)
    if args.quick:
        args.n, args.warmup = 60, 5
    return args


def submit_steadily(port: int, count: int, rate: float) -> list[dict]:
    """Open-loop submission at `rate` per second; returns one record per request."""
    bodies = harness.encoded_bodies()
    records: list[dict] = [{} for _ in range(count)]
    lock = threading.Lock()

    def one(i: int) -> None:
        try:
            status, data, seconds = harness.post_json(port, harness.INTAKE_PATH, bodies[i % len(bodies)])
            tracking = json.loads(data).get("tracking_number") if status == 201 else None
            rec = {"status": status, "tracking_number": tracking, "http_seconds": seconds}
        except OSError as exc:
            rec = {"status": None, "error": str(exc), "tracking_number": None, "http_seconds": None}
        with lock:
            records[i] = rec

    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:
        for i in range(count):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(one, i)
    return records


def wait_acknowledged(engine, tracking_numbers: list[str], timeout: float) -> int:
    """Seconds-bounded wait; returns how many are still unacknowledged."""
    from sqlalchemy import bindparam, text

    query = text(
        "SELECT count(*) FROM complaints WHERE tracking_number IN :tns AND acknowledged_at IS NULL"
    ).bindparams(bindparam("tns", expanding=True))
    deadline = time.monotonic() + timeout
    while True:
        with engine.connect() as conn:
            left = conn.execute(query, {"tns": tracking_numbers}).scalar_one()
        if left == 0 or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


def run(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    with harness.commit_checkout(args.commit):
        return _run(args)


def _run(args: argparse.Namespace) -> dict:
    redis_url = f"{harness.REDIS_BASE}/{args.redis_db}"
    harness.check_services(redis_url)
    print(
        f"ack_latency: {args.n} complaints at {args.rate:g}/s (+{args.warmup} warm-up), "
        f"gunicorn {args.workers} workers, Celery concurrency {args.concurrency}",
        flush=True,
    )
    from sqlalchemy import bindparam, text

    procs: list[harness.Process] = []
    with harness.workspace(args.keep_workdir) as work, harness.fresh_database(work) as db_url:
        harness.flush_redis(redis_url)
        env = harness.rongrian_env(work, db_url, redis_url)
        mail_dir = Path(env["MAIL_OUTBOX_DIR"])
        engine = harness.db_engine(db_url)
        try:
            worker = harness.start(harness.CeleryWorker(env, work / "celery-worker.log", concurrency=args.concurrency))
            procs.append(worker)
            web = harness.start(harness.Gunicorn("rongrian", env, work / "rongrian.log", workers=args.workers))
            procs.append(web)
            worker.wait_ready()
            web.wait_ready()

            if args.warmup:
                warm = submit_steadily(web.port, args.warmup, args.rate)
                warm_tns = [r["tracking_number"] for r in warm if r.get("tracking_number")]
                if len(warm_tns) != args.warmup:
                    raise RuntimeError(f"warm-up submissions failed: {warm}\nserver log:\n{web.log()[-4000:]}")
                if wait_acknowledged(engine, warm_tns, args.timeout):
                    raise RuntimeError(f"warm-up not acknowledged; worker log:\n{worker.log()[-3000:]}")

            started = time.monotonic()
            records = submit_steadily(web.port, args.n, args.rate)
            submit_seconds = time.monotonic() - started
            tns = [r["tracking_number"] for r in records if r.get("tracking_number")]
            failed = [r for r in records if r.get("status") != 201]
            print(
                f"  submitted {len(records)} in {submit_seconds:.1f} s "
                f"({len(records) / submit_seconds:.1f}/s), {len(failed)} not 201",
                flush=True,
            )
            left = wait_acknowledged(engine, tns, args.timeout) if tns else 0
            drained_seconds = time.monotonic() - started
            time.sleep(2)  # a duplicate delivery would show up now

            def expanding(sql: str):
                return text(sql).bindparams(bindparam("tns", expanding=True))

            with engine.connect() as conn:
                latencies = [
                    float(x)
                    for (x,) in conn.execute(
                        expanding(
                            "SELECT EXTRACT(EPOCH FROM acknowledged_at - received_at) FROM complaints "
                            "WHERE tracking_number IN :tns AND acknowledged_at IS NOT NULL"
                        ),
                        {"tns": tns},
                    )
                ]
                outbox = dict(
                    conn.execute(
                        expanding(
                            "SELECT o.status, count(*) FROM outbox_messages o "
                            "JOIN complaints c ON c.id = o.complaint_id "
                            "WHERE c.tracking_number IN :tns GROUP BY o.status"
                        ),
                        {"tns": tns},
                    ).all()
                )
                retried = conn.execute(
                    expanding(
                        "SELECT count(*) FROM outbox_messages o JOIN complaints c ON c.id = o.complaint_id "
                        "WHERE c.tracking_number IN :tns AND o.attempts <> 1"
                    ),
                    {"tns": tns},
                ).scalar_one()
                ack_events = dict(
                    conn.execute(
                        expanding(
                            "SELECT n, count(*) FROM (SELECT count(e.id) AS n FROM complaints c "
                            "LEFT JOIN timeline_events e ON e.complaint_id = c.id AND e.kind = 'acknowledged' "
                            "WHERE c.tracking_number IN :tns GROUP BY c.id) t GROUP BY n"
                        ),
                        {"tns": tns},
                    ).all()
                )
            eml = sorted(mail_dir.glob("*.eml")) if mail_dir.is_dir() else []
            per_tn = {tn: 0 for tn in tns}
            for path in eml:  # the subject starts with "[tracking number]" (the file name is opaque)
                mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                found = SUBJECT_NUMBER.match(mail.get("Subject", ""))
                if found and found.group(1) in per_tn:
                    per_tn[found.group(1)] += 1
            worker_errors = [ln for ln in worker.log().splitlines() if " ERROR/" in ln or "Traceback" in ln]
        finally:
            for p in reversed(procs):
                p.stop()
            engine.dispose()
            harness.flush_redis(redis_url)

    http = [r["http_seconds"] * 1000 for r in records if r.get("http_seconds") is not None]
    pct = {k: harness.percentile(latencies, q) for k, q in (("p50", 50), ("p95", 95), ("p99", 99))}
    result = {
        "benchmark": "ack_latency",
        "app": harness.app_source(),
        "settings": dict(vars(args)),
        "submitted": len(records),
        "created_201": len(tns),
        "not_201": len(failed),
        "submit_rate_achieved": len(records) / submit_seconds,
        "unacknowledged_after_timeout": left,
        "seconds_until_all_acknowledged": drained_seconds,
        "ack_latency_s": {
            **pct,
            "max": max(latencies) if latencies else float("nan"),
            "min": min(latencies) if latencies else float("nan"),
            "count": len(latencies),
        },
        "http_ms": {
            "p50": harness.percentile(http, 50),
            "p95": harness.percentile(http, 95),
            "max": max(http) if http else float("nan"),
        },
        "eml_files_total": len(eml),
        "eml_files_measured": sum(per_tn.values()),
        "complaints_with_exactly_one_eml": sum(1 for v in per_tn.values() if v == 1),
        "outbox_status": outbox,
        "outbox_attempts_not_1": retried,
        "acknowledged_events_per_complaint": {str(k): v for k, v in ack_events.items()},
        "worker_error_lines": len(worker_errors),
        "target_p95_s": TARGET_P95_SECONDS,
    }
    result["exactly_once"] = (
        result["created_201"] == args.n
        and result["eml_files_measured"] == args.n
        and result["complaints_with_exactly_one_eml"] == args.n
        and result["eml_files_total"] == args.n + args.warmup
    )
    result["target_met"] = left == 0 and pct["p95"] < TARGET_P95_SECONDS
    print_report(result)
    if worker_errors:
        print(f"  worker log errors, e.g.: {worker_errors[0][:300]}")
    return result


def print_report(r: dict) -> None:
    a = r["ack_latency_s"]
    print()
    print(
        f"Acknowledgement latency (acknowledged_at - received_at), {a['count']} complaints at "
        f"{r['submit_rate_achieved']:.1f}/s"
    )
    print(
        f"  p50 {a['p50'] * 1000:.0f} ms   p95 {a['p95'] * 1000:.0f} ms   p99 {a['p99'] * 1000:.0f} ms   "
        f"max {a['max'] * 1000:.0f} ms   (min {a['min'] * 1000:.0f} ms)"
    )
    print(
        f"  HTTP answer: p50 {r['http_ms']['p50']:.0f} ms, p95 {r['http_ms']['p95']:.0f} ms; "
        f"{r['not_201']} not 201; unacknowledged after timeout: {r['unacknowledged_after_timeout']}"
    )
    print(
        f"  .eml files: {r['eml_files_measured']} for the {r['created_201']} measured complaints "
        f"({r['complaints_with_exactly_one_eml']} with exactly one), {r['eml_files_total']} in total "
        f"with warm-up; outbox {r['outbox_status']}, attempts != 1: {r['outbox_attempts_not_1']}; "
        f"'acknowledged' events per complaint {r['acknowledged_events_per_complaint']}"
    )
    print(f"  exactly once: {'yes' if r['exactly_once'] else 'NO'}")
    verdict = "MET" if r["target_met"] else "MISSED"
    print(f"  target: p95 < {r['target_p95_s']:g} s -> {verdict}")


def main(argv: list[str] | None = None) -> int:
    result = run(argv)
    path = harness.save_result("ack_latency", result)
    print(f"saved {path.relative_to(harness.ROOT)}")
    return 0 if result["exactly_once"] and result["unacknowledged_after_timeout"] == 0 else 1


if __name__ == "__main__":
    harness.exit_cleanly_on_signals()
    sys.exit(main())
