"""Issue 16, findings 1-4: the paths by which a tip-off (แจ้งเบาะแสการทุจริต) leaked, closed.

Each test replays the attacker's steps and shows the rule of complaints/services/access.py
holding: a tip-off is known only to the integrity role (and to its sender, for their own
number); background links never join a tip-off to an ordinary complaint.
"""

from __future__ import annotations

import json

from sqlalchemy import select

from complaints.domain import tracking_numbers
from complaints.extensions import db
from complaints.models import Unit, User
from tests.helpers import case_url, complaint_by_number, csrf_from, make_staff, signed_in, submit_api

TIP = "เจ้าหน้าที่ฝ่ายโยธาเรียกรับเงินใต้โต๊ะค่าซ่อมถนนซอยพหลโยธิน 48 หลุมใหญ่หน้าตลาด"
LOOKALIKE = "ถนนซอยพหลโยธิน 48 เป็นหลุมใหญ่หน้าตลาด ขอให้ซ่อมถนนด่วน"
WHISTLEBLOWER = {"name": "ประเสริฐ ซื่อตรง", "phone": "0865550101", "email": "prasert-wb@example.org"}
PLACE = {"lat": 13.9001, "lon": 100.6150, "address": "ซอยพหลโยธิน 48", "province": "กรุงเทพมหานคร", "district": "สายไหม"}


def unknown_number(app) -> str:
    """A well-formed number that no complaint has."""
    with app.app_context():
        return tracking_numbers.generate(app.config["TRACKING_PREFIX"], 2569)


def tip_and_twin(client) -> tuple[str, str]:
    """Finding 1's steps: a tip-off, then an ordinary complaint from the same phone in the same category."""
    tip = submit_api(client, kind="tip_off", description=TIP, category="ถนน", contact=WHISTLEBLOWER, location=PLACE)
    twin = submit_api(
        client,
        description=LOOKALIKE,
        category="ถนน",
        location=PLACE,
        contact={"name": WHISTLEBLOWER["name"], "phone": WHISTLEBLOWER["phone"]},
    )
    return tip, twin


# --- finding 1: the repeat link named the whistleblower --------------------------------------


def test_repeat_detection_links_no_ordinary_complaint_to_a_tip_off_but_tip_offs_to_each_other(app, client):
    from complaints.services.casework import after_intake

    tip, twin = tip_and_twin(client)
    second_tip = submit_api(
        client, kind="tip_off", description=TIP + " อีกครั้ง", category="ถนน", contact=WHISTLEBLOWER, location=PLACE
    )
    with app.app_context():
        assert after_intake.process_new() == 3
        assert complaint_by_number(twin).repeat_of_id is None
        # Behind the wall the link still works: the integrity role sees the repeated tip-off.
        assert complaint_by_number(second_tip).repeat_of_id == complaint_by_number(tip).id


def test_a_case_page_names_no_tip_off_even_through_an_old_repeat_link(app, client):
    tip, twin = tip_and_twin(client)
    with app.app_context():
        # A link made before the rule (or by any other path): the page must still not show it.
        complaint_by_number(twin).repeat_of_id = complaint_by_number(tip).id
        db.session.commit()
        twin_id = complaint_by_number(twin).id
    for username, role, unit in [
        ("pw", "officer", "public-works"),
        ("boss", "supervisor", "district-office"),
        ("mgr", "manager", None),
        ("root", "admin", None),
    ]:
        page = signed_in(app, username, role, unit).get(case_url(app, twin_id))
        assert page.status_code == 200, role
        text = page.get_data(as_text=True)
        assert WHISTLEBLOWER["phone"] in text  # the twin's own contact is the twin's
        assert tip not in text and 'id="repeat-of"' not in text, role
        assert "เรียกรับเงิน" not in text, role


def test_similar_and_earlier_lists_on_a_case_page_leave_tip_offs_out(app, client):
    tip, twin = tip_and_twin(client)
    other = submit_api(
        client,
        description=LOOKALIKE + " รถล้ม",
        category="ถนน",
        location=PLACE,
        contact={"name": "คนอื่น", "phone": "0812220000"},
    )
    with app.app_context():
        twin_id = complaint_by_number(twin).id
    page = signed_in(app, "pw", "officer", "public-works").get(case_url(app, twin_id)).get_data(as_text=True)
    assert other in page  # the similar list works for what the officer may know of
    assert tip not in page


