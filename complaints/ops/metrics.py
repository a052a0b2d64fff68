"""GET /metrics: Prometheus figures of the intake, acknowledgements, the outbox and tasks.

Computed at scrape time, not kept in process memory: gunicorn runs several web
processes and Celery several workers, and a counter in one process's memory
would show a different number on every scrape (prometheus_client's multiprocess
mode would need a shared PROMETHEUS_MULTIPROC_DIR on every host). So the figures
come from where they already are: the database for complaints and the outbox,
the heartbeat store (Redis) for task failures counted by Celery's task_failure
signal and for the worker heartbeat. A scrape costs one scan of the complaints
and two small outbox queries; the answer is reused for METRICS_CACHE_SECONDS.

Off unless METRICS_TOKEN is set (404 then, so it is not even confirmed); the
scraper sends `Authorization: Bearer <token>`. No label carries personal data:
channels, statuses and task names only.
"""

from __future__ import annotations

import hmac
import time

from flask import Response, abort, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

from complaints.domain.errors import BilingualError
from complaints.models import utcnow
from complaints.ops.views import bp
from complaints.services.access import PUBLIC, visible_complaints
from complaints.services.messaging import outbox_admin
from complaints.services.operations import heartbeat, intake_figures

CACHE = "rongrian.metrics_cache"

# Seconds from receipt to acknowledgement: a minute, 5 and 15 minutes, an hour, 4 hours, a day, 3 days.
ACK_BUCKETS = (60.0, 300.0, 900.0, 3600.0, 4 * 3600.0, 24 * 3600.0, 72 * 3600.0)


class DatabaseCollector:
    """The figures, read when Prometheus scrapes (inside the request's app context)."""

    def collect(self):
        yield from self._complaints()

        backlog = GaugeMetricFamily(
            "rongrian_outbox_messages", "Outbox messages, by status and channel", labels=["status", "channel"]
        )
        for (status, channel), count in outbox_admin.counts().items():
            backlog.add_metric([status, channel], count)
        yield backlog

        oldest = outbox_admin.oldest_pending()
        yield GaugeMetricFamily(
            "rongrian_outbox_oldest_pending_seconds",
            "Age of the oldest pending outbox message",
            value=max((utcnow() - oldest).total_seconds(), 0.0) if oldest else 0.0,
        )

        failures = CounterMetricFamily("rongrian_task_failures", "Celery task failures, by task name", labels=["task"])
        try:
            counted = heartbeat.task_failures() or {}
        except Exception:  # noqa: BLE001 - Redis away: the other figures still count
            counted = {}
        for task, count in sorted(counted.items()):
            failures.add_metric([task], count)
        yield failures

        try:
            seen = heartbeat.worker_seen_at()
        except Exception:  # noqa: BLE001
            seen = None
        if seen is not None:
            yield GaugeMetricFamily(
                "rongrian_worker_heartbeat_age_seconds",
                "Seconds since a worker's last heartbeat",
                value=max(time.time() - seen, 0.0),
            )

    def _complaints(self):
        """Intake by channel and the acknowledgement histogram, in one scan of the complaints."""
        # What anyone may know of: a tip-off is not counted (its count is the integrity role's
        # alone; a scrape's delta would tell that one arrived).
        rows = intake_figures.intake_by_channel(ACK_BUCKETS, visible_complaints(PUBLIC))
        intake = CounterMetricFamily(
            "rongrian_complaints_received", "Complaints received, by channel", labels=["channel"]
        )
        for row in rows:
            intake.add_metric([row.channel], row.received)
        yield intake
        total = sum(row.acknowledged for row in rows)
        total_seconds = sum(row.seconds for row in rows)
        counts = [sum(row.within[i] for row in rows) for i in range(len(ACK_BUCKETS))]
        buckets = [(str(bound), n) for bound, n in zip(ACK_BUCKETS, counts, strict=True)] + [("+Inf", total)]
        yield HistogramMetricFamily(
            "rongrian_acknowledgement_latency_seconds",
            "Seconds from a complaint's receipt to its acknowledgement",
            buckets=buckets,
            sum_value=total_seconds,
        )


def _authorised() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        return False
    given = request.headers.get("Authorization", "")
    return given.startswith("Bearer ") and hmac.compare_digest(given[7:].strip().encode(), token.encode())


@bp.get("/metrics")
def metrics():
    if not current_app.config.get("METRICS_TOKEN"):
        abort(404)
    if not _authorised():
        raise BilingualError(401, "unauthorised", "ต้องใช้ token ที่ถูกต้อง", "A valid bearer token is required.")
    return Response(_exposition(), mimetype=CONTENT_TYPE_LATEST.split(";")[0], headers={"Cache-Control": "no-store"})


def _exposition() -> bytes:
    """The figures, reused for METRICS_CACHE_SECONDS: a scrape scans the complaints once
    (about 0.36 s for 200,000 on PostgreSQL), and several scrapers or a short interval
    should not multiply that."""
    ttl = float(current_app.config["METRICS_CACHE_SECONDS"])
    cached = current_app.extensions.get(CACHE)
    now = time.monotonic()
    if cached is not None and cached[0] > now:
        return cached[1]
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector())
    body = generate_latest(registry)
    if ttl > 0:
        current_app.extensions[CACHE] = (now + ttl, body)
    return body
