"""Retraining the category classifier from the base data plus officers' corrections.

An admin requests a run (one at a time); a worker runs it: the base CSV
(NLP_BASE_DATA) is split as split (a) of complaints.nlp.evaluation, the
training part plus the feedback rows (the complaint's title and description,
labelled with the officer's category) train a candidate, and the candidate and
the ACTIVE model are scored on the same held-out part of the base data (feedback
never goes there). The candidate is promoted only if neither its in_gold nor its
lenient_macro_f1 is worse than the active model's by more than
NLP_PROMOTION_TOLERANCE; otherwise it is rejected and the active model stays.

The ACTIVE model is the artefact of the latest promoted run, else the shipped
model. Each process looks for a newly promoted run at most every
NLP_ACTIVE_MODEL_CHECK_SECONDS (see active_model_path), so intake costs no query
per complaint.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from complaints.errors import BilingualError
from complaints.extensions import db
from complaints.models import Category, CategoryFeedback, Complaint, RunStatus, TrainingRun, User, utcnow
from complaints.services import dispatch

log = logging.getLogger(__name__)

COMPARED_METRICS = ("in_gold", "lenient_macro_f1")
TASK_NAME = "rongrian.retrain_classifier"
_CACHE_KEY = "rongrian.active_model"

Progress = Callable[[int, str], None]


# --- the active model ---------------------------------------------------------

def latest_promoted() -> TrainingRun | None:
    return db.session.scalar(select(TrainingRun).where(TrainingRun.status == RunStatus.PROMOTED)
                             .order_by(TrainingRun.finished_at.desc(), TrainingRun.id.desc()).limit(1))


_LATEST_PROMOTED_PATH = (select(TrainingRun.artefact_path).where(TrainingRun.status == RunStatus.PROMOTED)
                         .order_by(TrainingRun.finished_at.desc(), TrainingRun.id.desc()).limit(1))


def shipped_model_path() -> Path:
    from complaints.nlp.model import model_path

    return model_path(None)


def active_model_path() -> Path | None:
    """The artefact of the latest promoted run, or None for the shipped model.

    Cached per app (so per process): the database is asked at most every
    NLP_ACTIVE_MODEL_CHECK_SECONDS.
    """
    app = current_app._get_current_object()  # noqa: SLF001 - the per-app cache lives on the app
    state = app.extensions.get(_CACHE_KEY)
    now = time.monotonic()
    if state is None or now - state["checked"] >= app.config["NLP_ACTIVE_MODEL_CHECK_SECONDS"]:
        try:
            # Its own connection: a failed lookup must not abort the caller's transaction.
            with db.engine.connect() as conn:
                path = conn.execute(_LATEST_PROMOTED_PATH).scalar()
        except Exception:  # noqa: BLE001 - a database hiccup must not stop intake
            log.exception("could not look up the active model; keeping the previous one")
            path = state["path"] if state else None
        state = {"checked": now, "path": path, "broken": state["broken"] if state else set()}
        app.extensions[_CACHE_KEY] = state
    path = state["path"]
    if path is None or path in state["broken"]:
        return None
    return Path(path)


def mark_broken(path: Path) -> None:
    """The artefact could not be loaded: use the shipped model until another run is promoted."""
    state = current_app.extensions.get(_CACHE_KEY)
    if state is not None:
        state["broken"].add(str(path))


def forget_active_model() -> None:
    """Look the active model up again on next use (after a promotion in this process)."""
    current_app.extensions.pop(_CACHE_KEY, None)


def load_active_model():
    """The active TextClassifier and its path (the shipped one when the active artefact fails)."""
    from complaints.nlp import load_model

    path = active_model_path()
    if path is not None:
        try:
            return load_model(path), path
        except Exception:  # noqa: BLE001
            log.exception("could not load the active model %s; using the shipped model", path)
            mark_broken(path)
    path = shipped_model_path()
    return load_model(path), path


def active_model_info() -> dict:
    """What the admin page shows about the model in use."""
    run = latest_promoted()
    info = {"run": run, "path": None, "metadata": {}, "error": None}
    try:
        model, path = load_active_model()
        info["path"], info["metadata"] = str(path), model.metadata
    except Exception as exc:  # noqa: BLE001 - the page still shows the runs
        info["error"] = f"{exc.__class__.__name__}: {exc}"
    return info


def feedback_count() -> int:
    return db.session.scalar(select(func.count(func.distinct(CategoryFeedback.complaint_id)))) or 0


def list_runs(limit: int = 50) -> list[TrainingRun]:
    return list(db.session.scalars(select(TrainingRun).order_by(TrainingRun.id.desc()).limit(limit)))


# --- requesting a run -----------------------------------------------------------

def _abandon_stale_runs() -> None:
    """A queued/running run older than NLP_RETRAIN_STALE_SECONDS lost its worker."""
    cutoff = utcnow() - timedelta(seconds=current_app.config["NLP_RETRAIN_STALE_SECONDS"])
    stale = db.session.scalars(select(TrainingRun).where(
        TrainingRun.status.in_([RunStatus.QUEUED, RunStatus.RUNNING]), TrainingRun.requested_at < cutoff))
    for run in stale:
        run.status = RunStatus.FAILED
        run.finished_at = utcnow()
        run.error = "abandoned: no progress within NLP_RETRAIN_STALE_SECONDS (the worker stopped?)"
        run.stage = "ยกเลิก (ค้างนานเกินไป) / abandoned"


def request_retraining(admin: User) -> TrainingRun:
    """Queue a retraining run; refused (409) while another is queued or running."""
    _abandon_stale_runs()
    busy = db.session.scalar(select(TrainingRun.id).where(
        TrainingRun.status.in_([RunStatus.QUEUED, RunStatus.RUNNING])).limit(1))
    if busy is not None:
        db.session.commit()
        raise BilingualError(409, "retraining-in-progress",
                             f"มีการฝึกโมเดลที่รอหรือกำลังทำอยู่แล้ว (รอบที่ {busy})",
                             f"A retraining run is already queued or running (run {busy}).")
    run = TrainingRun(requested_by_id=admin.id, status=RunStatus.QUEUED, progress=0,
                      stage="รอคิว / queued")
    db.session.add(run)
    db.session.commit()

    def failed(error: str) -> None:
        run.status, run.finished_at, run.error = RunStatus.FAILED, utcnow(), error
        run.stage = "ส่งงานเข้าคิวไม่สำเร็จ / could not enqueue"
        db.session.commit()

    dispatch.send_job(TASK_NAME, run.id, failed)
    return run


# --- running it (in a worker) -----------------------------------------------------

def record_progress(run_id: int, percent: int, stage: str) -> None:
    """Write a run's progress (the worker's progress callback)."""
    run = db.session.get(TrainingRun, run_id)
    if run is not None:
        run.progress = max(0, min(100, int(percent)))
        run.stage = stage[:200]
        db.session.commit()


def feedback_rows() -> list:
    """One labelled Row per corrected complaint: its latest correction's category."""
    from complaints.nlp.evaluation import Row

    latest = (select(CategoryFeedback.complaint_id, func.max(CategoryFeedback.id).label("fid"))
              .group_by(CategoryFeedback.complaint_id).subquery())
    query = (select(Complaint.title, Complaint.description, Category.code)
             .join(latest, latest.c.complaint_id == Complaint.id)
             .join(CategoryFeedback, CategoryFeedback.id == latest.c.fid)
             .join(Category, Category.id == CategoryFeedback.corrected_category_id)
             .order_by(Complaint.id))
    rows = []
    for title, description, code in db.session.execute(query):
        text = "\n".join(part for part in (title, description) if part)
        if text.strip():
            rows.append(Row(text, code, (code,)))
    return rows


