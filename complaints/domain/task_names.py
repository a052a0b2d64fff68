"""The names of the background tasks: one enum for the worker, the beat schedule and dispatch.

The strings are what deployed beat schedules, queues and task routes already use:
changing one is a deployment change, not a rename.
"""

from __future__ import annotations

from enum import StrEnum


class TaskName(StrEnum):
    ACKNOWLEDGE = "rongrian.acknowledge"
    RELAY_OUTBOX = "rongrian.relay_outbox"
    SLA_SWEEP = "rongrian.sla_sweep"
    AFTER_INTAKE = "rongrian.after_intake"
    APPLY_RETENTION = "rongrian.apply_retention"
    RETRAIN_CLASSIFIER = "rongrian.retrain_classifier"
    SCHEDULED_RETRAINING = "rongrian.scheduled_retraining"
    POLL_MAILBOX = "rongrian.poll_mailbox"
    PURGE_CHANNEL_STATE = "rongrian.purge_channel_state"
    EXPORT_COMPLAINTS = "rongrian.export_complaints"
    PURGE_EXPORTS = "rongrian.purge_exports"
    UPDATE_CLUSTERS = "rongrian.update_clusters"
    REFRESH_ASSESSMENT_DATA = "rongrian.refresh_assessment_data"
