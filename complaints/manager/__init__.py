"""Manager pages: the dashboard, its drill-down lists and exports, corrective actions."""

from complaints.manager.views import bp

__all__ = ["bp"]
