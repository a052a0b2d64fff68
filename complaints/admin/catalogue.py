"""Admin pages for the reference lists: units, categories, canned responses, root causes."""

from __future__ import annotations

from flask import render_template, url_for
from flask.typing import ResponseReturnValue

from complaints.admin.forms import ActionForm, CannedForm, CategoryForm, RootCauseForm, UnitForm
from complaints.admin.views import admin_only, bp
from complaints.domain.errors import BilingualError
from complaints.models import CannedResponse, Category, RootCause, Unit
from complaints.services.catalogue import canned_responses
from complaints.services.catalogue import categories as category_service
from complaints.services.catalogue import root_causes as root_cause_list
from complaints.services.catalogue import units as unit_service
from complaints.web.form_pages import flash_redirect, form_page, render_page

# --- units ------------------------------------------------------------------


@bp.get("/units")
@admin_only
def units() -> str:
    return render_template("admin/units.html", tree=unit_service.unit_tree())


def _unit_page(unit: Unit | None, form: UnitForm, error: BilingualError | None = None) -> tuple[str, int]:
    usage = unit_service.unit_usage(unit) if unit else None
    return render_page(
        "admin/unit_form.html", error, form=form, unit=unit, usage=usage, action_form=ActionForm(formdata=None)
    )


def _unit_form(unit: Unit | None) -> ResponseReturnValue:
    form = UnitForm(obj=unit)
    return form_page(
        form,
        lambda: unit_service.save_unit(
            unit,
            code=form.code.data,
            name_th=form.name_th.data,
            name_en=form.name_en.data,
            parent_id=form.parent_id.data,
            assessed_body=bool(form.assessed_body.data),
        ),
        saved=lambda saved: flash_redirect(
            url_for("admin.units"), f"บันทึกหน่วยงาน {saved.name_th} แล้ว", f"Unit {saved.name_en} saved"
        ),
        page=lambda error: _unit_page(unit, form, error),
    )


@bp.route("/units/new", methods=["GET", "POST"])
@admin_only
def unit_new() -> ResponseReturnValue:
    return _unit_form(None)


@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
@admin_only
def unit_edit(unit_id: int) -> ResponseReturnValue:
    return _unit_form(unit_service.get_unit(unit_id))


@bp.post("/units/<int:unit_id>/delete")
@admin_only
def unit_delete(unit_id: int) -> ResponseReturnValue:
    unit = unit_service.get_unit(unit_id)
    name_th, name_en = unit.name_th, unit.name_en  # read before the row is gone
    return form_page(
        ActionForm(),
        lambda: unit_service.delete_unit(unit),
        saved=lambda _: flash_redirect(url_for("admin.units"), f"ลบหน่วยงาน {name_th} แล้ว", f"Unit {name_en} deleted"),
        page=lambda error: _unit_page(unit, UnitForm(obj=unit, formdata=None), error),
    )


# --- categories -------------------------------------------------------------


@bp.get("/categories")
@admin_only
def categories() -> str:
    return render_template("admin/categories.html", categories=category_service.list_categories())


def _category_form(category: Category | None) -> ResponseReturnValue:
    form = CategoryForm(obj=category)
    return form_page(
        form,
        lambda: category_service.save_category(
            category,
            code=form.code.data,
            name_th=form.name_th.data,
            name_en=form.name_en.data,
            unit_id=form.unit_id.data,
            active=form.active.data,
        ),
        saved=lambda saved: flash_redirect(
            url_for("admin.categories"), f"บันทึกหมวดหมู่ {saved.name_th} แล้ว", f"Category {saved.name_en} saved"
        ),
        page=lambda error: render_page("admin/category_form.html", error, form=form, category=category),
    )


@bp.route("/categories/new", methods=["GET", "POST"])
@admin_only
def category_new() -> ResponseReturnValue:
    return _category_form(None)


@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
@admin_only
def category_edit(category_id: int) -> ResponseReturnValue:
    return _category_form(category_service.get_category(category_id))


# --- canned responses -------------------------------------------------------


@bp.get("/canned")
@admin_only
def canned() -> str:
    return render_template("admin/canned.html", responses=canned_responses.list_canned())


def _canned_form(row: CannedResponse | None) -> ResponseReturnValue:
    form = CannedForm(obj=row)
    return form_page(
        form,
        lambda: canned_responses.save_canned(row, title=form.title.data, body=form.body.data, active=form.active.data),
        saved=lambda saved: flash_redirect(
            url_for("admin.canned"), f'บันทึกข้อความสำเร็จรูป "{saved.title}" แล้ว', "Canned response saved"
        ),
        page=lambda error: render_page("admin/canned_form.html", error, form=form, row=row),
    )


@bp.route("/canned/new", methods=["GET", "POST"])
@admin_only
def canned_new() -> ResponseReturnValue:
    return _canned_form(None)


@bp.route("/canned/<int:canned_id>", methods=["GET", "POST"])
@admin_only
def canned_edit(canned_id: int) -> ResponseReturnValue:
    return _canned_form(canned_responses.get_canned(canned_id))


# --- root causes ------------------------------------------------------------


@bp.get("/root-causes")
@admin_only
def root_causes() -> str:
    return render_template("admin/root_causes.html", causes=root_cause_list.list_root_causes())


def _root_cause_form(row: RootCause | None) -> ResponseReturnValue:
    form = RootCauseForm(obj=row)
    return form_page(
        form,
        lambda: root_cause_list.save_root_cause(
            row, code=form.code.data, name_th=form.name_th.data, name_en=form.name_en.data, active=form.active.data
        ),
        saved=lambda saved: flash_redirect(
            url_for("admin.root_causes"), f'บันทึกสาเหตุ "{saved.name_th}" แล้ว', "Root cause saved"
        ),
        page=lambda error: render_page("admin/root_cause_form.html", error, form=form, row=row),
    )


@bp.route("/root-causes/new", methods=["GET", "POST"])
@admin_only
def root_cause_new() -> ResponseReturnValue:
    return _root_cause_form(None)


@bp.route("/root-causes/<int:root_cause_id>", methods=["GET", "POST"])
@admin_only
def root_cause_edit(root_cause_id: int) -> ResponseReturnValue:
    return _root_cause_form(root_cause_list.get_root_cause(root_cause_id))
