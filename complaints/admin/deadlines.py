"""Admin pages for what deadlines are computed from: the published service standards and
the calendar's Cabinet-announced holidays and working days."""

from __future__ import annotations

from flask import render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.wrappers import Response

from complaints.admin.forms import ActionForm, CalendarForm, StandardDaysForm, StandardDeleteForm, StandardNewForm
from complaints.admin.views import admin_only, bp
from complaints.domain.errors import BilingualError
from complaints.models import StandardsPublication
from complaints.services.catalogue import calendar_overrides, published_standards
from complaints.web.form_pages import flash_redirect, form_page, render_page

# --- service standards ------------------------------------------------------


@bp.get("/standards")
@admin_only
def standards() -> str:
    return render_template(
        "admin/standards.html",
        standards=published_standards.list_standards(),
        publications=published_standards.publications(),
    )


def _published(publication: StandardsPublication | None) -> Response:
    if publication is None:
        return flash_redirect(
            url_for("admin.standards"),
            "ไม่มีการเปลี่ยนแปลง จึงไม่ได้ประกาศฉบับใหม่",
            "Nothing changed, so no new version was published",
        )
    return flash_redirect(
        url_for("admin.standards"),
        f"บันทึกและประกาศมาตรฐานฉบับที่ {publication.id} แล้ว",
        f"Saved and published as version {publication.id}",
    )


@bp.route("/standards/new", methods=["GET", "POST"])
@admin_only
def standard_new() -> ResponseReturnValue:
    form = StandardNewForm()
    return form_page(
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
        saved=lambda saved: _published(saved[1]),
        page=lambda error: render_page("admin/standard_form.html", error, form=form, row=None),
    )


@bp.route("/standards/<int:standard_id>", methods=["GET", "POST"])
@admin_only
def standard_edit(standard_id: int) -> ResponseReturnValue:
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
    return form_page(
        form,
        lambda: published_standards.save_standard(
            current_user,
            row,
            ack=form.ack.data,
            first_response=form.first_response.data,
            resolve=form.resolve.data,
            note=form.note.data,
        ),
        saved=lambda saved: _published(saved[1]),
        page=lambda error: render_page(
            "admin/standard_form.html", error, form=form, row=row, delete_form=StandardDeleteForm(formdata=None)
        ),
    )


@bp.post("/standards/<int:standard_id>/delete")
@admin_only
def standard_delete(standard_id: int) -> ResponseReturnValue:
    row = published_standards.get_standard(standard_id)
    form = StandardDeleteForm()

    def page(error: BilingualError | None) -> tuple[str, int]:
        days = StandardDaysForm(
            formdata=None,
            data={
                "ack": row.ack_working_days,
                "first_response": row.first_response_working_days,
                "resolve": row.resolve_working_days,
            },
        )
        return render_page("admin/standard_form.html", error, form=days, row=row, delete_form=form)

    return form_page(
        form,
        lambda: published_standards.delete_standard(current_user, row, form.note.data),
        saved=_published,
        page=page,
    )


# --- calendar overrides -----------------------------------------------------


def _calendar_page(form: CalendarForm, error: BilingualError | None = None) -> tuple[str, int]:
    return render_page(
        "admin/calendar.html",
        error,
        form=form,
        overrides=calendar_overrides.list_overrides(),
        today=calendar_overrides.bangkok_today(),
        action_form=ActionForm(formdata=None),
    )


@bp.route("/calendar", methods=["GET", "POST"])
@admin_only
def calendar() -> ResponseReturnValue:
    form = CalendarForm()
    return form_page(
        form,
        lambda: calendar_overrides.add_override(
            day=form.day.data, is_holiday=form.is_holiday.data == "1", note=form.note.data
        ),
        saved=lambda _: flash_redirect(
            url_for("admin.calendar"),
            "บันทึกวันที่กำหนดแล้ว กำหนดเวลาที่คำนวณหลังจากนี้จะใช้ปฏิทินใหม่",
            "Saved; deadlines computed from now on use it",
        ),
        page=lambda error: _calendar_page(form, error),
    )


@bp.post("/calendar/<day>/delete")
@admin_only
def calendar_delete(day: str) -> ResponseReturnValue:
    return form_page(
        ActionForm(),
        lambda: calendar_overrides.delete_override(day),
        saved=lambda _: flash_redirect(url_for("admin.calendar"), "ลบวันที่กำหนดแล้ว", "Override deleted"),
        page=lambda error: _calendar_page(CalendarForm(formdata=None), error),
    )
