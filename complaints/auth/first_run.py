"""The first-run page (/setup): the same as `flask setup`, for whoever opens the site first.

It exists only while no admin account does: afterwards it answers 404, as any
unknown page. The staff sign-in page links to it while it exists.
"""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import EqualTo, Length

from complaints.auth.views import bp
from complaints.domain.errors import BilingualError, FieldError, invalid
from complaints.extensions import limiter
from complaints.services.datasets import agency_setup
from complaints.services.staff import accounts, staff_sessions
from complaints.services.unit_of_work import unit_of_work

OWN_LISTS = "own"


class FirstRunForm(FlaskForm):
    setup_code = PasswordField(validators=[Length(max=200)])
    agency_th = StringField(validators=[Length(max=200)])
    agency_en = StringField(validators=[Length(max=200)])
    username = StringField(validators=[Length(max=80)])
    display_name = StringField(validators=[Length(max=200)])
    password = PasswordField(validators=[Length(max=200)])
    password_again = PasswordField(validators=[EqualTo("password", message="The passwords differ.")])
    preset = SelectField(validate_choice=True)
    units_csv = FileField()
    categories_csv = FileField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.preset.choices = [
            (name, f"{text['name_th']} / {text['name_en']}") for name, text in agency_setup.presets().items()
        ]
        self.preset.choices.append((OWN_LISTS, "รายการของหน่วยงานเอง (ไฟล์ CSV) / Own lists (CSV files)"))

    def field_errors(self) -> list[FieldError]:
        errors = []
        for name, messages in self.errors.items():
            if name == "password_again":
                errors.append(FieldError(name, "รหัสผ่านทั้งสองช่องไม่ตรงกัน", "The two passwords differ."))
            else:
                errors.append(FieldError(name, "ข้อมูลไม่ถูกต้อง", "; ".join(map(str, messages))))
        return errors


def _upload(field) -> bytes | None:
    if not field.data or not getattr(field.data, "filename", ""):
        return None
    return field.data.read(agency_setup.MAX_CSV_BYTES + 1)  # one byte over is enough to refuse


def _lists(form: FirstRunForm) -> agency_setup.ReferenceLists:
    if form.preset.data != OWN_LISTS:
        return agency_setup.load_preset(form.preset.data)
    units, categories = _upload(form.units_csv), _upload(form.categories_csv)
    if units is None or categories is None:
        raise BilingualError(
            422,
            "files-required",
            "กรุณาแนบไฟล์หน่วยงานและไฟล์หมวดหมู่ (CSV)",
            "Attach both the units file and the categories file (CSV).",
        )
    return agency_setup.read_lists(units, categories)


@bp.route("/setup", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def first_run():
    if not agency_setup.needs_setup():
        abort(404)
    agency_setup.setup_code()  # made (and its place logged) when the page is first asked for
    form = FirstRunForm()
    error = None
    if form.is_submitted():
        if not form.validate():
            error = invalid(form.field_errors())
        else:
            try:
                with unit_of_work():
                    agency_setup.check_setup_code(form.setup_code.data)
                    result = agency_setup.set_up(
                        agency_th=form.agency_th.data,
                        agency_en=form.agency_en.data,
                        username=form.username.data,
                        display_name=form.display_name.data,
                        password=form.password.data,
                        lists=_lists(form),
                    )
            except BilingualError as exc:
                error = exc
            else:
                admin = accounts.user_named(result.admin_username)
                if admin is None:  # set_up made it in the unit of work just committed
                    raise RuntimeError(f"the new admin account {result.admin_username!r} is missing")
                staff_sessions.sign_in(admin)
                return redirect(url_for("admin.index"))
    status = error.status if error else 200
    return render_template(
        "auth/setup.html",
        form=form,
        error=error,
        presets=agency_setup.presets(),
        unit_columns=agency_setup.UNIT_COLUMNS,
        category_columns=agency_setup.CATEGORY_COLUMNS,
    ), status
