"""Officer pages: the queue, a case, its actions, and entry on a citizen's behalf."""
from flask import Blueprint

bp = Blueprint("officer", __name__, url_prefix="/officer")

from complaints.officer import views  # noqa: E402,F401  (routes attach to bp)