def _decide(candidate: dict, active: dict | None, tolerance: float) -> tuple[bool, str]:
    if active is None:
        return True, "ไม่มีโมเดลปัจจุบันให้เปรียบเทียบ / no current model to compare with"
    worse = [k for k in COMPARED_METRICS if candidate[k] < active[k] - tolerance]
    figures = ", ".join(f"{k} {candidate[k]:.4f} vs {active[k]:.4f}" for k in COMPARED_METRICS)
    if worse:
        return False, (f"โมเดลใหม่แย่กว่าโมเดลปัจจุบันใน {', '.join(worse)} / the candidate is worse than the "
                       f"current model on {', '.join(worse)} (tolerance {tolerance}): {figures}")
    return True, (f"โมเดลใหม่ไม่แย่กว่าโมเดลปัจจุบัน / the candidate is not worse than the current model "
                  f"(tolerance {tolerance}): {figures}")


# Progress of each log line of complaints.nlp.model.train.
_TRAIN_STAGES = (
    ("tokenising", 25, "ตัดคำ / tokenising"),
    ("cross-validation fold 1", 35, "ตรวจสอบไขว้ 1/3 / cross-validation 1/3"),
    ("cross-validation fold 2", 45, "ตรวจสอบไขว้ 2/3 / cross-validation 2/3"),
    ("cross-validation fold 3", 55, "ตรวจสอบไขว้ 3/3 / cross-validation 3/3"),
    ("final fit", 65, "ฝึกโมเดลขั้นสุดท้าย / final fit"),
)


