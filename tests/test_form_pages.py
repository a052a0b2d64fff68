"""The shape of a form page (complaints.web.form_pages), apart from any one page."""

from __future__ import annotations

from datetime import date

import pytest
from flask import get_flashed_messages, request

from complaints.domain.errors import BilingualError, FieldError
from complaints.extensions import db
from complaints.models import CalendarOverride
from complaints.web.form_pages import flash_redirect, form_page

DAY = date(2026, 5, 4)


class Form:
    """What form_page asks of a form, without WTForms or CSRF."""

    def __init__(self, valid: bool = True):
        self.valid = valid

    def is_submitted(self) -> bool:
        return request.method == "POST"

    def validate(self) -> bool:
        return self.valid

    def field_errors(self) -> list[FieldError]:
        return [FieldError("day", "ไม่ถูกต้อง", "Not a day.")]


def _answer(app, method: str, form: Form, save):
    """What form_page answered, as ("saved", result) or ("page", error)."""
    with app.test_request_context("/", method=method):
        return form_page(form, save, saved=lambda result: ("saved", result), page=lambda error: ("page", error))


def _add_override():
    db.session.add(CalendarOverride(day=DAY, is_holiday=True, note="test"))


def _stored(app) -> bool:
    with app.app_context():
        return db.session.get(CalendarOverride, DAY) is not None


def test_a_get_renders_the_page_and_saves_nothing(app):
    calls = []
    assert _answer(app, "GET", Form(), lambda: calls.append(1)) == ("page", None)
    assert calls == []


def test_an_invalid_post_is_a_422_naming_the_fields_and_saves_nothing(app):
    calls = []
    kind, error = _answer(app, "POST", Form(valid=False), lambda: calls.append(1))
    assert kind == "page" and calls == []
    assert error.status == 422 and [e.field for e in error.errors] == ["day"]


def test_a_saved_post_is_committed_and_answered_even_when_the_service_returns_nothing(app):
    def save() -> None:
        _add_override()

    assert _answer(app, "POST", Form(), save) == ("saved", None)
    assert _stored(app)


@pytest.mark.parametrize("status", [403, 409, 422])
def test_a_refused_post_rolls_back_and_renders_the_page_with_the_error(app, status):
    refusal = BilingualError(status, "refused", "ไม่ได้", "Refused.")

    def save() -> None:
        _add_override()
        db.session.flush()
        raise refusal

    assert _answer(app, "POST", Form(), save) == ("page", refusal)
    assert not _stored(app)


def test_any_other_error_goes_on_to_the_error_handlers(app):
    def save() -> None:
        _add_override()
        raise BilingualError(404, "not-found", "ไม่พบ", "Not found.")

    with pytest.raises(BilingualError) as raised:
        _answer(app, "POST", Form(), save)
    assert raised.value.status == 404
    assert not _stored(app)


def test_flash_redirect_says_it_in_both_languages_on_the_next_page(app):
    with app.test_request_context("/"):
        response = flash_redirect("/admin/units", "บันทึกแล้ว", "Saved")
        assert response.status_code == 302 and response.location == "/admin/units"
        assert get_flashed_messages() == ["บันทึกแล้ว / Saved"]
