"""All models, imported here so Alembic and the app see one metadata."""
from complaints.models.base import Base, utcnow
from complaints.models.calendar import CalendarOverride
from complaints.models.complaint import (
    Attachment,
    Channel,
    Complainant,
    Complaint,
    Kind,
    Priority,
    Status,
    TimelineEvent,
)
from complaints.models.idempotency import IdempotencyRecord
from complaints.models.outbox import OutboxMessage
from complaints.models.reference import Category, Unit
from complaints.models.user import ROLES, User

__all__ = [
    "Attachment", "Base", "CalendarOverride", "Category", "Channel", "Complainant",
    "Complaint", "IdempotencyRecord", "Kind", "OutboxMessage", "Priority", "ROLES",
    "Status", "TimelineEvent", "Unit", "User", "utcnow",
]
