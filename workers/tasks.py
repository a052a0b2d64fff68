"""Tasks: module-level functions that take ids and call one service; Celery handles retries.

Each is named from TaskName (the beat schedule, the task routes and dispatch use the
same enum) and registered on a Celery app by `register`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import Celery

from assessment import service as assessment_service
from complaints.domain.task_names import TaskName
from complaints.services.analytics import clusters, export_jobs
from complaints.services.casework import after_intake as after_intake_service
from complaints.services.casework import sla
from complaints.services.channels import email_intake, line_bot
from complaints.services.classifier import retraining
from complaints.services.messaging import channel_refs, outbox
from complaints.services.operations import heartbeat
from complaints.services.privacy import duties

# Every task: its function, its name and its Celery options, in the order written below.
TASKS: dict[TaskName, tuple[Callable[..., Any], dict[str, Any]]] = {}


def task(name: TaskName, **options):
    """Record a module-level function as the task `name` (registered by `register`)."""

    def record(function: Callable[..., Any]) -> Callable[..., Any]:
        if name in TASKS:
            raise ValueError(f"task {name} defined twice")
        TASKS[name] = (function, options)
        return function

    return record


def register(celery_app: Celery) -> None:
    # Not shared: each app (a test makes many) has its own tasks, bound to its own Flask
    # app; a shared task would reach every later Celery app, which then holds two
    # callables under one name and calls the first (another Flask app's).
    for name, (function, options) in TASKS.items():
        celery_app.task(shared=False, name=name.value, **options)(function)


@task(TaskName.ACKNOWLEDGE, bind=True, max_retries=8, soft_time_limit=60, time_limit=90)
def acknowledge(self, message_id: int) -> str:
    """Send one outbox message (an acknowledgement); safe to run twice."""
    try:
        return outbox.deliver_message(message_id)
    except outbox.RetryLater as exc:
        # Back when the message's hold ends; after max_retries the relay carries on.
        raise self.retry(exc=exc, countdown=exc.retry_in) from exc


# Acknowledged on receipt: the relay is periodic and idempotent, and an
# unacknowledged message in flight is what a broker loss makes the Redis
# consumer trip over.
@task(TaskName.RELAY_OUTBOX, acks_late=False, soft_time_limit=60, time_limit=90)
def relay_outbox() -> int:
    """Re-enqueue outbox messages the broker never carried; record the worker's heartbeat."""
    # Beat runs this every OUTBOX_RELAY_SECONDS: /readyz reads the heartbeat (services.heartbeat).
    heartbeat.record_worker()
    return outbox.relay_pending()


@task(TaskName.SLA_SWEEP, acks_late=False, soft_time_limit=240, time_limit=300)
def sla_sweep() -> dict:
    """Mark due-soon and overdue cases, escalate, send interim notices, auto-close."""
    result = sla.sweep()
    return {
        "due_soon": result.due_soon,
        "overdue": result.overdue,
        "escalated": result.escalated,
        "interim_notices": result.interim_notices,
        "auto_closed": result.auto_closed,
        "awaiting_root_cause": result.awaiting_root_cause,
    }


@task(TaskName.AFTER_INTAKE, acks_late=False, soft_time_limit=120, time_limit=180)
def after_intake() -> int:
    """Repeat links and deferred category suggestions of new complaints."""
    return after_intake_service.process_new()


@task(TaskName.APPLY_RETENTION, acks_late=False, soft_time_limit=600, time_limit=660)
def apply_retention() -> int:
    """Erase contact data kept past the retention period (PDPA)."""
    return duties.apply_retention()


# Long: training on the full Traffy data takes minutes. Acknowledged on
# receipt: a run is not retried; one that loses its worker is marked
# abandoned when the next run is requested.
@task(TaskName.RETRAIN_CLASSIFIER, acks_late=False, soft_time_limit=3 * 3600, time_limit=3 * 3600 + 300)
def retrain_classifier(run_id: int) -> str | None:
    """Retrain the classifier with the confirmed complaints; promote it if not worse."""
    return retraining.run_retraining(run_id)


# Beat, weekly by default (NLP_RETRAIN_CRONTAB); trains in this task, skipped
# when nothing new was confirmed or a run is already going.
@task(TaskName.SCHEDULED_RETRAINING, acks_late=False, soft_time_limit=3 * 3600, time_limit=3 * 3600 + 300)
def scheduled_retraining() -> str | None:
    """The scheduled retraining run, if there is something new to learn."""
    return retraining.scheduled_retraining()


@task(TaskName.POLL_MAILBOX, acks_late=False, soft_time_limit=240, time_limit=300)
def poll_mailbox() -> dict:
    """Turn the unseen mails of the complaints mailbox into complaints or follow-ups."""
    return email_intake.poll_mailbox()


@task(TaskName.PURGE_CHANNEL_STATE, acks_late=False, soft_time_limit=120, time_limit=180)
def purge_channel_state() -> dict:
    """Drop unfinished LINE conversations and old ids of events that made no complaint."""
    return {"conversations": line_bot.purge_stale_conversations(), "event_ids": channel_refs.purge_unlinked()}


@task(
    TaskName.EXPORT_COMPLAINTS,
    acks_late=False,
    soft_time_limit=export_jobs.TIME_LIMIT - 60,
    time_limit=export_jobs.TIME_LIMIT,
)
def export_complaints(job_id: int) -> str:
    """Write a requested complaint list to its file."""
    return export_jobs.run(job_id)


@task(TaskName.PURGE_EXPORTS, acks_late=False, soft_time_limit=120, time_limit=180)
def purge_exports() -> int:
    """Delete exports (and their files) past EXPORT_KEEP_HOURS."""
    return export_jobs.purge_expired()


# Periodic and idempotent: a run claims what is not yet clustered; a lost run
# leaves its batch unclaimed (rolled back) for the next one.
@task(TaskName.UPDATE_CLUSTERS, acks_late=False, soft_time_limit=240, time_limit=300)
def update_clusters() -> dict:
    """Put new complaints into recurring-issue clusters."""
    result = clusters.update_clusters()
    return {
        "checked": result.checked,
        "joined": result.joined,
        "created": result.created,
        "uncounted": result.uncounted,
    }


@task(TaskName.REFRESH_ASSESSMENT_DATA, acks_late=False, soft_time_limit=540, time_limit=600)
def refresh_assessment_data() -> int:
    """Recompute the self-assessment's figures from the complaint data (this year, drafts)."""
    return assessment_service.refresh_all()
