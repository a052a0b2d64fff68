"""The operations blueprint: what a supervisor, a load balancer and Prometheus ask of the app.

Its routes are in one module per subject, each adding them to `bp`: health.py (GET /healthz,
GET /readyz) and metrics.py (GET /metrics); the package imports them. No page, no template:
answers are JSON or Prometheus text.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("ops", __name__)
