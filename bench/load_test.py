"""Load: citizens, officers and managers on the whole system for a sustained period.

Starts everything itself on loopback: a fresh PostgreSQL database (created, migrated
with Flask-Migrate, seeded, then `flask demo generate` and `flask create-user` for the
staff accounts the scenario signs in with), gunicorn, a Celery worker and Celery beat
on Redis (db 6, flushed before and after), a stand-in for the LINE API; then runs the Locust scenario
`bench/load/locustfile.py` headless, samples the resident memory of the gunicorn
workers and the Celery worker processes every few seconds, waits until every complaint
accepted during the run is acknowledged, stops everything and prints, per endpoint,
requests, req/s, p50/p95/p99 and failures; the errors found (failed requests, errors
in the server and worker logs, failed outbox messages, complaints left unacknowledged
or stored differently from what the citizens were told); and memory at start, middle
and end per process with the slope of the second half.

    .venv/bin/python bench/load_test.py      # 10 minutes, 24 users (BENCHMARKS.md)
    .venv/bin/python bench/load_test.py --seconds 35 --users 8 --spawn-rate 8 --think-scale 0.3 --complaints 500

Exit code 1 on any error, on an endpoint the run never exercised, or when a process's
memory grew by more than --max-growth-mb in the second half of the run (not flat).
Rate limits are raised for the run (all simulated users share one address):
INTAKE_RATE_LIMIT and TRACK_RATE_LIMIT through the environment; the sign-in limit
(20 per minute per address) is fixed and the staff sign in once each.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import secrets
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from datetime import UTC

import harness  # noqa: E402

LOCUSTFILE = harness.BENCH / "load" / "locustfile.py"
# One officer account per unit that handles the scenario's categories, then two managers.
OFFICER_UNITS = ["public-works", "drainage", "cleansing", "city-law", "environment", "traffic", "complaints-centre"]
MANAGERS = 2
SERVER_ERROR = re.compile(r'"level": "(ERROR|CRITICAL)"|Traceback|\[(ERROR|CRITICAL)\]|WORKER TIMEOUT')
WORKER_ERROR = re.compile(r"\] (ERROR|CRITICAL)/|Traceback")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=int, default=600, help="length of the load (default 600)")
    p.add_argument("--users", type=int, default=24, help="simulated users (default 24: weights 16:6:2)")
    p.add_argument("--spawn-rate", type=float, default=4, help="users started per second (default 4)")
    p.add_argument(
        "--complaints",
        type=int,
        default=3000,
        help="demo complaints generated beforehand, for the dashboards and queues (default 3000)",
    )
    p.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2, as BENCHMARKS.md)")
    p.add_argument("--concurrency", type=int, default=2, help="Celery worker concurrency (default 2)")
    p.add_argument("--port", type=int, default=5101, help="gunicorn port (default 5101)")
    p.add_argument("--redis-db", type=int, default=6)
    p.add_argument("--sample-seconds", type=float, default=5, help="memory sampling interval (default 5)")
    p.add_argument(
        "--think-scale",
        type=float,
        default=1,
        help="multiply the users' think time (default 1; a short run uses less to cover every step)",
    )
    p.add_argument(
        "--max-growth-mb",
        type=float,
        default=10,
        help="largest RSS growth of a process in the second half still called flat (default 10)",
    )
    p.add_argument(
        "--ack-timeout",
        type=float,
        default=60,
        help="seconds to wait after the load for the last acknowledgement (default 60)",
    )
    p.add_argument("--json", type=Path, help="also write the result here")
    p.add_argument("--keep-workdir", action="store_true")
    return p.parse_args(argv)


# --------------------------------------------------------------------------- set-up


def prepare_data(env: dict, complaints: int) -> dict:
    """`flask demo generate` and `flask create-user` (in this process); the staff for LOAD_STAFF."""
    staff = {"officers": [], "managers": []}
    accounts = [(f"load-officer-{unit}", "officer", unit) for unit in OFFICER_UNITS]
    accounts += [(f"load-manager-{i}", "manager", None) for i in range(1, MANAGERS + 1)]
    with harness.temporary_env(**env):
        from sqlalchemy import select

        from complaints import create_app
        from complaints.extensions import db
        from complaints.models import User

        app = create_app()
        cli = app.test_cli_runner()

        def flask(*args: str) -> str:
            result = cli.invoke(args=list(args), catch_exceptions=False)
            if result.exit_code != 0:
                raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.output}")
            return result.output

        started = time.monotonic()
        print("  " + flask("demo", "generate", "--count", str(complaints)).strip().splitlines()[-2], flush=True)
        print(f"  demo data in {time.monotonic() - started:.1f} s", flush=True)
        for username, role, unit in accounts:
            password = secrets.token_urlsafe(12)
            flask(
                "create-user",
                "--username",
                username,
                "--name",
                f"Load {role} {unit or ''}".strip(),
                "--role",
                role,
                "--password",
                password,
                *(["--unit", unit] if unit else []),
            )
            with app.app_context():
                user_id = db.session.scalar(select(User.id).where(User.username == username))
                db.session.remove()
            staff[f"{role}s"].append({"username": username, "password": password, "id": user_id})
        with app.app_context():
            db.engine.dispose()
    return staff


class LinePlatform(ThreadingHTTPServer):
    """Stands in for the LINE Messaging API on loopback: the demo complaints that came by LINE
    get their status updates by LINE push, which must not reach the real api.line.me."""

    def __init__(self):
        self.sent = 0

        class Handler(BaseHTTPRequestHandler):
            def do_POST(handler):  # noqa: N805 - the server is `self` here
                handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
                self.sent += 1
                body = b'{"sentMessages":[{"id":"1","quoteToken":"q"}]}'
                handler.send_response(200)
                handler.send_header("Content-Type", "application/json")
                handler.send_header("Content-Length", str(len(body)))
                handler.end_headers()
                handler.wfile.write(body)

            def log_message(handler, *args):  # noqa: N805
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


# --------------------------------------------------------------------------- memory


def rss_kb(pid: int) -> int | None:
    return harness.proc_kb(pid, "status", "VmRSS")


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name (field 2) may hold spaces; the parent pid follows its ')'.
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return sorted(found)


def wait_settled(master_pid: int, workers: int, timeout: float = 60) -> None:
    """Until every gunicorn worker has booted (the app loaded): all there, RSS steady for a second."""
    deadline = time.monotonic() + timeout
    before: dict[int, int | None] = {}
    while time.monotonic() < deadline:
        now = {pid: rss_kb(pid) for pid in children(master_pid)}
        if (
            len(now) == workers
            and now.keys() == before.keys()
            and all(now[p] and before[p] and abs(now[p] - before[p]) < 2048 for p in now)
        ):
            return
        before = now
        time.sleep(1)
    raise RuntimeError(f"gunicorn workers not settled in {timeout:g} s")


class MemorySampler(threading.Thread):
    """RSS of the gunicorn workers, the Celery worker and its pool processes, every few seconds."""

    def __init__(self, web: harness.Process, worker: harness.Process, interval: float):
        super().__init__(daemon=True)
        self.web, self.worker, self.interval = web, worker, interval
        self.samples: dict[str, list[tuple[float, float]]] = {}
        self.pids: dict[str, set[int]] = {}
        self.started = time.monotonic()
        self._halt = threading.Event()

    def processes(self) -> dict[str, int]:
        named = {f"gunicorn worker {i}": pid for i, pid in enumerate(children(self.web.proc.pid), 1)}
        named["celery worker"] = self.worker.proc.pid
        named.update({f"celery pool {i}": pid for i, pid in enumerate(children(self.worker.proc.pid), 1)})
        return named

    def sample(self) -> None:
        t = time.monotonic() - self.started
        for name, pid in self.processes().items():
            kb = rss_kb(pid)
            if kb is not None:
                self.samples.setdefault(name, []).append((t, kb / 1024))
                self.pids.setdefault(name, set()).add(pid)

    def run(self) -> None:
        while not self._halt.is_set():
            self.sample()
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def memory_summary(samples: list[tuple[float, float]], seconds: float, max_growth_mb: float) -> dict:
    """Start, middle and end (median of the samples around each), the second half's growth and slope."""

    def around(t0: float) -> float:
        near = sorted(samples, key=lambda s: abs(s[0] - t0))[:3]
        return statistics.median(mb for _, mb in near)

    half = [s for s in samples if s[0] >= seconds / 2]
    slope = float("nan")
    if len(half) >= 2 and len({t for t, _ in half}) > 1:
        slope = statistics.linear_regression([t for t, _ in half], [mb for _, mb in half]).slope * 60
    start, middle, end = around(0), around(seconds / 2), around(samples[-1][0])
    return {
        "start_mb": start,
        "middle_mb": middle,
        "end_mb": end,
        "growth_second_half_mb": end - middle,
        "slope_second_half_mb_per_min": slope,
        "samples": len(samples),
        "flat": end - middle <= max_growth_mb,
        "series": [(round(t, 1), round(mb, 1)) for t, mb in samples],
    }


