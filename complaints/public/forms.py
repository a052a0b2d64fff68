"""The Thai complaint form (Flask-WTF: CSRF, field checks the browser shows at once).

Deeper rules (text cleaning, places, photos) are the intake service's; this form
only gathers what the citizen typed.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, MultipleFileField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from complaints.i18n import KIND_LABELS


class ComplaintForm(FlaskForm):
    submission_token = HiddenField()
    kind = SelectField(
        choices=[SelectChoice(k, f"{th} / {en}") for k, (th, en) in KIND_LABELS.items()], default="complaint"
    )
    category = SelectField(choices=[], validate_choice=True, validators=[Optional()])
    title = StringField(validators=[Optional(), Length(max=200)])
    description = TextAreaField(validators=[DataRequired(), Length(max=10000)])
    province = SelectField(choices=[], validate_choice=False, validators=[Optional()])
    district = SelectField(choices=[], validate_choice=False, validators=[Optional()])
    subdistrict = SelectField(choices=[], validate_choice=False, validators=[Optional()])
    address = StringField(validators=[Optional(), Length(max=500)])
    lat = StringField(validators=[Optional(), Length(max=30)])
    lon = StringField(validators=[Optional(), Length(max=30)])
    photos = MultipleFileField()
    anonymous = BooleanField()
    name = StringField(validators=[Optional(), Length(max=200)])
    phone = StringField(validators=[Optional(), Length(max=32)])
    email = StringField(validators=[Optional(), Length(max=254)])
    privacy_accepted = BooleanField(validators=[DataRequired()])
