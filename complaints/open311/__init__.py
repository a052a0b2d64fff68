"""Open311 GeoReport v2 server (/open311/v2): discovery, services, service
definitions, service requests (GET, and POST with an api_key) and tokens, each in
.json and .xml."""
from flask import Blueprint

bp = Blueprint("open311", __name__, url_prefix="/open311")

from complaints.open311 import views  # noqa: E402,F401  (routes attach to bp)
