"""Officer pages (queue filters, entry on a citizen's behalf, replies) and the citizen's personal link."""

from __future__ import annotations

import re

from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Complaint, SurveyResponse, User
from complaints.services.casework import workflow
from complaints.services.messaging.citizen_links import response_token
from complaints.services.unit_of_work import unit_of_work
from tests.helpers import (
    case_url,
    complaint_by_number,
    counts,
    csrf_from,
    form_tokens,
    make_staff,
    root_cause_id,
    signed_in,
    submit_api,
)


def officer_client(app, username="pw-officer", role="officer", unit="public-works"):
    return signed_in(app, username, role, unit)


def test_queue_filters_and_sorting(app, client):
    officer = officer_client(app)
    road = submit_api(client, description="ถนนทรุดตัว", kind="complaint")
    idea = submit_api(client, description="ขอให้ทาสีทางม้าลายใหม่", kind="suggestion")
    with app.app_context():
        complaint_by_number(road).sla_state = "overdue"
        complaint_by_number(road).district = "เขตจตุจักร"
        db.session.commit()
    page = officer.get("/officer/").text
    assert road in page and idea in page
    assert road in officer.get("/officer/?due=overdue").text
    assert idea not in officer.get("/officer/?due=overdue").text
    assert idea in officer.get("/officer/?kind=suggestion").text
    assert road not in officer.get("/officer/?kind=suggestion").text
    assert road in officer.get("/officer/?district=เขตจตุจักร").text
    assert road not in officer.get("/officer/?channel=web").text
    assert officer.get("/officer/?status=closed").text.count("data-tracking=") == 0
    oldest_first = officer.get("/officer/?sort=received_asc").text
    assert oldest_first.index(road) < oldest_first.index(idea)
    newest_first = officer.get("/officer/?sort=received_desc").text
    assert newest_first.index(idea) < newest_first.index(road)
    # Nonsense in the query string is ignored, not an error.
    assert officer.get("/officer/?sort=1;DROP&status=<x>&page=-3").status_code == 200


