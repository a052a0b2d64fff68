"""Property-based tests (hypothesis): whatever arrives at a public endpoint, the answer
is a complaint stored whole or a 4xx with nothing stored, never a 500.

Covers the JSON API, Open311 POST, the SMS webhook (validly signed random bodies) and the
LINE webhook (validly signed random events). Values mix Thai, HTML/JS, SQL, zero-width
and control characters, huge numbers, wrong types and nesting.
"""
from __future__ import annotations

import hashlib
import hmac
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from complaints.extensions import db
from complaints.models import Complaint, User
from complaints.services import api_keys
from tests.helpers import make_staff

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

NASTY = st.sampled_from([
    "<script>alert(1)</script>", "ถนนพัง'); DROP TABLE complaints;--", "\u200b\u200c\u200d\ufeff",
    "\x00\x01\x07\x1b[31m", "../../etc/passwd", "ไฟดับ" * 3000, "%s%n{0}", "𝕏😀🇹🇭", "RR-2569-0000-0000",
    "ถนนเป็นหลุมลึกหน้าบ้าน", "", " ", "null", "1e309",
])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=60), NASTY)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                        st.dictionaries(st.text(max_size=12), inner, max_size=4)),
                      max_leaves=12)
API_KEYS = ["description", "title", "kind", "category", "anonymous", "contact", "location"]
API_BODIES = st.dictionaries(st.sampled_from(API_KEYS + ["extra", "__proto__"]), VALUES, max_size=7)


def stored(app) -> int:
    with app.app_context():
        return db.session.query(Complaint).count()


def assert_answer(app, response, before: int, created: tuple[int, ...] = (201,)) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    after = stored(app)
    if response.status_code in created:
        assert after == before + 1
    else:
        assert 400 <= response.status_code < 500 and after == before


@SETTINGS
@given(body=st.one_of(API_BODIES, VALUES))
def test_the_json_api_never_fails_and_never_half_stores(app, client, body):
    before = stored(app)
    response = client.post("/api/v1/complaints", data=json.dumps(body, allow_nan=True),
                           content_type="application/json")
    assert_answer(app, response, before)
    if response.status_code >= 400:
        problem = response.get_json()
        assert problem["detail"] and problem["detail_th"]


@SETTINGS
@given(raw=st.binary(max_size=300))
def test_the_json_api_survives_arbitrary_bytes(app, client, raw):
    before = stored(app)
    assert_answer(app, client.post("/api/v1/complaints", data=raw, content_type="application/json"), before)


OPEN311_FIELDS = ["service_code", "lat", "long", "address_string", "address_id", "description", "email",
                  "first_name", "last_name", "phone", "media_url", "attribute[kind]", "attribute[title]",
                  "jurisdiction_id", "device_id", "account_id"]


@SETTINGS
@given(form=st.dictionaries(st.sampled_from(OPEN311_FIELDS), st.one_of(st.text(max_size=80), NASTY), max_size=9))
def test_open311_post_never_fails_and_never_half_stores(app, client, form):
    with app.app_context():
        if not getattr(app, "_open311_key", None):
            admin = make_staff(app, "prop-admin", "admin", None)
            app._open311_key = api_keys.issue_key(db.session.get(User, admin), "hypothesis")[1]
    before = stored(app)
    response = client.post("/open311/v2/requests.json", data={"api_key": app._open311_key, **form})
    assert_answer(app, response, before, created=(200, 201))


def _signed(secret: str, payload) -> tuple[bytes, str]:
    body = json.dumps(payload, allow_nan=True).encode()
    return body, hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@SETTINGS
@given(payload=st.one_of(VALUES, st.fixed_dictionaries(
    {"message_id": st.one_of(st.text(max_size=40), SCALARS), "from": st.one_of(st.text(max_size=20), SCALARS),
     "text": st.one_of(NASTY, st.text(max_size=200), SCALARS)})))
def test_a_validly_signed_sms_of_any_shape_never_fails(app, client, payload):
    app.config.update(SMS_WEBHOOK_SECRET="prop-secret", SMS_BACKEND="file")
    body, signature = _signed("prop-secret", payload)
    before = stored(app)
    response = client.post("/channels/sms/inbound", data=body, content_type="application/json",
                           headers={"X-Signature": signature})
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    assert stored(app) in (before, before + 1)


LINE_MESSAGES = st.one_of(
    st.fixed_dictionaries({"type": st.just("text"), "id": st.text(max_size=10), "text": st.one_of(NASTY, st.text())}),
    st.fixed_dictionaries({"type": st.just("location"), "id": st.text(max_size=10),
                           "latitude": SCALARS, "longitude": SCALARS, "address": st.one_of(NASTY, SCALARS)}),
    st.dictionaries(st.text(max_size=8), SCALARS, max_size=4),
)


@SETTINGS
@given(events=st.lists(st.fixed_dictionaries({
    "type": st.sampled_from(["message", "follow", "postback", "unknown", ""]),
    "webhookEventId": st.text(max_size=30), "timestamp": SCALARS, "replyToken": st.one_of(st.text(max_size=10), SCALARS),
    "source": st.one_of(st.fixed_dictionaries({"type": st.just("user"), "userId": st.text(max_size=40)}), SCALARS),
    "message": LINE_MESSAGES, "mode": st.sampled_from(["active", "standby"]),
    "deliveryContext": st.fixed_dictionaries({"isRedelivery": st.booleans()}),
}), max_size=3))
def test_a_validly_signed_line_webhook_of_any_shape_never_fails(app, client, events):
    import base64

    app.config.update(LINE_CHANNEL_SECRET="prop-line-secret", LINE_CHANNEL_ACCESS_TOKEN="token",
                      LINE_API_BASE_URL="http://127.0.0.1:9", LINE_DATA_API_BASE_URL="http://127.0.0.1:9")
    body = json.dumps({"destination": "U0", "events": events}, allow_nan=True).encode()
    signature = base64.b64encode(hmac.new(b"prop-line-secret", body, hashlib.sha256).digest()).decode()
    response = client.post("/channels/line/webhook", data=body, content_type="application/json",
                           headers={"X-Line-Signature": signature})
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
