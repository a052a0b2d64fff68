"""The admin blueprint, what its pages share, and the overview page.

The pages themselves are one module per subject (users, catalogue, deadlines, privacy,
operations), each adding its routes to `bp`; the package imports them. Every page is for
admins only (the privacy page for integrity officers too), and states only what differs:
its form, its one service call, its template and its messages (complaints.web.form_pages).
"""

from __future__ import annotations

from flask import Blueprint, render_template

from complaints.services.catalogue import calendar_overrides, overview, published_standards
from complaints.services.staff import user_admin
from complaints.web.security import roles_required

bp = Blueprint("admin", __name__, url_prefix="/admin")

admin_only = roles_required("admin")


@bp.context_processor
def _helpers() -> dict[str, object]:
    return {
        "day_moment": calendar_overrides.day_moment,
        "ROLE_LABELS": user_admin.ROLE_LABELS,
        "standard_scope": published_standards.standard_scope,
    }


@bp.get("/")
@admin_only
def index() -> str:
    return render_template("admin/index.html", counts=overview.overview())
