"""The assessment's edit page and submitting a period (issue 19): the heading, saving every
item at once, which periods can be opened and submitted, confirmation, who submitted."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlalchemy import select

from assessment import evidence, service
from assessment.models import Assessment, AssessmentAnswer
from complaints.domain.periods import Period
from complaints.extensions import db
from complaints.models import User, utcnow
from tests.assessment_scenario import seed_fy2569
from tests.helpers import csrf_from

PAST = "2569"  # FY2569 ended on 30 Sep 2026 (Bangkok)


def _current() -> Period:
    return Period.containing(utcnow(), quarter=True)


def _next_quarter() -> Period:
    return Period.containing(_current().end + timedelta(days=1), quarter=True)


def _open(client, period: str):
    token = csrf_from(client.get("/assessment/").text)
    return client.post("/assessment/open", data={"period": period, "csrf_token": token})


def _heading(page: str) -> str:
    return re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S).group(1)


def _assessment(app, period: str) -> Assessment:
    with app.app_context():
        found = db.session.scalar(select(Assessment).where(Assessment.period == period))
        db.session.expunge_all()
        return found


def test_the_edit_page_heading_names_the_period_in_either_language(app, manager):
    assert _open(manager, "2569-Q3").status_code == 302
    thai = _heading(manager.get("/assessment/2569-Q3").text)
    assert "ไตรมาสที่ 3 ปีงบประมาณ พ.ศ. 2569" in thai
    assert "1 เม.ย. 2569 – 30 มิ.ย. 2569" in thai
    english = _heading(manager.get("/assessment/2569-Q3?lang=en").text)
    assert "FY2569 Q3" in english and "1 Apr 2026 – 30 Jun 2026" in english


def test_saving_one_item_keeps_what_was_typed_in_the_others(app, manager):
    assert _open(manager, PAST).status_code == 302
    page = manager.get(f"/assessment/{PAST}").text
    # Every answer input belongs to the page's one answers form, whichever item it sits in.
    for name in ("status-3.1-B1", "explanation-3.1-B1", "field-3.1-B1-f1", "status-3.2-A1", "explanation-3.3-B1"):
        assert re.search(rf'name="{re.escape(name)}" form="answers"', page), name
    # The save button of 3.1-B1 is pressed while text was typed in 3.2-A1 too.
    response = manager.post(
        f"/assessment/{PAST}/answers",
        data={
            "csrf_token": csrf_from(page),
            "anchor": "#item-3.1-B1",
            "status-3.1-B1": "met",
            "explanation-3.1-B1": "สำรวจทุกไตรมาส",
            "field-3.1-B1-f1": "แบบสอบถามออนไลน์",
            "status-3.2-A1": "in_progress",
            "explanation-3.2-A1": "กำลังร่างแผน",
            "status-3.3-B1": "not_met",
            "explanation-3.3-B1": "",
        },
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("#item-3.1-B1")
    with app.app_context():
        answers = {a.item_id: a for a in db.session.scalars(select(AssessmentAnswer))}
        assert set(answers) == {"3.1-B1", "3.2-A1"}  # 3.3-B1 was left as shown: nothing written
        assert answers["3.1-B1"].status == "met"
        assert json.loads(answers["3.1-B1"].fields) == {"3.1-B1-f1": "แบบสอบถามออนไลน์"}
        assert (answers["3.2-A1"].status, answers["3.2-A1"].explanation) == ("in_progress", "กำลังร่างแผน")
    page = manager.get(f"/assessment/{PAST}").text
    assert "สำรวจทุกไตรมาส" in page and "กำลังร่างแผน" in page


def test_a_refused_save_keeps_every_typed_text_on_the_page(app, manager):
    assert _open(manager, PAST).status_code == 302
    page = manager.get(f"/assessment/{PAST}").text
    response = manager.post(
        f"/assessment/{PAST}/answers",
        data={
            "csrf_token": csrf_from(page),
            "status-3.1-B1": "met",
            "explanation-3.1-B1": "ข้อความที่พิมพ์ไว้ยาว ๆ",
            "status-3.2-A1": "met",
            "explanation-3.2-A1": "<script>alert(1)</script>",
        },
    )
    assert response.status_code == 422
    assert 'data-field="explanation-3.2-A1"' in response.text
    assert "ข้อความที่พิมพ์ไว้ยาว ๆ" in response.text  # not lost
    with app.app_context():  # all or nothing
        assert db.session.scalar(select(AssessmentAnswer)) is None


def test_a_future_period_cannot_be_opened(app, manager):
    future = _next_quarter()
    response = _open(manager, future.code)
    assert response.status_code == 422
    assert "ยังไม่เริ่ม" in response.text and "has not begun" in response.text
    assert _assessment(app, future.code) is None
    assert manager.get(f"/assessment/{future.code}").status_code == 404


def test_an_empty_period_meets_nothing_even_with_standards_published(app):
    with app.test_request_context():
        seed_fy2569()  # standards published in 2025, categories with standards
        empty = _next_quarter()  # no complaints yet (the 2570-Q2 scored 200 on 3.4)
        result = evidence.criterion_34(empty)
        content = service.content(empty, None)
    assert not any(entry["met"] for entry in result["items"].values())
    deciding = [m for entry in result["items"].values() for m in entry["metrics"] if m["met"] is not None]
    assert deciding and all(m["met"] is False and m["why_not_th"] and m["why_not_en"] for m in deciding)
    assert content["scores"]["criteria"]["3.4"]["total"] == 0
    assert content["scores"]["criteria"]["3.4"]["level"] == "not_started"


def test_the_current_period_stays_a_draft_marked_as_such(app, manager):
    current = _current()
    assert _open(manager, current.code).status_code == 302
    page = manager.get(f"/assessment/{current.code}").text
    assert "รอบยังไม่สิ้นสุด" in page and "the period has not ended" in page
    assert 'id="submit-assessment"' not in page and 'id="submit-not-yet"' in page
    token = csrf_from(page)
    for data in ({}, {"confirm": "yes"}):
        response = manager.post(f"/assessment/{current.code}/submit", data={"csrf_token": token, **data})
        assert response.status_code == 409
        assert "ยังไม่สิ้นสุด" in response.text and "has not ended" in response.text
    assert _assessment(app, current.code).status == "draft"


def test_submitting_asks_for_confirmation_and_records_who(app, manager):
    with app.app_context():
        seed_fy2569()
    assert _open(manager, PAST).status_code == 302
    page = manager.get(f"/assessment/{PAST}").text
    assert 'id="submit-assessment"' in page
    token = csrf_from(page)
    asked = manager.post(f"/assessment/{PAST}/submit", data={"csrf_token": token})
    assert asked.status_code == 200
    assert 'id="confirm-submit"' in asked.text and 'name="confirm" value="yes"' in asked.text
    assert "ยืนยันการส่งแบบประเมิน" in asked.text and "Confirm submitting" in asked.text
    assert _assessment(app, PAST).status == "draft"  # one click froze nothing
    done = manager.post(f"/assessment/{PAST}/submit", data={"csrf_token": token, "confirm": "yes"})
    assert done.status_code == 302
    with app.app_context():
        assessment = db.session.scalar(select(Assessment).where(Assessment.period == PAST))
        boss = db.session.scalar(select(User).where(User.username == "boss"))
        assert assessment.status == "submitted" and assessment.submitted_by_id == boss.id
        name, submitted_at = boss.display_name, assessment.submitted_at
        assert json.loads(assessment.snapshot)["submitted_by"] == name
    page = manager.get(f"/assessment/{PAST}").text
    assert "Submitted (frozen)" in page and name in page.split('id="submitted-by"', 1)[1][:300]
    report = manager.get(f"/assessment/{PAST}/report.html").text
    stamp = report.split('id="report-submitted"', 1)[1].split("</span>", 1)[0]
    from complaints.domain.thai_calendar import format_english_datetime, format_thai_datetime

    assert name in stamp
    assert format_thai_datetime(submitted_at) in stamp and format_english_datetime(submitted_at) in stamp
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", stamp)  # no raw ISO time
    again = manager.post(f"/assessment/{PAST}/submit", data={"csrf_token": token, "confirm": "yes"})
    assert again.status_code == 409 and "แก้ไขไม่ได้" in again.text and "can no longer change" in again.text
