"""Similar-complaint and repeat-complaint lookup latency with many complaints stored.

Fills a fresh PostgreSQL database with N complaints built from the real Traffy
Fondue texts (category, Bangkok district, text signature; dates spread over a
year; about 20 % still open), then times `similarity.similar_open()` and
`similarity.find_repeat()` for sampled complaints, the way the receipt, the case
page and the periodic repeat check call them.

    .venv/bin/python bench/similar_lookup.py [--sizes 100000 1000000] [--samples 200]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import gzip
import random
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402

from complaints.config import base_data_path  # noqa: E402

OPEN_SHARE = 0.2
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
    "ack_due_at",
    "due_at",
    "area_code",
    "text_signature",
    "sla_state",
    "reopen_count",
    "category_source",
    "needs_triage",
    "district",
    "province",
)


def traffy_rows(limit: int | None = None) -> list[dict]:
    path = base_data_path()
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return rows[:limit] if limit else rows


def prepare(rows: list[dict]) -> list[tuple]:
    """(description, category code, district code, district name, signature) per Traffy row."""
    from complaints.domain.locations import UnknownPlace, resolve_place
    from complaints.nlp.similarity import text_signature

    prepared = []
    for row in rows:
        try:
            place = resolve_place("กรุงเทพมหานคร", row["district"], None) if row["district"] else None
        except UnknownPlace:
            place = None
        prepared.append(
            (
                row["text"][:2000],
                row["label"],
                place.code if place else None,
                place.district if place else None,
                text_signature(row["text"]),
            )
        )
    return prepared


def fill(engine, prepared: list[tuple], categories: dict, start: int, stop: int, now) -> None:
    rng = random.Random(start)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        with cursor.copy(f"COPY complaints ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for i in range(start, stop):
                text, label, area, district, signature = prepared[i % len(prepared)]
                category_id, unit_id = categories.get(label, (None, None))
                received = now - timedelta(days=rng.random() * 365)
                is_open = rng.random() < OPEN_SHARE
                copy.write_row(
                    (
                        f"BENCH-{i:09d}-{uuid.uuid4().hex[:6]}",
                        "complaint",
                        "web",
                        text,
                        category_id,
                        unit_id,
                        "in_progress" if is_open else "closed",
                        "normal",
                        False,
                        received,
                        received + timedelta(days=1),
                        received + timedelta(days=21),
                        area,
                        signature,
                        "on_time",
                        0,
                        "citizen",
                        False,
                        district,
                        "กรุงเทพมหานคร",
                    )
                )
        raw.commit()
        cursor.execute("ANALYZE complaints")
        raw.commit()
    finally:
        raw.close()


def time_lookups(samples: int) -> dict:
    from sqlalchemy import select

    from complaints.extensions import db
    from complaints.models import Complaint
    from complaints.services.casework import similarity

    ids = db.session.scalars(
        select(Complaint.id)
        .where(Complaint.status == "in_progress")
        .order_by(Complaint.received_at.desc())
        .limit(samples * 20)
    ).all()
    chosen = random.Random(7).sample(list(ids), min(samples, len(ids)))
    similar_ms, repeat_ms, found = [], [], 0
    for complaint_id in chosen:
        complaint = db.session.get(Complaint, complaint_id)
        started = time.perf_counter()
        matches = similarity.similar_open(complaint)
        similar_ms.append((time.perf_counter() - started) * 1000)
        found += bool(matches)
        started = time.perf_counter()
        similarity.find_repeat(complaint)
        repeat_ms.append((time.perf_counter() - started) * 1000)
        db.session.expunge_all()
    pct = harness.percentile
    return {
        "samples": len(chosen),
        "with_similar": found,
        "similar_p50_ms": round(pct(similar_ms, 50), 1),
        "similar_p95_ms": round(pct(similar_ms, 95), 1),
        "repeat_p50_ms": round(pct(repeat_ms, 50), 1),
        "repeat_p95_ms": round(pct(repeat_ms, 95), 1),
    }


@contextlib.contextmanager
def traffy_database(prefix: str, limit: int | None = None):
    """A fresh PostgreSQL database and an app context on it, with the Traffy texts
    prepared: yields (prepared rows, {category code: (id, unit id)})."""
    with harness.workspace() as workdir, harness.fresh_database(workdir, prefix) as url:
        with harness.temporary_env(
            DATABASE_URL=url,
            RONGRIAN_INSTANCE=str(workdir / "instance"),
            CELERY_BROKER_URL="memory://",
            RATELIMIT_STORAGE_URI="memory://",
        ):
            from sqlalchemy import select

            from complaints import create_app
            from complaints.extensions import db
            from complaints.models import Category

            app = create_app()
            with app.app_context():
                started = time.perf_counter()
                prepared = prepare(traffy_rows(limit))
                print(f"signatures for {len(prepared)} Traffy texts in {time.perf_counter() - started:.1f} s")
                categories = {
                    code: (cid, unit)
                    for code, cid, unit in db.session.execute(select(Category.code, Category.id, Category.unit_id))
                }
                try:
                    yield prepared, categories
                finally:
                    db.session.remove()
                    db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    harness.exit_cleanly_on_signals()
    results = []
    with traffy_database("rongrian_similar") as (prepared, categories):
        from complaints.extensions import db
        from complaints.models import utcnow

        now, stored = utcnow(), 0
        for size in sorted(args.sizes):
            started = time.perf_counter()
            fill(db.engine, prepared, categories, stored, size, now)
            stored = size
            print(f"stored {size:,} complaints ({time.perf_counter() - started:.0f} s to add)")
            result = {"complaints": size, **time_lookups(args.samples)}
            print(result)
            results.append(result)
    print("\ncomplaints   similar p50   similar p95   repeat p50   repeat p95   samples with a match")
    for r in results:
        print(
            f"{r['complaints']:>10,}   {r['similar_p50_ms']:>8.1f} ms   {r['similar_p95_ms']:>8.1f} ms   "
            f"{r['repeat_p50_ms']:>7.1f} ms   {r['repeat_p95_ms']:>7.1f} ms   {r['with_similar']}/{r['samples']}"
        )
    harness.save_result("similar_lookup", {"results": results})


if __name__ == "__main__":
    main()