def test_a_tip_off_number_answers_the_public_exactly_as_an_unknown_number(app, client):
    tip, _ = tip_and_twin(client)
    unknown = unknown_number(app)
    for path in ("/api/v1/complaints/{}", "/track/{}", "/complaints/receipt/{}", "/track/{}/respond"):
        hidden, missing = client.get(path.format(tip)), client.get(path.format(unknown))
        assert hidden.status_code == missing.status_code == 404, path
        assert hidden.get_data(as_text=True).replace(tip, "N") == missing.get_data(as_text=True).replace(unknown, "N")
    assert client.get(f"/track?number={tip.replace('-', '').lower()}").status_code == 404
    assert client.get("/api/v1/complaints/" + tip).get_json() == client.get("/api/v1/complaints/" + unknown).get_json()
    # Open311 GET: an unknown id, and left out of a search by ids.
    for fmt in ("json", "xml"):
        assert client.get(f"/open311/v2/requests/{tip}.{fmt}").get_data(as_text=True).replace(tip, "N") == client.get(
            f"/open311/v2/requests/{unknown}.{fmt}"
        ).get_data(as_text=True).replace(unknown, "N")
    assert client.get(f"/open311/v2/requests.json?service_request_id={tip}").get_json() == []


def test_the_sender_alone_follows_their_tip_off(app, client):
    from complaints.services.messaging.citizen_links import response_token

    tip, _ = tip_and_twin(client)
    with client.session_transaction() as session:
        session["submitted"] = [tip]  # as the web form records the browser that filed it
    receipt = client.get(f"/complaints/receipt/{tip}")
    assert receipt.status_code == 200 and tip in receipt.get_data(as_text=True)
    assert client.get(f"/track/{tip}").status_code == 200
    with app.app_context():
        token = response_token(tip)
    stranger = app.test_client()
    assert stranger.get(f"/track/{tip}/respond?t={token}").status_code == 200  # the personal link
    assert stranger.get(f"/track/{tip}/respond?t=forged").status_code == 404  # not 403: unknown
    assert stranger.get(f"/track/{tip}").status_code == 404


def test_chat_tracking_answers_a_tip_off_only_to_its_sender(app, client):
    from complaints.services.channels import chat_replies

    tip, _ = tip_and_twin(client)
    unknown = unknown_number(app)
    with app.test_request_context():
        stranger = chat_replies.status_text(tip, lambda c: False)
        assert stranger == chat_replies.status_text(unknown, lambda c: False)
        assert tip not in stranger
        assert tip in chat_replies.status_text(tip, lambda c: True)


# --- finding 2: the admin's PDPA page handed out tip-offs ------------------------------------


def _privacy(admin, kind: str, value: str, action: str):
    token = csrf_from(admin.get("/admin/privacy").get_data(as_text=True))
    return admin.post(
        "/admin/privacy", data={"csrf_token": token, "contact_kind": kind, "contact": value, "action": action}
    )


def test_pdpa_find_and_export_leave_tip_offs_and_their_senders_out_for_an_admin(app, client):
    tip, twin = tip_and_twin(client)
    admin = signed_in(app, "root", "admin", None)
    found = _privacy(admin, "phone", WHISTLEBLOWER["phone"], "find").get_data(as_text=True)
    assert twin in found and tip not in found
    assert "1 complainant records, 1 complaints" in found
    export = json.loads(_privacy(admin, "phone", WHISTLEBLOWER["phone"], "export").get_data(as_text=True))
    assert [c["tracking_number"] for c in export["complaints"]] == [twin]
    assert "เรียกรับเงิน" not in json.dumps(export, ensure_ascii=False)
    assert len(export["complainants"]) == 1 and WHISTLEBLOWER["email"] not in json.dumps(export)
    # The e-mail only the tip-off carries finds nothing at all (not "1 record, 0 complaints").
    by_email = _privacy(admin, "email", WHISTLEBLOWER["email"], "find").get_data(as_text=True)
    assert "0 complainant records, 0 complaints" in by_email and tip not in by_email
    with app.app_context():  # the handled request records only what the admin saw
        from complaints.models import DataRequest

        assert [r.complaints for r in db.session.scalars(select(DataRequest))] == [1]


