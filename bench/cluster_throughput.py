"""Recurring-issue clustering throughput (complaints per second) on PostgreSQL.

Fills a fresh PostgreSQL database (COPY) with N complaints built from the real
Traffy Fondue texts, as similar_lookup.py does (category, Bangkok district code,
the text signature intake would have stored, dates spread over a year; no
coordinates, so the place key is the district), none clustered yet. Then times
`clusters.update_clusters()` clustering them all (the backfill, what
`flask clusters update` runs), and an incremental run after `--more` new
complaints arrive (what the periodic task sees).

    .venv/bin/python bench/cluster_throughput.py [--size 50000] [--more 1000] [--batch-size 500]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
import similar_lookup  # noqa: E402


def cluster_stats() -> dict:
    from sqlalchemy import func, select

    from complaints.extensions import db
    from complaints.models import ClusterMonth, Complaint, RecurringCluster

    return {
        "clusters": db.session.scalar(select(func.count()).select_from(RecurringCluster)),
        "clusters_with_3_or_more": db.session.scalar(
            select(func.count()).select_from(RecurringCluster).where(RecurringCluster.size >= 3)
        ),
        "largest_cluster": db.session.scalar(select(func.max(RecurringCluster.size))),
        "clustered_complaints": db.session.scalar(select(func.count()).where(Complaint.cluster_id.is_not(None))),
        "month_rows": db.session.scalar(select(func.count()).select_from(ClusterMonth)),
    }


def timed_update(batch_size: int) -> tuple[float, int]:
    from complaints.services.analytics import clusters

    started = time.perf_counter()
    result = clusters.update_clusters(batch_size=batch_size)
    return time.perf_counter() - started, result.checked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=50_000)
    parser.add_argument("--more", type=int, default=1_000)
    parser.add_argument("--batch-size", type=int, default=500)
    args = parser.parse_args()
    harness.exit_cleanly_on_signals()
    with similar_lookup.traffy_database("rongrian_clusters", args.size + args.more) as (prepared, categories):
        from complaints.extensions import db
        from complaints.models import utcnow

        now = utcnow()
        similar_lookup.fill(db.engine, prepared, categories, 0, args.size, now)
        seconds, checked = timed_update(args.batch_size)
        backfill = {
            "complaints": checked,
            "seconds": round(seconds, 1),
            "per_second": round(checked / seconds),
            **cluster_stats(),
        }
        print("backfill", backfill)
        similar_lookup.fill(db.engine, prepared, categories, args.size, args.size + args.more, now)
        seconds, checked = timed_update(args.batch_size)
        incremental = {
            "complaints": checked,
            "seconds": round(seconds, 2),
            "per_second": round(checked / seconds),
            **cluster_stats(),
        }
        print("incremental", incremental)
        seconds, checked = timed_update(args.batch_size)
        print(f"nothing new: {checked} checked in {seconds * 1000:.0f} ms")
    harness.save_result(
        "cluster_throughput",
        {
            "size": args.size,
            "batch_size": args.batch_size,
            "backfill": backfill,
            "incremental": incremental,
            "source": harness.app_source(),
        },
    )


if __name__ == "__main__":
    main()
