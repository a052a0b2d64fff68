"""Run every Rongrian benchmark and print the figures against the targets.

    .venv/bin/python bench/run_all.py            # the full run (about 5 minutes)
    .venv/bin/python bench/run_all.py --quick    # a short smoke run (about 1 minute)

Needs PostgreSQL at 127.0.0.1:5432 (trust auth, user postgres, database test) and
Redis at 127.0.0.1:6379 (db 5 is flushed); `wrk` is used when installed. Each
benchmark creates and drops its own database and stops every process it started.
JSON results are written to bench/results/ (ignored by git).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ack_latency  # noqa: E402
import harness  # noqa: E402
import intake_throughput  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="short runs, for a smoke test")
    p.add_argument("--commit", help="measure this git commit (exported to a temporary folder), not the working tree")
    args = p.parse_args(argv)
    with harness.commit_checkout(args.commit):
        return _main(args)


def _main(args: argparse.Namespace) -> int:
    extra = ["--quick"] if args.quick else []

    started = time.monotonic()
    print("=" * 78)
    intake = intake_throughput.run(extra)
    print("=" * 78)
    ack = ack_latency.run(extra)
    print("=" * 78)

    s = intake["summary"]
    a = ack["ack_latency_s"]
    print(
        f"Summary ({'quick' if args.quick else 'full'} run, {time.monotonic() - started:.0f} s, "
        f"load tool {intake['tool']}); source: {harness.app_source()}"
    )
    print(
        f"  intake  Rongrian {s['rongrian']['rps_median']:.1f} req/s (p95 {s['rongrian']['p95_median']:.0f} ms)"
        f" vs bare {s['bare']['rps_median']:.1f} req/s (p95 {s['bare']['p95_median']:.0f} ms)"
    )
    print(
        f"          throughput ratio {intake['throughput_ratio']:.2f} (target >= {intake['target_ratio']:.2f}): "
        f"{'MET' if intake['target_met'] else 'MISSED'}; p95 ratio {intake['p95_ratio']:.1f}x"
    )
    print(
        f"  ack     p50 {a['p50'] * 1000:.0f} ms, p95 {a['p95'] * 1000:.0f} ms, p99 {a['p99'] * 1000:.0f} ms, "
        f"max {a['max'] * 1000:.0f} ms (target p95 < {ack['target_p95_s']:g} s): "
        f"{'MET' if ack['target_met'] else 'MISSED'}; exactly once: {'yes' if ack['exactly_once'] else 'NO'}"
    )
    path = harness.save_result("run_all", {"quick": args.quick, "intake_throughput": intake, "ack_latency": ack})
    print(f"saved {path.relative_to(harness.ROOT)}")
    ok = (
        s["rongrian"]["non_2xx"] == 0
        and s["bare"]["non_2xx"] == 0
        and ack["exactly_once"]
        and ack["unacknowledged_after_timeout"] == 0
    )
    return 0 if ok else 1


if __name__ == "__main__":
    harness.exit_cleanly_on_signals()
    sys.exit(main())
