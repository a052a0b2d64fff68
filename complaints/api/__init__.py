"""JSON API v1: intake, public view, OpenAPI description, reference lists."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from complaints.api import views  # noqa: E402,F401  (routes attach to bp)
