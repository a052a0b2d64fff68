"""What the self-assessment (assessment/) may read of the services: its one door into them.

The assessment counts as the dashboard counts (the same acknowledgement seconds, the
same place against the service standard, the same recurring clusters), and it needs
a few things other contexts keep (the holiday calendar, citizens' tracking lookups,
the agency's name, what the public may know of, how an uploaded file is stored, the unit
of work a change is committed in, and what waits for its commit or rollback). Everything
it uses is named here; the modules behind these names are free to change their internals.
A test and an import contract (pyproject `[tool.importlinter]`) keep assessment/ to this
module.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement

from complaints.services.access import PUBLIC, visible_complaints
from complaints.services.analytics.clusters import ClusterSummary, top_clusters
from complaints.services.analytics.metrics.dimensions import (
    ack_seconds,
    bisecting_case,
    overdue_state,
    reopen_state,
)
from complaints.services.analytics.pdf import FONT_FAMILY, thai_document
from complaints.services.casework.photos import display_name, store_file
from complaints.services.casework.tracking_lookups import lookups_between
from complaints.services.catalogue.agency import name as agency_name
from complaints.services.catalogue.standards import calendar_overrides
from complaints.services.unit_of_work import after_commit, after_rollback, unit_of_work

__all__ = [
    "after_commit",
    "after_rollback",
    "FONT_FAMILY",
    "ClusterSummary",
    "ack_seconds",
    "agency_name",
    "bisecting_case",
    "calendar_overrides",
    "display_name",
    "lookups_between",
    "overdue_state",
    "public_complaints",
    "reopen_state",
    "store_file",
    "thai_document",
    "top_clusters",
    "unit_of_work",
]


def public_complaints() -> ColumnElement[bool]:
    """The complaints anyone may know of (tip-offs left out): the WHERE clause of open data."""
    return visible_complaints(PUBLIC)
