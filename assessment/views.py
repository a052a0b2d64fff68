"""Self-assessment pages (/assessment/…), for managers and admins: parse, call the service, render.

An assessed body's assessment is named by `?unit=<unit code>` on every URL of the
blueprint (/assessment/2569?unit=bkk-district-1, its forms and downloads alike); without
it the URLs mean the whole deployment, as in a single-agency deployment. A body the
user may not see answers 404 (service.body_for). Once a page has chosen its body, every
url_for of the blueprint carries it (`_keep_unit`), so the templates need not.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from assessment import links, report, service
from assessment.files import path_of
from assessment.form import all_items, field_keys, levels
from assessment.models import Assessment
from complaints.domain.errors import BilingualError
from complaints.domain.periods import Period
from complaints.models import Unit, utcnow
from complaints.services.analytics.api import unit_of_work
from complaints.web.security import roles_required

bp = Blueprint("assessment", __name__, url_prefix="/assessment")
managers = roles_required("manager", "admin")


@bp.context_processor
def _helpers() -> dict:
    return {
        "STATUS_TH": report.STATUS_TH,
        "LEVEL_NAMES": report.LEVEL_NAMES,
        "levels": levels(),
        "metric_href": links.href,
    }


@bp.url_defaults
def _keep_unit(endpoint: str, values: dict) -> None:
    """The body chosen by this request's page stays on every link and form of the blueprint."""
    code = g.get("assessment_unit")
    if code and "unit" not in values and endpoint not in ("assessment.index", "assessment.agencies"):
        values["unit"] = code


def _body(code: str | None = None) -> Unit | None:
    """The assessed body this request names (`?unit=`; a form's `unit` for a POST without
    one), checked against what the user may see; remembered for `_keep_unit`."""
    if code is None:
        code = request.args.get("unit") or request.form.get("unit")
    body = service.body_for(current_user, code)
    g.assessment_unit = body.code if body is not None else None
    return body


@bp.get("/")
@managers
def index():
    seen = service.visible_bodies(current_user)
    bodies = service.bodies_under(current_user, None)
    return render_template(
        "assessment/index.html",
        assessments=service.all_assessments(seen),
        bodies=bodies,
        whole=seen is None or None in seen,
        current_fy=Period.containing(utcnow()).fiscal_year,
    )


@bp.post("/open")
@managers
def open_period():
    body = _body()
    period = Period.parse(request.form.get("period"))
    service.open_assessment(period, current_user, body)
    return redirect(url_for("assessment.edit", period=period.code))


@bp.get("/agencies")
@managers
def agencies():
    """A ministry's or province's assessed bodies side by side for one period (`?period=`,
    default this fiscal year; `?unit=` the unit above them, default every body one may see)."""
    now = utcnow()
    period = Period.parse(request.args["period"]) if request.args.get("period") else Period.containing(now)
    code = (request.args.get("unit") or "").strip()
    above = None
    if code:
        above = next((u for u in service.units_above_bodies(current_user) if u.code == code), None)
        if above is None:
            raise BilingualError(404, "not-found", "ไม่พบหน่วยงานนี้", "No such unit.")
    rows = service.side_by_side(period, service.bodies_under(current_user, above))
    return render_template(
        "assessment/agencies.html",
        period=period,
        above=above,
        rows=rows,
        units=service.units_above_bodies(current_user),
        current_fy=Period.containing(now).fiscal_year,
    )


def _page(period: Period, assessment: Assessment, error: BilingualError | None = None, confirm: bool = False):
    content, comparison = service.with_comparison(period, assessment)
    return render_template(
        "assessment/edit.html",
        period=period,
        assessment=assessment,
        c=content,
        rows=list(report.rows(content)),
        comparison=comparison,
        error=error,
        editable=assessment.status == "draft",
        ended=service.has_ended(period),
        confirm=confirm,
        # a refused save shows again what was typed, not what is stored
        typed=request.form if error and request.method == "POST" else {},
    ), (error.status if error else 200)


def _act(period_text: str, action):
    """Run one change on a draft; a refused change re-renders the page with the bilingual error."""
    period, assessment = service.get(period_text, _body())
    try:
        with unit_of_work():
            action(period, assessment)
    except BilingualError as exc:
        if exc.status >= 500:
            raise
        return _page(period, assessment, exc)
    return redirect(url_for("assessment.edit", period=period.code) + request.form.get("anchor", ""))


@bp.get("/<period>")
@managers
def edit(period: str):
    return _page(*service.get(period, _body()))


