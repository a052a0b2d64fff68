"""Shared plumbing for the benchmarks: throwaway databases, server processes, load.

The server processes are the tests' own harness (tests/processes.py: one way to start,
wait for and stop gunicorn and a Celery worker); `start()` runs one in the source under
test, the working tree or an exported commit (--commit).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.processes, the process harness shared with the tests

from tests.processes import CeleryWorker as CeleryWorker  # noqa: E402 - the scripts' harness.CeleryWorker
from tests.processes import Gunicorn as Gunicorn  # noqa: E402
from tests.processes import Process  # noqa: E402

BENCH = Path(__file__).resolve().parent
# The Rongrian source under test: the working tree, or an exported commit (--commit).
APP_DIR = ROOT
RESULTS = BENCH / "results"
PYTHON = sys.executable

PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_BASE = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379")
INTAKE_PATH = "/api/v1/complaints"
BARE_PATH = "/bare"


def exit_cleanly_on_signals() -> None:
    """SIGTERM and SIGINT unwind the stack, so every `finally` stops its servers and
    drops its database (Python's default for SIGTERM would skip them)."""

    def _raise(signum, _frame):
        raise SystemExit(128 + signum)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _raise)


# --------------------------------------------------------------------------- source under test


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


def app_source() -> dict:
    """What is being measured: a commit, or the working tree at HEAD (dirty or not)."""
    if APP_DIR != ROOT:
        return {"source": "commit", "commit": os.environ.get("RONGRIAN_BENCH_COMMIT", "?"), "dir": str(APP_DIR)}
    try:
        dirty = [ln for ln in _git("status", "--porcelain").splitlines() if not ln[3:].startswith("bench/")]
        return {"source": "working tree", "head": _git("rev-parse", "HEAD"), "dirty_files": len(dirty)}
    except (OSError, subprocess.CalledProcessError):
        return {"source": "working tree", "head": None}


