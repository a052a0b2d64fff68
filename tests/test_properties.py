"""Property-based tests (hypothesis): whatever arrives at a public endpoint, the answer
is a complaint stored whole or a 4xx with nothing stored, never a 500.

Covers the web form (valid CSRF token; a stored complaint's fields must be clean), the
JSON API, Open311 POST, the SMS webhook (validly signed random bodies) and the LINE
webhook (validly signed random events). Values mix Thai, HTML/JS, SQL, zero-width
and control characters, huge numbers, wrong types and nesting.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
import unicodedata

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from complaints.domain import locations
from complaints.extensions import db
from complaints.models import Complaint, Kind, User
from complaints.services.channels import api_keys
from tests.helpers import complaint_by_number, form_tokens, make_staff

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

NASTY = st.sampled_from(
    [
        "<script>alert(1)</script>",
        "ถนนพัง'); DROP TABLE complaints;--",
        "\u200b\u200c\u200d\ufeff",
        "\x00\x01\x07\x1b[31m",
        "../../etc/passwd",
        "ไฟดับ" * 3000,
        "%s%n{0}",
        "𝕏😀🇹🇭",
        "RR-2569-0000-0000",
        "ถนนเป็นหลุมลึกหน้าบ้าน",
        "",
        " ",
        "null",
        "1e309",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=60),
    NASTY,
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=12,
)
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
    response = client.post("/api/v1/complaints", data=json.dumps(body, allow_nan=True), content_type="application/json")
    assert_answer(app, response, before)
    if response.status_code >= 400:
        problem = response.get_json()
        assert problem["detail"] and problem["detail_th"]


@SETTINGS
@given(raw=st.binary(max_size=300))
def test_the_json_api_survives_arbitrary_bytes(app, client, raw):
    before = stored(app)
    assert_answer(app, client.post("/api/v1/complaints", data=raw, content_type="application/json"), before)


OPEN311_FIELDS = [
    "service_code",
    "lat",
    "long",
    "address_string",
    "address_id",
    "description",
    "email",
    "first_name",
    "last_name",
    "phone",
    "media_url",
    "attribute[kind]",
    "attribute[title]",
    "jurisdiction_id",
    "device_id",
    "account_id",
]


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
@given(
    payload=st.one_of(
        VALUES,
        st.fixed_dictionaries(
            {
                "message_id": st.one_of(st.text(max_size=40), SCALARS),
                "from": st.one_of(st.text(max_size=20), SCALARS),
                "text": st.one_of(NASTY, st.text(max_size=200), SCALARS),
            }
        ),
    )
)
def test_a_validly_signed_sms_of_any_shape_never_fails(app, client, payload):
    app.config.update(SMS_WEBHOOK_SECRET="prop-secret")
    body, signature = _signed("prop-secret", payload)
    before = stored(app)
    response = client.post(
        "/channels/sms/inbound", data=body, content_type="application/json", headers={"X-Signature": signature}
    )
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    assert stored(app) in (before, before + 1)


LINE_MESSAGES = st.one_of(
    st.fixed_dictionaries({"type": st.just("text"), "id": st.text(max_size=10), "text": st.one_of(NASTY, st.text())}),
    st.fixed_dictionaries(
        {
            "type": st.just("location"),
            "id": st.text(max_size=10),
            "latitude": SCALARS,
            "longitude": SCALARS,
            "address": st.one_of(NASTY, SCALARS),
        }
    ),
    st.dictionaries(st.text(max_size=8), SCALARS, max_size=4),
)


@SETTINGS
@given(
    events=st.lists(
        st.fixed_dictionaries(
            {
                "type": st.sampled_from(["message", "follow", "postback", "unknown", ""]),
                "webhookEventId": st.text(max_size=30),
                "timestamp": SCALARS,
                "replyToken": st.one_of(st.text(max_size=10), SCALARS),
                "source": st.one_of(
                    st.fixed_dictionaries({"type": st.just("user"), "userId": st.text(max_size=40)}), SCALARS
                ),
                "message": LINE_MESSAGES,
                "mode": st.sampled_from(["active", "standby"]),
                "deliveryContext": st.fixed_dictionaries({"isRedelivery": st.booleans()}),
            }
        ),
        max_size=3,
    )
)
def test_a_validly_signed_line_webhook_of_any_shape_never_fails(app, client, events):
    import base64

    app.config.update(
        LINE_CHANNEL_SECRET="prop-line-secret",
        LINE_CHANNEL_ACCESS_TOKEN="token",
        LINE_API_BASE_URL="http://127.0.0.1:9",
        LINE_DATA_API_BASE_URL="http://127.0.0.1:9",
    )
    body = json.dumps({"destination": "U0", "events": events}, allow_nan=True).encode()
    signature = base64.b64encode(hmac.new(b"prop-line-secret", body, hashlib.sha256).digest()).decode()
    response = client.post(
        "/channels/line/webhook", data=body, content_type="application/json", headers={"X-Line-Signature": signature}
    )
    assert response.status_code < 500, response.get_data(as_text=True)[:300]


# --- the web form ------------------------------------------------------------

# A valid form made dirty (text full of control, zero-width, bidi and Thai combining
# characters, which intake cleans), then up to three fields replaced by anything at all.
DIRTY = st.text(
    alphabet=st.sampled_from(
        "ถนนพังน้ำท่วมabc Z09.,;:'\"&\n\r\t\x00\x08\x1b\x7f\u200b\u200d\u2060\ufeff\u00ad\u202e\u0e48\u0e49\u0e4c"
    ),
    max_size=80,
)
FORM_TEXT = st.one_of(NASTY, st.text(max_size=120), DIRTY)
COORDINATES = st.one_of(
    st.sampled_from(["", "nan", "inf", "-inf", "1e309", "-91", "181", "13,75", " 13.7 ", "0x10", "١٣"]),
    st.text(max_size=30),
    st.floats().map(str),
)
PLACES = st.sampled_from(
    [
        ("", "", ""),
        ("10", "", ""),
        ("10", "1030", ""),
        ("10", "1030", "103001"),
        ("50", "5001", "500101"),
        ("กรุงเทพมหานคร", "เขตจตุจักร", ""),
    ]
)
VALID_FORMS = st.builds(
    lambda kind, category, title, description, place, address, lat, lon, anonymous, name, phone, email: {
        "kind": kind,
        "category": category,
        "title": title,
        "description": "ถนนเป็นหลุมลึก " + description,
        "province": place[0],
        "district": place[1],
        "subdistrict": place[2],
        "address": address,
        "lat": lat,
        "lon": lon,
        "anonymous": anonymous,
        "name": name,
        "phone": phone,
        "email": email,
        "privacy_accepted": "y",
    },
    st.sampled_from(["complaint", "suggestion", "compliment", "tip_off"]),
    st.sampled_from(["", "ถนน", "น้ำท่วม"]),
    DIRTY,
    DIRTY,
    PLACES,
    DIRTY,
    st.one_of(st.just(""), st.floats(-90, 90).map(str)),
    st.one_of(st.just(""), st.floats(-180, 180).map(str)),
    st.sampled_from(["", "", "y"]),
    DIRTY,
    st.sampled_from(["", "0812345678", "+66 81 234 5678"]),
    st.sampled_from(["", "somchai@example.com"]),
)
HOSTILE_FIELDS = st.dictionaries(
    st.sampled_from(
        [
            "kind",
            "category",
            "title",
            "description",
            "province",
            "district",
            "subdistrict",
            "address",
            "lat",
            "lon",
            "anonymous",
            "name",
            "phone",
            "email",
            "privacy_accepted",
            "submission_token",
        ]
    ),
    st.one_of(FORM_TEXT, COORDINATES, st.sampled_from(["99", "5001", "000000", "y", "admin", "<b>10</b>"])),
    max_size=3,
)
WEB_FORMS = st.tuples(VALID_FORMS, HOSTILE_FIELDS).map(lambda pair: {**pair[0], **pair[1]})
# Where a stored text may still have a line break or tab: only the description.
TEXT_LIMITS = {"title": 200, "description": 10_000, "address": 500}


def assert_clean_text(value: str | None, field: str, limit: int | None = None) -> None:
    if value is None:
        return
    keep = {"\n", "\t"} if field == "description" else set()
    bad = [
        hex(ord(ch)) for ch in value if ch not in keep and unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Cn"}
    ]
    assert bad == [], (field, bad)
    assert not re.search(r"<\s*/?\s*[a-zA-Z!][^>]*>|javascript\s*:", value, re.IGNORECASE), (field, value[:80])
    assert value == value.strip(), field
    if limit is not None:
        assert len(value) <= limit, (field, len(value))


def assert_clean_complaint(complaint) -> None:
    for field, limit in TEXT_LIMITS.items():
        assert_clean_text(getattr(complaint, field), field, limit)
    assert complaint.description
    assert complaint.kind in {k.value for k in Kind}
    # A place is a real one: the names are those of the DOPA code stored with them.
    if complaint.province is None:
        assert (complaint.district, complaint.subdistrict, complaint.area_code) == (None, None, None)
    else:
        assert locations.names_for_code(complaint.area_code) == (
            complaint.province,
            complaint.district,
            complaint.subdistrict,
        )
    for value, bound in ((complaint.lat, 90), (complaint.lon, 180)):
        assert value is None or (math.isfinite(value) and -bound <= value <= bound)
    person = complaint.complainant
    if complaint.anonymous:
        assert person is None or not any((person.name, person.phone, person.email, person.line_user_id))
    if person is not None:
        for field in ("name", "phone", "email"):
            assert_clean_text(getattr(person, field), field)


@SETTINGS
@given(form=WEB_FORMS)
def test_the_web_form_never_fails_and_stores_only_clean_complaints(app, client, form):
    before = stored(app)
    response = client.post("/complaints/new", data={**form_tokens(client), **form})
    assert_answer(app, response, before, created=(302,))
    event(f"status {response.status_code}")
    if response.status_code == 302:
        number = response.headers["Location"].rsplit("/", 1)[-1]
        with app.app_context():
            assert_clean_complaint(complaint_by_number(number))
    else:
        assert response.status_code == 422, response.status_code
        # Each refusal says why, in Thai and in English.
        reasons = re.findall(r"<li>([^<]+) <small>([^<]+)</small></li>", response.text)
        assert reasons and all(re.search("[\u0e00-\u0e7f]", th) and re.search("[A-Za-z]", en) for th, en in reasons)
