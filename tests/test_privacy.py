"""PDPA duties: tip-offs seen only by integrity officers, an audit trail of contact
views, data-subject access and erasure handled by an admin with a record, and the
retention policy."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import AuditEntry, Complainant, Complaint, DataRequest, utcnow
from complaints.services.privacy import duties
from tests.helpers import (
    case_url,
    complaint_by_number,
    csrf_from,
    export_file,
    make_staff,
    root_cause_id,
    signed_in,
    submit_api,
)

TIP = "เจ้าหน้าที่ฝ่ายโยธาเรียกรับเงินใต้โต๊ะเพื่ออนุมัติใบอนุญาตก่อสร้าง"


def test_a_tip_off_goes_to_the_integrity_unit_and_only_integrity_officers_see_it(app, client):
    tip = submit_api(client, kind="tip_off", description=TIP, category="ถนน")
    road = submit_api(client, description="ถนนเป็นหลุมลึก", category="ถนน")
    with app.app_context():
        tip_id, road_id = complaint_by_number(tip).id, complaint_by_number(road).id
        assert complaint_by_number(tip).unit.code == "integrity"  # not public works, whatever the category
    integrity = signed_in(app, "integrity1", "integrity", "integrity")
    assert TIP in integrity.get(case_url(app, tip_id)).text
    assert integrity.get(case_url(app, road_id)).status_code == 404  # nothing else
    queue = integrity.get("/officer/").text
    assert tip in queue and road not in queue
    for username, role, unit in [
        ("works", "officer", "public-works"),
        ("boss", "supervisor", "district-office"),
        ("mgr", "manager", None),
        ("root", "admin", None),
    ]:
        other = signed_in(app, username, role, unit)
        assert other.get(case_url(app, tip_id)).status_code == 404, role
        assert tip not in other.get("/officer/").text, role
    # The integrity officer works the case through to closure.
    token = csrf_from(integrity.get(case_url(app, tip_id)).text)
    with app.app_context():
        cause = root_cause_id("enforcement")
    answer = integrity.post(
        case_url(app, tip_id, "/action"),
        data={"csrf_token": token, "action": "resolve", "reason": "ส่งเรื่องให้ ป.ป.ช. แล้ว", "root_cause_id": cause},
    )
    assert answer.status_code == 302
    with app.app_context():
        assert db.session.get(Complaint, tip_id).status == "resolved"


def test_every_view_of_contact_data_is_in_the_audit_trail(app, client):
    number = submit_api(client)
    anonymous = submit_api(client, anonymous=True, contact=None)
    officer = signed_in(app, "viewer", "officer", "public-works")
    with app.app_context():
        named_id, anon_id = complaint_by_number(number).id, complaint_by_number(anonymous).id
    page = officer.get(case_url(app, named_id)).text
    assert "somchai@example.com" in page
    officer.get(case_url(app, named_id))
    officer.get(case_url(app, anon_id))  # no contact shown: nothing to record
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert [(e.action, e.complaint_id, e.user.username) for e in entries] == [
            ("view_contact", named_id, "viewer")
        ] * 2
    admin = signed_in(app, "root", "admin", None)
    trail = admin.get("/admin/audit").text
    assert trail.count('data-action="view_contact"') == 2 and "viewer" in trail
    assert officer.get("/admin/audit").status_code == 403


def test_a_subject_access_request_exports_everything_and_is_recorded(app, client):
    first = submit_api(client)
    second = submit_api(client, description="ไฟทางดับ", contact={"phone": "+66 81 111 1111"})  # same phone
    submit_api(client, contact={"name": "คนอื่น", "phone": "0899999999"})
    admin = signed_in(app, "root", "admin", None)
    token = csrf_from(admin.get("/admin/privacy").text)
    found = admin.post(
        "/admin/privacy",
        data={"csrf_token": token, "contact_kind": "phone", "contact": "081-111-1111", "action": "find"},
    )
    assert "2 เรื่อง" in found.text and first in found.text and second in found.text
    export = admin.post(
        "/admin/privacy",
        data={
            "csrf_token": token,
            "contact_kind": "phone",
            "contact": "0811111111",
            "action": "export",
            "note": "คำขอ 12/2569",
        },
    )
    data = json.loads(export.data)
    assert sorted(c["tracking_number"] for c in data["complaints"]) == sorted([first, second])
    assert {p["phone"] for p in data["complainants"]} == {"0811111111", "+66 81 111 1111"}
    with app.app_context():
        record = db.session.scalars(select(DataRequest)).one()
        assert (record.kind, record.complaints, record.note) == ("access", 2, "คำขอ 12/2569")
        assert "0811111111" not in record.contact_key
        assert (
            db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "subject_export"))
            == 2
        )


def test_erasure_removes_contact_data_but_keeps_the_complaints(app, client):
    number = submit_api(client, description="ถนนพัง ติดต่อ 0811111111 หรือ somchai@example.com")
    other = submit_api(client, contact={"name": "คนอื่น", "phone": "0899999999"})
    admin = signed_in(app, "root", "admin", None)
    token = csrf_from(admin.get("/admin/privacy").text)
    bad = admin.post("/admin/privacy", data={"csrf_token": token, "contact_kind": "passport", "contact": "x"})
    assert bad.status_code == 422 and "phone" in bad.text
    done = admin.post(
        "/admin/privacy",
        data={"csrf_token": token, "contact_kind": "email", "contact": "SOMCHAI@example.com ", "action": "erase"},
    )
    assert done.status_code == 302
    with app.app_context():
        complaint = complaint_by_number(number)
        person = complaint.complainant
        assert (person.name, person.phone, person.email, person.phone_key, person.email_key) == (None,) * 5
        assert "0811111111" not in complaint.description and "somchai@example.com" not in complaint.description
        assert complaint.status and complaint.tracking_number == number  # the complaint stays
        assert complaint_by_number(other).complainant.phone == "0899999999"  # someone else: untouched
        assert db.session.scalars(select(DataRequest)).one().kind == "erasure"
    assert "personal_data_erased" not in client.get(f"/track/{number}").text  # an internal event


def test_retention_erases_contact_data_of_long_closed_complaints_only(app, client):
    old = submit_api(client, contact={"name": "เก่า", "phone": "0811111112"})
    recent = submit_api(client, contact={"name": "ใหม่", "phone": "0811111113"})
    still_open = submit_api(client, contact={"name": "ยังเปิด", "phone": "0811111114"})
    with app.app_context():
        days = app.config["RETENTION_DAYS_AFTER_CLOSE"]
        now = utcnow()
        complaint_by_number(old).closed_at = now - timedelta(days=days + 1)
        complaint_by_number(old).status = "closed"
        complaint_by_number(recent).closed_at = now - timedelta(days=days - 1)
        complaint_by_number(recent).status = "closed"
        db.session.commit()
        assert duties.apply_retention(now) == 1
        assert complaint_by_number(old).complainant.name is None
        assert complaint_by_number(recent).complainant.name == "ใหม่"
        assert complaint_by_number(still_open).complainant.name == "ยังเปิด"
        assert duties.apply_retention(now) == 0  # idempotent
        assert db.session.scalar(select(func.count()).select_from(Complainant).where(Complainant.name.is_(None))) == 1
        assert db.session.scalars(select(AuditEntry.action)).all() == ["retention"]
        assert db.session.scalar(select(func.count()).select_from(Complaint)) == 3


def test_managers_never_learn_of_a_tip_off_in_lists_filters_or_exports(app, client):
    from complaints.domain.periods import Period

    tip = submit_api(client, kind="tip_off", description=TIP, category="ถนน")
    road = submit_api(client, description="ถนนเป็นหลุมลึก", category="ถนน")
    with app.app_context():
        period = Period.containing(complaint_by_number(tip).received_at).code
        unit_id = complaint_by_number(tip).unit_id
    manager = signed_in(app, "mgr", "manager", None)
    listing = manager.get(f"/manager/complaints?period={period}&kind=tip_off")
    assert listing.status_code == 200
    assert 'id="drill-count">0<' in listing.text and tip not in listing.text
    # Narrowing by category, district or handling unit names no tip-off either.
    for extra in ("category=", "district=none", f"handling_unit={unit_id}", "kind="):
        page = manager.get(f"/manager/complaints?period={period}&{extra}").text
        assert tip not in page and "เรียกรับเงิน" not in page, extra
    assert road in manager.get(f"/manager/complaints?period={period}").text  # the list itself works
    export = export_file(app, manager, f"period={period}").get_data(as_text=True)
    assert road in export and tip not in export and "เรียกรับเงิน" not in export


def test_public_answers_hide_the_complainants_own_contacts_however_an_officer_writes_them(app, client):
    """An officer's reply quoted the complainant's name without a title, the surname alone,
    the phone digit by digit and the e-mail written out: general rules cannot know these are
    personal data, the complainant's own stored contacts can (found by the attacker review)."""
    from complaints.models import User
    from complaints.services.casework import case_actions

    number = submit_api(
        client,
        description="ถนนพังหน้าซอย 7 รถจักรยานยนต์ล้ม",
        contact={"name": "สมหมาย ทิพย์ลับเฉพาะ", "phone": "0871234599", "email": "whistle7731@example.org"},
    )
    officer_id = make_staff(app, "works", "officer", "public-works")
    reply = (
        "ผู้ร้อง ทิพย์ลับเฉพาะ แจ้งว่า สมหมาย ทิพย์ลับเฉพาะ ติดต่อได้ที่ 0 8 7 1 2 3 4 5 9 9 "
        "หรือ whistle7731 at example.org ทางเขตซ่อมถนนแล้ว โทร 02-111-2222"
    )
    with app.app_context():
        complaint = complaint_by_number(number)
        case_actions.add_reply(complaint, db.session.get(User, officer_id), reply)
        db.session.commit()
    pages = [
        client.get(f"/track/{number}").get_data(as_text=True),
        json.dumps(client.get(f"/api/v1/complaints/{number}").get_json(), ensure_ascii=False),
        client.get(f"/open311/v2/requests/{number}.json").get_data(as_text=True),
        client.get("/open311/v2/requests.json").get_data(as_text=True),
    ]
    assert all(number in page for page in pages)
    for page in pages:
        for leaked in ("ทิพย์ลับเฉพาะ", "สมหมาย", "0 8 7 1", "0871234599", "whistle7731"):
            assert leaked not in page, (leaked, page[:400])
    track = pages[0]
    assert "ทางเขตซ่อมถนนแล้ว" in track and "[ชื่อบุคคล]" in track  # the answer stays, the person goes
