"""How long `flask import --create-categories` takes for real history on a fresh install.

Migrates a fresh SQLite file (no seed: no unit, no category, as right after
installing), cuts the first N reports of the Traffy Fondue file, and runs the
real command line, `flask --app complaints import SLICE --create-categories`, in
its own process, as an agency would. Prints rows/s and total seconds (process
start to exit: app start, counting pass, import). Then runs it once more to
time a re-import (nothing added). `--profile` runs the same import in this
process under cProfile instead and prints the costliest functions.

    .venv/bin/python bench/history_import.py                 # 25,000 rows, SQLite
    .venv/bin/python bench/history_import.py --rows 5000 --profile

(`bench/data_generation.py --import-rows N` measures the import into a seeded PostgreSQL database.)
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import gzip
import io
import itertools
import os
import pstats
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402

from complaints.config import base_data_path  # noqa: E402

TARGET_SECONDS = 120  # issue 15: 25,000 real reports in under 2 minutes


def cut_slice(rows: int, path: Path) -> None:
    with gzip.open(base_data_path(), "rt", encoding="utf-8") as src, open(path, "w", encoding="utf-8") as out:
        csv.writer(out).writerows(itertools.islice(csv.reader(src), rows + 1))


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_cli(env: dict, source: Path) -> dict:
    """One `flask import` process: wall seconds and its CPU seconds (the machine may be shared)."""
    started, cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run(
        [harness.PYTHON, "-m", "flask", "--app", "complaints", "import", str(source), "--create-categories"],
        env=env,
        cwd=harness.APP_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds, cpu = time.perf_counter() - started, _children_cpu() - cpu
    if done.returncode != 0:
        raise SystemExit(f"flask import failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    summary = re.search(
        r"^([\d,]+) rows: ([\d,]+) imported, ([\d,]+) already imported, ([\d,]+) rejected", done.stdout, re.M
    )
    rows, imported, already, rejected = (int(g.replace(",", "")) for g in summary.groups())
    created = re.search(r"(\d+) categories created", done.stdout)
    return {
        "rows": rows,
        "imported": imported,
        "already_imported": already,
        "rejected": rejected,
        "categories_created": int(created.group(1)) if created else 0,
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu, 1),
        "rows_per_s": round(rows / seconds),
        "output": done.stdout.strip().splitlines()[-6:],
    }


def profile(env: dict, source: Path, top: int) -> None:
    with harness.temporary_env(**env):
        from complaints import create_app
        from complaints.extensions import db
        from complaints.services.datasets import history_import

        app = create_app()
        with app.app_context():
            options = history_import.Options(create_categories=True)
            profiler = cProfile.Profile()
            started = time.perf_counter()
            profiler.enable()
            summary = history_import.import_csv(source, options)
            profiler.disable()
            seconds = time.perf_counter() - started
            db.engine.dispose()
    print(f"  in-process: {summary.rows:,} rows in {seconds:.1f} s ({summary.rows / seconds:,.0f} rows/s)")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    print(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=25_000, help="Traffy rows to import")
    parser.add_argument("--profile", action="store_true", help="run in-process under cProfile")
    parser.add_argument("--top", type=int, default=30, help="functions shown by --profile")
    args = parser.parse_args()
    harness.exit_cleanly_on_signals()
    with harness.workspace() as workdir:
        source = workdir / "traffy-slice.csv"
        cut_slice(args.rows, source)
        # Migrated, not seeded: a fresh install, no unit, no category.
        url = f"sqlite:///{workdir / 'fresh.sqlite'}"
        harness._migrate_and_seed(url, workdir / "migrate-instance", seed=False)
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "RONGRIAN_INSTANCE": str(workdir / "instance"),
            "CELERY_BROKER_URL": "memory://",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
        print(
            f"SQLite, fresh install: flask import --create-categories, {args.rows:,} Traffy rows "
            f"(load average {os.getloadavg()[0]:.1f})",
            flush=True,
        )
        if args.profile:
            profile(env, source, args.top)
            return
        first = run_cli(env, source)
        print(
            f"  import: {first['seconds']} s ({first['cpu_seconds']} s CPU), {first['rows_per_s']:,} rows/s "
            f"({first['imported']:,} imported, {first['rejected']:,} rejected, "
            f"{first['categories_created']} categories created): "
            f"{'within' if first['seconds'] < TARGET_SECONDS else 'OVER'} the {TARGET_SECONDS} s target",
            flush=True,
        )
        again = run_cli(env, source)
        print(
            f"  re-import: {again['imported']} added, {again['seconds']} s ({again['cpu_seconds']} s CPU)", flush=True
        )
    harness.save_result(
        "history_import",
        {
            "source": harness.app_source(),
            "database": "sqlite",
            "rows": args.rows,
            "import": first,
            "reimport": again,
            "target_seconds": TARGET_SECONDS,
            "load_average": os.getloadavg(),
        },
    )


if __name__ == "__main__":
    main()
