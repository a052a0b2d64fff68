"""No input gives a 500: ids too large for the database or spelled in Unicode digits,
out-of-range dates, non-ASCII signatures and deeply nested JSON get a bilingual 4xx
(problem+json on JSON endpoints, the error page on HTML pages).

The reported cases first, then properties over the app's own URL map: every rule with
an `int` converter (ids), the query parameters the pages read, and every endpoint that
takes JSON, signed in as admin and anonymous. Examples are few and derandomized so the
file runs in seconds.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from complaints.ids import MAX_ID, IdConverter, parse_id
from complaints.services.analytics.metrics.dimensions import DIMENSIONS
from complaints.services.channels.webhook_signatures import sign
from tests.helpers import case_url, csrf_from, login, make_staff, signed_in

FAST = settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

HOSTILE_IDS = [
    "9" * 30,
    str(MAX_ID + 1),
    str(2**63),
    str(2**64),
    "²",
    "①",
    "٣",
    "１",
    "1_0",
    "-1",
    "+1",
    "0x10",
    "1e3",
    "\u200b1",
    "1\x00",
    "<script>",
    "' OR 1=1--",
]
HOSTILE_VALUES = HOSTILE_IDS + [
    "",
    "0",
    str(MAX_ID),
    "ถนน",
    "../../etc/passwd",
    "%00",
    "9999-12-31T00:00:00Z",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31",
    "0001-01-01",
    "2569-Q9",
    "2569-Q1",
    "99999",
    "none",
    "x" * 500,
]
# The query parameters pages read (officer queue, manager drill-downs, Open311, tracking).
PARAMETERS = sorted(
    set(DIMENSIONS)
    | {
        "unit",
        "period",
        "page",
        "status",
        "category",
        "sort",
        "received_from",
        "received_to",
        "assigned",
        "due",
        "triage",
        "channel",
        "kind",
        "district",
        "target",
        "number",
        "lang",
        "start_date",
        "end_date",
        "service_request_id",
        "service_code",
        "jurisdiction_id",
        "q",
        "limit",
        "offset",
        "next",
    }
)
SLOW = (".pdf", "/download", "/healthz", "/readyz")


def problem_or_page(response) -> None:
    """A 4xx (or success) with a Thai and English message, never a 500."""
    assert response.status_code < 500, (response.status_code, response.get_data(as_text=True)[:300])
    if response.status_code >= 400:
        if response.mimetype == "application/problem+json":
            body = response.get_json()
            assert body["detail"] and re.search("[\u0e00-\u0e7f]", body["detail_th"])
        else:
            # HTML pages, and Open311's own error list (JSON or XML, as the spec has it).
            page = response.get_data(as_text=True)
            assert response.mimetype in ("text/html", "application/json", "text/xml", "application/xml"), page[:300]
            assert re.search("[\u0e00-\u0e7f]", page), page[:300]


# --- the reported cases -------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["received_to=9999-12-31", "received_from=0001-01-01", "received_from=0001-01-01&received_to=9999-12-31"]
)
def test_queue_dates_at_the_ends_of_the_calendar_are_ignored_not_a_500(admin, query):
    page = admin.get(f"/officer/?{query}")
    assert page.status_code == 200 and 'id="queue"' in page.get_data(as_text=True)


def test_parse_id_takes_ascii_digits_within_the_id_range_only():
    assert [parse_id(v) for v in ("0", "42", " 7 ", str(MAX_ID))] == [0, 42, 7, MAX_ID]
    for value in HOSTILE_IDS + ["", None, 1.5, True, -3, MAX_ID + 1]:
        assert parse_id(value) is None, value


def test_a_2kb_body_nested_1000_levels_is_a_400(app, client):
    for body in ("[" * 1000 + "]" * 1000, '{"a":' * 1000 + "1" + "}" * 1000, "[" * 100_000):
        response = client.post("/api/v1/complaints", data=body, content_type="application/json")
        problem_or_page(response)
        assert response.status_code == 400 and response.mimetype == "application/problem+json"
    nested = client.post(
        "/api/v1/complaints", data='{"description":' + "[" * 40 + "]" * 40 + "}", content_type="application/json"
    )
    assert nested.status_code == 400 and nested.get_json()["code"] == "json-too-deep"


@pytest.mark.parametrize(
    "query",
    [
        "start_date=0001-01-01T00:00:00%2B14:00",
        "start_date=9999-12-31T00:00:00Z",
        "end_date=0001-01-02T00:00:00Z",
        "start_date=1899-12-31",
        "end_date=2201-01-01T00:00:00-12:00",
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_dates_out_of_range_are_a_400(client, query, fmt):
    response = client.get(f"/open311/v2/requests.{fmt}?{query}")
    assert response.status_code == 400, response.text
    assert ("start_date" in response.text or "end_date" in response.text) and "1900" in response.text


def test_open311_dates_in_range_still_work(client):
    response = client.get("/open311/v2/requests.json?start_date=2026-01-01T00:00:00%2B14:00")
    assert response.status_code == 200 and isinstance(response.get_json(), list)


def test_a_validly_signed_deeply_nested_sms_is_a_400(app, client):
    app.config.update(SMS_WEBHOOK_SECRET="sms-secret")
    body = ('{"from": "0812345678", "text": ' + "[" * 5000 + "]" * 5000 + "}").encode()
    response = client.post(
        "/channels/sms/inbound",
        data=body,
        content_type="application/json",
        headers={"X-Signature": sign(body, "sms-secret")},
    )
    assert response.status_code == 400 and response.get_json()["code"] == "json-too-deep"


def test_a_validly_signed_deeply_nested_line_webhook_is_a_400(app, client):
    app.config.update(LINE_CHANNEL_SECRET="line-secret", LINE_CHANNEL_ACCESS_TOKEN="token")
    body = ('{"destination": "x", "events": ' + "[" * 5000 + "]" * 5000 + "}").encode()
    signature = base64.b64encode(hmac.new(b"line-secret", body, hashlib.sha256).digest()).decode()
    response = client.post(
        "/channels/line/webhook", data=body, content_type="application/json", headers={"X-Line-Signature": signature}
    )
    problem_or_page(response)
    assert response.status_code == 400


def test_ids_too_large_or_in_unicode_digits_are_404_pages(admin):
    for path in (
        "/officer/complaints/{}",
        "/officer/attachments/{}",
        "/admin/users/{}",
        "/admin/units/{}",
        "/manager/actions/{}",
        "/manager/exports/{}",
        "/manager/exports/{}/download",
    ):
        for value in ("9" * 30, str(MAX_ID + 1), str(MAX_ID), "²", "٣"):
            response = admin.get(path.format(value))
            assert response.status_code == 404 and response.mimetype == "text/html", (path, value)
            assert "ไม่พบ" in response.text


def test_manager_filters_in_unicode_digits_are_a_bilingual_4xx(admin):
    for query in (
        "unit=²",
        "unit=" + "9" * 30,
        "satisfaction=①",
        "handling_unit=٣",
        "category=" + str(MAX_ID + 1),
        "unit=" + str(MAX_ID),
    ):
        # The dashboard reads `unit` only; the complaint list reads every drill-down filter.
        problem_or_page(admin.get(f"/manager/?{query}"))
        response = admin.get(f"/manager/complaints?{query}")
        problem_or_page(response)
        assert response.status_code in (404, 422), (query, response.status_code)


def test_an_assignee_in_unicode_digits_is_refused_not_a_500(app, client):
    from sqlalchemy import select

    from complaints.extensions import db
    from complaints.models import Complaint
    from tests.helpers import submit_api

    number = submit_api(client)
    make_staff(app, "boss", "supervisor", "public-works")
    with app.app_context():
        complaint = db.session.scalar(select(Complaint).where(Complaint.tracking_number == number))
        complaint_id, assigned = complaint.id, complaint.assigned_user_id
    supervisor = app.test_client()
    login(supervisor, "boss")
    token = csrf_from(supervisor.get(case_url(app, complaint_id)).text)
    for value in ("²", "٣", "9" * 30, str(MAX_ID)):
        response = supervisor.post(
            case_url(app, complaint_id, "/action"), data={"csrf_token": token, "action": "assign", "assignee_id": value}
        )
        problem_or_page(response)
        assert 400 <= response.status_code < 500, value
        with app.app_context():
            assert db.session.get(Complaint, complaint_id).assigned_user_id == assigned  # nothing changed


# --- properties over the URL map ----------------------------------------------------


def _rules(app, predicate) -> list:
    return sorted((r for r in app.url_map.iter_rules() if predicate(r)), key=lambda r: r.rule)


def _fill(rule: str, id_value: str) -> str:
    """The rule's URL with `id_value` for every int argument and a plain word for the others."""
    path = re.sub(r"<int:[^>]+>", id_value, rule)
    return re.sub(r"<[^>]+>", "x", path)


