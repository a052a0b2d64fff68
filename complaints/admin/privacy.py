"""PDPA pages: the audit trail, and data-subject requests (access and erasure)."""

from __future__ import annotations

from flask import jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from complaints.admin.views import admin_only, bp
from complaints.domain.errors import BilingualError
from complaints.services.privacy import duties
from complaints.services.unit_of_work import unit_of_work
from complaints.web.form_pages import flash_redirect, render_page
from complaints.web.security import roles_required

AUDIT_PAGE_SIZE = 100


@bp.get("/audit")
@admin_only
def audit() -> str:
    entries = duties.recent_audit(AUDIT_PAGE_SIZE, current_user)
    return render_template("admin/audit.html", entries=entries, known=duties.known_complaint_ids(current_user, entries))


def _privacy_page(error: BilingualError | None = None, subject: duties.Subject | None = None) -> tuple[str, int]:
    return render_page(
        "admin/privacy.html",
        error,
        subject=subject,
        requests=duties.recent_requests(50, current_user),
        form=request.form,
    )


@bp.route("/privacy", methods=["GET", "POST"])
@roles_required("admin", "integrity")
def privacy_requests() -> ResponseReturnValue:
    """Find a data subject by a contact, then export (access) or erase their data.

    Integrity officers use it too: they alone may find a tip-off's sender (the search is
    the viewer's own visibility rule), so they alone can answer that person's request."""
    if request.method == "GET":
        return _privacy_page()
    action = request.form.get("action", "find")
    note = request.form.get("note", "")
    try:  # CSRFProtect has checked the token before the view runs
        with unit_of_work():
            subject = duties.find_subject(
                request.form.get("contact_kind", ""), request.form.get("contact", ""), current_user
            )
            if action == "export":
                exported = duties.export_subject(subject, current_user, note)
            elif action == "erase":
                record = duties.erase_subject(subject, current_user, note)
    except BilingualError as exc:
        return _privacy_page(exc)
    if action == "export":
        response = jsonify(exported)
        response.headers["Content-Disposition"] = "attachment; filename=data-subject-export.json"
        return response
    if action == "erase":
        return flash_redirect(
            url_for("admin.privacy_requests"),
            f"ลบข้อมูลส่วนบุคคลแล้ว ({record.complaints} เรื่อง)",
            f"Personal data erased ({record.complaints} complaints)",
        )
    return _privacy_page(subject=subject)