@contextlib.contextmanager
def commit_checkout(rev: str | None):
    """Measure `rev` instead of the working tree: `git archive` it into a temporary
    folder and import Rongrian from there (in this process and in every server)."""
    global APP_DIR
    if not rev:
        yield APP_DIR
        return
    if "complaints" in sys.modules:
        raise RuntimeError("choose the commit before Rongrian is imported")
    commit = _git("rev-parse", "--verify", f"{rev}^{{commit}}")
    folder = Path(tempfile.mkdtemp(prefix=f"rongrian-src-{commit[:8]}-"))
    try:
        archive = subprocess.run(
            ["git", "archive", "--format=tar", commit], cwd=ROOT, capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
        # Installed, templates/ is the package complaints.templates (pyproject.toml);
        # put it there so the editable install's mapping to the working tree is not used.
        if (folder / "templates").is_dir() and not (folder / "complaints" / "templates").exists():
            shutil.copytree(folder / "templates", folder / "complaints" / "templates")
        APP_DIR = folder
        os.environ["RONGRIAN_BENCH_COMMIT"] = commit
        os.environ["PYTHONPATH"] = os.pathsep.join(
            [str(folder)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
        )
        sys.path.insert(0, str(folder))
        print(f"measuring commit {commit[:12]} exported to {folder}", flush=True)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --------------------------------------------------------------------------- bodies


def complaint_bodies() -> list[dict]:
    """Realistic Thai submissions: road complaints with a contact email and a place.

    Every body carries contact.email, so Rongrian writes an outbox message and
    enqueues an acknowledgement for each one (the path under test).
    """
    places = [
        ("กรุงเทพมหานคร", "วัฒนา", "ซอยสุขุมวิท 71 (ปรีดี พนมยงค์) หน้าร้านสะดวกซื้อ", 13.7236, 100.5925),
        ("กรุงเทพมหานคร", "เขตจตุจักร", "ถนนพหลโยธิน ใกล้สถานีรถไฟฟ้าหมอชิต", 13.8028, 100.5537),
        ("เชียงใหม่", "เมืองเชียงใหม่", "ถนนห้วยแก้ว ช่วงหน้ามหาวิทยาลัย", 18.7958, 98.9681),
        ("ขอนแก่น", "อ.เมืองขอนแก่น", "ถนนมิตรภาพ ขาเข้าเมือง กิโลเมตรที่ 3", 16.4419, 102.8359),
    ]
    descriptions = [
        "ถนนหน้าซอยมีหลุมลึกประมาณ 30 เซนติเมตร กว้างเกือบเต็มช่องจราจร ฝนตกแล้วมีน้ำขัง "
        "มองไม่เห็นหลุม เมื่อคืนมีรถจักรยานยนต์ล้มไปแล้วสองคัน ขอให้ช่วยซ่อมโดยด่วนด้วยครับ",
        "ผิวถนนแตกร้าวและยุบตัวเป็นแนวยาวประมาณ 20 เมตร รถยนต์ต้องหลบไปใช้ช่องทางสวน "
        "เสี่ยงต่อการเกิดอุบัติเหตุในช่วงกลางคืนเพราะไฟส่องสว่างไม่เพียงพอ",
        "ฝาท่อบนถนนทรุดต่ำกว่าระดับผิวถนน รถวิ่งผ่านแล้วเกิดเสียงดังและกระแทกแรง ผู้สูงอายุและเด็กที่ขี่จักรยานผ่านทางนี้ทุกวันอาจได้รับอันตราย",
        "มีการขุดถนนเพื่อวางท่อแล้วไม่ได้ปิดผิวจราจรให้เรียบร้อย ทิ้งไว้เป็นเนินดินและหลุม มาเกินสองสัปดาห์แล้ว ไม่มีป้ายเตือนหรือไฟกะพริบ",
    ]
    names = ["สมชาย ใจดี", "สุดารัตน์ แก้วมณี", "ประเสริฐ ศรีสุข", "วิภาวดี ทองคำ"]
    bodies = []
    for i, (province, district, address, lat, lon) in enumerate(places):
        bodies.append(
            {
                "title": "ถนนชำรุดเป็นหลุมบ่อ เป็นอันตรายต่อผู้สัญจร",
                "description": descriptions[i],
                "kind": "complaint",
                "category": "ถนน",
                "anonymous": False,
                "contact": {
                    "name": names[i],
                    "phone": f"08{i + 1}-234-567{i}",
                    "email": f"citizen{i + 1}@example.co.th",
                },
                "location": {
                    "province": province,
                    "district": district,
                    "address": address,
                    "lat": lat,
                    "lon": lon,
                },
            }
        )
    return bodies


def encoded_bodies() -> list[bytes]:
    return [json.dumps(b, ensure_ascii=False).encode("utf-8") for b in complaint_bodies()]


# --------------------------------------------------------------------------- statistics


def percentile(values: list[float], p: float) -> float:
    """Linear-interpolated percentile (p in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


# --------------------------------------------------------------------------- services


def proc_kb(pid: int, file: str, field: str) -> int | None:
    """A kB figure of a process from /proc (`status` VmRSS, `smaps_rollup` Pss); None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/{file}").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def check_services(redis_url: str) -> None:
    """Fail early, with the reason, when PostgreSQL or Redis is absent."""
    import redis
    from sqlalchemy import create_engine, text

    engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001
        raise SystemExit(f"PostgreSQL unavailable at {PG_ADMIN_URL}: {exc}") from exc
    finally:
        engine.dispose()
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001
        raise SystemExit(f"Redis unavailable at {redis_url}: {exc}") from exc


def flush_redis(redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url, socket_connect_timeout=2)
    client.flushdb()
    client.close()


def redis_llen(redis_url: str, key: str) -> int:
    import redis

    client = redis.Redis.from_url(redis_url, socket_connect_timeout=2)
    try:
        return int(client.llen(key))
    finally:
        client.close()


@contextlib.contextmanager
def temporary_env(**values: str):
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextlib.contextmanager
def fresh_database(workdir: Path, prefix: str = "rongrian_bench"):
    """Create, migrate (Flask-Migrate) and seed a throwaway database; drop it after."""
    from sqlalchemy import create_engine, make_url, text

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        _migrate_and_seed(url, workdir / "migrate-instance")
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def kept_database(workdir: Path, name: str):
    """A named database kept between runs (to measure one large data set repeatedly):
    created, migrated and seeded on first use, upgraded (new migrations) on the next."""
    from sqlalchemy import create_engine, make_url, text

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        with admin.connect() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        if exists:
            _migrate_and_seed(url, workdir / "migrate-instance", seed=False)
        else:
            _migrate_and_seed(url, workdir / "migrate-instance")
        yield url
    finally:
        admin.dispose()


@contextlib.contextmanager
def sqlite_database(workdir: Path):
    """A migrated and seeded SQLite file in the workspace (the default deployment's database)."""
    url = f"sqlite:///{workdir / 'bench.sqlite'}"
    _migrate_and_seed(url, workdir / "migrate-instance")
    yield url


def add_database_options(parser) -> None:
    """--keep NAME / --drop NAME: one large data set measured across runs, then removed."""
    parser.add_argument("--keep", metavar="NAME", help="database kept between runs (filled up to the sizes)")
    parser.add_argument("--drop", metavar="NAME", help="drop a kept database and exit")


def chosen_database(workdir: Path, args, fresh_name: str, sqlite: bool = False):
    """The database `add_database_options` chose: kept, a SQLite file, or a fresh one."""
    if args.keep:
        return kept_database(workdir, args.keep)
    return sqlite_database(workdir) if sqlite else fresh_database(workdir, fresh_name)


def drop_database(name: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _migrate_and_seed(url: str, instance: Path, seed: bool = True) -> None:
    import flask_migrate

    # create_app() reads its settings from the environment, as in production.
    with temporary_env(
        DATABASE_URL=url,
        RONGRIAN_INSTANCE=str(instance),
        UPLOAD_DIR=str(instance / "uploads"),
        CELERY_BROKER_URL="memory://",
        RATELIMIT_STORAGE_URI="memory://",
    ):
        from complaints import create_app
        from complaints.extensions import db
        from complaints.services.datasets import demo_seed

        app = create_app()
        with app.app_context():
            flask_migrate.upgrade()
            if seed:
                demo_seed.seed()
            db.session.remove()
            db.engine.dispose()


def db_engine(url: str):
    from sqlalchemy import create_engine

    return create_engine(url, pool_size=2)


# --------------------------------------------------------------------------- processes

P = TypeVar("P", bound=Process)


def start(process: P) -> P:
    """`process` started in the source under test (APP_DIR: the working tree or --commit's)."""
    process.cwd = APP_DIR
    process.start()
    return process


def rongrian_env(workdir: Path, database_url: str, redis_url: str, **extra: str) -> dict:
    """The production-like environment: PostgreSQL, Redis broker, mail to files."""
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": "memory://",
        "INTAKE_RATE_LIMIT": "100000000 per minute",
        "TRACK_RATE_LIMIT": "100000000 per minute",
        "RONGRIAN_INSTANCE": str(workdir / "instance"),
        "UPLOAD_DIR": str(workdir / "instance" / "uploads"),
        "MAIL_OUTBOX_DIR": str(workdir / "mail"),
        "PYTHONUNBUFFERED": "1",
        "NLP_RETRAIN_CRONTAB": "",  # no scheduled retraining in the middle of a measurement
        **extra,
    }


@contextlib.contextmanager
def workspace(keep: bool = False):
    path = Path(tempfile.mkdtemp(prefix="rongrian-bench-"))
    try:
        yield path
    finally:
        if not keep:
            shutil.rmtree(path, ignore_errors=True)


# --------------------------------------------------------------------------- HTTP


def post_json(port: int, path: str, body: bytes, timeout: float = 30) -> tuple[int, bytes, float]:
    """One POST on a fresh connection; (status, body, seconds)."""
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(
            "POST",
            path,
            body=body,
            headers={"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"},
        )
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, data, time.perf_counter() - start
    finally:
        conn.close()


# --------------------------------------------------------------------------- load generators

WRK_LUA = r"""
-- Generated by bench/harness.py: POST realistic Thai complaints, count statuses,
-- print one JSON line with throughput and latency percentiles.
local bodies = {
%(bodies)s
}
local path = "%(path)s"
local reqs = {}
local idx = 0
counts = {}

function init(args)
  local headers = {}
  headers["Content-Type"] = "application/json; charset=utf-8"
  headers["Accept"] = "application/json"
  for i, b in ipairs(bodies) do
    reqs[i] = wrk.format("POST", path, headers, b)
  end
  idx = math.random(#reqs) - 1
end

function request()
  idx = idx %% #reqs + 1
  return reqs[idx]
end

function response(status, headers, body)
  local k = "s" .. status
  counts[k] = (counts[k] or 0) + 1
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function done(summary, latency, requests)
  local agg = {}
  for _, t in ipairs(threads) do
    local c = t:get("counts")
    if c then
      for k, v in pairs(c) do agg[k] = (agg[k] or 0) + v end
    end
  end
  local parts = {}
  for k, v in pairs(agg) do
    table.insert(parts, string.format('"%%s": %%d', string.sub(k, 2), v))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"duration_us": %%d, "requests": %%d, "bytes": %%d, ' ..
    '"errors": {"connect": %%d, "read": %%d, "write": %%d, "status": %%d, "timeout": %%d}, ' ..
    '"latency_us": {"min": %%d, "mean": %%.1f, "max": %%d, "p50": %%d, "p90": %%d, "p95": %%d, "p99": %%d}, ' ..
    '"statuses": {%%s}}\n',
    summary.duration, summary.requests, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
    table.concat(parts, ", ")))
end
"""


def write_wrk_script(path: Path, url_path: str, bodies: list[bytes]) -> Path:
    lua_bodies = []
    for b in bodies:
        text = b.decode("utf-8")
        assert "]==]" not in text
        lua_bodies.append(f"  [==[{text}]==],")
    path.write_text(WRK_LUA % {"bodies": "\n".join(lua_bodies), "path": url_path}, encoding="utf-8")
    return path


def wrk_available() -> str | None:
    return shutil.which("wrk")


def run_wrk(url: str, script: Path, duration: float, connections: int, threads: int) -> dict:
    """One wrk run; returns the parsed result of the script's done()."""
    threads = max(1, min(threads, connections))
    args = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{int(round(duration))}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(script),
        url,
    ]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=duration + 60)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    raw = json.loads(line[len("BENCH_JSON ") :])
    return _result(
        requests=raw["requests"],
        seconds=raw["duration_us"] / 1e6,
        statuses={int(k): v for k, v in raw["statuses"].items()},
        socket_errors=sum(v for k, v in raw["errors"].items() if k != "status"),
        p50=raw["latency_us"]["p50"] / 1000,
        p90=raw["latency_us"]["p90"] / 1000,
        p95=raw["latency_us"]["p95"] / 1000,
        p99=raw["latency_us"]["p99"] / 1000,
        mean=raw["latency_us"]["mean"] / 1000,
        max_=raw["latency_us"]["max"] / 1000,
        tool="wrk",
    )


