"""Intake throughput: Rongrian's POST /api/v1/complaints against a bare Flask insert.

Both run under gunicorn with the same worker count on the same fresh, migrated
PostgreSQL database; Rongrian enqueues each acknowledgement to a real Redis. wrk
drives them in alternating rounds (Rongrian, bare, Rongrian, bare, ...) so that the
noise of a shared machine falls on both alike; the figures that matter are the
ratios measured in the same run.

    .venv/bin/python bench/intake_throughput.py [--rounds 4] [--duration 15] [--quick]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402

TARGET_RATIO = 0.5


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=4, help="A/B rounds (default 4)")
    p.add_argument("--duration", type=float, default=15, help="seconds per measured run (default 15)")
    p.add_argument("--warmup", type=float, default=5, help="seconds of warm-up per server (default 5)")
    p.add_argument("--workers", type=int, default=2, help="gunicorn workers for both servers (default 2)")
    p.add_argument("--connections", type=int, default=4, help="concurrent connections (default 4)")
    p.add_argument("--threads", type=int, default=1, help="wrk threads (default 1)")
    p.add_argument("--redis-db", type=int, default=5)
    p.add_argument("--python-load", action="store_true", help="use the Python load generator even if wrk exists")
    p.add_argument("--quick", action="store_true", help="2 rounds x 5 s, 2 s warm-up")
    p.add_argument("--keep-workdir", action="store_true")
    p.add_argument("--commit", help="measure this git commit (exported to a temporary folder), not the working tree")
    args = p.parse_args(argv)
    if args.quick:
        args.rounds, args.duration, args.warmup = 2, 5, 2
    return args


def _load(server: harness.Gunicorn, path: str, script: Path | None, args, duration: float) -> dict:
    if script is not None:
        return harness.run_wrk(server.base_url + path, script, duration, args.connections, args.threads)
    return harness.run_python_load(server.port, path, harness.encoded_bodies(), duration, args.connections)


def _fmt(x: float, nd: int = 1) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{nd}f}"


def run(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    with harness.commit_checkout(args.commit):
        return _run(args)


def _run(args: argparse.Namespace) -> dict:
    redis_url = f"{harness.REDIS_BASE}/{args.redis_db}"
    harness.check_services(redis_url)
    use_wrk = bool(harness.wrk_available()) and not args.python_load
    tool = "wrk" if use_wrk else ("python (--python-load)" if args.python_load else "python (wrk absent)")
    print(
        f"intake_throughput: load tool = {tool}; {args.rounds} rounds x {args.duration:g} s, "
        f"{args.workers} gunicorn workers each, {args.connections} connections",
        flush=True,
    )

    servers: list[harness.Gunicorn] = []
    with harness.workspace(args.keep_workdir) as work, harness.fresh_database(work) as db_url:
        harness.flush_redis(redis_url)
        try:
            env = harness.rongrian_env(work, db_url, redis_url)
            rongrian = harness.start(harness.Gunicorn("rongrian", env, work / "rongrian.log", workers=args.workers))
            servers.append(rongrian)
            bare = harness.Gunicorn(
                "bare",
                {"DATABASE_URL": db_url},
                work / "bare.log",
                app_spec="bare_app:create_app()",
                workers=args.workers,
                extra_args=("--pythonpath", str(harness.BENCH)),
            )
            harness.start(bare)
            servers.append(bare)
            for s in servers:
                s.wait_ready()

            targets = {"rongrian": (rongrian, harness.INTAKE_PATH), "bare": (bare, harness.BARE_PATH)}
            scripts = {}
            for name, (_, path) in targets.items():
                scripts[name] = (
                    harness.write_wrk_script(work / f"{name}.lua", path, harness.encoded_bodies()) if use_wrk else None
                )

            # Sanity: one request each, answer must be 201.
            for name, (server, path) in targets.items():
                status, body, _ = harness.post_json(server.port, path, harness.encoded_bodies()[0])
                if status != 201:
                    raise RuntimeError(f"{name} answered {status}: {body[:500]!r}\nserver log:\n{server.log()[-4000:]}")

            created = {"rongrian": 1, "bare": 1}
            for name, (server, path) in targets.items():
                r = _load(server, path, scripts[name], args, args.warmup)
                created[name] += r["created_201"]
                print(f"  warm-up {name:9s} {r['rps']:7.1f} req/s", flush=True)

            rounds: list[dict] = []
            for i in range(args.rounds):
                row = {"round": i + 1}
                for name, (server, path) in targets.items():
                    r = _load(server, path, scripts[name], args, args.duration)
                    created[name] += r["created_201"]
                    row[name] = r
                    lat = r["latency_ms"]
                    print(
                        f"  round {i + 1} {name:9s} {r['rps']:7.1f} req/s  p50 {lat['p50']:6.1f} ms  "
                        f"p95 {lat['p95']:6.1f} ms  p99 {lat['p99']:6.1f} ms  "
                        f"non-2xx {r['non_2xx']}  socket errors {r['socket_errors']}",
                        flush=True,
                    )
                rounds.append(row)
                time.sleep(0.5)

            # Check that every 201 is a stored row, and every Rongrian 201 an enqueued task.
            from sqlalchemy import text

            engine = harness.db_engine(db_url)
            with engine.connect() as conn:
                rows = dict(
                    conn.execute(
                        text(
                            "SELECT CASE WHEN tracking_number LIKE 'BARE-%' THEN 'bare' ELSE 'rongrian' END, "
                            "count(*) FROM complaints GROUP BY 1"
                        )
                    ).all()
                )
                outbox = conn.execute(text("SELECT count(*) FROM outbox_messages")).scalar_one()
            engine.dispose()
            queued = harness.redis_llen(redis_url, "notify")
        finally:
            for s in servers:
                s.stop()
            harness.flush_redis(redis_url)
            for s in servers:
                errors = [ln for ln in s.log().splitlines() if "Traceback" in ln or "ERROR" in ln]
                if errors:
                    print(f"  note: {s.name} log has {len(errors)} error lines, e.g. {errors[0][:200]}")

    result = summarize(args, rounds, use_wrk)
    result["app"] = harness.app_source()
    # wrk stops counting at the deadline while up to `connections` requests are in
    # flight: the server still stores those, so a run may store a few more rows
    # than it counted 201s, never fewer.
    slack = (1 + args.rounds) * args.connections
    result["checks"] = {
        "rows_rongrian": rows.get("rongrian", 0),
        "rows_bare": rows.get("bare", 0),
        "created_201_rongrian": created["rongrian"],
        "created_201_bare": created["bare"],
        "outbox_messages": outbox,
        "acknowledge_tasks_in_redis": queued,
    }
    c = result["checks"]
    result["checks_ok"] = (
        all(0 <= c[f"rows_{n}"] - c[f"created_201_{n}"] <= slack for n in ("rongrian", "bare"))
        and c["outbox_messages"] == c["rows_rongrian"] == c["acknowledge_tasks_in_redis"]
    )
    print_report(result)
    return result


def summarize(args, rounds: list[dict], use_wrk: bool) -> dict:
    def series(name: str, key: str) -> list[float]:
        return [r[name]["rps"] if key == "rps" else r[name]["latency_ms"][key] for r in rounds]

    summary = {}
    for name in ("rongrian", "bare"):
        summary[name] = {
            "rps_median": harness.median(series(name, "rps")),
            "rps_min": min(series(name, "rps")),
            "rps_max": max(series(name, "rps")),
            "p50_median": harness.median(series(name, "p50")),
            "p95_median": harness.median(series(name, "p95")),
            "p99_median": harness.median(series(name, "p99")),
            "non_2xx": sum(r[name]["non_2xx"] for r in rounds),
            "socket_errors": sum(r[name]["socket_errors"] for r in rounds),
            "requests": sum(r[name]["requests"] for r in rounds),
        }
    pair_tp = [r["rongrian"]["rps"] / r["bare"]["rps"] for r in rounds]
    pair_p95 = [r["rongrian"]["latency_ms"]["p95"] / r["bare"]["latency_ms"]["p95"] for r in rounds]
    ratio = harness.median(pair_tp)
    return {
        "benchmark": "intake_throughput",
        "settings": {k: v for k, v in vars(args).items()},
        "tool": "wrk" if use_wrk else "python",
        "rounds": rounds,
        "summary": summary,
        "throughput_ratio_per_round": pair_tp,
        "throughput_ratio": ratio,
        "p95_ratio_per_round": pair_p95,
        "p95_ratio": harness.median(pair_p95),
        "target_ratio": TARGET_RATIO,
        "target_met": ratio >= TARGET_RATIO,
    }


def print_report(result: dict) -> None:
    s = result["summary"]
    print()
    print("Intake throughput (median over rounds; latency in ms)")
    print(
        f"{'endpoint':34s} {'req/s':>8s} {'min':>7s} {'max':>7s} {'p50':>7s} {'p95':>7s} {'p99':>7s} "
        f"{'non-2xx':>8s} {'requests':>9s}"
    )
    labels = {"rongrian": "Rongrian POST /api/v1/complaints", "bare": "bare Flask POST /bare"}
    for name in ("rongrian", "bare"):
        x = s[name]
        print(
            f"{labels[name]:34s} {_fmt(x['rps_median']):>8s} {_fmt(x['rps_min']):>7s} "
            f"{_fmt(x['rps_max']):>7s} {_fmt(x['p50_median']):>7s} {_fmt(x['p95_median']):>7s} "
            f"{_fmt(x['p99_median']):>7s} {x['non_2xx']:>8d} {x['requests']:>9d}"
        )
    print(
        f"throughput ratio Rongrian/bare: {result['throughput_ratio']:.3f} (median of per-round ratios "
        f"{', '.join(f'{r:.3f}' for r in result['throughput_ratio_per_round'])})"
    )
    print(
        f"p95 ratio Rongrian/bare:        {result['p95_ratio']:.2f}x (per round "
        f"{', '.join(f'{r:.2f}' for r in result['p95_ratio_per_round'])})"
    )
    verdict = "MET" if result["target_met"] else "MISSED"
    print(f"target: Rongrian >= {result['target_ratio']:.0%} of bare throughput -> {verdict}")
    c = result.get("checks")
    if c:
        print(
            f"checks: rows stored rongrian={c['rows_rongrian']} (201s {c['created_201_rongrian']}), "
            f"bare={c['rows_bare']} (201s {c['created_201_bare']}); outbox messages {c['outbox_messages']}; "
            f"acknowledge tasks waiting in Redis {c['acknowledge_tasks_in_redis']} -> "
            f"{'consistent' if result['checks_ok'] else 'INCONSISTENT'}"
        )


def main(argv: list[str] | None = None) -> int:
    result = run(argv)
    path = harness.save_result("intake_throughput", result)
    print(f"saved {path.relative_to(harness.ROOT)}")
    s = result["summary"]
    ok = s["rongrian"]["non_2xx"] == 0 and s["bare"]["non_2xx"] == 0 and result["checks_ok"]
    return 0 if ok else 1


if __name__ == "__main__":
    harness.exit_cleanly_on_signals()
    sys.exit(main())
