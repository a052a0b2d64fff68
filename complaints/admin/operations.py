"""Admin pages for running the system: the classifier, Open311 API keys, channels, and
failed outbox messages."""

from __future__ import annotations

from flask import make_response, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from complaints.admin.forms import ActionForm, ApiKeyForm
from complaints.admin.views import admin_only, bp
from complaints.domain.errors import BilingualError
from complaints.ids import page_number, parse_key
from complaints.models import ApiKey
from complaints.services.channels import api_keys
from complaints.services.classifier import retraining
from complaints.services.messaging import channel_status, outbox_admin
from complaints.web.form_pages import flash_bilingual, flash_redirect, form_page, render_page

# --- the classifier and its retraining --------------------------------------


def _classifier_page(error: BilingualError | None = None) -> Response:
    runs = retraining.list_runs()
    busy = any(r.active for r in runs)
    response = make_response(
        render_page(
            "admin/classifier.html",
            error,
            model=retraining.active_model_info(),
            runs=runs,
            busy=busy,
            **retraining.learning_summary(),
        )
    )
    if busy:  # progress without script (the CSP forbids inline JS): the browser reloads the page
        response.headers["Refresh"] = "5"
    return response


@bp.get("/classifier")
@admin_only
def classifier() -> Response:
    return _classifier_page()


@bp.post("/classifier/retrain")
@admin_only
def classifier_retrain() -> ResponseReturnValue:
    return form_page(
        ActionForm(),
        lambda: retraining.request_retraining(current_user),
        saved=lambda run: flash_redirect(
            url_for("admin.classifier"), f"ส่งคำขอฝึกโมเดลใหม่แล้ว (รอบที่ {run.id})", f"Retraining requested (run {run.id})"
        ),
        page=_classifier_page,
    )


# --- Open311 API keys -------------------------------------------------------


def _api_keys_page(form: ApiKeyForm, error: BilingualError | None = None, new_key: str | None = None) -> Response:
    response = make_response(
        render_page(
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
def api_key_list() -> ResponseReturnValue:
    form = ApiKeyForm()

    def saved(issued: tuple[ApiKey, str]) -> Response:
        row, key = issued
        flash_bilingual(f"ออก API key ให้ {row.name} แล้ว", f"API key issued to {row.name}")
        return _api_keys_page(ApiKeyForm(formdata=None), new_key=key)

    return form_page(
        form,
        lambda: api_keys.issue_key(current_user, form.name.data),
        saved=saved,
        page=lambda error: _api_keys_page(form, error),
    )


@bp.post("/api-keys/<int:key_id>/revoke")
@admin_only
def api_key_revoke(key_id: int) -> ResponseReturnValue:
    row = api_keys.get_key(key_id)
    return form_page(
        ActionForm(),
        lambda: api_keys.revoke_key(current_user, row),
        saved=lambda _: flash_redirect(
            url_for("admin.api_key_list"), f"เพิกถอน API key ของ {row.name} แล้ว", f"API key of {row.name} revoked"
        ),
        page=lambda error: _api_keys_page(ApiKeyForm(formdata=None), error),
    )


# --- channels -----------------------------------------------------------------


@bp.get("/channels")
@admin_only
def channels() -> str:
    return render_template("admin/channels.html", channels=channel_status.report())


# --- failed outbox messages (issue 17) ---------------------------------------

OUTBOX_PAGE_SIZE = 50


def _outbox_filter(name: str, allowed: tuple[str, ...], source: MultiDict[str, str]) -> str | None:
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
) -> tuple[str, int]:
    page = page_number(request.args.get("page"))
    if listing:
        rows, total = outbox_admin.failed_page(current_user, channel, purpose, page, OUTBOX_PAGE_SIZE)
    else:  # a refused filter lists nothing rather than everything under a filter the admin thinks applied
        rows, total = [], 0
    pages = max((total + OUTBOX_PAGE_SIZE - 1) // OUTBOX_PAGE_SIZE, 1)
    return render_page(
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
def outbox() -> tuple[str, int]:
    try:
        channel = _outbox_filter("channel", outbox_admin.CHANNELS, request.args)
        purpose = _outbox_filter("purpose", outbox_admin.PURPOSES, request.args)
    except BilingualError as exc:
        return _outbox_page(exc, listing=False)
    return _outbox_page(channel=channel, purpose=purpose)


@bp.post("/outbox/resend")
@admin_only
def outbox_resend() -> ResponseReturnValue:
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

    # A 404 (unknown, not failed, or hidden by the tip-off wall) is not a refusal of the form:
    # form_page lets it through to the error page.
    return form_page(
        ActionForm(),
        resend,
        saved=lambda count: flash_redirect(
            url_for("admin.outbox"),
            f"ส่งใหม่ {count} ข้อความ ระบบจะส่งออกภายในไม่กี่วินาที",
            f"{count} message(s) queued to be sent again",
        ),
        page=_outbox_page,
    )