def run_python_load(port: int, url_path: str, bodies: list[bytes], duration: float, connections: int) -> dict:
    """Fallback closed-loop generator: `connections` threads, one request at a time each."""
    latencies: list[list[float]] = [[] for _ in range(connections)]
    statuses: list[Counter] = [Counter() for _ in range(connections)]
    errors = [0] * connections
    stop_at = time.monotonic() + duration

    def loop(i: int) -> None:
        n = i
        while time.monotonic() < stop_at:
            body = bodies[n % len(bodies)]
            n += 1
            try:
                status, _, seconds = post_json(port, url_path, body, timeout=10)
            except OSError:
                errors[i] += 1
                continue
            statuses[i][status] += 1
            latencies[i].append(seconds * 1000)

    started = time.monotonic()
    workers = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(connections)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(duration + 30)
    elapsed = time.monotonic() - started
    lat = [x for per in latencies for x in per]
    total_status = sum(statuses, Counter())
    return _result(
        requests=len(lat),
        seconds=elapsed,
        statuses=dict(total_status),
        socket_errors=sum(errors),
        p50=percentile(lat, 50),
        p90=percentile(lat, 90),
        p95=percentile(lat, 95),
        p99=percentile(lat, 99),
        mean=statistics.fmean(lat) if lat else float("nan"),
        max_=max(lat) if lat else float("nan"),
        tool="python",
    )


def _result(*, requests, seconds, statuses, socket_errors, p50, p90, p95, p99, mean, max_, tool) -> dict:
    non_2xx = sum(v for k, v in statuses.items() if not 200 <= k < 300)
    return {
        "tool": tool,
        "requests": requests,
        "seconds": seconds,
        "rps": requests / seconds if seconds else float("nan"),
        "statuses": statuses,
        "created_201": statuses.get(201, 0),
        "non_2xx": non_2xx,
        "socket_errors": socket_errors,
        "latency_ms": {"mean": mean, "p50": p50, "p90": p90, "p95": p95, "p99": p99, "max": max_},
    }


def save_result(name: str, data: dict) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return path
