"""Manager pages: the dashboard, its drill-down lists and exports, corrective actions."""
from flask import Blueprint

bp = Blueprint("manager", __name__, url_prefix="/manager")

from complaints.manager import views  # noqa: E402,F401  (routes attach to bp)
