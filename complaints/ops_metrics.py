"""GET /metrics: Prometheus figures of the intake, acknowledgements, the outbox and tasks.

Computed at scrape time, not kept in process memory: gunicorn runs several web
processes and Celery several workers, and a counter in one process's memory
would show a different number on every scrape (prometheus_client's multiprocess
mode would need a shared PROMETHEUS_MULTIPROC_DIR on every host). So the figures
come from where they already are: the database for complaints and the outbox,
the heartbeat store (Redis) for task failures counted by Celery's task_failure
signal and for the worker heartbeat. A scrape costs a few aggregate queries.

Off unless METRICS_TOKEN is set (404 then, so it is not even confirmed); the
scraper sends `Authorization: Bearer <token>`. No label carries personal data:
channels, statuses and task names only.
"""
from __future__ import annotations

import hmac
import time

from flask import Blueprint, Response, abort, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from sqlalchemy import case, func, literal_column, select

from complaints.errors import BilingualError
from complaints.extensions import db
from complaints.models import Complaint, OutboxMessage, utcnow
from complaints.services import heartbeat

bp = Blueprint("ops_metrics", __name__)

# Seconds from receipt to acknowledgement: a minute, 5 and 15 minutes, an hour, 4 hours, a day, 3 days.
ACK_BUCKETS = (60.0, 300.0, 900.0, 3600.0, 4 * 3600.0, 24 * 3600.0, 72 * 3600.0)


def _seconds_between(start, end):
    """SQL for end - start in seconds, on PostgreSQL and SQLite."""
    if db.engine.dialect.name == "postgresql":
        return func.extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * literal_column("86400.0")


class DatabaseCollector:
    """The figures, read when Prometheus scrapes (inside the request's app context)."""

    def collect(self):
        intake = CounterMetricFamily("rongrian_complaints_received", "Complaints received, by channel",
                                     labels=["channel"])
        for channel, count in db.session.execute(
                select(Complaint.channel, func.count()).group_by(Complaint.channel)):
            intake.add_metric([channel], count)
        yield intake

        yield self._acknowledgement_latency()

        backlog = GaugeMetricFamily("rongrian_outbox_messages", "Outbox messages, by status and channel",
                                    labels=["status", "channel"])
        for status, channel, count in db.session.execute(
                select(OutboxMessage.status, OutboxMessage.channel, func.count())
                .group_by(OutboxMessage.status, OutboxMessage.channel)):
            backlog.add_metric([status, channel], count)
        yield backlog

        oldest = db.session.scalar(select(func.min(OutboxMessage.created_at)).where(OutboxMessage.status == "pending"))
        yield GaugeMetricFamily("rongrian_outbox_oldest_pending_seconds", "Age of the oldest pending outbox message",
                                value=max((utcnow() - oldest).total_seconds(), 0.0) if oldest else 0.0)

        failures = CounterMetricFamily("rongrian_task_failures", "Celery task failures, by task name",
                                       labels=["task"])
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
            yield GaugeMetricFamily("rongrian_worker_heartbeat_age_seconds", "Seconds since a worker's last heartbeat",
                                    value=max(time.time() - seen, 0.0))

    def _acknowledgement_latency(self) -> HistogramMetricFamily:
        seconds = _seconds_between(Complaint.received_at, Complaint.acknowledged_at)
        columns = [func.sum(case((seconds <= bound, 1), else_=0)) for bound in ACK_BUCKETS]
        row = db.session.execute(
            select(func.count(), func.coalesce(func.sum(seconds), 0), *columns)
            .where(Complaint.acknowledged_at.is_not(None))).one()
        total, total_seconds = int(row[0]), float(row[1] or 0)
        buckets = [(str(bound), int(n or 0)) for bound, n in zip(ACK_BUCKETS, row[2:])]
        buckets.append(("+Inf", total))
        return HistogramMetricFamily("rongrian_acknowledgement_latency_seconds",
                                     "Seconds from a complaint's receipt to its acknowledgement",
                                     buckets=buckets, sum_value=total_seconds)


def _authorised() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    given = request.headers.get("Authorization", "")
    return given.startswith("Bearer ") and hmac.compare_digest(given[7:].strip().encode(), token.encode())


@bp.get("/metrics")
def metrics():
    if not current_app.config.get("METRICS_TOKEN"):
        abort(404)
    if not _authorised():
        raise BilingualError(401, "unauthorised", "ต้องใช้ token ที่ถูกต้อง", "A valid bearer token is required.")
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector())
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST.split(";")[0],
                    headers={"Cache-Control": "no-store"})
