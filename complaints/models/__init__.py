"""All models of complaints/, imported here so Alembic and the app see one metadata.

The self-assessment's tables are assessment/models.py, on the same Base; the app factory
imports that module (nothing else in complaints/ imports assessment/).
"""

from complaints.models.analytics import ActionStatus, ClusterMonth, CorrectiveAction, RecurringCluster, RootCause
from complaints.models.base import Base, utcnow
from complaints.models.calendar import CalendarOverride
from complaints.models.channels import ChannelMessage, LineConversation
from complaints.models.complaint import (
    Attachment,
    CategoryFeedback,
    Channel,
    Complainant,
    Complaint,
    Kind,
    Priority,
    Status,
    SurveyResponse,
    TimelineEvent,
)
from complaints.models.export_job import ExportJob, ExportStatus
from complaints.models.grants import IntegrityGrant
from complaints.models.idempotency import IdempotencyRecord
from complaints.models.open311 import ApiKey, Open311Request
from complaints.models.outbox import OutboxMessage
from complaints.models.privacy import AuditEntry, DataRequest
from complaints.models.reference import CannedResponse, Category, ServiceStandard, StandardsPublication, Unit
from complaints.models.settings import AgencySettings
from complaints.models.tracking import TrackingLookupDay
from complaints.models.training import RunStatus, TrainingRun
from complaints.models.user import ROLES, User

__all__ = [
    "ActionStatus",
    "AuditEntry",
    "DataRequest",
    "ClusterMonth",
    "CorrectiveAction",
    "RecurringCluster",
    "RootCause",
    "Attachment",
    "Base",
    "CategoryFeedback",
    "CalendarOverride",
    "CannedResponse",
    "Category",
    "Channel",
    "Complainant",
    "Complaint",
    "IdempotencyRecord",
    "Kind",
    "OutboxMessage",
    "Priority",
    "ROLES",
    "RunStatus",
    "ServiceStandard",
    "StandardsPublication",
    "Status",
    "SurveyResponse",
    "TimelineEvent",
    "TrainingRun",
    "Unit",
    "User",
    "utcnow",
    "ChannelMessage",
    "LineConversation",
    "ExportJob",
    "ExportStatus",
    "ApiKey",
    "Open311Request",
    "IntegrityGrant",
    "AgencySettings",
    "TrackingLookupDay",
]
