"""Criterion-3.4 evidence and the self-assessment report over a year of many complaints.

Fills a fresh PostgreSQL database with N complaints received over FY2569 (nine
channels, 80 % closed with a root cause on most, acknowledgement seconds to two
days later, a received and a finishing timeline event each, survey answers on a
third, some repeats), then times `evidence.criterion_34()` (every 3.4 metric),
`service.build(fresh=True)` (the whole report's content, 3.1-3.3 data included,
computed and stored), `service.build()` as a draft's page reads it (from the stored
figures), the PDF and XLSX renderings, and every assessment page through the app as a
signed-in admin (best of 3 after a warm-up; target < 300 ms each).

    .venv/bin/python bench/assessment_report.py [--sizes 100000 1000000]
        [--keep NAME]  # reuse (or create) database NAME and leave it; --drop NAME removes it
"""

from __future__ import annotations

import argparse
import functools
import random
import re
import sys
import time
import tracemalloc
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402

CHANNELS = ("web", "line", "phone", "email", "sms", "counter", "api", "open311", "letter")
COLUMNS = (
    "id",
    "tracking_number",
    "kind",
    "channel",
    "description",
    "status",
    "priority",
    "anonymous",
    "received_at",
    "acknowledged_at",
    "ack_due_at",
    "due_at",
    "resolved_at",
    "closed_at",
    "sla_state",
    "reopen_count",
    "category_source",
    "needs_triage",
    "root_cause_id",
    "repeat_of_id",
)


