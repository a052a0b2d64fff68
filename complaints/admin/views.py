"""Admin views."""
from __future__ import annotations

from flask import render_template

from complaints.admin import bp
from complaints.auth import roles_required


@bp.get("/")
@roles_required("admin")
def index():
    return render_template("admin/index.html")
