"""Where does the time of one intake go? In-process profile of POST /api/v1/complaints.

Creates a fresh migrated PostgreSQL database, builds the app the way gunicorn
does (settings from the environment, Redis broker), and sends requests through
Flask's test client (no HTTP server, no load generator: only the app's own
cost). Reports the mean time per request of Rongrian and of the bare baseline
in the same process, the SQL statements each request runs, the CPU time of each
part of a Rongrian request (the functions are timed with time.process_time), and
a pyinstrument profile of the Rongrian requests (pip install pyinstrument).

    .venv/bin/python bench/profile_intake.py [-n 300] [--html out.html]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402


def _count_round_trips(engine, counter: Counter):
    """Count what goes to PostgreSQL: statements, transaction ends, pool checkouts.

    Each counted item is one client/server round trip: psycopg sends BEGIN as a
    query of its own before the first statement of a transaction, and with
    pool_pre_ping every checkout from the pool costs a ping.
    """
    from sqlalchemy import event

    def before(conn, cursor, statement, parameters, context, executemany):
        counter[" ".join(statement.split())[:90]] += 1

    def begin(conn):
        counter["(BEGIN, sent by psycopg)"] += 1

    def commit(conn):
        counter["(COMMIT)"] += 1

    def rollback(conn):
        counter["(ROLLBACK)"] += 1

    def checkout(dbapi_conn, record, proxy):
        if engine.pool._pre_ping:
            counter["(ping on pool checkout: pool_pre_ping)"] += 1

    listeners = [
        (engine, "before_cursor_execute", before),
        (engine, "begin", begin),
        (engine, "commit", commit),
        (engine, "rollback", rollback),
        (engine.pool, "checkout", checkout),
    ]
    for target, name, fn in listeners:
        event.listen(target, name, fn)
    return lambda: [event.remove(t, n, f) for t, n, f in listeners]


# (label, module, attribute path of the timed function). Nested parts are inside their
# parents: "flush" includes "statements (SQLAlchemy)", which includes "psycopg execute".
_PARTS = [
    ("WSGI request, all", "flask", "Flask.wsgi_app"),
    ("view and hooks", "flask", "Flask.full_dispatch_request"),
    ("before_request hooks", "flask", "Flask.preprocess_request"),
    ("after_request hooks", "flask", "Flask.process_response"),
    ("rate limiter", "flask_limiter", "Limiter._check_request_limit"),
    ("parse JSON body (pydantic)", "complaints.api.views", "parse_submission"),
    ("submit_complaint", "complaints.api.views", "submit_complaint"),
    ("  validate + Thai text", "complaints.services.casework.intake", "_validate"),
    ("  build rows", "complaints.services.casework.intake", "_build"),
    ("  flush (unit of work)", "sqlalchemy.orm", "Session.flush"),
    ("    pool checkout (pre-ping)", "sqlalchemy.pool.base", "_ConnectionFairy._checkout"),
    ("    statements (SQLAlchemy)", "sqlalchemy.engine.base", "Connection._execute_context"),
    ("      psycopg execute", "psycopg", "Cursor.execute"),
    ("  commit", "sqlalchemy.orm", "Session.commit"),
    ("  Celery publish", "complaints.services.messaging.dispatch", "enqueue_outbox"),
]


def _cpu_breakdown(client, bodies: list[bytes], n: int) -> list[tuple[str, float]]:
    """CPU ms per request of each part in _PARTS (a little inflated by the timing itself)."""
    import functools
    import importlib

    spent = dict.fromkeys([label for label, *_ in _PARTS], 0.0)
    restore = []
    for label, module, path in _PARTS:
        owner = importlib.import_module(module)
        *outer, name = path.split(".")
        for part in outer:
            owner = getattr(owner, part)
        original = getattr(owner, name)

        def timed(*args, _original=original, _label=label, **kwargs):
            start = time.process_time()
            try:
                return _original(*args, **kwargs)
            finally:
                spent[_label] += time.process_time() - start

        setattr(owner, name, functools.wraps(original)(timed))
        restore.append((owner, name, original))
    try:
        _time(client, harness.INTAKE_PATH, bodies, n)
    finally:
        for owner, name, original in reversed(restore):
            setattr(owner, name, original)
    return [(label, spent[label] / n * 1000) for label, *_ in _PARTS]


def _time(client, path: str, bodies: list[bytes], n: int, cpu: list | None = None) -> float:
    """Mean wall time per request; appends this process's mean CPU time per request to `cpu`
    (the steadier figure on a shared machine: other processes' load does not count)."""
    start, start_cpu = time.perf_counter(), time.process_time()
    for i in range(n):
        resp = client.post(path, data=bodies[i % len(bodies)], content_type="application/json")
        assert resp.status_code == 201, (resp.status_code, resp.data[:300])
    if cpu is not None:
        cpu.append((time.process_time() - start_cpu) / n)
    return (time.perf_counter() - start) / n


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-n", type=int, default=300, help="requests per measurement (default 300)")
    p.add_argument("--redis-db", type=int, default=5)
    p.add_argument("--html", help="also write the pyinstrument profile as HTML here")
    p.add_argument("--show-all", action="store_true", help="do not hide library frames in the profile")
    p.add_argument("--commit", help="profile this git commit (exported to a temporary folder), not the working tree")
    args = p.parse_args(argv)
    with harness.commit_checkout(args.commit):
        return _main(args)


def _main(args: argparse.Namespace) -> int:
    try:
        import pyinstrument  # noqa: F401
    except ImportError:
        raise SystemExit("profile_intake needs pyinstrument: .venv/bin/pip install pyinstrument") from None
    redis_url = f"{harness.REDIS_BASE}/{args.redis_db}"
    harness.check_services(redis_url)
    bodies = harness.encoded_bodies()

    with harness.workspace() as work, harness.fresh_database(work) as db_url:
        harness.flush_redis(redis_url)
        env = harness.rongrian_env(work, db_url, redis_url)
        with harness.temporary_env(**env):
            import bare_app

            from complaints import create_app
            from complaints.extensions import db

            app = create_app()
            bare = bare_app.create_app()
        bare_engine = bare.extensions["bare_engine"]
        try:
            rclient, bclient = app.test_client(), bare.test_client()
            # Warm up both (imports, caches, pools).
            _time(rclient, harness.INTAKE_PATH, bodies, 20)
            _time(bclient, harness.BARE_PATH, bodies, 20)

            with app.app_context():
                engine = db.engine
            stmts: Counter = Counter()
            remove = _count_round_trips(engine, stmts)
            _time(rclient, harness.INTAKE_PATH, bodies, 10)
            remove()
            bare_stmts: Counter = Counter()
            remove = _count_round_trips(bare_engine, bare_stmts)
            _time(bclient, harness.BARE_PATH, bodies, 10)
            remove()

            means = {"rongrian": [], "bare": []}
            cpu = {"rongrian": [], "bare": []}
            for _ in range(3):  # alternate, the machine is noisy
                means["rongrian"].append(_time(rclient, harness.INTAKE_PATH, bodies, args.n, cpu["rongrian"]))
                means["bare"].append(_time(bclient, harness.BARE_PATH, bodies, args.n, cpu["bare"]))

            breakdown = _cpu_breakdown(rclient, bodies, args.n)

            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
            _time(rclient, harness.INTAKE_PATH, bodies, args.n)
            profiler.stop()
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
            bare_engine.dispose()
            harness.flush_redis(redis_url)

    r, b = harness.median(means["rongrian"]), harness.median(means["bare"])
    print(f"source: {harness.app_source()}")
    print(
        f"mean per request, in process (median of 3 x {args.n}): "
        f"Rongrian {r * 1000:.2f} ms, bare {b * 1000:.2f} ms, ratio {r / b:.2f}x"
    )
    rc, bc = harness.median(cpu["rongrian"]), harness.median(cpu["bare"])
    print(
        f"CPU time of this process per request (median of 3 x {args.n}; excludes PostgreSQL's): "
        f"Rongrian {rc * 1000:.2f} ms, bare {bc * 1000:.2f} ms, ratio {rc / bc:.2f}x"
    )
    print(f"CPU ms per Rongrian request by part ({args.n} requests; nested parts are inside their parents):")
    for label, ms in breakdown:
        print(f"  {ms:6.3f}  {label}")
    for name, counter in (("Rongrian", stmts), ("bare", bare_stmts)):
        print(f"Database round trips per {name} request ({sum(counter.values()) / 10:.1f} on average):")
        for stmt, count in counter.most_common():
            print(f"  {count / 10:4.1f}  {stmt}")
    print(profiler.output_text(unicode=True, color=False, show_all=args.show_all))
    if args.html:
        Path(args.html).write_text(profiler.output_html(), encoding="utf-8")
        print(f"wrote {args.html}")
    return 0


if __name__ == "__main__":
    harness.exit_cleanly_on_signals()
    sys.exit(main())
