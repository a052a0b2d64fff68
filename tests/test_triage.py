"""Category suggestions at intake, the triage queue and officers' corrections.

The classifier is replaced here by a fixed function, to pin the routing rules;
the shipped model itself is tested in test_nlp.py.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import CategoryFeedback, Complaint, User
from complaints.services.casework import after_intake
from tests.helpers import case_url, complaint_by_number, csrf_from, login, make_staff


def fixed_classifier(ranked):
    def classify(text, k=5):
        if "พัง" in text and ranked == "boom":
            raise RuntimeError("model file missing")
        return list(ranked)[:k]

    return classify


@pytest.fixture
def with_classifier(app):
    def install(ranked):
        app.extensions["rongrian.classifier"] = fixed_classifier(ranked)

    return install


def submit(client, **fields) -> str:
    response = client.post("/api/v1/complaints", json={"description": "ถนนหน้าบ้านพังเป็นหลุม", **fields})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["tracking_number"]


def test_a_confident_suggestion_is_applied_and_routes_the_complaint(app, client, with_classifier):
    with_classifier([("ถนน", 0.91), ("ทางเท้า", 0.05)])
    number = submit(client)
    with app.app_context():
        complaint = complaint_by_number(number)
        assert (complaint.category.code, complaint.category_source, complaint.needs_triage) == ("ถนน", "model", False)
        assert complaint.unit.code == "public-works"
        assert complaint.suggested_category.code == "ถนน" and complaint.suggestion_confidence == pytest.approx(0.91)


def test_an_unsure_suggestion_waits_in_the_triage_queue(app, client, with_classifier):
    with_classifier([("ถนน", 0.41), ("ทางเท้า", 0.38)])
    number = submit(client)
    with app.app_context():
        complaint = complaint_by_number(number)
        assert complaint.category is None and complaint.needs_triage and complaint.category_source == "none"
        assert complaint.unit.code == "complaints-centre"
        assert complaint.suggested_category.code == "ถนน"
    make_staff(app, "triager", "officer", "complaints-centre")
    officer = app.test_client()
    login(officer, "triager")
    assert number in officer.get("/officer/?triage=1").text
    page = officer.get(case_url(app, complaint.id)).text
    assert 'id="suggestion"' in page and "41%" in page


def test_the_citizens_choice_stands_and_the_suggestion_comes_after_intake(app, client, with_classifier):
    with_classifier([("ความสะอาด", 0.97)])
    number = submit(client, category="ถนน")
    unsure = submit(client, description="เรื่องอื่นที่ไม่ชัดเจน", category="ทางเท้า")
    with app.app_context():
        complaint = complaint_by_number(number)
        assert (complaint.category.code, complaint.category_source) == ("ถนน", "citizen")
        # Not classified on the request: the citizen's category needs no routing.
        assert complaint.suggestion_confidence is None
        assert after_intake.process_new() == 2
        complaint = complaint_by_number(number)
        assert complaint.suggested_category.code == "ความสะอาด"
        assert complaint.suggestion_confidence == pytest.approx(0.97)
        assert (complaint.category.code, complaint.category_source) == ("ถนน", "citizen")  # still stands
        assert complaint_by_number(unsure).suggested_category.code == "ความสะอาด"
        # A second pass has nothing left to do.
        assert after_intake.process_new() == 0


def test_the_post_intake_pass_survives_a_broken_model(app, client, with_classifier):
    with_classifier("boom")
    number = submit(client, category="ถนน")  # the text says พัง: the fixed classifier raises
    with app.app_context():
        assert after_intake.process_new() == 1
        complaint = complaint_by_number(number)
        assert complaint.suggestion_confidence is None and complaint.repeat_checked_at is not None
        assert complaint.category.code == "ถนน"


def test_a_label_unknown_to_this_agency_is_skipped(app, client, with_classifier):
    with_classifier([("ไม่มีในระบบ", 0.9), ("ถนน", 0.07)])
    number = submit(client)
    with app.app_context():
        complaint = complaint_by_number(number)
        assert complaint.suggested_category.code == "ถนน" and complaint.needs_triage  # 0.07 is below the bar


def test_a_broken_model_never_stops_intake(app, client, with_classifier):
    with_classifier("boom")
    number = submit(client)
    with app.app_context():
        complaint = complaint_by_number(number)
        assert complaint.needs_triage and complaint.suggested_category_id is None


def test_an_officer_correction_routes_the_case_and_is_kept_as_feedback(app, client, with_classifier):
    with_classifier([("ถนน", 0.41)])
    number = submit(client)
    make_staff(app, "triager", "officer", "complaints-centre")
    officer = app.test_client()
    login(officer, "triager")
    with app.app_context():
        complaint_id = complaint_by_number(number).id
    token = csrf_from(officer.get(case_url(app, complaint_id)).text)
    bad = officer.post(case_url(app, complaint_id, "/category"), data={"csrf_token": token, "category": "x"})
    assert bad.status_code == 422 and "หมวดหมู่" in bad.text
    moved = officer.post(case_url(app, complaint_id, "/category"), data={"csrf_token": token, "category": "ท่อระบายน้ำ"})
    assert moved.status_code == 302 and moved.headers["Location"].endswith("/officer/")  # left the unit
    with app.app_context():
        complaint = complaint_by_number(number)
        assert (complaint.category.code, complaint.unit.code, complaint.category_source, complaint.needs_triage) == (
            "ท่อระบายน้ำ",
            "drainage",
            "officer",
            False,
        )
        feedback = db.session.scalar(select(CategoryFeedback))
        officer_id = db.session.scalar(select(User.id).where(User.username == "triager"))
        assert (feedback.predicted_category_id, feedback.corrected_category_id, feedback.officer_id) == (
            complaint.suggested_category_id,
            complaint.category_id,
            officer_id,
        )
        assert feedback.predicted_confidence == pytest.approx(0.41)
        assert [e.kind for e in complaint.events][-1] == "recategorise"
        assert not complaint.events[-1].public


def test_classification_can_be_switched_off(app, client, with_classifier):
    with_classifier([("ถนน", 0.99)])
    app.config["NLP_ENABLED"] = False
    number = submit(client)
    with app.app_context():
        complaint = complaint_by_number(number)
        assert complaint.needs_triage and complaint.suggested_category_id is None
        assert db.session.scalar(select(Complaint.category_id)) is None