# --------------------------------------------------------------------------- results


def response_time_percentile(times: dict[int, int], q: float) -> float:
    """Locust's own percentile over its histogram of rounded response times (ms)."""
    count = sum(times.values())
    if not count:
        return float("nan")
    below = int(count * q)
    seen = 0
    for ms in sorted(times, reverse=True):
        seen += times[ms]
        if count - seen <= below:
            return float(ms)
    return 0.0


def endpoint_row(
    method: str, name: str, requests: int, failures: int, times: dict[int, int], max_ms: float, seconds: float
) -> dict:
    return {
        "method": method,
        "name": name,
        "requests": requests,
        "failures": failures,
        "rps": requests / seconds,
        "p50": response_time_percentile(times, 0.50),
        "p95": response_time_percentile(times, 0.95),
        "p99": response_time_percentile(times, 0.99),
        "max": max_ms,
    }


def read_locust_stats(path: Path, seconds: float) -> tuple[list[dict], dict | None]:
    """Per endpoint and in all, from Locust's final statistics (--json-file, written at exit)."""
    if not path.is_file():
        return [], None
    rows, merged, failures, requests, max_ms = [], {}, 0, 0, 0.0
    for entry in json.loads(path.read_text(encoding="utf-8")):
        times = {int(k): v for k, v in entry["response_times"].items()}
        rows.append(
            endpoint_row(
                entry["method"],
                entry["name"],
                entry["num_requests"],
                entry["num_failures"],
                times,
                entry["max_response_time"] or 0.0,
                seconds,
            )
        )
        for ms, n in times.items():
            merged[ms] = merged.get(ms, 0) + n
        requests += entry["num_requests"]
        failures += entry["num_failures"]
        max_ms = max(max_ms, entry["max_response_time"] or 0.0)
    return rows, endpoint_row("", "all", requests, failures, merged, max_ms, seconds)


