"""Manager dashboard latency with many complaints stored (PostgreSQL, or SQLite with --sqlite).

Fills a fresh PostgreSQL database with N synthetic complaints spread over two
fiscal years (random kinds, channels, categories, districts, acknowledgement
and resolution times, holds, reopens, repeats, survey answers), then times
the dashboard page's path (`metrics.figures.dashboard()` and the total in one
`metrics.one_pass.one_pass`) for one fiscal year and one quarter, for a manager
(all units) and for one unit; `--per-figure` also times each figure on its own.

    .venv/bin/python bench/dashboard_metrics.py [--sizes 100000 1000000] [--repeat 3]
        [--per-figure] [--sqlite] [--keep NAME]  # reuse (or create) database NAME and leave it; --drop NAME removes it
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402

COLUMNS = (
    "tracking_number",
    "kind",
    "channel",
    "description",
    "category_id",
    "unit_id",
    "status",
    "priority",
    "anonymous",
    "received_at",
    "acknowledged_at",
    "ack_due_at",
    "due_at",
    "resolved_at",
    "closed_at",
    "held_at",
    "sla_state",
    "reopen_count",
    "category_source",
    "needs_triage",
    "district",
    "province",
)
KINDS = ["complaint"] * 8 + ["suggestion", "compliment"]
CHANNELS = ["web"] * 5 + ["line"] * 3 + ["phone", "email", "counter", "api"]
DISTRICTS = ["จตุจักร", "บางเขน", "ลาดพร้าว", "ห้วยขวาง", "ดินแดง", "พญาไท", "ราชเทวี", "ปทุมวัน", "บางรัก", None]


def _rows(categories: list[tuple[int, int]], start: int, stop: int, now):
    rng = random.Random(start)
    for i in range(start, stop):
        category_id, unit_id = rng.choice(categories)
        received = now - timedelta(days=rng.random() * 730)
        ack = received + timedelta(seconds=rng.expovariate(1 / 30)) if rng.random() < 0.97 else None
        due = received + timedelta(days=21)
        roll = rng.random()
        resolved = closed = held = None
        if roll < 0.75:
            status, resolved = "closed", received + timedelta(days=rng.expovariate(1 / 12))
            closed = resolved + timedelta(days=2)
        elif roll < 0.8:
            status, held = "on_hold", received + timedelta(days=rng.random() * 30)
        elif roll < 0.82:
            status = "merged"
        else:
            status = "in_progress"
        yield (
            f"BENCH-{i:09d}-{uuid.uuid4().hex[:6]}",
            rng.choice(KINDS),
            rng.choice(CHANNELS),
            "ข้อความทดสอบ",
            category_id,
            unit_id,
            status,
            "normal",
            False,
            received,
            ack,
            received + timedelta(days=1),
            due,
            resolved,
            closed,
            held,
            "on_time",
            1 if rng.random() < 0.04 else 0,
            "citizen",
            False,
            rng.choice(DISTRICTS),
            "กรุงเทพมหานคร",
        )


def fill(engine, categories: list[tuple[int, int]], start: int, stop: int, now) -> None:
    from sqlalchemy import insert, text

    from complaints.models import Complaint

    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            with raw.cursor().copy(f"COPY complaints ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in _rows(categories, start, stop, now):
                    copy.write_row(row)
            raw.commit()
        finally:
            raw.close()
    else:  # SQLite: the ORM table's types store the timestamps as the app does
        rows = _rows(categories, start, stop, now)
        with engine.begin() as conn:
            while batch := [dict(zip(COLUMNS, row, strict=True)) for row in itertools.islice(rows, 10_000)]:
                conn.execute(insert(Complaint.__table__), batch)
    with engine.begin() as conn:
        # Every tenth complaint repeats the one before it; a third of the closed ones were rated.
        bounds = {"start": start, "stop": stop}
        conn.execute(
            text("UPDATE complaints SET repeat_of_id = id - 1 WHERE id % 10 = 0 AND id > :start + 1 AND id <= :stop"),
            bounds,
        )
        conn.execute(
            text(
                "INSERT INTO survey_responses (complaint_id, satisfaction, confidence, created_at) "
                "SELECT id, 1 + id % 5, 1 + (id / 3) % 5, CURRENT_TIMESTAMP FROM complaints "
                "WHERE status = 'closed' AND id % 3 = 0 AND id > :start AND id <= :stop"
            ),
            bounds,
        )
    # What autovacuum does after a bulk load (VACUUM runs outside a transaction).
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))


def time_dashboard(repeat: int, per_figure: bool) -> dict:
    """The dashboard page's path (every figure and the total, as manager.dashboard runs
    them) per case; with per_figure, also each figure on its own (a one-figure export)."""
    from sqlalchemy import select

    from complaints.domain.periods import Period
    from complaints.extensions import db
    from complaints.models import Unit, utcnow
    from complaints.services.analytics.metrics.figures import FIGURES, dashboard, total_received
    from complaints.services.analytics.metrics.one_pass import one_pass
    from complaints.services.analytics.metrics.scope import Scope

    now = utcnow()
    unit = db.session.scalar(select(Unit.id).where(Unit.code == "public-works"))
    fy = Period.containing(now - timedelta(days=200))
    cases = {
        "FY, all units": Scope(fy, None, None, now),
        "quarter, all units": Scope(fy.quarters()[1], None, None, now),
        "FY, one unit": Scope(fy, frozenset({unit}), unit, now),
    }
    result = {}
    for name, scope in cases.items():
        totals, alone = [], {}
        for _ in range(repeat):
            started = time.perf_counter()
            with one_pass(scope):
                dashboard(scope)
                total_received(scope)
            totals.append((time.perf_counter() - started) * 1000)
            if per_figure:
                for key, build in FIGURES.items():
                    t0 = time.perf_counter()
                    build(scope)
                    alone.setdefault(key, []).append((time.perf_counter() - t0) * 1000)
            db.session.expunge_all()
        result[name] = {"dashboard_ms_best": round(min(totals)), "dashboard_ms_median": round(harness.median(totals))}
        if per_figure:
            slowest = sorted(((min(v), k) for k, v in alone.items()), reverse=True)[:3]
            result[name]["slowest_figures_alone_ms"] = {k: round(v) for v, k in slowest}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--per-figure", action="store_true", help="also time each figure on its own")
    harness.add_database_options(parser)
    parser.add_argument("--sqlite", action="store_true", help="a throwaway SQLite file instead of PostgreSQL")
    args = parser.parse_args()
    if args.drop:
        return harness.drop_database(args.drop)
    harness.exit_cleanly_on_signals()
    results = []
    with (
        harness.workspace() as workdir,
        harness.chosen_database(workdir, args, "rongrian_dashboard", sqlite=args.sqlite) as url,
    ):
        with harness.temporary_env(
            DATABASE_URL=url,
            RONGRIAN_INSTANCE=str(workdir / "instance"),
            CELERY_BROKER_URL="memory://",
            RATELIMIT_STORAGE_URI="memory://",
        ):
            from sqlalchemy import select, text

            from complaints import create_app
            from complaints.extensions import db
            from complaints.models import Category, utcnow

            app = create_app()
            with app.app_context():
                categories = [tuple(r) for r in db.session.execute(select(Category.id, Category.unit_id))]
                now = utcnow()
                stored = db.session.scalar(text("SELECT count(*) FROM complaints WHERE tracking_number LIKE 'BENCH-%'"))
                db.session.rollback()
                for size in sorted(args.sizes):
                    started = time.perf_counter()
                    if size > stored:
                        fill(db.engine, categories, stored, size, now)
                        stored = size
                    print(f"stored {size:,} complaints ({time.perf_counter() - started:.0f} s to add)")
                    result = {"complaints": size, **time_dashboard(args.repeat, args.per_figure)}
                    print(result)
                    results.append(result)
                db.session.remove()
                db.engine.dispose()
    harness.save_result("dashboard_metrics", {"results": results})


if __name__ == "__main__":
    main()
