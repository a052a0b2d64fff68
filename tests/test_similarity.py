"""Similar open complaints and repeat complaints, with the real Thai tokenizer."""

from __future__ import annotations

from datetime import timedelta

import pytest

from complaints.extensions import db
from complaints.nlp.similarity import contact_key, overlap, text_signature
from complaints.services.casework import after_intake, similarity
from tests.helpers import case_url, complaint_by_number, login, make_staff

POTHOLE = "ถนนหน้าซอยพหลโยธิน 45 เป็นหลุมลึกมาก รถจักรยานยนต์ล้ม ขอให้ซ่อมผิวถนนด่วน"
POTHOLE_AGAIN = "หลุมลึกบนถนนพหลโยธินหน้าซอย 45 ยังไม่ซ่อม รถจักรยานยนต์ล้มอีกแล้ว"
NOISE = "ร้านคาราโอเกะเปิดเพลงเสียงดังมากทุกคืนจนตีสอง รบกวนการนอน"


def submit(client, description, **fields) -> str:
    body = {
        "description": description,
        "category": "ถนน",
        "location": {"province": "กรุงเทพมหานคร", "district": "จตุจักร", "subdistrict": "ลาดยาว"},
        **fields,
    }
    response = client.post("/api/v1/complaints", json=body)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["tracking_number"]


def test_signatures_keep_distinctive_thai_tokens():
    from complaints import create_app

    with create_app({"TESTING": True}).app_context():
        signature = text_signature(POTHOLE).split()
    assert "หลุม" in signature and "พหลโยธิน" in signature
    assert "ที่" not in signature and "45" not in signature  # stop words and bare numbers go


def test_overlap_and_keys():
    assert overlap("ถนน หลุม ซ่อม", "หลุม ถนน ไฟ") == pytest.approx(2 / 4)
    assert overlap("", "ถนน") == 0
    key = contact_key
    assert key("phone", "081-234-5678", "s") == key("phone", "+66 81 234 5678", "s") == key("phone", "๐๘๑๒๓๔๕๖๗๘", "s")
    assert key("email", " Somchai@Example.COM ", "s") == key("email", "somchai@example.com", "s")
    assert key("phone", "081-234-5678", "s") != key("phone", "081-234-5678", "other-secret")
    assert key("phone", "12", "s") is None and key("email", None, "s") is None


def test_the_receipt_and_the_officer_see_similar_open_reports(app, client):
    first = submit(client, POTHOLE)
    submit(client, NOISE, category="เสียงรบกวน")
    second = submit(client, POTHOLE_AGAIN)
    with app.app_context():
        matches = similarity.similar_open(complaint_by_number(second))
        assert [m.complaint.tracking_number for m in matches] == [first]
    page = client.get(f"/complaints/receipt/{second}").text
    assert 'id="similar-reports"' in page and first in page
    make_staff(app, "pw", "officer", "public-works")
    officer = app.test_client()
    login(officer, "pw")
    with app.app_context():
        second_id = complaint_by_number(second).id
    detail = officer.get(case_url(app, second_id)).text
    assert 'id="similar"' in detail and first in detail


def test_closed_complaints_are_not_offered_as_similar(app, client):
    first = submit(client, POTHOLE)
    with app.app_context():
        complaint_by_number(first).status = "closed"
        db.session.commit()
    second = submit(client, POTHOLE_AGAIN)
    with app.app_context():
        assert similarity.similar_open(complaint_by_number(second)) == []


def test_a_repeat_from_the_same_complainant(app, client):
    person = {"name": "สมชาย", "phone": "081-234-5678"}
    first = submit(client, POTHOLE, contact=person)
    # Another place, other words, the same phone written differently.
    second = submit(
        client,
        "ไฟทางดับทั้งซอย มืดมาก",
        contact={"phone": "+66 81 234 5678"},
        location={"province": "กรุงเทพมหานคร", "district": "บางเขน"},
    )
    unrelated = submit(client, NOISE, category="เสียงรบกวน", contact=person)
    with app.app_context():
        assert after_intake.process_new() == 3
        assert complaint_by_number(second).repeat_of.tracking_number == first
        assert complaint_by_number(first).repeat_of_id is None
        assert complaint_by_number(unrelated).repeat_of_id is None  # another issue
        assert complaint_by_number(second).complainant.phone_key == complaint_by_number(first).complainant.phone_key
        assert "081" not in complaint_by_number(first).complainant.phone_key


def test_a_repeat_at_the_same_place_needs_similar_text_and_the_window(app, client):
    first = submit(client, POTHOLE)
    same_place = submit(client, POTHOLE_AGAIN)
    other_issue_same_place = submit(client, "ป้ายโฆษณาล้มขวางทางเท้า")
    with app.app_context():
        after_intake.process_new()
        assert complaint_by_number(same_place).repeat_of.tracking_number == first
        assert complaint_by_number(other_issue_same_place).repeat_of_id is None
        # Outside the window it is not a repeat.
        late = complaint_by_number(same_place)
        late.received_at = complaint_by_number(first).received_at + timedelta(days=app.config["REPEAT_WINDOW_DAYS"] + 1)
        db.session.commit()
        assert similarity.find_repeat(late) is None


@pytest.mark.postgres
def test_repeat_lookups_use_indexes_not_scans(pg_app):
    """On PostgreSQL the planner reaches candidates through an index."""
    from sqlalchemy import text

    with pg_app.app_context():
        plans = []
        for sql in (
            "SELECT id FROM complainants WHERE phone_key = 'x' OR email_key = 'y'",
            "SELECT id FROM complaints WHERE category_id = 1 AND received_at >= now() - interval '90 days' "
            "ORDER BY received_at DESC LIMIT 300",
            "SELECT id FROM complaints WHERE area_code >= '1030' AND area_code < '1031' "
            "AND received_at >= now() - interval '30 days'",
        ):
            db.session.execute(text("SET enable_seqscan = off"))
            plans.append("\n".join(r[0] for r in db.session.execute(text("EXPLAIN " + sql))))
        for plan in plans:
            assert "Index" in plan or "Bitmap" in plan, plan
