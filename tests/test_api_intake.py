"""JSON intake: the contract, idempotency, and what the public may see."""

from __future__ import annotations

import re

from sqlalchemy import select

from complaints.domain import tracking_numbers
from complaints.extensions import db
from complaints.models import Complaint, OutboxMessage
from tests.helpers import PERSON, counts

BODY = {
    "title": "ไฟถนนดับ",
    "description": "ไฟถนนหน้าซอยพหลโยธิน 24 ดับมาสามคืนแล้ว มืดมาก อันตราย",
    "kind": "complaint",
    "category": "แสงสว่าง",
    "contact": PERSON,
    "location": {
        "lat": 13.8,
        "lon": 100.57,
        "address": "หน้าซอยพหลโยธิน 24",
        "province": "กรุงเทพมหานคร",
        "district": "จตุจักร",
        "subdistrict": "จอมพล",
    },
}


def test_intake_returns_the_contract_and_stores_everything(app, client):
    response = client.post("/api/v1/complaints", json=BODY)
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"tracking_number", "status", "received_at", "public_url"}
    number = tracking_numbers.parse(body["tracking_number"])
    assert number.be_year == 2569 or number.be_year == 2570  # the year the test runs in
    assert body["public_url"].endswith(f"/track/{body['tracking_number']}")
    assert response.headers["Location"] == body["public_url"]
    assert body["status"] == "received"  # waits for the emailed acknowledgement
    with app.app_context():
        complaint = db.session.scalar(select(Complaint).where(Complaint.tracking_number == body["tracking_number"]))
        assert complaint.channel == "api"
        assert complaint.category.code == "แสงสว่าง"
        assert complaint.unit.code == "public-works"
        assert (complaint.province, complaint.district, complaint.subdistrict) == ("กรุงเทพมหานคร", "เขตจตุจักร", "จอมพล")
        assert complaint.complainant.email == PERSON["email"]
        assert complaint.complainant.name == PERSON["name"]
        assert complaint.due_at > complaint.ack_due_at > complaint.received_at
        assert [e.kind for e in complaint.events] == ["received"]
        outbox = db.session.scalars(select(OutboxMessage)).all()
        assert [(m.complaint_id, m.channel, m.recipient, m.status) for m in outbox] == [
            (complaint.id, "email", PERSON["email"], "pending")
        ]


def test_only_description_is_required_and_the_receipt_acknowledges(app, client):
    response = client.post("/api/v1/complaints", json={"description": "ขยะไม่มีคนเก็บ"})
    assert response.status_code == 201
    assert response.get_json()["status"] == "acknowledged"
    view = client.get(f"/api/v1/complaints/{response.get_json()['tracking_number']}").get_json()
    assert view["acknowledged_at"] is not None
    assert [e["kind"] for e in view["timeline"]] == ["received", "acknowledged"]
    assert counts(app)["outbox_messages"] == 0


