"""Thin webhook views: check the signature, hand the body to the channel's service."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from complaints.domain.errors import BilingualError
from complaints.json_input import request_json
from complaints.services.channels import email_intake, line_bot, sms_intake, webhook_signatures
from complaints.services.unit_of_work import unit_of_work

bp = Blueprint("channels", __name__, url_prefix="/channels")


def _json_body() -> object:
    return request_json()  # a bilingual 400 when malformed or nested too deep


@bp.post("/line/webhook")
def line_webhook():
    events = line_bot.parse_webhook(request.get_data(), request.headers.get("X-Line-Signature"))
    handled = line_bot.handle_events(events)
    return jsonify({"status": "ok", "handled": handled})


@bp.post("/sms/inbound")
def sms_inbound():
    body = request.get_data()
    webhook_signatures.verify(body, request.headers.get("X-Signature"), current_app.config["SMS_WEBHOOK_SECRET"], "SMS")
    result = sms_intake.receive(sms_intake.parse(_json_body()))
    return jsonify({"status": result.outcome, "tracking_number": result.tracking_number})


@bp.post("/email/inbound")
def email_inbound():
    """The raw message (message/rfc822) from a mail provider's inbound webhook."""
    body = request.get_data()
    webhook_signatures.verify(
        body, request.headers.get("X-Signature"), current_app.config["EMAIL_WEBHOOK_SECRET"], "email"
    )
    try:
        with unit_of_work():  # nothing of a refused mail is kept; the answer looks up its sender
            result = email_intake.receive(body)
    except BilingualError as exc:
        email_intake.answer_refusal(body, exc)  # the citizen learns why, not only the provider
        raise
    return jsonify({"status": result.outcome, "tracking_number": result.tracking_number})
