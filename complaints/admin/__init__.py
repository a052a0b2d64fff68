"""Admin pages: users, units, categories, service standards, canned responses, holidays."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from complaints.admin import views  # noqa: E402,F401  (routes attach to bp)