def test_officer_records_a_letter_with_its_document_number(app):
    officer = officer_client(app)
    token = csrf_from(officer.get("/officer/complaints/new").text)
    response = officer.post(
        "/officer/complaints/new",
        data={
            "csrf_token": token,
            "channel": "letter",
            "document_number": "กท 1234/2569",
            "kind": "complaint",
            "category": "ถนน",
            "description": "หนังสือร้องเรียนเรื่องถนนชำรุด",
            "province": "กรุงเทพมหานคร",
            "district": "จตุจักร",
            "name": "นายสมศักดิ์ รักดี",
            "phone": "021234567",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        complaint = db.session.scalar(select(Complaint))
        assert (complaint.channel, complaint.document_number, complaint.district) == (
            "letter",
            "กท 1234/2569",
            "เขตจตุจักร",
        )
        assert complaint.events[0].actor == "officer" and complaint.events[0].actor_user_id is not None
        assert complaint.complainant.name == "นายสมศักดิ์ รักดี"
    detail = officer.get(response.headers["Location"]).text
    assert "กท 1234/2569" in detail and "หนังสือ/จดหมาย" in detail


def test_officer_entry_refuses_bad_input_in_both_languages(app):
    officer = officer_client(app)
    token = csrf_from(officer.get("/officer/complaints/new").text)
    response = officer.post(
        "/officer/complaints/new",
        data={"csrf_token": token, "channel": "phone", "kind": "complaint", "description": "<script>x</script>"},
    )
    assert response.status_code == 422
    assert "HTML" in response.text
    assert counts(app)["complaints"] == 0


def test_public_reply_and_internal_note(app, client):
    officer = officer_client(app)
    number = submit_api(client)
    with app.app_context():
        complaint_id = complaint_by_number(number).id
    token = csrf_from(officer.get(case_url(app, complaint_id)).text)
    officer.post(case_url(app, complaint_id, "/reply"), data={"csrf_token": token, "text": "ส่งทีมช่างแล้ว"})
    officer.post(case_url(app, complaint_id, "/note"), data={"csrf_token": token, "text": "ผู้ร้องโทรมาซ้ำ"})
    track = client.get(f"/track/{number}").text
    assert "ส่งทีมช่างแล้ว" in track and "ผู้ร้องโทรมาซ้ำ" not in track
    api = client.get(f"/api/v1/complaints/{number}").get_json()
    assert "ผู้ร้องโทรมาซ้ำ" not in str(api) and any(e["text"] == "ส่งทีมช่างแล้ว" for e in api["timeline"])
    with app.app_context():
        assert complaint_by_number(number).first_response_at is not None
    empty = officer.post(case_url(app, complaint_id, "/reply"), data={"csrf_token": token, "text": " "})
    assert empty.status_code == 422


def test_earlier_complaints_of_the_same_complainant_are_shown(app, client):
    officer = officer_client(app)
    first = submit_api(client, description="ไฟดับครั้งแรก")
    second = submit_api(client, description="ไฟดับอีกแล้ว")
    with app.app_context():
        second_id = complaint_by_number(second).id
    page = officer.get(case_url(app, second_id)).text
    assert 'id="earlier"' in page and first in page


def test_wrong_transition_is_a_409_with_both_languages(app, client):
    officer = officer_client(app)
    number = submit_api(client)
    with app.app_context():
        complaint_id = complaint_by_number(number).id
    token = csrf_from(officer.get(case_url(app, complaint_id)).text)
    response = officer.post(case_url(app, complaint_id, "/action"), data={"csrf_token": token, "action": "resume"})
    assert response.status_code == 409
    assert "ไม่สามารถ" in response.text and "not allowed" in response.text
    bogus = officer.post(case_url(app, complaint_id, "/action"), data={"csrf_token": token, "action": "fly"})
    assert bogus.status_code == 422


def _resolved(app, client) -> str:
    make_staff(app, "resolver", "officer", "public-works")
    number = submit_api(client)
    with app.app_context():
        officer = db.session.scalar(select(User).where(User.username == "resolver"))
        with unit_of_work():  # the test is the entry point: it owns the transaction
            workflow.transition(
                complaint_by_number(number),
                "resolve",
                officer,
                workflow.Params(reason="ซ่อมแล้ว", root_cause_id=root_cause_id()),
            )
    return number


def test_personal_link_confirms_and_rates_once(app, client):
    number = _resolved(app, client)
    with app.app_context():
        token = response_token(number)
    page = client.get(f"/track/{number}/respond?t={token}")
    assert page.status_code == 200 and "ซ่อมแล้ว" in page.text
    csrf = csrf_from(page.text)
    assert (
        client.post(f"/track/{number}/respond", data={"csrf_token": csrf, "t": token, "choice": "confirm"}).status_code
        == 302
    )
    bad = client.post(
        f"/track/{number}/respond",
        data={"csrf_token": csrf, "t": token, "choice": "survey", "satisfaction": "9", "confidence": "x"},
    )
    assert bad.status_code == 422 and "1–5" in bad.text
    good = client.post(
        f"/track/{number}/respond",
        data={
            "csrf_token": csrf,
            "t": token,
            "choice": "survey",
            "satisfaction": "5",
            "confidence": "4",
            "comment": "รวดเร็ว",
        },
    )
    assert good.status_code == 302
    twice = client.post(
        f"/track/{number}/respond",
        data={"csrf_token": csrf, "t": token, "choice": "survey", "satisfaction": "1", "confidence": "1"},
    )
    assert twice.status_code == 409
    with app.app_context():
        complaint = complaint_by_number(number)
        assert complaint.status == "closed" and complaint.closed_at is not None
        rows = db.session.scalars(select(SurveyResponse)).all()
        assert [(r.satisfaction, r.confidence, r.comment) for r in rows] == [(5, 4, "รวดเร็ว")]


def test_the_tracking_number_alone_cannot_act(app, client):
    number = _resolved(app, client)
    for token in ("", "forged", response_token.__name__):
        response = client.get(f"/track/{number}/respond?t={token}")
        assert response.status_code == 403
        assert "ลิงก์นี้ไม่ถูกต้อง" in response.text
    with app.app_context():
        other = response_token(submit_api(client))
    assert client.get(f"/track/{number}/respond?t={other}").status_code == 403


def test_the_receipt_shows_the_personal_link_only_to_the_submitting_browser(app, client):
    data = {**form_tokens(client), "kind": "complaint", "description": "ขยะล้นถัง", "privacy_accepted": "y"}
    receipt_url = client.post("/complaints/new", data=data).headers["Location"]
    assert 'id="personal-link"' in client.get(receipt_url).text
    stranger = app.test_client()
    assert 'id="personal-link"' not in stranger.get(receipt_url).text


def test_standards_page_publishes_standards_version_and_process(client):
    page = client.get("/standards").text
    assert "มาตรฐานและขั้นตอนการจัดการเรื่องร้องเรียน" in page and "Complaint handling standards" in page
    table = re.search(r'id="default-standard".*?</table>', page, re.S).group(0)
    assert re.search(r"<td>1</td>", table) and re.search(r"<td>15</td>", table)
    assert re.search(r"ฉบับที่ \d+ ประกาศเมื่อ \d{1,2} \S+ 25\d\d", page)
    assert "2546" in page and 'id="process"' in page


def test_personal_data_in_a_public_reply_is_masked_on_public_pages(app, client):
    officer = officer_client(app)
    number = submit_api(client)
    with app.app_context():
        complaint_id = complaint_by_number(number).id
    token = csrf_from(officer.get(case_url(app, complaint_id)).text)
    officer.post(
        case_url(app, complaint_id, "/reply"),
        data={"csrf_token": token, "text": "นายสมชาย ใจดี ช่างเขต จะติดต่อกลับที่เบอร์ 081-234-5678 ภายในวันนี้"},
    )
    track = client.get(f"/track/{number}").text
    api = str(client.get(f"/api/v1/complaints/{number}").get_json())
    for page in (track, api):
        assert "สมชาย" not in page and "081-234-5678" not in page
        assert "[เบอร์โทร]" in page and "จะติดต่อกลับที่เบอร์" in page
    # Staff still see what was written.
    assert "081-234-5678" in officer.get(case_url(app, complaint_id)).text