def fill(engine, start: int, stop: int, fy_start: datetime) -> None:
    rng = random.Random(start)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        with cursor.copy(f"COPY complaints ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for i in range(start + 1, stop + 1):
                received = fy_start + timedelta(days=rng.random() * 364)
                closed = rng.random() < 0.8
                answered = received + timedelta(days=rng.random() * 20)
                copy.write_row(
                    (
                        i,
                        f"BENCH-{i:09d}",
                        "complaint",
                        CHANNELS[i % len(CHANNELS)],
                        "ถนนชำรุด",
                        "closed" if closed else "in_progress",
                        "normal",
                        False,
                        received,
                        received + timedelta(seconds=rng.expovariate(1 / 600)) if rng.random() < 0.98 else None,
                        received + timedelta(days=1),
                        received + timedelta(days=21),
                        answered if closed else None,
                        answered if closed else None,
                        "on_time",
                        1 if rng.random() < 0.03 else 0,
                        "model" if rng.random() < 0.6 else "citizen",
                        False,
                        1 if closed and rng.random() < 0.9 else None,
                        i - 1 if i > start + 1 and rng.random() < 0.05 else None,
                    )
                )
        with cursor.copy("COPY timeline_events (complaint_id, at, kind, actor, public) FROM STDIN") as copy:
            for i in range(start + 1, stop + 1):
                copy.write_row((i, fy_start, "received", "system", True))
                copy.write_row((i, fy_start, "close", "officer", True))
        with cursor.copy(
            "COPY survey_responses (complaint_id, satisfaction, confidence, created_at) FROM STDIN"
        ) as copy:
            for i in range(start + 1, stop + 1, 3):
                copy.write_row((i, rng.choice((2, 3, 4, 5, 5)), rng.choice((3, 4, 5)), fy_start))
        raw.commit()
        cursor.execute("SELECT setval('complaints_id_seq', %s)", (stop,))
        raw.commit()
        raw.driver_connection.autocommit = True  # VACUUM: what autovacuum does after a bulk load
        cursor.execute("VACUUM ANALYZE")
    finally:
        raw.close()


# The assessment's pages a manager opens (the downloads are timed above, off the page path).
PAGES = ("/assessment/", "/assessment/{period}", "/assessment/{period}/report.html", "/definitions")
BENCH_USER, BENCH_PASSWORD = "bench-admin", "bench-admin-password-1"


def csrf_token(html: str) -> str:
    """The form token of a page (a form the bench posts)."""
    found = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert found, "no form on the page"
    return found.group(1)


def signed_in_client(app):
    """A test client signed in as the bench's admin (made on first use)."""
    from complaints.extensions import db
    from complaints.models import User
    from complaints.services.staff.accounts import create_user
    from complaints.services.unit_of_work import unit_of_work

    with app.app_context():
        if db.session.query(User).filter_by(username=BENCH_USER).first() is None:
            with unit_of_work():
                create_user(BENCH_USER, "Bench admin", "admin", BENCH_PASSWORD, None)
        db.session.remove()
    client = app.test_client()
    form = {"username": BENCH_USER, "password": BENCH_PASSWORD, "csrf_token": csrf_token(client.get("/login").text)}
    assert client.post("/login", data=form).status_code == 302, "bench admin cannot sign in"
    return client


def page_times(app, period_code: str) -> dict[str, float]:
    """Milliseconds of each page in PAGES, best of 3 after one warm-up request (the period's
    draft opened first, as a manager does, so its page is the edit page)."""
    client = signed_in_client(app)
    client.post(
        "/assessment/open", data={"period": period_code, "csrf_token": csrf_token(client.get("/assessment/").text)}
    )
    times = {}
    for page in PAGES:
        path = page.format(period=period_code)
        if client.get(path).status_code != 200:
            times[path] = float("nan")
            continue
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            response = client.get(path)
            best = min(best, time.perf_counter() - started)
            assert response.status_code == 200, (path, response.status_code)
        times[path] = round(best * 1000, 1)
    return times


def timed(fn):
    """(value, seconds, peak MB of Python allocations); tracemalloc slows Python code
    down, so the time comes from a run without it and the peak from a second run."""
    started = time.perf_counter()
    value = fn()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return value, round(seconds, 3), round(peak / 2**20, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    harness.add_database_options(parser)
    args = parser.parse_args()
    if args.drop:
        return harness.drop_database(args.drop)
    harness.exit_cleanly_on_signals()
    results = []
    with harness.workspace() as workdir, harness.chosen_database(workdir, args, "rongrian_assessment") as url:
        with harness.temporary_env(
            DATABASE_URL=url,
            RONGRIAN_INSTANCE=str(workdir / "instance"),
            CELERY_BROKER_URL="memory://",
            RATELIMIT_STORAGE_URI="memory://",
        ):
            from sqlalchemy import text

            from assessment import evidence, report, service
            from complaints import create_app
            from complaints.domain.periods import Period
            from complaints.extensions import db

            app = create_app()
            period = Period.parse("2569")
            with app.app_context():  # the evidence holds filters, not links: no request needed
                stored = db.session.scalar(text("SELECT count(*) FROM complaints WHERE tracking_number LIKE 'BENCH-%'"))
                db.session.rollback()
                for size in sorted(args.sizes):
                    started = time.perf_counter()
                    if size > stored:
                        fill(db.engine, stored, size, period.start)
                        stored = size
                    print(f"stored {size:,} complaints ({time.perf_counter() - started:.0f} s to add)")
                    _, metrics_s, metrics_mb = timed(lambda: evidence.criterion_34(period))
                    content, build_s, build_mb = timed(lambda: service.build(period, None, fresh=True))
                    # What a draft's page reads: the figures as stored by the computation above.
                    _, stored_s, _ = timed(lambda: service.build(period, None))
                    _, pdf_s, _ = timed(functools.partial(report.render_pdf, content))
                    _, xlsx_s, _ = timed(functools.partial(report.render_xlsx, content))
                    db.session.remove()
                    pages = page_times(app, period.code)
                    result = {
                        "complaints": size,
                        "pages_ms": pages,
                        "metrics_s": metrics_s,
                        "metrics_peak_mb": metrics_mb,
                        "build_s": build_s,
                        "build_peak_mb": build_mb,
                        "stored_s": stored_s,
                        "pdf_s": pdf_s,
                        "xlsx_s": xlsx_s,
                        "category_score": content["scores"]["category_score"],
                    }
                    print(result)
                    results.append(result)
                    db.session.remove()
                db.engine.dispose()
    print("\ncomplaints   3.4 metrics (peak)     report content, computed (peak)   from stored   PDF      XLSX")
    for r in results:
        print(
            f"{r['complaints']:>10,}   {r['metrics_s']:>6.2f} s ({r['metrics_peak_mb']:>5.1f} MB)   "
            f"{r['build_s']:>6.2f} s ({r['build_peak_mb']:>5.1f} MB)              {r['stored_s']:>6.3f} s"
            f"     {r['pdf_s']:.2f} s   {r['xlsx_s']:.2f} s"
        )
        print("            pages (ms, best of 3): " + ", ".join(f"{p} {ms}" for p, ms in r["pages_ms"].items()))
    harness.save_result("assessment_report", {"results": results})


if __name__ == "__main__":
    main()
