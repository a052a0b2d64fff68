"""Officer views: parse the request, call one service, render."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from complaints.domain.errors import BilingualError
from complaints.extensions import db
from complaints.ids import page_number, parse_id
from complaints.models import Channel, Complaint
from complaints.officer.entry import OfficerEntryForm, submit_entry
from complaints.services.access import case_for, still_visible
from complaints.services.casework import case_actions, workflow
from complaints.services.casework.case_page import case_page
from complaints.services.casework.intake import Upload
from complaints.services.casework.queue import QueueFilters, queue_page
from complaints.services.classifier import triage
from complaints.services.privacy import duties
from complaints.services.unit_of_work import unit_of_work
from complaints.web.security import roles_required

bp = Blueprint("officer", __name__, url_prefix="/officer")

VIEWERS = ("officer", "supervisor", "manager", "admin", "integrity")
WORKERS = ("officer", "supervisor", "admin", "integrity")


@bp.get("/")
@roles_required(*VIEWERS)
def queue():
    filters = QueueFilters.from_args(request.args)
    shown = queue_page(current_user, filters, page_number(request.args.get("page")))
    return render_template("officer/queue.html", page=shown.page, filters=filters, categories=shown.categories)


def _detail(complaint, error: BilingualError | None = None, status: int = 200):
    page = case_page(complaint, current_user)
    if page.contact_readable:
        with unit_of_work():
            duties.record_contact_view(current_user, complaint)  # the page shows the contact details
    return render_template("officer/detail.html", complaint=complaint, error=error, **page.as_context()), status


# Case pages are addressed by the tracking number, never the row id (issue 16): see ids.CaseConverter.
@bp.get("/complaints/<case:number>")
@roles_required(*VIEWERS)
def detail(number: str):
    return _detail(case_for(current_user, number))


def _int(name: str) -> int | None:
    """A form id: None when left empty, -1 (never a row id, so reported as unknown)
    when it is not one ('²', '١', beyond 64 bits)."""
    value = request.form.get(name, "")
    if not value.strip():
        return None
    parsed = parse_id(value)
    return -1 if parsed is None else parsed


@bp.post("/complaints/<case:number>/action")
@roles_required(*WORKERS)
def action(number: str):
    complaint = case_for(current_user, number)
    complaint_id = complaint.id
    params = workflow.Params(
        reason=request.form.get("reason"),
        assignee_id=_int("assignee_id"),
        to_unit_id=_int("to_unit_id"),
        agency=request.form.get("agency"),
        into=request.form.get("into"),
        root_cause_id=_int("root_cause_id"),
        root_cause_note=request.form.get("root_cause_note"),
    )
    try:
        with unit_of_work():
            event = workflow.transition(complaint, request.form.get("action", ""), current_user, params)
    except BilingualError as exc:
        return _detail(case_for(current_user, number), exc, exc.status)
    label_th, label_en = workflow.TRANSITIONS[event.kind].label
    flash(f"{label_th} เรียบร้อย · {label_en}: done")
    # After a forward the case may leave this user's scope.
    return redirect(
        url_for("officer.detail", number=number)
        if still_visible(current_user, complaint_id)
        else url_for("officer.queue")
    )


def _casework(number: str, work):
    """Run one casework service on a visible complaint; errors come back on the case page."""
    complaint = case_for(current_user, number)
    try:
        with unit_of_work():
            work(complaint)
    except BilingualError as exc:
        return _detail(complaint, exc, exc.status)
    return redirect(url_for("officer.detail", number=number))


@bp.post("/complaints/<case:number>/reply")
@roles_required(*WORKERS)
def reply(number: str):
    return _casework(number, lambda c: case_actions.add_reply(c, current_user, request.form.get("text", "")))


@bp.post("/complaints/<case:number>/note")
@roles_required(*WORKERS)
def note(number: str):
    return _casework(number, lambda c: case_actions.add_note(c, current_user, request.form.get("text", "")))


@bp.post("/complaints/<case:number>/category")
@roles_required(*WORKERS)
def set_category(number: str):
    done = _casework(number, lambda c: triage.recategorise(c, current_user, request.form.get("category", "")))
    # Routed to another unit, the case may have left this officer's scope.
    if getattr(done, "status_code", 200) == 302 and not still_visible(current_user, number=number):
        return redirect(url_for("officer.queue"))
    return done


@bp.post("/complaints/<case:number>/attachments")
@roles_required(*WORKERS)
def attach(number: str):
    uploads = [
        Upload("files", f.filename, f.read(current_app.config["MAX_PHOTO_BYTES"] + 1))
        for f in request.files.getlist("files")
        if f and f.filename
    ]
    return _casework(number, lambda c: case_actions.attach_files(c, current_user, uploads))


@bp.get("/attachments/<key:url_key>")
@roles_required(*VIEWERS)
def attachment(url_key: str):
    # By its random key, never its row id: ids would show where a hidden tip-off's photos are (issue 16).
    item = case_actions.attachment_for(current_user, url_key)
    path = Path(current_app.config["UPLOAD_DIR"]) / item.storage_key
    if not path.is_file():
        # The row outlived its file (a restore without the upload folder, a full disk):
        # the officer is told, and the operator finds it in the log.
        current_app.logger.error("attachment %s: file missing from UPLOAD_DIR", item.id)
        raise BilingualError(
            404,
            "attachment-missing",
            "ไม่พบไฟล์แนบนี้ในระบบจัดเก็บ กรุณาแจ้งผู้ดูแลระบบ",
            "The attached file is missing from storage; tell the administrator.",
        )
    return send_file(path, mimetype=item.content_type, download_name=item.original_name, max_age=0)


@bp.route("/complaints/new", methods=["GET", "POST"])
@roles_required(*WORKERS)
def new_entry():
    form = OfficerEntryForm()
    errors = []
    if form.validate_on_submit():
        try:
            complaint_id = submit_entry(form, current_user)
        except BilingualError as exc:
            if exc.status != 422:
                raise
            errors = exc.errors
        else:
            if still_visible(current_user, complaint_id):
                return redirect(url_for("officer.detail", number=db.session.get(Complaint, complaint_id)))
            return redirect(url_for("officer.queue"))
    elif request.method == "POST":
        errors = [e for e in form.field_errors()]
    return render_template(
        "officer/new.html", form=form, errors=errors, channels=[Channel.PHONE, Channel.COUNTER, Channel.LETTER]
    ), (422 if errors else 200)
