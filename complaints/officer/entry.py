"""Phone, counter and letter: an officer records a complaint on a citizen's behalf."""

from __future__ import annotations

import hashlib

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from complaints.domain.errors import FieldError
from complaints.i18n import CHANNEL_LABELS, KIND_LABELS
from complaints.models import Channel, User
from complaints.schemas import parse_submission
from complaints.services.casework.intake import submit_complaint
from complaints.services.catalogue import reference_data

ENTRY_CHANNELS = (Channel.PHONE, Channel.COUNTER, Channel.LETTER)


class OfficerEntryForm(FlaskForm):
    channel = SelectField(choices=[SelectChoice(c.value, " / ".join(CHANNEL_LABELS[c])) for c in ENTRY_CHANNELS])
    document_number = StringField(validators=[Optional(), Length(max=60)])
    kind = SelectField(choices=[SelectChoice(k, f"{th} / {en}") for k, (th, en) in KIND_LABELS.items()])
    category = StringField(validators=[Optional(), Length(max=40)])
    title = StringField(validators=[Optional(), Length(max=200)])
    description = TextAreaField(validators=[DataRequired(), Length(max=10000)])
    province = StringField(validators=[Optional(), Length(max=100)])
    district = StringField(validators=[Optional(), Length(max=100)])
    subdistrict = StringField(validators=[Optional(), Length(max=100)])
    address = StringField(validators=[Optional(), Length(max=500)])
    anonymous = BooleanField()
    name = StringField(validators=[Optional(), Length(max=200)])
    phone = StringField(validators=[Optional(), Length(max=32)])
    email = StringField(validators=[Optional(), Length(max=254)])

    def field_errors(self) -> list[FieldError]:
        return [
            FieldError(name, "ข้อมูลไม่ถูกต้องหรือยังไม่ได้กรอก", "; ".join(map(str, messages)))
            for name, messages in self.errors.items()
        ]

    def categories(self) -> list[tuple[str, str]]:
        return [(c.code, c.name_th) for c in reference_data.active_categories().values()]


def submit_entry(form: OfficerEntryForm, officer: User) -> int:
    data = {
        "description": form.description.data,
        "title": form.title.data or None,
        "kind": form.kind.data,
        "category": form.category.data or None,
        "anonymous": bool(form.anonymous.data),
        "location": {
            "province": form.province.data or None,
            "district": form.district.data or None,
            "subdistrict": form.subdistrict.data or None,
            "address": form.address.data or None,
        },
    }
    if not data["anonymous"]:
        data["contact"] = {
            "name": form.name.data or None,
            "phone": form.phone.data or None,
            "email": form.email.data or None,
        }
    submission = parse_submission(data)
    document_number = (form.document_number.data or "").strip() or None
    result = submit_complaint(
        submission,
        channel=Channel(form.channel.data),
        document_number=document_number,
        recorded_by=officer,
        request_hash=hashlib.sha256(submission.model_dump_json().encode()).hexdigest(),
    )
    return result.complaint_id
