"""Throughput of the demo-data generator and of the historical import.

Generates N complaints of one fiscal year (`demo_year.generate`, what
`flask demo generate` runs) into a fresh PostgreSQL database, and/or a fresh
SQLite file, then imports the Traffy Fondue file (`history_import.import_csv`,
what `flask import` runs) into the same database. Prints complaints/s and rows/s
(complaints + complainants + timeline events + survey responses).

    .venv/bin/python bench/data_generation.py --pg 1000000 --sqlite 100000
    .venv/bin/python bench/data_generation.py --pg 100000 --import-rows 20000
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402

from complaints.config import base_data_path  # noqa: E402

TRAFFY = base_data_path()


def _measure(url: str, workdir: Path, generate: int, import_rows: int, seed: int) -> dict:
    with harness.temporary_env(
        DATABASE_URL=url,
        RONGRIAN_INSTANCE=str(workdir / "instance"),
        CELERY_BROKER_URL="memory://",
        RATELIMIT_STORAGE_URI="memory://",
        NLP_BASE_DATA=str(TRAFFY),
    ):
        from complaints import create_app
        from complaints.extensions import db
        from complaints.services.datasets import demo_year, history_import

        app = create_app()
        result: dict = {"database": url.split(":")[0]}
        with app.app_context():
            if generate:
                started, cpu = time.perf_counter(), time.process_time()
                done = [0]

                def progress(n: int) -> None:
                    done[0] += n
                    if done[0] % 100_000 < n:
                        print(f"    {done[0]:,} complaints, {time.perf_counter() - started:.0f} s", flush=True)

                summary = demo_year.generate(2569, generate, seed, progress=progress)
                seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
                rows = summary.complaints + summary.complainants + summary.events + summary.surveys
                result["generate"] = {
                    "complaints": summary.complaints,
                    "rows": rows,
                    "seconds": round(seconds, 1),
                    "python_cpu_seconds": round(cpu, 1),
                    "complaints_per_s": round(summary.complaints / seconds),
                    "rows_per_s": round(rows / seconds),
                    "events": summary.events,
                    "complainants": summary.complainants,
                    "surveys": summary.surveys,
                }
                print(f"  generate: {result['generate']}", flush=True)
            if import_rows:
                source = workdir / "traffy-slice.csv"
                with gzip.open(TRAFFY, "rt", encoding="utf-8") as src, open(source, "w", encoding="utf-8") as out:
                    import csv

                    reader, writer = csv.reader(src), csv.writer(out)
                    writer.writerows(itertools.islice(reader, import_rows + 1))
                started, cpu = time.perf_counter(), time.process_time()
                summary = history_import.import_csv(source)
                seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
                result["import"] = {
                    "rows": summary.rows,
                    "imported": summary.imported,
                    "rejected": sum(summary.rejected.values()),
                    "seconds": round(seconds, 1),
                    "python_cpu_seconds": round(cpu, 1),
                    "rows_per_s": round(summary.rows / seconds),
                }
                print(f"  import: {result['import']}", flush=True)
                started = time.perf_counter()
                again = history_import.import_csv(source)
                result["reimport_seconds"] = round(time.perf_counter() - started, 1)
                result["reimport_added"] = again.imported
                print(f"  re-import: {again.imported} added in {result['reimport_seconds']} s", flush=True)
            db.session.remove()
            db.engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg", type=int, default=100_000, help="complaints to generate into PostgreSQL (0: skip)")
    parser.add_argument("--sqlite", type=int, default=0, help="complaints to generate into SQLite (0: skip)")
    parser.add_argument("--import-rows", type=int, default=20_000, help="Traffy rows to import (0: skip)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    harness.exit_cleanly_on_signals()
    results = []
    with harness.workspace() as workdir:
        if args.pg or args.import_rows:
            with harness.fresh_database(workdir, "rongrian_data") as url:
                print(f"PostgreSQL: generate {args.pg:,}, import {args.import_rows:,}", flush=True)
                results.append(_measure(url, workdir, args.pg, args.import_rows, args.seed))
        if args.sqlite:
            path = workdir / "bench.sqlite"
            url = f"sqlite:///{path}"
            harness._migrate_and_seed(url, workdir / "migrate-instance")
            print(f"SQLite: generate {args.sqlite:,}", flush=True)
            results.append(_measure(url, workdir, args.sqlite, 0, args.seed))
    harness.save_result("data_generation", {"source": harness.app_source(), "results": results})


if __name__ == "__main__":
    main()
