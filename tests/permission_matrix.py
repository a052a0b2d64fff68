"""The permission matrix: every URL that needs sign-in x every role -> the status it answers.

A declared table, decided on purpose: tests/test_access.py fails when a signed-in URL is
missing here (a new URL cannot be added without a decision) and checks every cell.

Key: (endpoint, method, subject). The subject "" is the ordinary case of public works
(under district-office, the supervisor's unit) and the corrective action outside the
supervisor's units; "tip_off" is a tip-off (แจ้งเบาะแสการทุจริต), which only `integrity` opens
and nobody else learns exists (404); "in_units" is a corrective action within the
supervisor's units, which a supervisor reads but may not change.
A GET is sent bare; a POST carries only a valid CSRF token, so an allowed POST is
refused for its empty form (422), does what an empty form means (302, or 200 for a
generated password), or finds nothing to act on (404, 409). Sign-out is sent last.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from complaints.extensions import db
from complaints.models import ROLES as MODEL_ROLES
from complaints.models import CannedResponse, Category, RootCause, ServiceStandard, Unit, User
from tests.helpers import complaint_by_number, make_staff, png_bytes, submit_api

ROLES = tuple(MODEL_ROLES)  # a new role fails the matrix until its column is filled
# Who signs in for each role: the ordinary case belongs to public-works, under district-office.
ACCOUNTS = {
    "officer": ("pw-officer", "public-works"),
    "supervisor": ("do-supervisor", "district-office"),
    "manager": ("manager", None),
    "admin": ("admin", None),
    "integrity": ("integrity-officer", "integrity"),
}
PERIOD = "2569"
CALENDAR_DAY = "2026-12-31"  # an override the admin may delete


@dataclass
class World:
    values: dict  # URL variable -> value: the ordinary case, the action outside the supervisor's units
    subjects: dict  # another subject of the same URL -> the variables that differ


def build_world(app, client) -> World:
    from assessment import service as assessment_service
    from complaints.domain.periods import Period
    from complaints.services.analytics import corrective_actions, export_jobs
    from complaints.services.casework import case_actions
    from complaints.services.casework.intake import Upload
    from complaints.services.catalogue import calendar_overrides
    from complaints.services.channels import api_keys

    users = {role: make_staff(app, name, role, unit) for role, (name, unit) in ACCOUNTS.items()}
    other = make_staff(app, "drain-officer", "officer", "drainage")
    ordinary = submit_api(client)
    tip_off = submit_api(client, kind="tip_off", description="เจ้าหน้าที่เรียกรับเงินใต้โต๊ะที่เขต")
    with app.app_context():

        def with_photo(number: str, role: str) -> tuple[int, str]:
            complaint = complaint_by_number(number)
            [attachment] = case_actions.attach_files(
                complaint, db.session.get(User, users[role]), [Upload("files", "photo.png", png_bytes())]
            )
            return complaint.id, attachment.url_key

        complaint_id, attachment_key = with_photo(ordinary, "officer")
        tip_off_id, tip_off_attachment_key = with_photo(tip_off, "integrity")
        admin = db.session.get(User, users["admin"])
        key_id = api_keys.issue_key(admin, "matrix")[0].id
        calendar_overrides.add_override(day=CALENDAR_DAY, is_holiday=True, note="วันหยุดพิเศษ")
        spare = Unit(code="matrix-spare", name_th="หน่วยทดสอบ", name_en="Spare unit")
        db.session.add(spare)
        db.session.commit()

        def action_on(category: str) -> int:
            category_id = db.session.scalar(select(Category.id).where(Category.code == category))
            return corrective_actions.save_action(
                None,
                admin,
                {
                    "title": f"แก้ปัญหา{category}",
                    "target": f"category:{category_id}",
                    "owner_user_id": str(users["manager"]),
                    "status": "planned",
                },
            ).id

        # Flooding is drainage's, outside the supervisor's units; roads are public works'.
        outside_action, own_action = action_on("น้ำท่วม"), action_on("ถนน")
        assessment = assessment_service.open_assessment(Period.parse(PERIOD), admin)
        evidence = assessment_service.add_file(
            assessment, "3.1-B1", "ผลสำรวจ", "survey.pdf", b"%PDF-1.4\nsurvey\n", admin
        )
        # The manager's own export, written: nobody else sees it.
        job = export_jobs.request_export(db.session.get(User, users["manager"]), {"period": PERIOD}, "csv")
        export_jobs.run(job.id)
        values = {
            # Case pages are addressed by the tracking number and attachments by their random key
            # (issue 16); the complaint's row id stays for other uses.
            "number": ordinary,
            "complaint_id": complaint_id,
            "url_key": attachment_key,
            "user_id": other,
            "unit_id": spare.id,
            "category_id": db.session.scalar(select(Category.id)),
            "standard_id": db.session.scalar(select(ServiceStandard.id)),
            "canned_id": db.session.scalar(select(CannedResponse.id)),
            "root_cause_id": db.session.scalar(select(RootCause.id)),
            "key_id": key_id,
            "action_id": outside_action,
            "period": PERIOD,
            "item_id": "3.1-B1",
            "evidence_id": evidence.id,
            "day": CALENDAR_DAY,
            "key": "dashboard",
            "job_id": job.id,
        }
    return World(
        values,
        {
            "tip_off": {"number": tip_off, "complaint_id": tip_off_id, "url_key": tip_off_attachment_key},
            "in_units": {"action_id": own_action},
        },
    )


# The format of each download, where a rule has one.
FORMATS = {"manager.complaints_export": "csv", "manager.figure_export": "xlsx", "assessment.download_report": "html"}


def url_for_rule(rule, values: dict) -> str:
    values = {**values, "fmt": FORMATS.get(rule.endpoint, "csv")}
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values.get(m.group(1), "x")), rule.rule)


def subjects_of(rule, world: World) -> list[tuple[str, dict]]:
    """("", values) and each other subject whose variables the rule names."""
    return [("", world.values)] + [
        (name, {**world.values, **changed})
        for name, changed in world.subjects.items()
        if any(f":{variable}>" in rule.rule for variable in changed)
    ]


def cell_url(app, world: World, endpoint: str, subject: str) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    return url_for_rule(rule, dict(subjects_of(rule, world))[subject])


# Run after every other cell: a deleted unit is gone, a submitted assessment is frozen, a
# signed-out session is over.
RUN_LAST = ("admin.unit_delete", "assessment.submit", "auth.logout")


def in_running_order(cells) -> list[tuple[str, str, str]]:
    """GETs, then POSTs, those of RUN_LAST last."""
    return sorted(
        cells, key=lambda key: (key[1] == "POST", RUN_LAST.index(key[0]) + 1 if key[0] in RUN_LAST else 0, key)
    )


# Columns: officer, supervisor, manager, admin, integrity (ROLES).
ADMIN = (403, 403, 403, 200, 403)
ASSESSORS = (403, 403, 200, 200, 403)  # managers and admins
READERS = (403, 200, 200, 200, 403)  # the dashboard: supervisors read their own units
EVERY_ROLE = (200, 200, 200, 200, 200)

MATRIX: dict[tuple[str, str, str], tuple[int, int, int, int, int]] = {
    # /admin
    ("admin.api_key_list", "GET", ""): ADMIN,
    ("admin.api_key_list", "POST", ""): (403, 403, 403, 422, 403),
    ("admin.api_key_revoke", "POST", ""): (403, 403, 403, 302, 403),
    ("admin.audit", "GET", ""): ADMIN,
    ("admin.calendar", "GET", ""): ADMIN,
    ("admin.calendar", "POST", ""): (403, 403, 403, 422, 403),
    ("admin.calendar_delete", "POST", ""): (403, 403, 403, 302, 403),
    ("admin.canned", "GET", ""): ADMIN,
    ("admin.canned_edit", "GET", ""): ADMIN,
    ("admin.canned_edit", "POST", ""): (403, 403, 403, 302, 403),
    ("admin.canned_new", "GET", ""): ADMIN,
    ("admin.canned_new", "POST", ""): (403, 403, 403, 422, 403),
    ("admin.categories", "GET", ""): ADMIN,
    ("admin.category_edit", "GET", ""): ADMIN,
    ("admin.category_edit", "POST", ""): (403, 403, 403, 302, 403),
    ("admin.category_new", "GET", ""): ADMIN,
    ("admin.category_new", "POST", ""): (403, 403, 403, 422, 403),
    ("admin.classifier", "GET", ""): ADMIN,
    ("admin.channels", "GET", ""): ADMIN,
    ("admin.classifier_retrain", "POST", ""): (403, 403, 403, 302, 403),
    ("admin.index", "GET", ""): ADMIN,
    ("admin.outbox", "GET", ""): ADMIN,
    ("admin.outbox_resend", "POST", ""): (403, 403, 403, 422, 403),  # an empty form: no message, no channel
    # Integrity officers answer the requests of tip-offs' senders (only they may find them).
    ("admin.privacy_requests", "GET", ""): (403, 403, 403, 200, 200),
    ("admin.privacy_requests", "POST", ""): (403, 403, 403, 422, 422),
    ("admin.root_cause_edit", "GET", ""): ADMIN,
    ("admin.root_cause_edit", "POST", ""): (403, 403, 403, 302, 403),
    ("admin.root_cause_new", "GET", ""): ADMIN,
    ("admin.root_cause_new", "POST", ""): (403, 403, 403, 422, 403),
    ("admin.root_causes", "GET", ""): ADMIN,
    ("admin.standard_delete", "POST", ""): (403, 403, 403, 409, 403),
    ("admin.standard_edit", "GET", ""): ADMIN,
    ("admin.standard_edit", "POST", ""): (403, 403, 403, 302, 403),
    ("admin.standard_new", "GET", ""): ADMIN,
    ("admin.standard_new", "POST", ""): (403, 403, 403, 422, 403),
    ("admin.standards", "GET", ""): ADMIN,
    ("admin.unit_delete", "POST", ""): (403, 403, 403, 302, 403),
    ("admin.unit_edit", "GET", ""): ADMIN,
    ("admin.unit_edit", "POST", ""): (403, 403, 403, 302, 403),
    ("admin.unit_new", "GET", ""): ADMIN,
    ("admin.unit_new", "POST", ""): (403, 403, 403, 422, 403),
    ("admin.units", "GET", ""): ADMIN,
    ("admin.user_edit", "GET", ""): ADMIN,
    ("admin.user_edit", "POST", ""): (403, 403, 403, 302, 403),
    ("admin.user_new", "GET", ""): ADMIN,
    ("admin.user_new", "POST", ""): (403, 403, 403, 422, 403),
    ("admin.user_password", "POST", ""): (403, 403, 403, 200, 403),  # empty: a password is generated
    ("admin.user_unlock", "POST", ""): (403, 403, 403, 302, 403),
    ("admin.users", "GET", ""): ADMIN,
    # /assessment
    ("assessment.add_evidence", "POST", ""): (403, 403, 422, 422, 403),
    ("assessment.agencies", "GET", ""): ASSESSORS,
    ("assessment.delete_evidence", "POST", ""): (403, 403, 302, 302, 403),
    ("assessment.download_evidence", "GET", ""): ASSESSORS,
    ("assessment.download_report", "GET", ""): ASSESSORS,
    ("assessment.edit", "GET", ""): ASSESSORS,
    ("assessment.index", "GET", ""): ASSESSORS,
    ("assessment.open_period", "POST", ""): (403, 403, 422, 422, 403),
    ("assessment.save_answers", "POST", ""): (403, 403, 302, 302, 403),  # nothing posted, nothing saved
    ("assessment.refresh", "POST", ""): (403, 403, 302, 302, 403),
    ("assessment.submit", "POST", ""): (403, 403, 200, 200, 403),  # asks for confirmation first
    # sign-out
    ("auth.logout", "POST", ""): (302, 302, 302, 302, 302),
    # /manager
    ("manager.action_edit", "GET", ""): (403, 404, 200, 200, 403),
    ("manager.action_edit", "GET", "in_units"): READERS,
    ("manager.action_save", "POST", ""): (403, 403, 422, 422, 403),
    ("manager.action_save", "POST", "in_units"): (403, 403, 422, 422, 403),
    ("manager.action_new", "GET", ""): ASSESSORS,
    ("manager.action_new", "POST", ""): (403, 403, 422, 422, 403),
    ("manager.actions", "GET", ""): READERS,
    ("manager.complaints", "GET", ""): READERS,
    ("manager.complaints_export", "POST", ""): (403, 302, 302, 302, 403),
    ("manager.export_download", "GET", ""): (403, 404, 200, 404, 403),  # the requester's own file only
    ("manager.export_job", "GET", ""): (403, 404, 200, 404, 403),
    ("manager.exports_list", "GET", ""): READERS,
    ("manager.dashboard", "GET", ""): READERS,
    ("manager.dashboard_pdf_view", "GET", ""): READERS,
    ("manager.figure_export", "GET", ""): READERS,
    # /officer
    ("officer.action", "POST", ""): (422, 422, 403, 422, 404),
    ("officer.action", "POST", "tip_off"): (404, 404, 403, 404, 422),
    ("officer.attach", "POST", ""): (422, 422, 403, 422, 404),
    ("officer.attach", "POST", "tip_off"): (404, 404, 403, 404, 422),
    ("officer.attachment", "GET", ""): (200, 200, 200, 200, 404),
    ("officer.attachment", "GET", "tip_off"): (404, 404, 404, 404, 200),
    ("officer.detail", "GET", ""): (200, 200, 200, 200, 404),
    ("officer.detail", "GET", "tip_off"): (404, 404, 404, 404, 200),
    ("officer.new_entry", "GET", ""): (200, 200, 403, 200, 200),
    ("officer.new_entry", "POST", ""): (422, 422, 403, 422, 422),
    ("officer.note", "POST", ""): (422, 422, 403, 422, 404),
    ("officer.note", "POST", "tip_off"): (404, 404, 403, 404, 422),
    ("officer.queue", "GET", ""): EVERY_ROLE,
    ("officer.reply", "POST", ""): (422, 422, 403, 422, 404),
    ("officer.reply", "POST", "tip_off"): (404, 404, 403, 404, 422),
    ("officer.set_category", "POST", ""): (422, 422, 403, 422, 404),
    ("officer.set_category", "POST", "tip_off"): (404, 404, 403, 404, 422),
}
