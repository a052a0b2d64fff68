"""Admin forms: CSRF and field parsing only; the rules live in services/catalogue/.

Choices are not validated here (validate_choice=False): the catalogue service
checks every id and code and answers in Thai and English.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from complaints.domain.errors import FieldError
from complaints.i18n import KIND_LABELS
from complaints.models import ROLES
from complaints.services.catalogue import categories, units
from complaints.services.staff import user_admin

NO_UNIT = SelectChoice("", "— ไม่ระบุ / none —")


class AdminForm(FlaskForm):
    def field_errors(self) -> list[FieldError]:
        return [
            FieldError(name, "ข้อมูลไม่ถูกต้องหรือยังไม่ได้กรอก", "; ".join(map(str, messages)))
            for name, messages in self.errors.items()
        ]


def unit_choices() -> list[SelectChoice]:
    return [NO_UNIT] + [SelectChoice(str(unit_id), label) for unit_id, label in units.unit_options()]


def role_choices() -> list[SelectChoice]:
    return [SelectChoice(role, " / ".join(user_admin.ROLE_LABELS.get(role, (role, role)))) for role in ROLES]


class ActionForm(AdminForm):
    """A button that posts: unlock, delete."""


class UserCreateForm(AdminForm):
    username = StringField(validators=[Length(max=80)])
    display_name = StringField(validators=[Length(max=400)])
    role = SelectField(choices=role_choices, validate_choice=False)
    unit_id = SelectField(choices=unit_choices, validate_choice=False)
    email = StringField(validators=[Optional(), Length(max=254)])
    password = PasswordField(validators=[Length(max=400)])


class UserEditForm(AdminForm):
    display_name = StringField(validators=[Length(max=400)])
    role = SelectField(choices=role_choices, validate_choice=False)
    unit_id = SelectField(choices=unit_choices, validate_choice=False)
    email = StringField(validators=[Optional(), Length(max=254)])
    active = BooleanField()


class PasswordForm(AdminForm):
    """Leave the password empty to have a random one generated."""

    password = PasswordField(validators=[Optional(), Length(max=400)])


class UnitForm(AdminForm):
    code = StringField(validators=[Length(max=80)])
    name_th = StringField(validators=[Length(max=400)])
    name_en = StringField(validators=[Length(max=400)])
    parent_id = SelectField(choices=unit_choices, validate_choice=False)
    assessed_body = BooleanField(default=False)


class CategoryForm(AdminForm):
    code = StringField(validators=[Length(max=80)])
    name_th = StringField(validators=[Length(max=400)])
    name_en = StringField(validators=[Length(max=400)])
    unit_id = SelectField(choices=unit_choices, validate_choice=False)
    active = BooleanField(default=True)


def category_choices() -> list[SelectChoice]:
    return [SelectChoice("", "ทุกหมวด / any category")] + [
        SelectChoice(str(category_id), label) for category_id, label in categories.category_options()
    ]


KIND_CHOICES = [SelectChoice("", "ทุกประเภท / any kind")] + [
    SelectChoice(kind, f"{th} / {en}") for kind, (th, en) in KIND_LABELS.items()
]


class StandardDaysForm(AdminForm):
    """The days of a standard and a note for the publication."""

    # Text, not IntegerField: the service answers a bad number in Thai and English.
    ack = StringField(validators=[Length(max=10)])
    first_response = StringField(validators=[Length(max=10)])
    resolve = StringField(validators=[Length(max=10)])
    note = StringField(validators=[Length(max=1000)])


class StandardNewForm(StandardDaysForm):
    """A new standard also names its category and/or kind (fixed afterwards)."""

    category_id = SelectField(choices=category_choices, validate_choice=False)
    kind = SelectField(choices=KIND_CHOICES, validate_choice=False)


class StandardDeleteForm(AdminForm):
    note = StringField(validators=[Length(max=1000)])


class CannedForm(AdminForm):
    title = StringField(validators=[Length(max=400)])
    body = TextAreaField(validators=[Length(max=10000)])
    active = BooleanField(default=True)


class CalendarForm(AdminForm):
    day = StringField(validators=[Length(max=20)])
    is_holiday = SelectField(
        choices=[
            SelectChoice("1", "วันหยุดราชการ (ครม. ประกาศ) / Holiday"),
            SelectChoice("0", "วันทำการ (ครม. ประกาศให้ทำงาน) / Working day"),
        ],
        default="1",
        validate_choice=False,
    )
    note = StringField(validators=[Length(max=400)])


class ApiKeyForm(AdminForm):
    """The Open311 client app a new API key is issued to."""

    name = StringField(validators=[Length(max=400)])


class RootCauseForm(AdminForm):
    code = StringField(validators=[Length(max=100)])
    name_th = StringField(validators=[Length(max=400)])
    name_en = StringField(validators=[Length(max=400)])
    active = BooleanField(default=True)