def test_idempotency_key_gives_one_complaint_and_the_same_answer(app, client):
    headers = {"Idempotency-Key": "retry-7f1c"}
    first = client.post("/api/v1/complaints", json=BODY, headers=headers)
    second = client.post("/api/v1/complaints", json=BODY, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.get_json() == second.get_json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert counts(app)["complaints"] == 1
    assert counts(app)["outbox_messages"] == 1


def test_same_idempotency_key_with_another_body_is_refused(app, client):
    headers = {"Idempotency-Key": "key-1"}
    assert client.post("/api/v1/complaints", json=BODY, headers=headers).status_code == 201
    other = client.post("/api/v1/complaints", json={**BODY, "description": "เรื่องอื่น"}, headers=headers)
    assert other.status_code == 422
    assert other.get_json()["code"] == "idempotency-key-reused"
    assert counts(app)["complaints"] == 1


def test_without_a_key_each_request_is_a_new_complaint(app, client):
    a = client.post("/api/v1/complaints", json=BODY).get_json()["tracking_number"]
    b = client.post("/api/v1/complaints", json=BODY).get_json()["tracking_number"]
    assert a != b
    assert counts(app)["complaints"] == 2


def test_public_json_view_has_the_contract_fields_and_no_personal_data(client):
    number = client.post("/api/v1/complaints", json=BODY).get_json()["tracking_number"]
    response = client.get(f"/api/v1/complaints/{number}")
    view = response.get_json()
    for key in (
        "tracking_number",
        "status",
        "kind",
        "category",
        "received_at",
        "acknowledged_at",
        "due_at",
        "timeline",
    ):
        assert key in view
    assert view["category"]["code"] == "แสงสว่าง"
    raw = response.get_data(as_text=True)
    for secret in (PERSON["name"], PERSON["phone"], PERSON["email"], PERSON["line_user_id"], "0812345678"):
        assert secret not in raw
    assert "complainant" not in raw and "contact" not in raw


def test_tracking_page_shows_status_and_no_personal_data(client):
    number = client.post("/api/v1/complaints", json=BODY).get_json()["tracking_number"]
    page = client.get(f"/track/{number}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert number in html and "รับเรื่องแล้ว" in html and "ได้รับเรื่องร้องเรียน" in html
    assert re.search(
        r"\d{1,2} (ม\.ค\.|ก\.พ\.|มี\.ค\.|เม\.ย\.|พ\.ค\.|มิ\.ย\.|ก\.ค\.|ส\.ค\.|ก\.ย\.|ต\.ค\.|พ\.ย\.|ธ\.ค\.) 25\d\d", html
    )
    for secret in (PERSON["name"], PERSON["phone"], PERSON["email"], PERSON["line_user_id"]):
        assert secret not in html


def test_tracking_number_lookup_in_any_case_and_without_hyphens(client):
    number = client.post("/api/v1/complaints", json=BODY).get_json()["tracking_number"]
    sloppy = number.replace("-", "").lower()
    assert client.get(f"/api/v1/complaints/{sloppy}").get_json()["tracking_number"] == number
    redirect = client.get(f"/track/{sloppy}")
    assert redirect.status_code == 301 and redirect.headers["Location"].endswith(f"/track/{number}")
    search = client.get(f"/track?number={sloppy}")
    assert search.status_code == 302 and search.headers["Location"].endswith(f"/track/{number}")


def test_unknown_number_is_404_and_malformed_is_400_in_both_languages(client):
    unknown = tracking_numbers.generate("RR", 2569)
    missing = client.get(f"/api/v1/complaints/{unknown}")
    assert missing.status_code == 404
    assert missing.mimetype == "application/problem+json"
    assert missing.get_json()["code"] == "unknown-tracking-number"
    assert "ไม่พบเรื่อง" in missing.get_json()["detail_th"]
    bad = client.get("/api/v1/complaints/RR-2569-ABCD-EFGX")
    assert bad.status_code == 400
    assert bad.get_json()["code"] == "malformed-tracking-number"
    page = client.get("/track/not-a-number")
    assert page.status_code == 400
    assert "เลขที่เรื่องไม่ถูกต้อง" in page.text and "not a valid tracking number" in page.text


def test_lookups_are_rate_limited_against_enumeration(app, client):
    app.config["TRACK_RATE_LIMIT"] = "5 per minute"
    statuses = [client.get(f"/api/v1/complaints/{tracking_numbers.generate('RR', 2569)}").status_code for _ in range(5)]
    assert statuses == [404] * 5
    # The web page shares the same budget: the sixth lookup is refused.
    limited = client.get(f"/track/{tracking_numbers.generate('RR', 2569)}")
    assert limited.status_code == 429
    assert "บ่อยเกินไป" in limited.text
    assert "Retry-After" in limited.headers


def test_openapi_document_describes_the_api(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    post = doc["paths"]["/api/v1/complaints"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("ComplaintSubmission")
    assert any(p["name"] == "Idempotency-Key" for p in post["parameters"])
    submission = doc["components"]["schemas"]["ComplaintSubmission"]
    assert submission["required"] == ["description"]
    assert {"description", "title", "kind", "category", "anonymous", "contact", "location"} <= set(
        submission["properties"]
    )
    assert "/api/v1/complaints/{tracking_number}" in doc["paths"]


def test_healthz_reports_database_and_broker(client):
    body = client.get("/healthz").get_json()
    assert body["db"] == "ok"
    assert body["broker"] in {"ok", "down"}
    assert set(body) == {"status", "db", "broker"}


def test_a_tracking_number_clash_is_retried_with_a_new_number(any_app, monkeypatch):
    app, client = any_app, any_app.test_client()
    first = client.post("/api/v1/complaints", json=BODY).get_json()["tracking_number"]
    fresh = tracking_numbers.generate("RR", tracking_numbers.parse(first).be_year)
    numbers = iter([first, fresh])  # the next intake draws the taken number first
    monkeypatch.setattr(tracking_numbers, "generate", lambda prefix, year: next(numbers))
    second = client.post("/api/v1/complaints", json=BODY, headers={"Idempotency-Key": "clash-1"})
    assert second.status_code == 201
    assert second.get_json()["tracking_number"] == fresh
    assert counts(app)["complaints"] == 2 and counts(app)["outbox_messages"] == 2


def test_an_install_that_was_never_set_up_refuses_complaints_instead_of_losing_them(bare_app):
    """No unit to route to (before `flask setup`): a bilingual 503, and nothing stored."""
    client = bare_app.test_client()
    for kind in ("complaint", "tip_off"):
        answer = client.post("/api/v1/complaints", json={"description": "ถนนพังหน้าบ้านเลขที่ 5", "kind": kind})
        assert answer.status_code == 503 and answer.mimetype == "application/problem+json"
        problem = answer.get_json()
        assert "not set up yet" in problem["detail"] and "ยังไม่พร้อมรับเรื่อง" in problem["detail_th"]
    assert set(counts(bare_app).values()) == {0}


def test_a_tip_offs_public_url_is_its_senders_personal_link_and_opens_for_them_alone(app, client):
    """A tip-off filed through the API has no public page: the receipt's link is the sender's
    personal one (it opens, on a fresh client with no session), the bare number stays unknown."""
    body = {"description": "เจ้าหน้าที่เรียกรับเงินเพื่อออกใบอนุญาต", "kind": "tip_off"}
    answer = client.post("/api/v1/complaints", json=body)
    assert answer.status_code == 201
    receipt = answer.get_json()
    number, url = receipt["tracking_number"], receipt["public_url"]
    assert answer.headers["Location"] == url
    path = url.removeprefix(app.config["PUBLIC_BASE_URL"].rstrip("/"))
    assert path.startswith(f"/track/{number}/respond?t=")
    stranger = app.test_client()
    page = stranger.get(path)
    assert page.status_code == 200 and number in page.get_data(as_text=True)
    assert stranger.get(f"/track/{number}").status_code == 404
    assert stranger.get(path.split("?")[0]).status_code == 404  # the number without the token


def test_a_complaints_public_url_is_its_public_tracking_page(app, client):
    answer = client.post("/api/v1/complaints", json={"description": "ไฟถนนดับทั้งซอย ซอยวัดใหม่"})
    number = answer.get_json()["tracking_number"]
    path = answer.get_json()["public_url"].removeprefix(app.config["PUBLIC_BASE_URL"].rstrip("/"))
    assert path == f"/track/{number}"
    assert number in app.test_client().get(path).get_data(as_text=True)
