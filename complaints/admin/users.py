"""Admin pages for staff accounts, and the second admin's decision on a guarded change."""

from __future__ import annotations

from flask import make_response, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.wrappers import Response

from complaints.admin.forms import ActionForm, PasswordForm, UserCreateForm, UserEditForm
from complaints.admin.views import admin_only, bp
from complaints.domain.errors import BilingualError
from complaints.models import IntegrityGrant, User, utcnow
from complaints.services.staff import integrity_grants, user_admin
from complaints.services.unit_of_work import unit_of_work
from complaints.web.form_pages import flash_bilingual, flash_redirect, form_page, render_page


def _users_page(
    error: BilingualError | None = None, new_password: str | None = None, granted: IntegrityGrant | None = None
) -> Response:
    with unit_of_work():  # proposals past their time are marked expired on the way
        grants = integrity_grants.pending()
    response = make_response(
        render_page(
            "admin/users.html",
            error,
            users=user_admin.list_users(),
            now=utcnow(),
            grants=grants,
            grant_actions=integrity_grants.ACTIONS,
            action_form=ActionForm(formdata=None),
            new_password=new_password,
            granted=granted,
        )
    )
    if new_password:
        response.headers["Cache-Control"] = "no-store"  # shown once
    return response


def _user_page(
    user: User, error: BilingualError | None = None, form: UserEditForm | None = None, new_password: str | None = None
) -> Response:
    response = make_response(
        render_page(
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


def _proposed(grant: IntegrityGrant) -> Response:
    """The answer to a change that needs a second admin: nothing changed yet."""
    th, en = integrity_grants.ACTIONS[grant.action]
    return flash_redirect(
        url_for("admin.users"),
        f"ยังไม่ได้ดำเนินการ: คำขอ{th} ({grant.username}) ต้องให้ผู้ดูแลระบบคนอื่นอนุมัติ (คำขอที่ {grant.id})",
        f"Not done yet: a different admin must approve the proposal to {en} ({grant.username}), #{grant.id}",
    )


@bp.get("/users")
@admin_only
def users() -> Response:
    return _users_page()


@bp.route("/users/new", methods=["GET", "POST"])
@admin_only
def user_new() -> ResponseReturnValue:
    form = UserCreateForm()

    def save() -> User | IntegrityGrant:
        if form.role.data in integrity_grants.GUARDED_ROLES:  # a grant: proposed, not done
            return user_admin.propose_guarded_user(
                current_user,
                username=form.username.data,
                display_name=form.display_name.data,
                role=form.role.data,
                unit_id=form.unit_id.data,
                email=form.email.data,
            )
        return user_admin.create_user(
            username=form.username.data,
            display_name=form.display_name.data,
            role=form.role.data,
            password=form.password.data,
            unit_id=form.unit_id.data,
            email=form.email.data,
        )

    def saved(user: User | IntegrityGrant) -> Response:
        if isinstance(user, IntegrityGrant):
            return _proposed(user)
        return flash_redirect(
            url_for("admin.user_edit", user_id=user.id),
            f"สร้างบัญชี {user.username} แล้ว",
            f"Account {user.username} created",
        )

    return form_page(form, save, saved=saved, page=lambda error: render_page("admin/user_new.html", error, form=form))


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_only
def user_edit(user_id: int) -> ResponseReturnValue:
    user = user_admin.get_user(user_id)
    form = UserEditForm(obj=user)

    def saved(result: User | IntegrityGrant) -> Response:
        if isinstance(result, IntegrityGrant):
            return _proposed(result)
        return flash_redirect(
            url_for("admin.user_edit", user_id=user.id),
            f"บันทึกบัญชี {user.username} แล้ว",
            f"Account {user.username} saved",
        )

    return form_page(
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
        saved=saved,
        page=lambda error: _user_page(user, error, form),
    )


@bp.post("/users/<int:user_id>/password")
@admin_only
def user_password(user_id: int) -> ResponseReturnValue:
    user = user_admin.get_user(user_id)
    form = PasswordForm()

    def saved(password: str | IntegrityGrant) -> Response:
        if isinstance(password, IntegrityGrant):
            return _proposed(password)
        flash_bilingual(f"ตั้งรหัสผ่านใหม่ของ {user.username} แล้ว", f"New password set for {user.username}")
        # A password the admin typed is not echoed back; a generated one is shown this once.
        return _user_page(user, new_password=None if form.password.data else password)

    return form_page(
        form,
        lambda: user_admin.reset_password(user, form.password.data or None, current_user),
        saved=saved,
        page=lambda error: _user_page(user, error),
    )


@bp.post("/users/<int:user_id>/unlock")
@admin_only
def user_unlock(user_id: int) -> ResponseReturnValue:
    user = user_admin.get_user(user_id)
    return form_page(
        ActionForm(),
        lambda: user_admin.unlock_user(user),
        saved=lambda _: flash_redirect(
            url_for("admin.user_edit", user_id=user.id),
            f"ปลดล็อกบัญชี {user.username} แล้ว",
            f"Account {user.username} unlocked",
        ),
        page=lambda error: _user_page(user, error),
    )


@bp.post("/grants/<int:grant_id>/approve")
@admin_only
def grant_approve(grant_id: int) -> ResponseReturnValue:
    """A second admin approves an integrity grant; a generated password is shown to them once."""

    def saved(result: tuple[IntegrityGrant, str | None]) -> Response:
        grant, password = result
        th, en = integrity_grants.ACTIONS[grant.action]
        flash_bilingual(f"อนุมัติแล้ว: {th} ({grant.username})", f"Approved: {en} ({grant.username})")
        if password:
            return _users_page(new_password=password, granted=grant)
        return redirect(url_for("admin.users"))

    return form_page(
        ActionForm(), lambda: integrity_grants.approve(current_user, grant_id), saved=saved, page=_users_page
    )


@bp.post("/grants/<int:grant_id>/reject")
@admin_only
def grant_reject(grant_id: int) -> ResponseReturnValue:
    return form_page(
        ActionForm(),
        lambda: integrity_grants.reject(current_user, grant_id),
        saved=lambda grant: flash_redirect(
            url_for("admin.users"), f"ปฏิเสธคำขอที่ {grant.id} แล้ว", f"Proposal #{grant.id} rejected"
        ),
        page=_users_page,
    )
