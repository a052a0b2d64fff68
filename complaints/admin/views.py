"""Admin views: parse the form, call one catalogue service, render.

Every view is for admins only. A rejected submission re-renders its form with
the bilingual error and the service's status (422 bad input, 409 conflict).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, jsonify, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from complaints.admin.forms import (
    ActionForm,
    ApiKeyForm,
    CalendarForm,
    CannedForm,
    CategoryForm,
    PasswordForm,
    RootCauseForm,
    StandardDaysForm,
    StandardDeleteForm,
    StandardNewForm,
    UnitForm,
    UserCreateForm,
    UserEditForm,
)
from complaints.domain.errors import BilingualError, invalid
from complaints.ids import page_number, parse_key
from complaints.models import IntegrityGrant, utcnow
from complaints.services.catalogue import calendar_overrides, canned_responses, overview, published_standards
from complaints.services.catalogue import categories as category_service
from complaints.services.catalogue import root_causes as root_cause_list
from complaints.services.catalogue import units as unit_service
from complaints.services.channels import api_keys
from complaints.services.classifier import retraining
from complaints.services.messaging import channel_status, outbox_admin
from complaints.services.privacy import duties
from complaints.services.staff import integrity_grants, user_admin
from complaints.services.unit_of_work import unit_of_work
from complaints.web.guards import roles_required

bp = Blueprint("admin", __name__, url_prefix="/admin")

admin_only = roles_required("admin")


@bp.context_processor
def _helpers() -> dict:
    return {
        "day_moment": calendar_overrides.day_moment,
        "ROLE_LABELS": user_admin.ROLE_LABELS,
        "standard_scope": published_standards.standard_scope,
    }


def _submit(form, save: Callable):
    """(result, None) for a saved POST, (None, error) for a refused one, (None, None) on GET."""
    if not form.is_submitted():
        return None, None
    if not form.validate():
        return None, invalid(form.field_errors())
    try:
        with unit_of_work():
            return save(), None
    except BilingualError as exc:
        if exc.status not in (403, 409, 422):
            raise
        return None, exc


def _page(template: str, error: BilingualError | None = None, **context):
    return render_template(template, error=error, **context), (error.status if error else 200)


def _flash(th: str, en: str) -> None:
    flash(f"{th} / {en}")


@bp.get("/")
@admin_only
def index():
    return render_template("admin/index.html", counts=overview.overview())


# --- users ------------------------------------------------------------------


def _users_page(error: BilingualError | None = None, new_password: str | None = None, granted=None):
    response = make_response(
        _page(
            "admin/users.html",
            error,
            users=user_admin.list_users(),
            now=utcnow(),
            grants=integrity_grants.pending(),
            grant_actions=integrity_grants.ACTIONS,
            action_form=ActionForm(formdata=None),
            new_password=new_password,
            granted=granted,
        )
    )
    if new_password:
        response.headers["Cache-Control"] = "no-store"  # shown once
    return response


@bp.get("/users")
@admin_only
def users():
    return _users_page()


def _proposed(grant: IntegrityGrant):
    """The answer to a change that needs a second admin: nothing changed yet."""
    th, en = integrity_grants.ACTIONS[grant.action]
    _flash(
        f"ยังไม่ได้ดำเนินการ: คำขอ{th} ({grant.username}) ต้องให้ผู้ดูแลระบบคนอื่นอนุมัติ (คำขอที่ {grant.id})",
        f"Not done yet: a different admin must approve the proposal to {en} ({grant.username}), #{grant.id}",
    )
    return redirect(url_for("admin.users"))


@bp.route("/users/new", methods=["GET", "POST"])
@admin_only
def user_new():
    form = UserCreateForm()
    if form.role.data in integrity_grants.GUARDED_ROLES:  # a grant: proposed, not done
        grant, error = _submit(
            form,
            lambda: user_admin.propose_guarded_user(
                current_user,
                username=form.username.data,
                display_name=form.display_name.data,
                role=form.role.data,
                unit_id=form.unit_id.data,
                email=form.email.data,
            ),
        )
        if grant:
            return _proposed(grant)
        return _page("admin/user_new.html", error, form=form)
    user, error = _submit(
        form,
        lambda: user_admin.create_user(
            username=form.username.data,
            display_name=form.display_name.data,
            role=form.role.data,
            password=form.password.data,
            unit_id=form.unit_id.data,
            email=form.email.data,
        ),
    )
    if user:
        _flash(f"สร้างบัญชี {user.username} แล้ว", f"Account {user.username} created")
        return redirect(url_for("admin.user_edit", user_id=user.id))
    return _page("admin/user_new.html", error, form=form)


def _user_page(user, error=None, form=None, new_password: str | None = None):
    response = make_response(
        _page(
            "admin/user_edit.html",
            error,
            user=user,
            now=utcnow(),
            new_password=new_password,
            form=form or UserEditForm(obj=user, formdata=None),
            password_form=PasswordForm(formdata=None),
            action_form=ActionForm(formdata=None),
        )
    )
    if new_password:
        # Shown once: not kept by the browser or any cache.
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_only
def user_edit(user_id: int):
    user = user_admin.get_user(user_id)
    form = UserEditForm(obj=user)
    saved, error = _submit(
        form,
        lambda: user_admin.update_user(
            current_user,
            user,
            display_name=form.display_name.data,
            role=form.role.data,
            unit_id=form.unit_id.data,
            email=form.email.data,
            active=form.active.data,
        ),
    )
    if isinstance(saved, IntegrityGrant):
        return _proposed(saved)
    if saved:
        _flash(f"บันทึกบัญชี {user.username} แล้ว", f"Account {user.username} saved")
        return redirect(url_for("admin.user_edit", user_id=user.id))
    return _user_page(user, error, form)


@bp.post("/users/<int:user_id>/password")
@admin_only
def user_password(user_id: int):
    user = user_admin.get_user(user_id)
    form = PasswordForm()
    password, error = _submit(form, lambda: user_admin.reset_password(user, form.password.data or None, current_user))
    if error:
        return _user_page(user, error)
    if isinstance(password, IntegrityGrant):
        return _proposed(password)
    # A password the admin typed is not echoed back; a generated one is shown this once.
    generated = None if form.password.data else password
    _flash(f"ตั้งรหัสผ่านใหม่ของ {user.username} แล้ว", f"New password set for {user.username}")
    return _user_page(user, new_password=generated)


@bp.post("/users/<int:user_id>/unlock")
@admin_only
def user_unlock(user_id: int):
    user = user_admin.get_user(user_id)
    _, error = _submit(ActionForm(), lambda: user_admin.unlock_user(user))
    if error:
        return _user_page(user, error)
    _flash(f"ปลดล็อกบัญชี {user.username} แล้ว", f"Account {user.username} unlocked")
    return redirect(url_for("admin.user_edit", user_id=user.id))


@bp.post("/grants/<int:grant_id>/approve")
@admin_only
def grant_approve(grant_id: int):
    """A second admin approves an integrity grant; a generated password is shown to them once."""
    result, error = _submit(ActionForm(), lambda: integrity_grants.approve(current_user, grant_id))
    if error or result is None:
        return _users_page(error or BilingualError(400, "bad-request", "คำขอไม่ถูกต้อง", "The request is malformed."))
    grant, password = result
    th, en = integrity_grants.ACTIONS[grant.action]
    _flash(f"อนุมัติแล้ว: {th} ({grant.username})", f"Approved: {en} ({grant.username})")
    if password:
        return _users_page(new_password=password, granted=grant)
    return redirect(url_for("admin.users"))


@bp.post("/grants/<int:grant_id>/reject")
@admin_only
def grant_reject(grant_id: int):
    grant, error = _submit(ActionForm(), lambda: integrity_grants.reject(current_user, grant_id))
    if error or grant is None:
        return _users_page(error or BilingualError(400, "bad-request", "คำขอไม่ถูกต้อง", "The request is malformed."))
    _flash(f"ปฏิเสธคำขอที่ {grant.id} แล้ว", f"Proposal #{grant.id} rejected")
    return redirect(url_for("admin.users"))


# --- units ------------------------------------------------------------------


@bp.get("/units")
@admin_only
def units():
    return render_template("admin/units.html", tree=unit_service.unit_tree())


def _unit_form(unit):
    form = UnitForm(obj=unit)
    saved, error = _submit(
        form,
        lambda: unit_service.save_unit(
            unit,
            code=form.code.data,
            name_th=form.name_th.data,
            name_en=form.name_en.data,
            parent_id=form.parent_id.data,
        ),
    )
    if saved:
        _flash(f"บันทึกหน่วยงาน {saved.name_th} แล้ว", f"Unit {saved.name_en} saved")
        return redirect(url_for("admin.units"))
    usage = unit_service.unit_usage(unit) if unit else None
    return _page(
        "admin/unit_form.html", error, form=form, unit=unit, usage=usage, action_form=ActionForm(formdata=None)
    )


@bp.route("/units/new", methods=["GET", "POST"])
@admin_only
def unit_new():
    return _unit_form(None)


@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
@admin_only
def unit_edit(unit_id: int):
    return _unit_form(unit_service.get_unit(unit_id))


@bp.post("/units/<int:unit_id>/delete")
@admin_only
def unit_delete(unit_id: int):
    unit = unit_service.get_unit(unit_id)
    names = (unit.name_th, unit.name_en)
    _, error = _submit(ActionForm(), lambda: unit_service.delete_unit(unit) or True)
    if error:
        return _page(
            "admin/unit_form.html",
            error,
            form=UnitForm(obj=unit, formdata=None),
            unit=unit,
            usage=unit_service.unit_usage(unit),
            action_form=ActionForm(formdata=None),
        )
    _flash(f"ลบหน่วยงาน {names[0]} แล้ว", f"Unit {names[1]} deleted")
    return redirect(url_for("admin.units"))


# --- categories -------------------------------------------------------------


@bp.get("/categories")
@admin_only
def categories():
    return render_template("admin/categories.html", categories=category_service.list_categories())


def _category_form(category):
    form = CategoryForm(obj=category)
    saved, error = _submit(
        form,
        lambda: category_service.save_category(
            category,
            code=form.code.data,
            name_th=form.name_th.data,
            name_en=form.name_en.data,
            unit_id=form.unit_id.data,
            active=form.active.data,
        ),
    )
    if saved:
        _flash(f"บันทึกหมวดหมู่ {saved.name_th} แล้ว", f"Category {saved.name_en} saved")
        return redirect(url_for("admin.categories"))
    return _page("admin/category_form.html", error, form=form, category=category)


@bp.route("/categories/new", methods=["GET", "POST"])
@admin_only
def category_new():
    return _category_form(None)


@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
@admin_only
def category_edit(category_id: int):
    return _category_form(category_service.get_category(category_id))


# --- service standards ------------------------------------------------------


@bp.get("/standards")
@admin_only
def standards():
    return render_template(
        "admin/standards.html",
        standards=published_standards.list_standards(),
        publications=published_standards.publications(),
    )


def _published(publication) -> None:
    if publication is None:
        _flash("ไม่มีการเปลี่ยนแปลง จึงไม่ได้ประกาศฉบับใหม่", "Nothing changed, so no new version was published")
    else:
        _flash(f"บันทึกและประกาศมาตรฐานฉบับที่ {publication.id} แล้ว", f"Saved and published as version {publication.id}")


@bp.route("/standards/new", methods=["GET", "POST"])
@admin_only
def standard_new():
    form = StandardNewForm()
    saved, error = _submit(
        form,
        lambda: published_standards.save_standard(
            current_user,
            None,
            category_id=form.category_id.data,
            kind=form.kind.data,
            ack=form.ack.data,
            first_response=form.first_response.data,
            resolve=form.resolve.data,
            note=form.note.data,
        ),
    )
    if saved:
        _published(saved[1])
        return redirect(url_for("admin.standards"))
    return _page("admin/standard_form.html", error, form=form, row=None)


@bp.route("/standards/<int:standard_id>", methods=["GET", "POST"])
@admin_only
def standard_edit(standard_id: int):
    row = published_standards.get_standard(standard_id)
    # Text, as the form's fields are: a field missing from a POST keeps this value and is
    # validated as text (an int here made Length() raise, a 500).
    form = StandardDaysForm(
        data={
            "ack": str(row.ack_working_days),
            "first_response": str(row.first_response_working_days),
            "resolve": str(row.resolve_working_days),
        }
    )
    saved, error = _submit(
        form,
        lambda: published_standards.save_standard(
            current_user,
            row,
            ack=form.ack.data,
            first_response=form.first_response.data,
            resolve=form.resolve.data,
            note=form.note.data,
        ),
    )
    if saved:
        _published(saved[1])
        return redirect(url_for("admin.standards"))
    return _page("admin/standard_form.html", error, form=form, row=row, delete_form=StandardDeleteForm(formdata=None))


@bp.post("/standards/<int:standard_id>/delete")
@admin_only
def standard_delete(standard_id: int):
    row = published_standards.get_standard(standard_id)
    form = StandardDeleteForm()
    publication, error = _submit(form, lambda: published_standards.delete_standard(current_user, row, form.note.data))
    if error:
        days = StandardDaysForm(
            formdata=None,
            data={
                "ack": row.ack_working_days,
                "first_response": row.first_response_working_days,
                "resolve": row.resolve_working_days,
            },
        )
        return _page("admin/standard_form.html", error, form=days, row=row, delete_form=form)
    _published(publication)
    return redirect(url_for("admin.standards"))


# --- canned responses -------------------------------------------------------


@bp.get("/canned")
@admin_only
def canned():
    return render_template("admin/canned.html", responses=canned_responses.list_canned())


def _canned_form(row):
    form = CannedForm(obj=row)
    saved, error = _submit(
        form,
        lambda: canned_responses.save_canned(row, title=form.title.data, body=form.body.data, active=form.active.data),
    )
    if saved:
        _flash(f'บันทึกข้อความสำเร็จรูป "{saved.title}" แล้ว', "Canned response saved")
        return redirect(url_for("admin.canned"))
    return _page("admin/canned_form.html", error, form=form, row=row)


@bp.route("/canned/new", methods=["GET", "POST"])
@admin_only
def canned_new():
    return _canned_form(None)


@bp.route("/canned/<int:canned_id>", methods=["GET", "POST"])
@admin_only
def canned_edit(canned_id: int):
    return _canned_form(canned_responses.get_canned(canned_id))


# --- calendar overrides -----------------------------------------------------


@bp.route("/calendar", methods=["GET", "POST"])
@admin_only
def calendar():
    form = CalendarForm()
    saved, error = _submit(
        form,
        lambda: calendar_overrides.add_override(
            day=form.day.data, is_holiday=form.is_holiday.data == "1", note=form.note.data
        ),
    )
    if saved:
        _flash("บันทึกวันที่กำหนดแล้ว กำหนดเวลาที่คำนวณหลังจากนี้จะใช้ปฏิทินใหม่", "Saved; deadlines computed from now on use it")
        return redirect(url_for("admin.calendar"))
    return _page(
        "admin/calendar.html",
        error,
        form=form,
        overrides=calendar_overrides.list_overrides(),
        today=calendar_overrides.bangkok_today(),
        action_form=ActionForm(formdata=None),
    )


@bp.post("/calendar/<day>/delete")
@admin_only
def calendar_delete(day: str):
    _, error = _submit(ActionForm(), lambda: calendar_overrides.delete_override(day) or True)
    if error:
        return _page(
            "admin/calendar.html",
            error,
            form=CalendarForm(formdata=None),
            overrides=calendar_overrides.list_overrides(),
            today=calendar_overrides.bangkok_today(),
            action_form=ActionForm(formdata=None),
        )
    _flash("ลบวันที่กำหนดแล้ว", "Override deleted")
    return redirect(url_for("admin.calendar"))


# --- the classifier and its retraining --------------------------------------


def _classifier_page(error: BilingualError | None = None):
    runs = retraining.list_runs()
    busy = any(r.active for r in runs)
    body, status = _page(
        "admin/classifier.html",
        error,
        model=retraining.active_model_info(),
        runs=runs,
        busy=busy,
        **retraining.learning_summary(),
    )
    response = make_response(body, status)
    if busy:  # progress without script (the CSP forbids inline JS): the browser reloads the page
        response.headers["Refresh"] = "5"
    return response


@bp.get("/classifier")
@admin_only
def classifier():
    return _classifier_page()


@bp.post("/classifier/retrain")
@admin_only
def classifier_retrain():
    run, error = _submit(ActionForm(), lambda: retraining.request_retraining(current_user))
    if error:
        return _classifier_page(error)
    _flash(f"ส่งคำขอฝึกโมเดลใหม่แล้ว (รอบที่ {run.id})", f"Retraining requested (run {run.id})")
    return redirect(url_for("admin.classifier"))


# --- PDPA: audit trail and data-subject requests ---------------------------

AUDIT_PAGE_SIZE = 100


@bp.get("/audit")
@admin_only
def audit():
    entries = duties.recent_audit(AUDIT_PAGE_SIZE, current_user)
    return render_template("admin/audit.html", entries=entries, known=duties.known_complaint_ids(current_user, entries))


def _privacy_page(error: BilingualError | None = None, subject=None):
    return _page(
        "admin/privacy.html",
        error,
        subject=subject,
        requests=duties.recent_requests(50, current_user),
        form=request.form,
    )


@bp.route("/privacy", methods=["GET", "POST"])
@roles_required("admin", "integrity")
def privacy_requests():
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
        _flash(f"ลบข้อมูลส่วนบุคคลแล้ว ({record.complaints} เรื่อง)", f"Personal data erased ({record.complaints} complaints)")
        return redirect(url_for("admin.privacy_requests"))
    return _privacy_page(subject=subject)


# --- Open311 API keys -------------------------------------------------------


def _api_keys_page(form: ApiKeyForm, error: BilingualError | None = None, new_key: str | None = None):
    response = make_response(
        _page(
            "admin/api_keys.html",
            error,
            form=form,
            keys=api_keys.list_keys(),
            new_key=new_key,
            action_form=ActionForm(formdata=None),
        )
    )
    # A new key is shown this once: not kept by the browser or any cache.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/api-keys", methods=["GET", "POST"])
@admin_only
def api_key_list():
    form = ApiKeyForm()
    issued, error = _submit(form, lambda: api_keys.issue_key(current_user, form.name.data))
    if issued:
        row, key = issued
        _flash(f"ออก API key ให้ {row.name} แล้ว", f"API key issued to {row.name}")
        return _api_keys_page(ApiKeyForm(formdata=None), new_key=key)
    return _api_keys_page(form, error)


@bp.post("/api-keys/<int:key_id>/revoke")
@admin_only
def api_key_revoke(key_id: int):
    row = api_keys.get_key(key_id)
    _, error = _submit(ActionForm(), lambda: api_keys.revoke_key(current_user, row))
    if error:
        return _api_keys_page(ApiKeyForm(formdata=None), error)
    _flash(f"เพิกถอน API key ของ {row.name} แล้ว", f"API key of {row.name} revoked")
    return redirect(url_for("admin.api_key_list"))


# --- channels -----------------------------------------------------------------


@bp.get("/channels")
@admin_only
def channels():
    return render_template("admin/channels.html", channels=channel_status.report())


# --- root causes ------------------------------------------------------------


@bp.get("/root-causes")
@admin_only
def root_causes():
    return render_template("admin/root_causes.html", causes=root_cause_list.list_root_causes())


def _root_cause_form(row):
    form = RootCauseForm(obj=row)
    saved, error = _submit(
        form,
        lambda: root_cause_list.save_root_cause(
            row, code=form.code.data, name_th=form.name_th.data, name_en=form.name_en.data, active=form.active.data
        ),
    )
    if saved:
        _flash(f'บันทึกสาเหตุ "{saved.name_th}" แล้ว', "Root cause saved")
        return redirect(url_for("admin.root_causes"))
    return _page("admin/root_cause_form.html", error, form=form, row=row)


@bp.route("/root-causes/new", methods=["GET", "POST"])
@admin_only
def root_cause_new():
    return _root_cause_form(None)


@bp.route("/root-causes/<int:root_cause_id>", methods=["GET", "POST"])
@admin_only
def root_cause_edit(root_cause_id: int):
    return _root_cause_form(root_cause_list.get_root_cause(root_cause_id))


# --- failed outbox messages (issue 17) ---------------------------------------

OUTBOX_PAGE_SIZE = 50


def _outbox_filter(name: str, allowed: tuple[str, ...], source) -> str | None:
    value = (source.get(name) or "").strip()
    if not value:
        return None
    if value not in allowed:
        raise BilingualError(
            422, "invalid-filter", f"ตัวกรอง {name} ไม่ถูกต้อง", f"Unknown {name}; use one of: {', '.join(allowed)}."
        )
    return value


def _outbox_page(
    error: BilingualError | None = None, channel: str | None = None, purpose: str | None = None, listing: bool = True
):
    page = page_number(request.args.get("page"))
    if listing:
        rows, total = outbox_admin.failed_page(current_user, channel, purpose, page, OUTBOX_PAGE_SIZE)
    else:  # a refused filter lists nothing rather than everything under a filter the admin thinks applied
        rows, total = [], 0
    pages = max((total + OUTBOX_PAGE_SIZE - 1) // OUTBOX_PAGE_SIZE, 1)
    return _page(
        "admin/outbox.html",
        error,
        rows=rows,
        total=total,
        page=min(page, pages),
        pages=pages,
        channel=channel,
        purpose=purpose,
        channels=outbox_admin.CHANNELS,
        purposes=outbox_admin.PURPOSES,
        action_form=ActionForm(formdata=None),
    )


@bp.get("/outbox")
@admin_only
def outbox():
    try:
        channel = _outbox_filter("channel", outbox_admin.CHANNELS, request.args)
        purpose = _outbox_filter("purpose", outbox_admin.PURPOSES, request.args)
    except BilingualError as exc:
        return _outbox_page(exc, listing=False)
    return _outbox_page(channel=channel, purpose=purpose)


@bp.post("/outbox/resend")
@admin_only
def outbox_resend():
    """One failed message (`message_key`, its random key) or every failed one of a channel (`channel`),
    back to pending. Row ids are not taken: they would let an admin probe for hidden messages (issue 16)."""

    def resend() -> int:
        raw_key = request.form.get("message_key", "").strip()
        if raw_key:
            message_key = parse_key(raw_key)
            count = 0 if message_key is None else outbox_admin.resend(current_user, message_key=message_key)
            if count == 0:  # not failed, not there, or of a complaint this admin may not know of
                raise BilingualError(404, "not-found", "ไม่พบข้อความที่ส่งไม่สำเร็จนี้", "No such failed message.")
            return count
        channel = _outbox_filter("channel", outbox_admin.CHANNELS, request.form)
        if channel is None:
            raise BilingualError(422, "invalid-input", "กรุณาเลือกข้อความหรือช่องทาง", "Choose a message or a channel.")
        return outbox_admin.resend(current_user, channel=channel)

    # A 404 (unknown, not failed, or hidden by the tip-off wall) passes through _submit to the error page.
    count, error = _submit(ActionForm(), resend)
    if error:
        return _outbox_page(error)
    _flash(f"ส่งใหม่ {count} ข้อความ ระบบจะส่งออกภายในไม่กี่วินาที", f"{count} message(s) queued to be sent again")
    return redirect(url_for("admin.outbox"))
