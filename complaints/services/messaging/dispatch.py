"""Hand outbox messages and requested jobs to the broker, by task name (TaskName).

Services do not import the worker package (the worker depends on the app, not
the other way round): tasks are sent by their registered names through the
Celery app that workers.celery_app bound to Flask.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from flask import current_app

from complaints.domain.errors import BilingualError
from complaints.domain.task_names import TaskName
from complaints.extensions import db
from complaints.models import OutboxMessage
from complaints.services.unit_of_work import after_commit

log = logging.getLogger(__name__)


def enqueue_outbox(message_ids: Iterable[int]) -> bool:
    """Try once to enqueue delivery of each message; False when the broker is away.

    Never raises for a broker failure: the message is already committed, and the
    periodic relay enqueues it again once the broker answers.
    """
    celery = current_app.extensions.get("celery")
    if celery is None:
        log.warning("no Celery app bound; outbox messages wait for the relay")
        return False
    try:
        with celery.producer_pool.acquire(block=True) as producer:
            # One quick try: kombu's default would retry for seconds inside a request.
            producer.connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
            for message_id in message_ids:
                celery.send_task(TaskName.ACKNOWLEDGE, args=[message_id], retry=False, producer=producer)
    except Exception as exc:  # kombu raises OperationalError and friends for a broker away
        log.warning("broker unavailable, outbox relay will retry: %s", exc)
        return False
    return True


def enqueue_after_commit(messages: Iterable[OutboxMessage | None]) -> None:
    """Enqueue these messages (added to the session, Nones skipped) once the caller's
    transaction commits: a worker must never be handed a row it cannot read yet."""
    pending = [m for m in messages if m is not None]
    if not pending:
        return
    db.session.flush()
    ids = [m.id for m in pending]
    after_commit(lambda: enqueue_outbox(ids))


def send_job(task_name: TaskName, job_id: int, record_failure: Callable[[str], None]) -> None:
    """Hand a requested job (an export, a retraining run) to the broker.

    When the broker is away the job is not left queued forever: `record_failure`
    stores why, and the user gets a bilingual 503 to try again later.
    """
    try:
        current_app.extensions["celery"].send_task(task_name, args=[job_id])
    except Exception as exc:  # noqa: BLE001 - kombu raises OperationalError and friends
        log.exception("could not enqueue %s for job %s", task_name, job_id)
        record_failure(f"could not enqueue: {exc.__class__.__name__}: {exc}")
        raise BilingualError(
            503,
            "queue-unavailable",
            "ส่งงานเข้าคิวไม่สำเร็จ กรุณาลองใหม่ภายหลัง",
            "The task queue is unavailable; try again later.",
        ) from None
