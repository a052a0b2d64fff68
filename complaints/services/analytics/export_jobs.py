"""Complaint-list exports as jobs: asked for on the manager pages, written by a worker.

A fiscal year's list can hold hundreds of thousands of complaints (100,000 rows:
11 s and ~500 MB in a web worker, measured in BENCHMARKS.md), so the list is
written by a Celery task, row by row, to a file under EXPORT_DIR, and the page
shows the job until its file can be downloaded. The parameters are checked when
the export is asked for (a bad one is a 4xx then, not a failed job); the rows
are those the requester may see at the time they asked (the scope's `now`).
Only the requester downloads the file; it is deleted after EXPORT_KEEP_HOURS.
"""

from __future__ import annotations

import itertools
import logging
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from complaints.domain.errors import BilingualError
from complaints.domain.task_names import TaskName
from complaints.extensions import db
from complaints.models import Complaint, ExportJob, ExportStatus, User, utcnow
from complaints.services.analytics import exports
from complaints.services.analytics.metrics.dimensions import DIMENSIONS, drill_statement
from complaints.services.analytics.metrics.scope import scope_from_params
from complaints.services.messaging import dispatch

log = logging.getLogger(__name__)

FORMATS = ("csv", "xlsx")
XLSX_MAX_ROWS = 1_048_575  # a worksheet's rows, less the header
RECENT = 20
# The task's hard time limit; a job still running after it lost its worker.
TIME_LIMIT = 1800


def _parameters(args: Mapping[str, str]) -> dict:
    """What the export keeps of the page's parameters: period, unit and drill-down filters."""
    keep = {"period", "unit", *DIMENSIONS}
    return {k: str(v)[:100] for k, v in args.items() if k in keep and v != ""}


def _statement(user: User, params: Mapping[str, str], now):
    scope = scope_from_params(user, params, now=now)
    filters = {k: v for k, v in params.items() if k in DIMENSIONS}
    return scope, drill_statement(scope, filters).order_by(Complaint.received_at, Complaint.id)


def request_export(user: User, args: Mapping[str, str], fmt: str) -> ExportJob:
    """Queue an export of the complaints the page shows; 404 for an unknown format,
    422/404 for bad parameters (checked now), 503 when the task queue is away."""
    if fmt not in FORMATS:
        raise BilingualError(404, "not-found", "ไม่รองรับรูปแบบไฟล์นี้", "Unsupported export format.")
    params = _parameters(args)
    now = utcnow()
    _statement(user, params, now)  # a bad period, unit or filter is refused now, not in the job
    job = ExportJob(user_id=user.id, fmt=fmt, params=params, status=ExportStatus.QUEUED, created_at=now)
    db.session.add(job)
    db.session.commit()
    dispatch.send_job(TaskName.EXPORT_COMPLAINTS, job.id, lambda error: _fail(job, error))
    return job


def _fail(job: ExportJob, error: str) -> None:
    job.status, job.error, job.finished_at = ExportStatus.FAILED, error[:2000], utcnow()
    db.session.commit()


def _folder() -> Path:
    folder = Path(current_app.config["EXPORT_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def run(job_id: int) -> str:
    """Write the job's file (in a worker); returns the job's final status."""
    job = db.session.get(ExportJob, job_id)
    if job is None or job.status != ExportStatus.QUEUED:
        return job.status if job else "missing"
    job.status, job.started_at = ExportStatus.RUNNING, utcnow()
    db.session.commit()
    key = f"{job.id}-{secrets.token_hex(8)}.{job.fmt}"
    path = _folder() / key
    partial = path.with_suffix(path.suffix + ".part")
    try:
        user = job.user
        _, statement = _statement(user, job.params, job.created_at)
        limit = min(current_app.config["EXPORT_MAX_ROWS"], XLSX_MAX_ROWS if job.fmt == "xlsx" else 10**12)
        found = exports.complaint_rows(statement.limit(limit + 1))
        kept = itertools.islice(found, limit)
        if job.fmt == "xlsx":
            written = exports.write_xlsx(partial, [("complaints", exports.COMPLAINT_HEADER, kept)])
        else:
            with partial.open("w", encoding="utf-8-sig", newline="") as out:  # BOM: Excel reads the Thai as UTF-8
                written = exports.write_csv(out, exports.COMPLAINT_HEADER, kept)
        job.truncated = next(found, None) is not None  # the row past the limit
        partial.replace(path)
    except Exception as exc:
        db.session.rollback()
        partial.unlink(missing_ok=True)
        log.exception("export %s failed", job_id)
        failed = db.session.get(ExportJob, job_id)
        if failed is not None:  # else the job was deleted meanwhile: nothing to mark
            _fail(failed, f"{exc.__class__.__name__}: {exc}")
        raise
    job.row_count, job.storage_key = written, key
    job.status, job.finished_at = ExportStatus.DONE, utcnow()
    db.session.commit()
    return job.status


def _abandon_stale() -> None:
    cutoff = utcnow() - timedelta(seconds=TIME_LIMIT + 60)
    for job in db.session.scalars(
        select(ExportJob).where(
            ExportJob.status.in_([ExportStatus.QUEUED, ExportStatus.RUNNING]), ExportJob.created_at < cutoff
        )
    ):
        job.status, job.finished_at = ExportStatus.FAILED, utcnow()
        job.error = "abandoned: not finished within the task's time limit (the worker stopped?)"
    db.session.commit()


def jobs_for(user: User) -> list[ExportJob]:
    """The user's latest jobs (a job its worker lost is shown as failed)."""
    _abandon_stale()
    return list(
        db.session.scalars(
            select(ExportJob).where(ExportJob.user_id == user.id).order_by(ExportJob.id.desc()).limit(RECENT)
        )
    )


def job_for(user: User, job_id: int) -> ExportJob:
    """The user's own job; anyone else's answers 404."""
    job = db.session.get(ExportJob, job_id)
    if job is None or job.user_id != user.id:
        raise NotFound()
    return job


def download(user: User, job_id: int) -> tuple[Path, str]:
    """The finished file of the user's own job and the name to save it under."""
    job = job_for(user, job_id)
    path = _folder() / job.storage_key if job.status == ExportStatus.DONE and job.storage_key else None
    if path is None or not path.is_file():
        raise BilingualError(404, "not-found", "ไฟล์นี้ยังไม่พร้อมหรือถูกลบแล้ว", "This file is not ready or was deleted.")
    period = job.params.get("period", "current")
    return path, f"complaints-{period}-{job.id}.{job.fmt}"


def purge_expired() -> int:
    """Delete the jobs (and files) older than EXPORT_KEEP_HOURS; returns how many."""
    cutoff = utcnow() - timedelta(hours=current_app.config["EXPORT_KEEP_HOURS"])
    old = list(db.session.scalars(select(ExportJob).where(ExportJob.created_at < cutoff)))
    folder = _folder()
    for job in old:
        if job.storage_key:
            (folder / job.storage_key).unlink(missing_ok=True)
        db.session.delete(job)
    db.session.commit()
    return len(old)