def read_locust_failures(prefix: Path) -> list[dict]:
    path = Path(f"{prefix}_failures.csv")
    if not path.is_file():
        return []
    with open(path, newline="", encoding="utf-8") as handle:
        return [dict(row) for row in csv.DictReader(handle)]


def expected_endpoints() -> list[str]:
    """The endpoint names the scenario declares (ENDPOINTS in the locustfile), without importing Locust."""
    source = LOCUSTFILE.read_text(encoding="utf-8")
    block = source.split("ENDPOINTS = {", 1)[1].split("\n}\n", 1)[0]
    return re.findall(r'"((?:GET|POST) [^"]+)"', block)


def load_complaints(engine, since) -> dict:
    from sqlalchemy import text

    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT count(*), count(*) FILTER (WHERE acknowledged_at IS NULL), "
                "count(*) FILTER (WHERE channel = 'web'), count(*) FILTER (WHERE channel = 'api'), "
                # Assigning moves a case past 'acknowledged': an assignee on an earlier status is a lost update.
                "count(*) FILTER (WHERE assigned_user_id IS NOT NULL AND status IN ('received', 'acknowledged')) "
                "FROM complaints WHERE received_at >= :since AND channel IN ('web', 'api')"
            ),
            {"since": since},
        ).one()
        failed_outbox = conn.execute(text("SELECT count(*) FROM outbox_messages WHERE status = 'failed'")).scalar_one()
        pending_outbox = conn.execute(
            text("SELECT count(*) FROM outbox_messages WHERE status = 'pending' AND created_at >= :since"),
            {"since": since},
        ).scalar_one()
    return {
        "accepted": row[0],
        "unacknowledged": row[1],
        "web": row[2],
        "api": row[3],
        "inconsistent": row[4],
        "outbox_failed": failed_outbox,
        "outbox_pending": pending_outbox,
    }


def log_errors(process: harness.Process, pattern: re.Pattern) -> list[str]:
    return [line[:500] for line in process.log().splitlines() if pattern.search(line)]


# --------------------------------------------------------------------------- run