def _int_rules(app) -> list:
    return _rules(app, lambda r: "<int:" in r.rule)


def test_the_app_has_int_rules_to_test(app):
    rules = {r.rule for r in _int_rules(app)}
    assert {"/admin/users/<int:user_id>", "/manager/actions/<int:action_id>"} <= rules
    # Every one of them uses the safe converter (blueprints registered after it was installed).
    assert all(any(isinstance(c, IdConverter) for c in r._converters.values()) for r in _int_rules(app))


@FAST
@given(
    data=st.data(),
    value=st.one_of(
        st.sampled_from(HOSTILE_IDS + [str(MAX_ID), "0"]), st.integers(min_value=0, max_value=10**40).map(str)
    ),
)
def test_no_id_in_any_url_gives_a_500(app, admin, data, value):
    app.config["WTF_CSRF_ENABLED"] = False  # the views themselves, not the token check, answer POSTs
    rule = data.draw(st.sampled_from(_int_rules(app)))
    method = data.draw(st.sampled_from(sorted(rule.methods & {"GET", "POST"})))
    signed_in = data.draw(st.booleans())
    client = admin if signed_in else app.test_client()
    response = client.open(_fill(rule.rule, value), method=method)
    problem_or_page(response)
    if parse_id(value) is None:
        assert response.status_code == 404  # not an id: the route does not match


