"""The complainant's personal link: confirm the fix, reopen, rate the handling.

No account is needed: the link carries a token signed with the app's secret
key over the tracking number, so only the person we sent it to (or who saw it
on their receipt) can act on the complaint; the tracking number alone cannot.
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from complaints.services.public_urls import page_url

_SALT = "rongrian.citizen-response"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def response_token(tracking_number: str) -> str:
    return _serializer().dumps(tracking_number)


def token_matches(tracking_number: str, token: str | None) -> bool:
    if not token or len(token) > 200:
        return False
    try:
        return _serializer().loads(token) == tracking_number
    except BadSignature:
        return False


def response_url(tracking_number: str) -> str:
    return page_url("public.respond", tracking_number=tracking_number, t=response_token(tracking_number))