def test_the_audit_trail_shows_no_trace_of_an_integrity_officers_access_to_a_tip_off(app, client):
    tip, twin = tip_and_twin(client)
    with app.app_context():
        tip_id = complaint_by_number(tip).id
    integrity = signed_in(app, "integrity1", "integrity", "integrity")
    assert integrity.get(case_url(app, tip_id)).status_code == 200  # audited: view_contact
    admin = signed_in(app, "root", "admin", None)
    assert admin.get(case_url(app, twin)).status_code == 200  # an ordinary access, audited too
    trail = admin.get("/admin/audit").get_data(as_text=True)
    assert "root" in trail and twin in trail  # the trail itself works
    # That an integrity officer opened something is the integrity role's alone (issue 16).
    assert "integrity1" not in trail and "withheld" not in trail and "ปกปิด" not in trail
    assert f"complaint_id={tip_id}" not in trail and f'/officer/complaints/{tip_id}"' not in trail
    assert tip not in trail and case_url(app, tip) not in trail
    assert f">#{tip_id}<" not in trail


# --- finding 3: a stranger's receipt listed tip-offs -----------------------------------------


def test_a_strangers_receipt_lists_no_tip_off_and_is_rate_limited(app, client):
    tip, twin = tip_and_twin(client)
    stranger_client = app.test_client()
    stranger = submit_api(
        stranger_client,
        description=LOOKALIKE,
        category="ถนน",
        location=PLACE,
        contact={"name": "คนแปลกหน้า", "phone": "0813334444"},
    )
    receipt = stranger_client.get(f"/complaints/receipt/{stranger}").get_data(as_text=True)
    assert 'id="similar-reports"' in receipt and twin in receipt  # similar reports are still shown
    assert tip not in receipt and tip.replace("-", "") not in receipt
    app.config["TRACK_RATE_LIMIT"] = "3 per minute"
    prober = app.test_client()
    answers = [prober.get(f"/complaints/receipt/{stranger}").status_code for _ in range(5)]
    assert answers[:3] == [200, 200, 200] and answers[3:] == [429, 429]
    assert prober.get(f"/track/{stranger}").status_code == 429  # one budget with /track


# --- finding 4: manager lists, exports, forwarding -------------------------------------------


def test_forwarding_a_tip_off_keeps_it_with_the_integrity_role(app, client):
    tip, _ = tip_and_twin(client)
    with app.app_context():
        tip_row = complaint_by_number(tip)
        tip_id, integrity_unit = tip_row.id, tip_row.unit_id
        public_works = db.session.scalar(select(Unit.id).where(Unit.code == "public-works"))
    integrity = signed_in(app, "integrity1", "integrity", "integrity")
    page = integrity.get(case_url(app, tip_id)).get_data(as_text=True)
    assert 'name="to_unit_id"' not in page  # the form offers outside agencies only
    token = csrf_from(page)
    refused = integrity.post(
        case_url(app, tip_id, "/action"),
        data={"csrf_token": token, "action": "forward", "to_unit_id": str(public_works), "reason": "ส่งให้ฝ่ายโยธา"},
    )
    assert refused.status_code == 422 and "หน่วยงานภายนอก" in refused.get_data(as_text=True)
    with app.app_context():
        assert complaint_by_number(tip).unit_id == integrity_unit and complaint_by_number(tip).status != "forwarded"
    # An integrity officer's new category does not move it to the category's unit either.
    integrity.post(case_url(app, tip_id, "/category"), data={"csrf_token": token, "category": "ทางเท้า"})
    with app.app_context():
        assert complaint_by_number(tip).unit_id == integrity_unit
    done = integrity.post(
        case_url(app, tip_id, "/action"),
        data={"csrf_token": token, "action": "forward", "agency": "สำนักงาน ป.ป.ช.", "reason": "อยู่ในอำนาจ ป.ป.ช."},
    )
    assert done.status_code == 302
    with app.app_context():
        assert complaint_by_number(tip).status == "forwarded"
    for username, role, unit in [("pw-sup", "supervisor", "public-works"), ("do-sup", "supervisor", "district-office")]:
        supervisor = signed_in(app, username, role, unit)
        for path in ("/officer/?status=all", "/manager/complaints", "/manager/complaints?kind=tip_off"):
            assert tip not in supervisor.get(path).get_data(as_text=True), (role, path)