def run_retraining(run_id: int, progress: Progress | None = None) -> str | None:
    """Train, evaluate and promote or reject run `run_id`; returns its final status.

    Never raises: any failure is recorded on the run as `failed` with the error.
    """
    from complaints.nlp import load_model, train
    from complaints.nlp.evaluation import dedup_key, evaluate, file_sha256, random_split, read_rows

    run = db.session.get(TrainingRun, run_id)
    if run is None:
        log.warning("retraining run %s does not exist", run_id)
        return None
    if run.status not in (RunStatus.QUEUED, RunStatus.RUNNING):
        return run.status  # delivered twice: already done
    report = progress or (lambda percent, stage: record_progress(run_id, percent, stage))
    config = current_app.config
    try:
        run.status, run.started_at, run.error = RunStatus.RUNNING, utcnow(), None
        run.base_data_path = str(config["NLP_BASE_DATA"])
        db.session.commit()
        report(5, "อ่านข้อมูลฐาน / reading the base data")
        base_path = Path(run.base_data_path)
        base = read_rows(base_path)
        train_idx, held_idx, removed = random_split(base)
        held = [base[i] for i in held_idx]

        report(15, "อ่านข้อมูลการแก้ไขของเจ้าหน้าที่ / reading officers' corrections")
        held_keys = {dedup_key(r.text) for r in held}
        feedback = [r for r in feedback_rows() if dedup_key(r.text) not in held_keys]
        run.feedback_rows = len(feedback)
        db.session.commit()

        def train_log(message: str) -> None:
            log.info("run %s: %s", run_id, message)
            for prefix, percent, stage in _TRAIN_STAGES:
                if message.startswith(prefix):
                    report(percent, stage)

        report(20, "เริ่มฝึกโมเดล / training")
        rows = base + feedback
        indices = list(train_idx) + list(range(len(base), len(rows)))
        started = time.perf_counter()
        candidate = train(rows, indices, data_sha256=file_sha256(base_path),
                          source=f"{base_path} + {len(feedback)} feedback rows", log=train_log)

        report(75, "ประเมินโมเดลใหม่ / evaluating the candidate")
        candidate_metrics = evaluate(candidate, held)
        candidate.metadata["split"] = {"kind": "random, de-duplicated", "duplicates_removed": removed,
                                       "n_train": len(indices), "n_heldout": len(held),
                                       "feedback_rows": len(feedback)}
        candidate.metadata["metrics"]["heldout"] = candidate_metrics
        candidate.metadata["training_run"] = run_id
        candidate.metadata["train_seconds"] = round(time.perf_counter() - started, 1)
        artefact = Path(config["NLP_MODEL_DIR"]) / f"run-{run_id}.joblib"
        candidate.save(artefact)
        run.artefact_path = str(artefact.resolve())
        run.candidate_metrics = candidate_metrics
        db.session.commit()

        report(85, "ประเมินโมเดลปัจจุบัน / evaluating the current model")
        active_metrics = None
        try:
            forget_active_model()
            active, active_path = load_active_model()
            run.compared_with = str(active_path)
            active_metrics = evaluate(active, held)
        except Exception as exc:  # noqa: BLE001 - nothing to compare with: the candidate is better than none
            log.exception("run %s: no current model could be evaluated", run_id)
            run.compared_with = f"({exc.__class__.__name__}: {exc})"[:500]
        run.active_metrics = active_metrics

        promote, reason = _decide(candidate_metrics, active_metrics, config["NLP_PROMOTION_TOLERANCE"])
        run.status = RunStatus.PROMOTED if promote else RunStatus.REJECTED
        run.decision_reason = reason
        run.finished_at = utcnow()
        run.progress = 100
        run.stage = "เลื่อนเป็นโมเดลที่ใช้งาน / promoted" if promote else "ไม่ใช้โมเดลใหม่ / rejected"
        db.session.commit()
        if promote:
            forget_active_model()
            load_model(artefact)  # warm this process's cache
        return run.status
    except Exception as exc:  # noqa: BLE001 - recorded on the run; the worker carries on
        log.exception("retraining run %s failed", run_id)
        db.session.rollback()
        run = db.session.get(TrainingRun, run_id)
        run.status, run.finished_at = RunStatus.FAILED, utcnow()
        run.error = f"{exc.__class__.__name__}: {exc}"[:4000]
        run.stage = "ล้มเหลว / failed"
        db.session.commit()
        return run.status
