"""Complaint-list exports as jobs: asked for on the page, written by the worker's task,
downloaded by their requester only, refused early when the parameters are bad."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from complaints.domain.task_names import TaskName
from complaints.extensions import db
from complaints.models import ExportJob, Unit, utcnow
from complaints.services.analytics import export_jobs
from tests.helpers import csrf_from, export_file, request_export, signed_in


def drill_count(client, query: str) -> int:
    return int(re.search(r'id="drill-count">(\d+)<', client.get(f"/manager/complaints?{query}").text).group(1))


def job_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(ExportJob.id)))


def test_an_export_is_queued_written_by_the_task_and_downloaded_by_its_requester_only(app, data, sent):
    boss, other = signed_in(app, "boss", "manager"), signed_in(app, "other-boss", "manager")
    asked = request_export(boss, "period=2569&category=")
    assert asked.status_code == 302
    job_id = int(asked.headers["Location"].rsplit("/", 1)[1])
    assert sent == [(TaskName.EXPORT_COMPLAINTS, [job_id])]
    waiting = boss.get(f"/manager/exports/{job_id}")
    assert "รอคิว" in waiting.text and waiting.headers["Refresh"] == "3"  # the page follows the job
    assert boss.get(f"/manager/exports/{job_id}/download").status_code == 404  # not written yet

    with app.app_context():
        assert export_jobs.run(job_id) == "done"
        assert export_jobs.run(job_id) == "done"  # a second delivery of the task writes nothing more
    ready = boss.get(f"/manager/exports/{job_id}")
    assert "พร้อมดาวน์โหลด" in ready.text and "Refresh" not in ready.headers
    download = boss.get(f"/manager/exports/{job_id}/download")
    assert download.status_code == 200 and download.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert f"complaints-2569-{job_id}.csv" in download.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(download.data.decode("utf-8-sig"))))
    download.close()
    assert len(rows) - 1 == drill_count(boss, "period=2569") == 10
    assert f'data-job-id="{job_id}"' in boss.get("/manager/exports").text

    # Another manager neither sees nor downloads it.
    assert other.get(f"/manager/exports/{job_id}").status_code == 404
    assert other.get(f"/manager/exports/{job_id}/download").status_code == 404
    assert f'data-job-id="{job_id}"' not in other.get("/manager/exports").text


def test_a_supervisors_export_holds_only_their_units(app, data, sent):
    supervisor = signed_in(app, "sup", "supervisor", "public-works")
    body = export_file(app, supervisor, "period=2569").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))[1:]
    assert len(rows) == drill_count(supervisor, "period=2569") == 5
    with app.app_context():
        own = db.session.scalar(select(Unit.name_th).where(Unit.code == "public-works"))
    assert {row[5] for row in rows} == {own}


@pytest.mark.parametrize(
    "query, fmt, status, message",
    [
        ("period=abc", "csv", 422, "Invalid period"),
        ("period=2569&unit=x", "csv", 422, "Invalid unit"),
        ("period=2569&unit=999999", "csv", 404, "No such unit"),
        ("period=2569", "pdf", 404, "Unsupported export format"),
        ("period=2569&district=%27%3B%20DROP%20TABLE%20complaints%3B--", "csv", 302, ""),
    ],
)
def test_bad_parameters_are_refused_when_asked_and_make_no_job(app, data, sent, query, fmt, status, message):
    boss = signed_in(app, "boss", "manager")
    response = request_export(boss, query, fmt)
    assert response.status_code == status, response.text[:300]
    if status != 302:
        assert message in response.text and job_count(app) == 0 and sent == []
    else:  # hostile text is only a filter value: a job that finds nothing
        with app.app_context():
            [job] = db.session.scalars(select(ExportJob)).all()
            assert export_jobs.run(job.id) == "done" and job.row_count == 0


def test_without_the_page_token_no_job_is_made(app, data, sent):
    boss = signed_in(app, "boss", "manager")
    response = boss.post("/manager/complaints/export.csv?period=2569", data={})
    assert response.status_code == 400 and "security token" in response.text
    assert job_count(app) == 0


def test_an_xlsx_export_stops_at_the_row_limit_and_says_so(app, data, sent):
    app.config["EXPORT_MAX_ROWS"] = 4
    boss = signed_in(app, "boss", "manager")
    book = load_workbook(io.BytesIO(export_file(app, boss, "period=2569", "xlsx").data))
    assert book.active.max_row == 1 + 4
    page = boss.get("/manager/exports").text
    assert "ตัดที่ 4 แถว" in page and "cut at 4 rows" in page


def test_when_the_queue_is_away_the_manager_is_told_and_the_job_is_marked_failed(app, data, monkeypatch):
    def away(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(app.extensions["celery"], "send_task", away)
    boss = signed_in(app, "boss", "manager")
    response = request_export(boss, "period=2569")
    assert response.status_code == 503
    assert "ส่งงานเข้าคิวไม่สำเร็จ" in response.text and "task queue is unavailable" in response.text
    with app.app_context():
        [job] = db.session.scalars(select(ExportJob)).all()
        assert job.status == "failed" and "connection refused" in job.error


def test_a_job_its_worker_lost_shows_as_failed_and_old_jobs_are_deleted_with_their_files(app, data, sent):
    boss = signed_in(app, "boss", "manager")
    export_file(app, boss, "period=2569")
    request_export(boss, "period=2569")
    with app.app_context():
        written, lost = db.session.scalars(select(ExportJob).order_by(ExportJob.id)).all()
        file = Path(app.config["EXPORT_DIR"]) / written.storage_key
        assert file.is_file()
        lost.status = "running"
        lost.created_at = utcnow() - timedelta(seconds=export_jobs.TIME_LIMIT + 120)
        written_id, lost_id = written.id, lost.id
        db.session.commit()
    page = boss.get("/manager/exports").text
    assert re.search(rf'data-job-id="{lost_id}" data-status="failed"', page)
    with app.app_context():
        written = db.session.get(ExportJob, written_id)
        written.created_at = utcnow() - timedelta(hours=app.config["EXPORT_KEEP_HOURS"] + 1)
        db.session.commit()
        assert export_jobs.purge_expired() == 1  # the lost one is younger than EXPORT_KEEP_HOURS
        assert not file.exists() and job_count(app) == 1


def test_the_export_buttons_are_forms_with_the_page_token(app, data):
    boss = signed_in(app, "boss", "manager")
    page = boss.get("/manager/complaints?period=2569&category=").text
    forms = re.findall(
        r'<form method="post" class="inline" action="([^"]+)">\s*<input type="hidden" '
        r'name="csrf_token" value="([^"]+)">',
        page,
    )
    assert [action.split("?")[0] for action, _ in forms] == [
        "/manager/complaints/export.csv",
        "/manager/complaints/export.xlsx",
    ]
    assert all("period=2569" in action for action, _ in forms)
    assert forms[0][1] == csrf_from(page)
