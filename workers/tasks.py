"""Tasks: take ids, call one service, let Celery handle retries."""
from __future__ import annotations

from celery import Celery

from complaints.services import clusters, mailer, outbox, retraining, similarity, sla


def register(celery_app: Celery) -> None:
    @celery_app.task(
        name="rongrian.acknowledge",
        bind=True,
        autoretry_for=(mailer.DeliveryFailed,),
        retry_backoff=5,
        retry_backoff_max=300,
        max_retries=8,
        soft_time_limit=60,
        time_limit=90,
    )
    def acknowledge(self, message_id: int) -> str:
        """Send one outbox message (an acknowledgement); safe to run twice."""
        return outbox.deliver_message(message_id)

    # Acknowledged on receipt: the relay is periodic and idempotent, and an
    # unacknowledged message in flight is what a broker loss makes the Redis
    # consumer trip over.
    @celery_app.task(name="rongrian.relay_outbox", acks_late=False, soft_time_limit=60, time_limit=90)
    def relay_outbox() -> int:
        """Re-enqueue outbox messages the broker never carried."""
        return outbox.relay_pending()

    @celery_app.task(name="rongrian.sla_sweep", acks_late=False, soft_time_limit=240, time_limit=300)
    def sla_sweep() -> dict:
        """Mark due-soon and overdue cases, escalate, send interim notices, auto-close."""
        result = sla.sweep()
        return {"due_soon": result.due_soon, "overdue": result.overdue, "escalated": result.escalated,
                "interim_notices": result.interim_notices, "auto_closed": result.auto_closed}

    @celery_app.task(name="rongrian.check_repeats", acks_late=False, soft_time_limit=120, time_limit=180)
    def check_repeats() -> int:
        """Link new complaints to the earlier ones they repeat."""
        return similarity.check_repeats()

    # Long: training on the full Traffy data takes minutes. Acknowledged on
    # receipt: a run is not retried; one that loses its worker is marked
    # abandoned when the next run is requested.
    @celery_app.task(name="rongrian.retrain_classifier", acks_late=False, soft_time_limit=3 * 3600,
                     time_limit=3 * 3600 + 300)
    def retrain_classifier(run_id: int) -> str | None:
        """Retrain the classifier with officers' corrections; promote it if not worse."""
        return retraining.run_retraining(
            run_id, lambda percent, stage: retraining.record_progress(run_id, percent, stage))

    # Periodic and idempotent: a run claims what is not yet clustered; a lost run
    # leaves its batch unclaimed (rolled back) for the next one.
    @celery_app.task(name="rongrian.update_clusters", acks_late=False, soft_time_limit=240, time_limit=300)
    def update_clusters() -> dict:
        """Put new complaints into recurring-issue clusters."""
        result = clusters.update_clusters()
        return {"checked": result.checked, "joined": result.joined, "created": result.created,
                "uncounted": result.uncounted}
