"""Open311 GET requests at the spec's limit: 1000 service requests in one answer.

A throwaway SQLite database (or PostgreSQL with --pg) is migrated and seeded, and
N complaints sent through Open311 are stored directly (bulk insert) with real
citizen texts from the Traffy Fondue data, each with a public reply, all within
the last 90 days. Then `GET /open311/v2/requests.json` and `.xml` (no filter: the
default window and limit) are timed in process through the Flask test client.

    .venv/bin/python bench/open311_requests.py [-n 1000] [--repeat 20] [--pg]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import itertools
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from complaints.config import base_data_path  # noqa: E402

DATA = base_data_path()


def texts(n: int) -> list[str]:
    with gzip.open(DATA, "rt", encoding="utf-8") as handle:
        rows = [row["text"] for row in itertools.islice(csv.DictReader(handle), 20 * n) if row["text"].strip()]
    random.Random(7).shuffle(rows)
    return [t[:4000] for t in rows[:n]]


def fill(app, n: int) -> None:
    from sqlalchemy import insert, select

    from complaints.domain import tracking_numbers
    from complaints.extensions import db
    from complaints.models import Category, Complaint, TimelineEvent, utcnow

    with app.app_context():
        categories = list(db.session.execute(select(Category.id, Category.unit_id)))
        now = utcnow()
        rows = []
        for i, text in enumerate(texts(n)):
            category_id, unit_id = categories[i % len(categories)]
            received = now - timedelta(minutes=i * 60)
            rows.append(
                {
                    "tracking_number": tracking_numbers.generate("RR", 2569),
                    "kind": "complaint",
                    "channel": "open311",
                    "description": text,
                    "category_id": category_id,
                    "unit_id": unit_id,
                    "status": "acknowledged",
                    "lat": 13.7 + i * 1e-4,
                    "lon": 100.5,
                    "address": "ถนนพระราม 4 แขวงคลองเตย",
                    "area_code": "103301",
                    "received_at": received,
                    "ack_due_at": received,
                    "due_at": received + timedelta(days=21),
                    "category_source": "citizen",
                }
            )
        db.session.execute(insert(Complaint), rows)
        ids = db.session.scalars(select(Complaint.id)).all()
        db.session.execute(
            insert(TimelineEvent),
            [
                {
                    "complaint_id": cid,
                    "at": now,
                    "kind": "reply",
                    "actor": "officer",
                    "public": True,
                    "text": "เจ้าหน้าที่ลงพื้นที่ตรวจสอบแล้ว จะดำเนินการแก้ไขภายในสัปดาห์นี้",
                }
                for cid in ids
            ],
        )
        db.session.commit()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--pg", action="store_true", help="a throwaway PostgreSQL database instead of SQLite")
    args = parser.parse_args(argv)

    import flask_migrate
    from sqlalchemy import create_engine, text

    from complaints import create_app
    from complaints.extensions import db
    from complaints.services.datasets import demo_seed

    workdir = Path(tempfile.mkdtemp(prefix="open311-bench-"))
    pg_admin = pg_name = None
    if args.pg:
        pg_admin = create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/test", isolation_level="AUTOCOMMIT")
        pg_name = f"open311_bench_{uuid.uuid4().hex[:8]}"
        with pg_admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{pg_name}"'))
        uri = f"postgresql+psycopg://postgres@127.0.0.1:5432/{pg_name}"
    else:
        uri = f"sqlite:///{workdir / 'bench.sqlite'}"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": uri,
            "UPLOAD_DIR": str(workdir / "uploads"),
            "RATELIMIT_ENABLED": False,
            "CELERY": {"broker_url": "memory://"},
        }
    )
    try:
        with app.app_context():
            flask_migrate.upgrade()
            demo_seed.seed()
        fill(app, args.n)
        client = app.test_client()
        for fmt in ("json", "xml"):
            client.get(f"/open311/v2/requests.{fmt}")  # warm up
            times, size = [], 0
            for _ in range(args.repeat):
                started = time.perf_counter()
                response = client.get(f"/open311/v2/requests.{fmt}")
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.data[:300]
                size = len(response.data)
            count = len(response.get_json()) if fmt == "json" else response.data.count(b"<request>")
            times.sort()
            print(
                f"{'PostgreSQL' if args.pg else 'SQLite'} {fmt}: {count} requests, {size / 1024:.0f} KiB, "
                f"p50 {statistics.median(times):.0f} ms, p95 {times[int(0.95 * (len(times) - 1))]:.0f} ms "
                f"({args.repeat} runs)"
            )
    finally:
        with app.app_context():
            db.engine.dispose()
        if pg_admin is not None:
            with pg_admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))
            pg_admin.dispose()


if __name__ == "__main__":
    main()
