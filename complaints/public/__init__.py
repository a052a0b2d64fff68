"""Citizen pages: home, the complaint form, the receipt and public tracking."""
from flask import Blueprint

bp = Blueprint("public", __name__)

from complaints.public import views  # noqa: E402,F401  (routes attach to bp)
