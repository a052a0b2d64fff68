"""The shape of a page with a form, stated once.

    form = CategoryForm(obj=category)
    return form_page(
        form,
        lambda: categories.save_category(category, code=form.code.data, ...),
        saved=lambda row: flash_redirect(url_for("admin.categories"), f"บันทึก {row.name_th} แล้ว", "Saved"),
        page=lambda error: render_page("admin/category_form.html", error, form=form, category=category),
    )

A GET renders the page. A POST is validated, then saved by its one service call in one unit
of work (services/unit_of_work.py), and answered by `saved`, given what the service
returned: mostly a bilingual flash and a redirect. A refused POST (a field's error, 422, or
the service's BilingualError 403, 409 or 422) renders the page again with the bilingual
error, answered with the error's status; any other error goes on to the app's handlers.
A button that only posts (delete, unlock) is the same shape: its `page` is the page it
sits on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from flask import flash, redirect, render_template
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from complaints.domain.errors import BilingualError, FieldError, invalid
from complaints.services.unit_of_work import unit_of_work

T = TypeVar("T")

# What a refused change is shown as, on the form's page; any other status is an error page.
REFUSED = frozenset({403, 409, 422})


class CheckedForm(Protocol):
    """A WTForms form that reports its errors in Thai and English."""

    def is_submitted(self) -> bool: ...

    def validate(self) -> bool: ...

    def field_errors(self) -> list[FieldError]: ...


def form_page(
    form: CheckedForm,
    save: Callable[[], T],
    *,
    saved: Callable[[T], ResponseReturnValue],
    page: Callable[[BilingualError | None], ResponseReturnValue],
) -> ResponseReturnValue:
    """`page(None)` on GET; `saved(result)` once `save()` is committed; `page(error)` if refused."""
    if not form.is_submitted():
        return page(None)
    if not form.validate():
        return page(invalid(form.field_errors()))
    try:
        with unit_of_work():
            result = save()
    except BilingualError as exc:
        if exc.status not in REFUSED:
            raise
        return page(exc)
    return saved(result)


def render_page(template: str, error: BilingualError | None = None, **context: object) -> tuple[str, int]:
    """The template with the error shown (if any), answered with the error's status or 200."""
    return render_template(template, error=error, **context), (error.status if error else 200)


def flash_bilingual(th: str, en: str) -> None:
    flash(f"{th} / {en}")


def flash_redirect(url: str, th: str, en: str) -> Response:
    """The usual answer to a saved form: say so in both languages on the next page."""
    flash_bilingual(th, en)
    return redirect(url)
