"""Retraining the category classifier from the base data plus the confirmed complaints.

A run is requested by an admin, or by the weekly schedule (NLP_RETRAIN_CRONTAB,
Celery beat) when complaints were confirmed since the last run; one at a time; a
worker runs it. What it trains on, what it is judged on and when it is promoted
is complaints.nlp.retraining_policy: the base CSV's (NLP_BASE_DATA) training
part plus the confirmed complaints (category chosen by the citizen or an
officer, never the model's guess), scored with the model in use on the base
held-out part and on the recent hold-out (a fixed tenth of the last
NLP_RECENT_HOLDOUT_DAYS' confirmed complaints, which is where drift shows);
promoted only if not worse than the model in use on either (the policy's rule,
with NLP_PROMOTION_TOLERANCE and NLP_PROMOTION_F1_TOLERANCE).

The ACTIVE model is the artefact of the latest promoted run, else the shipped
model. Each process looks for a newly promoted run at most every
NLP_ACTIVE_MODEL_CHECK_SECONDS (see active_model_path), so intake costs no query
per complaint.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from complaints.domain.errors import BilingualError
from complaints.domain.task_names import TaskName
from complaints.extensions import db
from complaints.models import Category, CategoryFeedback, Complaint, RunStatus, TrainingRun, User, utcnow
from complaints.models.training import Trigger
from complaints.services.messaging import dispatch

log = logging.getLogger(__name__)

CONFIRMED_SOURCES = ("citizen", "officer")
_CACHE_KEY = "rongrian.active_model"

Progress = Callable[[int, str], None]


# --- the active model ---------------------------------------------------------


def latest_promoted() -> TrainingRun | None:
    return db.session.scalar(
        select(TrainingRun)
        .where(TrainingRun.status == RunStatus.PROMOTED)
        .order_by(TrainingRun.finished_at.desc(), TrainingRun.id.desc())
        .limit(1)
    )


_LATEST_PROMOTED_PATH = (
    select(TrainingRun.artefact_path)
    .where(TrainingRun.status == RunStatus.PROMOTED)
    .order_by(TrainingRun.finished_at.desc(), TrainingRun.id.desc())
    .limit(1)
)


def shipped_model_path() -> Path:
    from complaints.nlp.model import model_path

    return model_path(None)


def active_model_path() -> Path | None:
    """The artefact of the latest promoted run, or None for the shipped model.

    Cached per app (so per process): the database is asked at most every
    NLP_ACTIVE_MODEL_CHECK_SECONDS.
    """
    # The per-app cache lives on the app; current_app is a LocalProxy, typed as the app itself.
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # noqa: SLF001
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
    info: dict[str, object] = {"run": run, "path": None, "metadata": {}, "error": None}
    try:
        model, path = load_active_model()
        info["path"], info["metadata"] = str(path), model.metadata
    except Exception as exc:  # noqa: BLE001 - the page still shows the runs
        info["error"] = f"{exc.__class__.__name__}: {exc}"
    return info


def feedback_count() -> int:
    return db.session.scalar(select(func.count(func.distinct(CategoryFeedback.complaint_id)))) or 0


def learning_summary() -> dict:
    """What the admin page says about what the next run would learn from, and when it runs."""
    from complaints.nlp.retraining_policy import RECENT_HOLDOUT_EVERY

    config = current_app.config
    return {
        "feedback": feedback_count(),
        "confirmed_new": confirmed_since_last_run(),
        "schedule": config["NLP_RETRAIN_CRONTAB"] if config["NLP_ENABLED"] else "",
        "min_new": config["NLP_RETRAIN_MIN_NEW"],
        "holdout_every": RECENT_HOLDOUT_EVERY,
        "recent_days": config["NLP_RECENT_HOLDOUT_DAYS"],
    }


def list_runs(limit: int = 50) -> list[TrainingRun]:
    return list(db.session.scalars(select(TrainingRun).order_by(TrainingRun.id.desc()).limit(limit)))


# --- requesting a run -----------------------------------------------------------


def _abandon_stale_runs() -> None:
    """A queued/running run older than NLP_RETRAIN_STALE_SECONDS lost its worker."""
    cutoff = utcnow() - timedelta(seconds=current_app.config["NLP_RETRAIN_STALE_SECONDS"])
    stale = db.session.scalars(
        select(TrainingRun).where(
            TrainingRun.status.in_([RunStatus.QUEUED, RunStatus.RUNNING]), TrainingRun.requested_at < cutoff
        )
    )
    for run in stale:
        run.status = RunStatus.FAILED
        run.finished_at = utcnow()
        run.error = "abandoned: no progress within NLP_RETRAIN_STALE_SECONDS (the worker stopped?)"
        run.stage = "ยกเลิก (ค้างนานเกินไป) / abandoned"


def _busy_run_id() -> int | None:
    _abandon_stale_runs()
    return db.session.scalar(
        select(TrainingRun.id).where(TrainingRun.status.in_([RunStatus.QUEUED, RunStatus.RUNNING])).limit(1)
    )


def request_retraining(admin: User) -> TrainingRun:
    """Queue a retraining run; refused (409) while another is queued or running."""
    busy = _busy_run_id()
    if busy is not None:
        db.session.commit()
        raise BilingualError(
            409,
            "retraining-in-progress",
            f"มีการฝึกโมเดลที่รอหรือกำลังทำอยู่แล้ว (รอบที่ {busy})",
            f"A retraining run is already queued or running (run {busy}).",
        )
    run = _new_run(admin, Trigger.ADMIN)

    def failed(error: str) -> None:
        run.status, run.finished_at, run.error = RunStatus.FAILED, utcnow(), error
        run.stage = "ส่งงานเข้าคิวไม่สำเร็จ / could not enqueue"
        db.session.commit()

    dispatch.send_job(TaskName.RETRAIN_CLASSIFIER, run.id, failed)
    return run


def _new_run(admin: User | None, trigger: str) -> TrainingRun:
    run = TrainingRun(
        requested_by_id=admin.id if admin else None,
        trigger=trigger,
        status=RunStatus.QUEUED,
        progress=0,
        stage="รอคิว / queued",
    )
    db.session.add(run)
    db.session.commit()
    return run


def confirmed_since_last_run() -> int:
    """Confirmed complaints received since the latest run started (all of them before any run)."""
    last = db.session.scalar(select(func.max(TrainingRun.started_at)))
    query = (
        select(func.count())
        .select_from(Complaint)
        .where(Complaint.category_id.is_not(None), Complaint.category_source.in_(CONFIRMED_SOURCES))
    )
    if last is not None:
        query = query.where(Complaint.received_at >= last)
    return db.session.scalar(query) or 0


def scheduled_retraining() -> str | None:
    """The weekly run (beat): trains now, in this worker, unless there is nothing new to learn.

    Skipped (None) when the classifier is off, a run is queued or running, or fewer
    than NLP_RETRAIN_MIN_NEW complaints were confirmed since the last run started.
    """
    config = current_app.config
    if not config["NLP_ENABLED"]:
        return None
    if _busy_run_id() is not None:
        db.session.commit()
        log.info("scheduled retraining skipped: a run is queued or running")
        return None
    new = confirmed_since_last_run()
    if new < config["NLP_RETRAIN_MIN_NEW"]:
        db.session.commit()
        log.info(
            "scheduled retraining skipped: %d confirmed complaints since the last run (need %d)",
            new,
            config["NLP_RETRAIN_MIN_NEW"],
        )
        return None
    return run_retraining(_new_run(None, Trigger.SCHEDULE).id)


# --- running it (in a worker) -----------------------------------------------------


def record_progress(run_id: int, percent: int, stage: str) -> None:
    """Write a run's progress (the worker's progress callback)."""
    run = db.session.get(TrainingRun, run_id)
    if run is not None:
        run.progress = max(0, min(100, int(percent)))
        run.stage = stage[:200]
        db.session.commit()


def _failure_text(exc: Exception) -> str:
    """What the admin page shows for a failed run: what to do about a missing or unreadable
    base file, in Thai and English; otherwise the error as raised (the log has the trace)."""
    if isinstance(exc, FileNotFoundError):
        return (
            f"ไม่พบไฟล์ข้อมูลฐานสำหรับฝึกโมเดล: {exc.filename} (ตั้งค่า NLP_BASE_DATA) / "
            f"base training data not found: {exc.filename} (set NLP_BASE_DATA)"
        )
    return f"{exc.__class__.__name__}: {exc}"


def _utc_text(at: datetime) -> str:
    """A time as the policy compares them: UTC, "YYYY-MM-DD HH:MM:SS" (naive = UTC, as SQLite returns it)."""
    if at.tzinfo is not None:
        at = at.astimezone(UTC)
    return at.strftime("%Y-%m-%d %H:%M:%S")


def confirmed_rows(limit: int) -> list:
    """The newest `limit` confirmed complaints as labelled Rows, oldest first.

    Confirmed: a category chosen by the citizen or set by an officer (an officer's
    correction sets category_source to "officer"); the model's own guesses are left
    out so that it never learns from itself. Personal data in the text is masked
    first (pii_masking), so that none of it becomes a word of a saved model, where
    an erasure request could not reach it.
    """
    from complaints.nlp.evaluation import Row
    from complaints.nlp.pii_masking import mask_text

    query = (
        select(Complaint.title, Complaint.description, Category.code, Complaint.received_at)
        .join(Category, Category.id == Complaint.category_id)
        .where(Complaint.category_source.in_(CONFIRMED_SOURCES))
        .order_by(Complaint.received_at.desc(), Complaint.id.desc())
        .limit(limit)
    )
    rows = []
    for title, description, code, received_at in db.session.execute(query):
        text = mask_text("\n".join(part for part in (title, description) if part))
        if text.strip():
            rows.append(Row(text, code, (code,), _utc_text(received_at)))
    rows.reverse()
    return rows


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
    from complaints.nlp.evaluation import file_sha256, read_rows
    from complaints.nlp.retraining_policy import decide, retraining_sets, score

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

        report(15, "อ่านเรื่องที่ยืนยันหมวดหมู่แล้ว / reading confirmed complaints")
        recent_since = _utc_text(run.started_at - timedelta(days=config["NLP_RECENT_HOLDOUT_DAYS"]))
        sets = retraining_sets(base, confirmed_rows(config["NLP_RETRAIN_MAX_CONFIRMED"]), recent_since)
        run.confirmed_rows, run.recent_heldout_rows = sets.confirmed_trained, len(sets.recent_heldout)
        db.session.commit()

        def train_log(message: str) -> None:
            log.info("run %s: %s", run_id, message)
            for prefix, percent, stage in _TRAIN_STAGES:
                if message.startswith(prefix):
                    report(percent, stage)

        report(20, "เริ่มฝึกโมเดล / training")
        started = time.perf_counter()
        candidate = train(
            sets.rows,
            sets.train,
            data_sha256=file_sha256(base_path),
            source=f"{base_path} + {sets.confirmed_trained} confirmed complaints",
            log=train_log,
        )

        candidate.metadata["split"] = {
            "kind": "random, de-duplicated, plus confirmed complaints",
            "n_train": len(sets.train),
            "n_heldout": len(sets.base_heldout),
            "confirmed_rows": sets.confirmed_trained,
            "recent_heldout": len(sets.recent_heldout),
            "recent_since": recent_since,
        }
        candidate.metadata["training_run"] = run_id
        candidate.metadata["train_seconds"] = round(time.perf_counter() - started, 1)

        report(75, "ประเมินโมเดลใหม่และโมเดลปัจจุบัน / evaluating the candidate and the current model")
        active = None
        try:
            forget_active_model()
            active, active_path = load_active_model()
            run.compared_with = str(active_path)
        except Exception as exc:  # noqa: BLE001 - nothing to compare with: the candidate is better than none
            log.exception("run %s: no current model could be loaded", run_id)
            run.compared_with = f"({exc.__class__.__name__}: {exc})"[:500]
        candidate_metrics, active_metrics = score(candidate, active, sets)
        candidate.metadata["metrics"]["heldout"] = candidate_metrics["base"]
        if "recent" in candidate_metrics:
            candidate.metadata["metrics"]["recent"] = candidate_metrics["recent"]
        artefact = Path(config["NLP_MODEL_DIR"]) / f"run-{run_id}.joblib"
        candidate.save(artefact)
        run.artefact_path = str(artefact.resolve())
        run.candidate_metrics, run.active_metrics = candidate_metrics, active_metrics
        db.session.commit()

        decision = decide(
            candidate_metrics,
            active_metrics,
            config["NLP_PROMOTION_TOLERANCE"],
            config["NLP_PROMOTION_F1_TOLERANCE"],
            config["NLP_RECENT_HOLDOUT_MIN"],
        )
        run.status = RunStatus.PROMOTED if decision.promote else RunStatus.REJECTED
        run.decision_reason = decision.reason
        run.finished_at = utcnow()
        run.progress = 100
        run.stage = "เลื่อนเป็นโมเดลที่ใช้งาน / promoted" if decision.promote else "ไม่ใช้โมเดลใหม่ / rejected"
        db.session.commit()
        if decision.promote:
            forget_active_model()
            load_model(artefact)  # warm this process's cache
        return run.status
    except Exception as exc:  # noqa: BLE001 - recorded on the run; the worker carries on
        log.exception("retraining run %s failed", run_id)
        db.session.rollback()
        run = db.session.get(TrainingRun, run_id)
        if run is None:  # deleted meanwhile: nothing to record the failure on
            return None
        run.status, run.finished_at = RunStatus.FAILED, utcnow()
        run.error = _failure_text(exc)[:4000]
        run.stage = "ล้มเหลว / failed"
        db.session.commit()
        return run.status