def test_the_dashboard_gives_no_tip_off_row_or_drill_link(app, client):
    tip, twin = tip_and_twin(client)
    manager = signed_in(app, "mgr", "manager", None)
    dashboard = manager.get("/manager/").get_data(as_text=True)
    assert "kind=tip_off" not in dashboard
    listing = manager.get("/manager/complaints?kind=").get_data(as_text=True)
    assert twin in listing and tip not in listing


def test_merging_across_the_tip_off_wall_is_refused(app, client):
    from complaints.services.casework import workflow

    tip, twin = tip_and_twin(client)
    with app.app_context():
        admin = db.session.get(User, make_staff(app, "root", "admin", None))
        twin_row = complaint_by_number(twin)
        try:
            workflow.transition(twin_row, "merge", admin, workflow.Params(into=tip))
        except workflow.WorkflowError as exc:
            assert exc.status == 422 and "No complaint to merge into" in exc.en
        else:
            raise AssertionError("merged an ordinary complaint into a tip-off")
        db.session.rollback()
        assert complaint_by_number(twin).merged_into_id is None


def test_an_overdue_tip_off_alerts_the_integrity_role_not_the_units_supervisors(app, client):
    from datetime import timedelta

    from complaints.models import OutboxMessage
    from complaints.services.casework import sla

    tip, twin = tip_and_twin(client)
    make_staff(app, "do-sup", "supervisor", "district-office", email="boss@example.org")
    make_staff(app, "int-sup", "supervisor", "integrity", email="int-boss@example.org")
    make_staff(app, "integrity1", "integrity", "integrity", email="integrity@example.org")
    with app.app_context():
        later = complaint_by_number(twin).received_at + timedelta(days=120)
        sla.sweep(later)
        db.session.commit()

        def alerted(number: str) -> set[str]:
            return set(
                db.session.scalars(
                    select(OutboxMessage.recipient).where(
                        OutboxMessage.complaint_id == complaint_by_number(number).id,
                        OutboxMessage.purpose == "supervisor_alert",
                    )
                )
            )

        assert alerted(twin) == {"boss@example.org"}  # public works is under the district office
        assert alerted(tip) == {"integrity@example.org"}  # not even a supervisor placed in the integrity unit


def test_a_tip_off_number_in_any_spelling_or_with_hostile_characters_reveals_nothing(app, client):
    tip, _ = tip_and_twin(client)
    spellings = [
        tip.lower(),
        tip.replace("-", ""),
        tip.replace("-", " "),
        f" {tip} ",
        tip.replace("-", "\u200b"),
        tip + "\x00",
        tip + "<script>alert(1)</script>",
        tip + "' OR '1'='1",
        "../" + tip,
        tip * 20,
    ]
    for text in spellings:
        for path in ("/track/{}", "/complaints/receipt/{}", "/api/v1/complaints/{}", "/track?number={}"):
            answer = client.get(path.format(text))
            assert answer.status_code in (400, 404), (path, text, answer.status_code)
            body = answer.get_data(as_text=True)
            assert tip not in body and "เรียกรับเงิน" not in body and "<script>alert" not in body, (path, text)


def test_the_integrity_officer_answers_a_tip_off_senders_pdpa_request_and_only_they_see_it(app, client):
    """Only integrity officers may find a tip-off's sender, so they handle that person's
    access and erasure requests; an admin does not learn that such a request was made."""
    tip, twin = tip_and_twin(client)
    integrity = signed_in(app, "integrity1", "integrity", "integrity")
    assert 'id="nav-privacy"' in integrity.get("/officer/").get_data(as_text=True)
    found = _privacy(integrity, "phone", WHISTLEBLOWER["phone"], "find").get_data(as_text=True)
    assert tip in found and twin not in found  # the viewer's own rule: tip-offs only
    export = json.loads(_privacy(integrity, "phone", WHISTLEBLOWER["phone"], "export").get_data(as_text=True))
    assert [c["tracking_number"] for c in export["complaints"]] == [tip]
    admin = signed_in(app, "root", "admin", None)
    _privacy(admin, "phone", WHISTLEBLOWER["phone"], "export")
    admin_page = admin.get("/admin/privacy").get_data(as_text=True)
    integrity_page = integrity.get("/admin/privacy").get_data(as_text=True)
    assert admin_page.count('<tr data-kind="access">') == 1 and "integrity1" not in admin_page
    assert integrity_page.count('<tr data-kind="access">') == 1 and "integrity1" in integrity_page
    assert 'href="/admin/users"' not in integrity_page  # the admin's other tools stay the admin's