def run(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    harness.exit_cleanly_on_signals()
    redis_url = f"{harness.REDIS_BASE}/{args.redis_db}"
    harness.check_services(redis_url)
    print(
        f"load: {args.users} users ({args.spawn_rate:g}/s) for {args.seconds} s; gunicorn {args.workers} workers "
        f"on port {args.port}, Celery worker (concurrency {args.concurrency}) + beat on Redis db {args.redis_db}; "
        f"{args.complaints} demo complaints",
        flush=True,
    )
    from datetime import datetime

    procs: list[harness.Process] = []
    with harness.workspace(args.keep_workdir) as work, harness.fresh_database(work, prefix="rongrian_load") as db_url:
        harness.flush_redis(redis_url)
        line = LinePlatform()
        env = harness.rongrian_env(
            work,
            db_url,
            redis_url,
            RATELIMIT_STORAGE_URI=redis_url,
            SECRET_KEY=secrets.token_urlsafe(32),
            LOG_LEVEL="WARNING",
            LINE_API_BASE_URL=line.url,
            LINE_CHANNEL_ACCESS_TOKEN="load-test",
        )
        staff = prepare_data(env, args.complaints)
        engine = harness.db_engine(db_url)
        sampler = None
        try:
            worker = harness.start(harness.CeleryWorker(env, work / "celery-worker.log", concurrency=args.concurrency))
            procs.append(worker)
            beat = harness.start(
                harness.Process(
                    "celery-beat",
                    [
                        harness.PYTHON,
                        "-m",
                        "celery",
                        "-A",
                        "workers.main",
                        "beat",
                        "--schedule",
                        str(work / "beat-schedule"),
                        "--loglevel",
                        "INFO",
                    ],
                    env,
                    work / "celery-beat.log",
                )
            )
            procs.append(beat)
            web = harness.start(
                harness.Gunicorn("gunicorn", env, work / "gunicorn.log", workers=args.workers, port=args.port)
            )
            procs.append(web)
            worker.wait_ready()
            web.wait_ready()
            wait_settled(web.proc.pid, args.workers)

            since = datetime.now(UTC)
            sampler = MemorySampler(web, worker, args.sample_seconds)
            sampler.start()
            prefix = work / "locust"
            locust = harness.start(
                harness.Process(
                    "locust",
                    [
                        harness.PYTHON,
                        "-m",
                        "locust",
                        "-f",
                        str(LOCUSTFILE),
                        "--headless",
                        "-u",
                        str(args.users),
                        "-r",
                        str(args.spawn_rate),
                        "-t",
                        f"{args.seconds}s",
                        "--host",
                        web.base_url,
                        "--csv",
                        str(prefix),
                        "--json-file",
                        str(prefix),
                        "--stop-timeout",
                        "20",
                        "--loglevel",
                        "WARNING",
                    ],
                    {**env, "LOAD_STAFF": json.dumps(staff), "LOAD_THINK_SCALE": str(args.think_scale)},
                    work / "locust.log",
                )
            )
            procs.append(locust)
            locust.proc.wait(timeout=args.seconds + 120)
            sampler.stop()
            load_seconds = time.monotonic() - sampler.started

            deadline = time.monotonic() + args.ack_timeout
            while True:
                db_counts = load_complaints(engine, since)
                if db_counts["unacknowledged"] == 0 or time.monotonic() > deadline:
                    break
                time.sleep(1)
            errors = {
                "server": log_errors(web, SERVER_ERROR),
                "celery worker": log_errors(worker, WORKER_ERROR),
                "celery beat": log_errors(beat, WORKER_ERROR),
            }
            db_counts["line_messages"] = line.sent
            endpoints, total = read_locust_stats(Path(f"{prefix}.json"), args.seconds)
            observed = {
                "endpoints": endpoints,
                "total": total,
                "failures": read_locust_failures(prefix),
                "complaints": db_counts,
                "log_errors": errors,
                "restarted": [name for name, pids in sampler.pids.items() if len(pids) > 1],
                "gunicorn_workers": sum(name.startswith("gunicorn worker") for name in sampler.samples),
                "samples": sampler.samples,
                "load_seconds": load_seconds,
                "locust_exit_code": locust.proc.returncode,
                "locust_log": locust.log(),
            }
        finally:
            if sampler is not None and sampler.is_alive():
                sampler.stop()
            for p in reversed(procs):
                p.stop()
            line.shutdown()
            line.server_close()
            engine.dispose()
            harness.flush_redis(redis_url)
    return summarise(args, observed)


def summarise(args: argparse.Namespace, observed: dict) -> dict:
    """Errors counted from every source, endpoints never exercised, memory per process."""
    endpoints, total, db_counts = observed["endpoints"], observed["total"], observed["complaints"]
    seen = {f"{s['method']} {s['name']}" for s in endpoints if s["requests"] > 0}
    missing = [e for e in expected_endpoints() if e not in seen]
    accepted_by_locust = sum(
        s["requests"] - s["failures"]
        for s in endpoints
        if (s["method"], s["name"]) in {("POST", "/api/v1/complaints"), ("POST", "/complaints/new")}
    )
    memory = {
        name: memory_summary(series, observed["load_seconds"], args.max_growth_mb)
        for name, series in observed["samples"].items()
    }
    error_count = (
        (total["failures"] if total else 1)
        + sum(len(lines) for lines in observed["log_errors"].values())
        + db_counts["outbox_failed"]
        + db_counts["unacknowledged"]
        + db_counts["inconsistent"]
        + len(observed["restarted"])
        + (accepted_by_locust != db_counts["accepted"])  # a citizen told "accepted" with nothing stored
        + (observed["gunicorn_workers"] < args.workers)
        # Locust exits non-zero on a failed request or an exception in the scenario itself.
        + (observed["locust_exit_code"] != 0 and (total or {}).get("failures", 0) == 0)
    )
    result = {
        "benchmark": "load",
        "app": harness.app_source(),
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "load_seconds": observed["load_seconds"],
        "endpoints": endpoints,
        "total": total,
        "failures": observed["failures"],
        "missing_endpoints": missing,
        "complaints": {**db_counts, "accepted_by_locust": accepted_by_locust},
        "log_errors": observed["log_errors"],
        "restarted_processes": observed["restarted"],
        "memory": memory,
        "errors": error_count,
        "memory_flat": bool(memory) and all(m["flat"] for m in memory.values()),
        "locust_exit_code": observed["locust_exit_code"],
        "locust_log_tail": observed["locust_log"][-3000:],
    }
    result["ok"] = result["errors"] == 0 and not missing and result["memory_flat"]
    return result


def fmt_ms(value: float) -> str:
    return "-" if value != value else f"{value:.0f}"


def report(result: dict) -> None:
    print(f"\n{'endpoint':<52} {'requests':>8} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6} {'fail':>5}  (ms)")
    for s in sorted(result["endpoints"], key=lambda s: -s["requests"]):
        print(
            f"{(s['method'] + ' ' + s['name'])[:52]:<52} {s['requests']:>8} {s['rps']:>7.2f} {fmt_ms(s['p50']):>6} "
            f"{fmt_ms(s['p95']):>6} {fmt_ms(s['p99']):>6} {s['failures']:>5}"
        )
    t = result["total"]
    if t:
        print(
            f"{'all':<52} {t['requests']:>8} {t['rps']:>7.2f} {fmt_ms(t['p50']):>6} {fmt_ms(t['p95']):>6} "
            f"{fmt_ms(t['p99']):>6} {t['failures']:>5}"
        )
    c = result["complaints"]
    print(
        f"\ncomplaints accepted during the run: {c['accepted']} (web {c['web']}, api {c['api']}; "
        f"Locust counted {c['accepted_by_locust']}), not acknowledged at the end: {c['unacknowledged']}; "
        f"assigned but with a status before 'assigned': {c['inconsistent']}\n"
        f"outbox messages failed: {c['outbox_failed']}; LINE messages to the stand-in: {c['line_messages']}"
    )
    for failure in result["failures"][:10]:
        print(
            f"  failed {failure.get('Method')} {failure.get('Name')} x{failure.get('Occurrences')}: "
            f"{failure.get('Error', '')[:300]}"
        )
    for source, lines in result["log_errors"].items():
        if lines:
            print(f"  {len(lines)} error lines in the {source} log, first: {lines[0][:300]}")
    if result["restarted_processes"]:
        print(f"  processes replaced during the run: {', '.join(result['restarted_processes'])}")
    if result["missing_endpoints"]:
        print(f"  endpoints never exercised: {', '.join(result['missing_endpoints'])}")
    print(f"errors: {result['errors']}")
    print(f"\n{'process (RSS, MB)':<22} {'start':>7} {'middle':>7} {'end':>7} {'2nd half':>9} {'slope/min':>10}  flat")
    for name, m in result["memory"].items():
        print(
            f"{name:<22} {m['start_mb']:>7.1f} {m['middle_mb']:>7.1f} {m['end_mb']:>7.1f} "
            f"{m['growth_second_half_mb']:>+9.1f} {m['slope_second_half_mb_per_min']:>+10.2f}  "
            f"{'yes' if m['flat'] else 'NO'}"
        )
    print(
        f"memory flat (second-half growth <= {result['settings']['max_growth_mb']:g} MB per process): "
        f"{'yes' if result['memory_flat'] else 'NO'}"
    )
    print(f"verdict: {'OK' if result['ok'] else 'FAILED'}")


def main(argv: list[str] | None = None) -> int:
    result = run(argv)
    report(result)
    path = harness.save_result("load", result)
    print(f"saved {path.relative_to(harness.ROOT)}")
    if result["settings"].get("json"):
        Path(result["settings"]["json"]).write_text(
            json.dumps(result, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
        )
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