def _get_rules(app) -> list:
    return _rules(app, lambda r: "GET" in r.methods and not r.rule.endswith(SLOW) and "/static" not in r.rule)


@FAST
@given(
    data=st.data(),
    query=st.dictionaries(
        st.sampled_from(PARAMETERS),
        st.one_of(st.sampled_from(HOSTILE_VALUES), st.text(max_size=12)),
        min_size=1,
        max_size=3,
    ),
)
def test_no_query_parameter_on_any_page_gives_a_500(app, admin, data, query):
    rule = data.draw(st.sampled_from(_get_rules(app)))
    client = admin if data.draw(st.booleans()) else app.test_client()
    response = client.get(_fill(rule.rule, "1"), query_string=query)
    problem_or_page(response)


def _json_rules(app) -> list:
    return _rules(app, lambda r: "POST" in r.methods and r.rule.startswith(("/api/", "/channels/")))


def _signed_headers(path: str, body: bytes) -> dict:
    if path.startswith("/channels/line"):
        return {"X-Line-Signature": base64.b64encode(hmac.new(b"line-secret", body, hashlib.sha256).digest()).decode()}
    if path.startswith("/channels/sms"):
        return {"X-Signature": sign(body, "sms-secret")}
    if path.startswith("/channels/email"):
        return {"X-Signature": sign(body, "mail-secret")}
    return {}


def test_the_app_has_json_endpoints_to_test(app):
    paths = {r.rule for r in _json_rules(app)}
    assert {"/api/v1/complaints", "/channels/sms/inbound", "/channels/line/webhook"} <= paths


@FAST
@given(
    data=st.data(),
    depth=st.one_of(
        st.integers(min_value=30, max_value=40),
        st.sampled_from([999, 1000, 1001]),
        st.integers(min_value=1, max_value=200_000),
    ),
    opener=st.sampled_from(["[", '{"a":', '{"description":', '{"events":']),
)
def test_no_nested_json_on_any_json_endpoint_gives_a_500(app, admin, data, depth, opener):
    app.config.update(
        SMS_WEBHOOK_SECRET="sms-secret",
        LINE_CHANNEL_SECRET="line-secret",
        LINE_CHANNEL_ACCESS_TOKEN="token",
        EMAIL_WEBHOOK_SECRET="mail-secret",
    )
    rule = data.draw(st.sampled_from(_json_rules(app)))
    closer = "]" if opener == "[" else "}"
    body = (opener * depth + "1" + closer * depth).encode()
    client = admin if data.draw(st.booleans()) else app.test_client()
    response = client.post(
        rule.rule, data=body, content_type="application/json", headers=_signed_headers(rule.rule, body)
    )
    problem_or_page(response)
    if rule.rule.startswith(("/api/", "/channels/sms")) and depth > 32:
        assert response.status_code == 400 and response.get_json()["code"] == "json-too-deep"


def test_a_non_ascii_line_signature_is_a_400(app, client):
    app.config.update(LINE_CHANNEL_SECRET="line-secret", LINE_CHANNEL_ACCESS_TOKEN="token")
    for signature in ("é" * 44, "ลายเซ็น".encode().decode("latin-1")):
        response = client.post(
            "/channels/line/webhook",
            data=b'{"events": []}',
            content_type="application/json",
            headers={"X-Line-Signature": signature},
        )
        assert response.status_code == 400 and response.get_json()["code"] == "bad-signature"


@pytest.mark.postgres
def test_ids_beyond_the_integer_columns_are_404_on_postgresql(pg_app):
    """PostgreSQL's id columns are 32-bit: an id beyond them is unknown (404), not a 500."""
    admin = signed_in(pg_app, "root", "admin")
    for value in (str(2**31), str(2**63 - 1), str(MAX_ID)):
        for path in ("/officer/complaints/{}", "/admin/users/{}", "/manager/actions/{}", "/officer/attachments/{}"):
            response = admin.get(path.format(value))
            assert response.status_code == 404, (path, value, response.status_code)
        problem_or_page(admin.get(f"/manager/complaints?handling_unit={value}&unit={value}"))
