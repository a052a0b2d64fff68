"""Webhooks of the citizen channels: LINE, SMS gateway, inbound mail."""
from flask import Blueprint

bp = Blueprint("channels", __name__, url_prefix="/channels")

from complaints.channels import views  # noqa: E402,F401  (routes register on bp)
