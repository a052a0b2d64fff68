"""Manager views: parse the period and unit, call the metrics service, render or export.

Managers and admins see every unit; a supervisor reads the figures of their
own units (access.visible_unit_ids). Corrective actions are opened and edited
by managers and admins.
"""

from __future__ import annotations

from flask import Blueprint, Response, flash, make_response, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from complaints.domain.errors import BilingualError
from complaints.domain.thai_calendar import THAI_MONTHS_ABBR, be_year
from complaints.ids import page_number
from complaints.services.access import visible_unit_ids
from complaints.services.analytics import corrective_actions, dashboard_page, export_jobs, exports
from complaints.services.analytics.metrics import figures
from complaints.services.analytics.metrics.dimensions import DIMENSIONS
from complaints.services.analytics.metrics.scope import Scope, scope_from_params
from complaints.services.unit_of_work import unit_of_work
from complaints.web.security import roles_required

bp = Blueprint("manager", __name__, url_prefix="/manager")

READERS = ("manager", "admin", "supervisor")
WRITERS = ("manager", "admin")
FORMATS = {
    "csv": "text/csv",  # Flask adds the charset of a text type
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _scope(args=None) -> Scope:
    return scope_from_params(current_user, args if args is not None else request.args)


@bp.app_template_filter("be_date")
def be_date(day) -> str:
    """31/03/2569: a day in the Buddhist era, as the forms accept it back."""
    return f"{day.day:02d}/{day.month:02d}/{be_year(day)}" if day else ""


@bp.app_template_filter("be_month")
def be_month(day) -> str:
    return f"{THAI_MONTHS_ABBR[day.month - 1]} {str(be_year(day))[2:]}"


@bp.context_processor
def _helpers() -> dict:
    def drill_url(scope: Scope, drill: dict, endpoint: str = "manager.complaints") -> str:
        return url_for(endpoint, **{**scope.params(), **drill})

    return {"drill_url": drill_url}


def _download(body: bytes, name: str, fmt: str) -> Response:
    response = Response(body, mimetype=FORMATS.get(fmt, "application/pdf"))
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
@roles_required(*READERS)
def dashboard():
    scope = _scope()
    shown = dashboard_page.dashboard(current_user, scope)
    return render_template(
        "manager/dashboard.html",
        scope=scope,
        figures=shown.figures,
        total=shown.total,
        periods=shown.periods,
        units=shown.units,
    )


def _drill_scope() -> tuple[Scope, dict]:
    filters = {k: v for k, v in request.args.items() if k in DIMENSIONS and v}
    return _scope(), filters


@bp.get("/complaints")
@roles_required(*READERS)
def complaints():
    scope, filters = _drill_scope()
    page = dashboard_page.drill_down(scope, filters, page_number(request.args.get("page")))
    return render_template("manager/complaints.html", scope=scope, filters=filters, page=page)


def _table(rows, header, sheet: str, name: str, fmt: str):
    """One table as a CSV or single-sheet XLSX download."""
    data = exports.to_csv(header, rows) if fmt == "csv" else exports.to_xlsx([(sheet, header, rows)])
    return _download(data, name, fmt)


@bp.post("/complaints/export.<fmt>")
@roles_required(*READERS)
def complaints_export(fmt: str):
    """Ask for the list the page shows as a file: prepared by a worker (export_jobs)."""
    job = export_jobs.request_export(current_user, request.args, fmt)
    return redirect(url_for("manager.export_job", job_id=job.id))


@bp.get("/exports")
@roles_required(*READERS)
def exports_list():
    return _exports_page(None)


@bp.get("/exports/<int:job_id>")
@roles_required(*READERS)
def export_job(job_id: int):
    return _exports_page(export_jobs.job_for(current_user, job_id))


def _exports_page(current):
    jobs = export_jobs.jobs_for(current_user)
    response = make_response(render_template("manager/exports.html", jobs=jobs, current=current))
    if any(j.active for j in jobs):  # progress without script (the CSP forbids inline JS)
        response.headers["Refresh"] = "3"
    return response


@bp.get("/exports/<int:job_id>/download")
@roles_required(*READERS)
def export_download(job_id: int):
    path, name = export_jobs.download(current_user, job_id)
    response = send_file(path, mimetype=FORMATS[path.suffix.lstrip(".")], as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/export/<key>.<fmt>")
@roles_required(*READERS)
def figure_export(key: str, fmt: str):
    if fmt not in FORMATS:
        raise BilingualError(404, "not-found", "ไม่รองรับรูปแบบไฟล์นี้", "Unsupported export format.")
    scope = _scope()
    if key == "dashboard":
        if fmt != "xlsx":
            raise BilingualError(404, "not-found", "ตารางทั้งหมดส่งออกเป็น XLSX", "The whole dashboard exports as XLSX.")
        sheets = [(f.key, exports.FIGURE_HEADER, exports.figure_rows(f)) for f in figures.dashboard(scope).values()]
        return _download(exports.to_xlsx(sheets), f"dashboard-{scope.period.code}", fmt)
    rows = exports.figure_rows(figures.figure(scope, key))
    return _table(rows, exports.FIGURE_HEADER, key, f"{key}-{scope.period.code}", fmt)


@bp.get("/dashboard.pdf")
@roles_required(*READERS)
def dashboard_pdf_view():
    scope = _scope()
    return _download(dashboard_page.pdf(scope), f"dashboard-{scope.period.code}", "pdf")


# --- corrective actions -----------------------------------------------------


@bp.get("/actions")
@roles_required(*READERS)
def actions():
    rows = corrective_actions.list_actions(visible_unit_ids(current_user))
    return render_template(
        "manager/actions.html",
        actions=rows,
        effects=corrective_actions.effects(rows),
        STATUS=corrective_actions.STATUS_LABELS,
    )


def _action_page(row, error: BilingualError | None = None, form=None):
    form = form or {}
    chosen = form.get("target") or (f"cluster:{row.cluster_id}" if row is not None and row.cluster_id else None)
    return render_template(
        "manager/action_form.html",
        row=row,
        error=error,
        form=form,
        targets=corrective_actions.target_options(current_user, chosen),
        owners=corrective_actions.owner_options(),
        STATUS=corrective_actions.STATUS_LABELS,
        effect=corrective_actions.before_after(row) if row else None,
    ), (error.status if error else 200)


def _save_action(row):
    try:
        with unit_of_work():
            saved = corrective_actions.save_action(row, current_user, request.form)
    except BilingualError as exc:
        if exc.status != 422:
            raise
        return _action_page(row, exc, request.form)
    flash(f'บันทึกมาตรการ "{saved.title}" แล้ว / Corrective action saved')
    return redirect(url_for("manager.action_edit", action_id=saved.id))


@bp.route("/actions/new", methods=["GET", "POST"])
@roles_required(*WRITERS)
def action_new():
    if request.method == "POST":
        return _save_action(None)
    return _action_page(None, form={"target": request.args.get("target", "")[:40]})


@bp.get("/actions/<int:action_id>")
@roles_required(*READERS)
def action_edit(action_id: int):
    return _action_page(corrective_actions.get_action(action_id, visible_unit_ids(current_user)))


@bp.post("/actions/<int:action_id>")
@roles_required(*WRITERS)
def action_save(action_id: int):
    return _save_action(corrective_actions.get_action(action_id, visible_unit_ids(current_user)))