def _posted_answers() -> dict[str, dict]:
    """The answers of every item on the page, as posted by its one form."""
    posted = {}
    for item_id, item in all_items().items():
        keys = field_keys(item)
        names = (f"status-{item_id}", f"explanation-{item_id}", *(f"field-{key}" for key in keys))
        if not any(name in request.form for name in names):
            continue
        posted[item_id] = {
            "status": request.form.get(f"status-{item_id}"),
            "explanation": request.form.get(f"explanation-{item_id}", ""),
            "fields": {key: request.form.get(f"field-{key}", "") for key in keys},
        }
    return posted


@bp.post("/<period>/answers")
@managers
def save_answers(period: str):
    """Save every item at once (whichever item's save was pressed), so nothing typed is lost."""

    def save(chosen, assessment):
        written = service.save_answers(chosen, assessment, _posted_answers(), current_user)
        flash(
            f"บันทึกแล้ว {len(written)} ข้อ ({', '.join(written) or '-'}) / "
            f"Saved: {len(written)} items changed ({', '.join(written) or '-'})"
        )

    return _act(period, save)


@bp.post("/<period>/items/<item_id>/evidence")
@managers
def add_evidence(period: str, item_id: str):
    def add(_period, assessment):
        upload = request.files.get("file")
        if upload and upload.filename:
            raw = upload.read(current_app.config["ASSESSMENT_EVIDENCE_MAX_BYTES"] + 1)
            service.add_file(assessment, item_id, request.form.get("title"), upload.filename, raw, current_user)
        else:
            service.add_link(assessment, item_id, request.form.get("title"), request.form.get("url"), current_user)
        flash(f"แนบหลักฐานข้อ {item_id} แล้ว / Evidence added to {item_id}")

    return _act(period, add)


@bp.post("/<period>/evidence/<int:evidence_id>/delete")
@managers
def delete_evidence(period: str, evidence_id: int):
    return _act(period, lambda _period, assessment: service.remove_evidence(assessment, evidence_id))


@bp.get("/<period>/evidence/<int:evidence_id>")
@managers
def download_evidence(period: str, evidence_id: int):
    _, assessment = service.get(period, _body())
    item = service.evidence_item(assessment, evidence_id)
    if item.kind == "file" and item.storage_key is not None:
        path = path_of(current_app.config["UPLOAD_DIR"], item.storage_key)
        return send_file(path, mimetype=item.content_type, as_attachment=True, download_name=item.original_name)
    if item.kind != "file" and item.url is not None:
        return redirect(item.url)
    raise BilingualError(404, "not-found", "ไม่พบหลักฐาน", "No such evidence.")  # a row naming neither


@bp.post("/<period>/submit")
@managers
def submit(period: str):
    """Two steps, no script needed: the first POST shows what is about to be frozen and
    asks for confirmation; the POST with `confirm` freezes it and records who did."""
    if request.form.get("confirm") != "yes":
        chosen, assessment = service.get(period, _body())
        try:
            service.ready_to_submit(chosen, assessment)
        except BilingualError as exc:
            if exc.status >= 500:
                raise
            return _page(chosen, assessment, exc)
        return _page(chosen, assessment, confirm=True)

    def freeze(chosen, assessment):
        service.submit(chosen, assessment, current_user)
        flash("ส่งแบบประเมินแล้ว ข้อมูลในรายงานจะไม่เปลี่ยนแปลงอีก / Submitted: the report is now frozen")

    return _act(period, freeze)


@bp.post("/<period>/refresh")
@managers
def refresh(period: str):
    """Read the complaint data again now (the page otherwise shows it as last computed)."""

    def recompute(chosen, _assessment):
        data = service.refresh_operations(chosen, _assessment.unit)
        flash(
            f"คำนวณตัวเลขจากข้อมูลเรื่องร้องเรียนใหม่แล้ว ({data['seconds']:.1f} วินาที) / "
            f"Figures recomputed from the complaint data ({data['seconds']:.1f} s)"
        )

    return _act(period, recompute)


@bp.get("/<period>/report.<fmt>")
@managers
def download_report(period: str, fmt: str):
    if fmt not in report.FORMATS:
        raise BilingualError(
            404, "unknown-format", "ไม่รองรับรูปแบบรายงานนี้ (html, pdf, xlsx)", "Unknown report format (html, pdf, xlsx)."
        )
    body = _body()
    chosen = Period.parse(period)
    content = service.content(chosen, service.find(chosen, body), body)
    content_type, extension = report.FORMATS[fmt]
    response = current_app.response_class(report.render(content, fmt), content_type=content_type)
    name = f"pmqa-cat3-{body.code}-{chosen.code}" if body is not None else f"pmqa-cat3-{chosen.code}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{extension}"'
    return response
