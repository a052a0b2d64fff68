"""Integrity grants (issue 16, finding 8): no admin alone makes an integrity officer.

Creating one, promoting or demoting one, resetting one's password and re-activating one
take two admins (a proposal and a different admin's approval) or the command line;
each grant is in the audit trail and told to the integrity officers.
"""

from __future__ import annotations

import email
import email.policy
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import AuditEntry, IntegrityGrant, OutboxMessage, User, utcnow
from complaints.services.messaging import outbox
from complaints.services.staff import accounts
from tests.helpers import PASSWORD, login, make_staff, signed_in
from tests.test_admin import THAI, post, row

NEW_PASSWORD = re.compile(r'<output id="new-password">([^<]+)</output>')


@pytest.fixture
def people(app):
    """Two admins, an officer, and two integrity officers (one with an e-mail, one without)."""
    ids = {
        "admin1": make_staff(app, "admin1", "admin"),
        "admin2": make_staff(app, "admin2", "admin"),
        "clerk": make_staff(app, "clerk", "officer", "complaints-centre"),
        "watch": make_staff(app, "watch", "integrity", "integrity"),
        "quiet": make_staff(app, "quiet", "integrity", "integrity"),
    }
    with app.app_context():
        db.session.get(User, ids["watch"]).email = "watch@agency.example"
        db.session.commit()
    return ids


def grants(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        return [(g.action, g.username, g.status) for g in db.session.scalars(select(IntegrityGrant))]


def notices(app) -> list[tuple[str, str]]:
    with app.app_context():
        return [
            (m.recipient, m.payload["text"])
            for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.purpose == "integrity_grant"))
        ]


def audit(app, action: str) -> list[str]:
    with app.app_context():
        return [e.detail for e in db.session.scalars(select(AuditEntry).where(AuditEntry.action == action))]


def assert_proposed_only(response, client):
    """The answer to one admin's grant: a bilingual 'not done, another admin must approve'."""
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/users")
    page = client.get("/admin/users").text
    assert "ยังไม่ได้ดำเนินการ" in page and "ต้องให้ผู้ดูแลระบบคนอื่นอนุมัติ" in page
    assert "Not done yet: a different admin must approve" in page


def approve(app, client, grant_index: int = 0):
    with app.app_context():
        grant_id = db.session.scalars(select(IntegrityGrant.id).order_by(IntegrityGrant.id)).all()[grant_index]
    return post(client, f"/admin/grants/{grant_id}/approve", token_page="/admin/users")


# --- one admin alone ---------------------------------------------------------------


def test_one_admin_cannot_create_an_integrity_officer(app, people):
    admin = signed_in(app, "admin1")
    response = post(
        admin,
        "/admin/users/new",
        {
            "username": "mole",
            "display_name": "ตัวปลอม",
            "role": "integrity",
            "unit_id": "",
            "email": "",
            "password": "chosen-by-the-admin-1",
        },
        token_page="/admin/users/new",
    )
    assert_proposed_only(response, admin)
    assert row(User, app, username="mole") is None
    assert grants(app) == [("create", "mole", "pending")]
    # The admin's own approval is refused, bilingually, and still nothing is stored.
    refused = approve(app, admin)
    assert refused.status_code == 403
    assert "ผู้เสนอไม่สามารถอนุมัติคำขอของตนเองได้" in refused.text
    assert "a different admin must" in refused.text
    assert row(User, app, username="mole") is None
    assert grants(app) == [("create", "mole", "pending")]
    assert notices(app) == []
    # The password the admin typed leads nowhere: there is no such account yet.
    assert login(app.test_client(), "mole", "chosen-by-the-admin-1").status_code == 401


def test_one_admin_cannot_promote_themselves_or_anyone(app, people):
    admin = signed_in(app, "admin1")
    for user_id, role in ((people["clerk"], "officer"), (people["admin1"], "admin")):
        with app.app_context():
            user = db.session.get(User, user_id)
            form = {"display_name": user.display_name, "role": "integrity", "unit_id": "", "email": "", "active": "y"}
        response = post(admin, f"/admin/users/{user_id}", form, token_page=f"/admin/users/{user_id}")
        if user_id == people["admin1"]:
            # Demoting oneself from admin is refused outright (self-lockout rule).
            assert response.status_code == 409
        else:
            assert_proposed_only(response, admin)
        with app.app_context():
            assert db.session.get(User, user_id).role == role
    assert grants(app) == [("promote", "clerk", "pending")]


def test_one_admin_cannot_reset_an_integrity_officers_password(app, people):
    admin = signed_in(app, "admin1")
    with app.app_context():
        before = db.session.get(User, people["watch"]).password_hash
    response = post(
        admin,
        f"/admin/users/{people['watch']}/password",
        {"password": "admin-knows-it-now"},
        token_page=f"/admin/users/{people['watch']}",
    )
    assert_proposed_only(response, admin)
    with app.app_context():
        assert db.session.get(User, people["watch"]).password_hash == before
    assert login(app.test_client(), "watch", "admin-knows-it-now").status_code == 401
    assert login(app.test_client(), "watch", PASSWORD).status_code == 302
    # Generated (empty field) is no different.
    post(
        admin,
        f"/admin/users/{people['watch']}/password",
        {"password": ""},
        token_page=f"/admin/users/{people['watch']}",
    )
    with app.app_context():
        assert db.session.get(User, people["watch"]).password_hash == before
    assert [g[0] for g in grants(app)] == ["password", "password"]


def test_one_admin_cannot_reactivate_an_integrity_officer(app, people):
    with app.app_context():
        db.session.get(User, people["quiet"]).active = False
        db.session.commit()
    admin = signed_in(app, "admin1")
    response = post(
        admin,
        f"/admin/users/{people['quiet']}",
        {"display_name": "quiet", "role": "integrity", "unit_id": "", "email": "", "active": "y"},
        token_page=f"/admin/users/{people['quiet']}",
    )
    assert_proposed_only(response, admin)
    with app.app_context():
        assert db.session.get(User, people["quiet"]).active is False
    assert grants(app) == [("reactivate", "quiet", "pending")]


def test_other_edits_of_an_integrity_officer_need_no_second_admin(app, people):
    """Deactivating one takes access away, so it is not a grant."""
    admin = signed_in(app, "admin1")
    response = post(
        admin,
        f"/admin/users/{people['watch']}",
        {"display_name": "ผู้ตรวจ", "role": "integrity", "unit_id": "", "email": "watch@agency.example"},
        token_page=f"/admin/users/{people['watch']}",
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, people["watch"])
        assert (user.display_name, user.active) == ("ผู้ตรวจ", False)
    assert grants(app) == []


def test_the_service_refuses_a_direct_integrity_account(app, people):
    from complaints.domain.errors import BilingualError
    from complaints.services.staff import user_admin

    with app.app_context():
        with pytest.raises(BilingualError) as caught:
            user_admin.create_user(username="direct", display_name="x", role="integrity", password="long-enough-1")
        assert caught.value.status == 403 and THAI.search(caught.value.th)
        watch = db.session.get(User, people["watch"])
        with pytest.raises(BilingualError):
            user_admin.reset_password(watch, "long-enough-1")  # no second admin at all
        assert watch.check_password(PASSWORD)
    assert row(User, app, username="direct") is None


@pytest.mark.parametrize(
    "field,value",
    [
        ("display_name", "<script>alert(1)</script>"),
        ("username", "../../etc/passwd"),
        ("username", "mo\u200ble"),
        ("display_name", "x" * 5000),
    ],
)
def test_a_hostile_proposal_is_refused_and_not_stored(app, people, field, value):
    admin = signed_in(app, "admin1")
    form = {
        "username": "mole",
        "display_name": "ตัวปลอม",
        "role": "integrity",
        "unit_id": "",
        "email": "",
        "password": "",
    }
    form[field] = value
    response = post(admin, "/admin/users/new", form, token_page="/admin/users/new")
    assert response.status_code == 422, response.text[:500]
    assert 'id="admin-error"' in response.text and "<script>alert" not in response.text
    assert grants(app) == []


# --- two admins ---------------------------------------------------------------------


def test_two_admins_create_an_integrity_officer_audited_and_told(app, people):
    first, second = signed_in(app, "admin1"), signed_in(app, "admin2")
    post(
        first,
        "/admin/users/new",
        {
            "username": "newwatch",
            "display_name": "ผู้ตรวจใหม่",
            "role": "integrity",
            "unit_id": "",
            "email": "new@agency.example",
        },
        token_page="/admin/users/new",
    )
    listing = second.get("/admin/users").text
    assert 'data-grant="' in listing and "newwatch" in listing and "admin1" in listing
    answer = approve(app, second)
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"  # the password is shown once
    password = NEW_PASSWORD.search(answer.text).group(1)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "newwatch"))
        assert (user.role, user.email, user.active) == ("integrity", "new@agency.example", True)
    assert grants(app) == [("create", "newwatch", "approved")]
    assert login(app.test_client(), "newwatch", password).status_code == 302
    # Audit trail: the proposal and the grant, with proposer and approver.
    [granted] = audit(app, "integrity_grant")
    assert granted.startswith("create newwatch: proposed by admin1") and "approved by admin2" in granted
    page = second.get("/admin/audit").text
    assert 'data-action="integrity_grant"' in page and "approved by admin2" in page
    assert len(audit(app, "integrity_grant_proposed")) == 1
    # Told: the integrity officer with an e-mail (the one without has none to send to).
    [(recipient, text)] = notices(app)
    assert recipient == "watch@agency.example"
    assert "newwatch" in text and "admin1" in text and "admin2" in text and THAI.search(text)
    # The same proposal cannot be approved twice.
    again = approve(app, second)
    assert again.status_code == 409 and "ไม่รออนุมัติแล้ว" in again.text


@pytest.mark.parametrize("action", ["promote", "demote", "password", "reactivate"])
def test_two_admins_can_make_each_other_grant(app, people, action):
    target = {"promote": "clerk", "demote": "watch", "password": "watch", "reactivate": "quiet"}[action]
    target_id = people[target]
    if action == "reactivate":
        with app.app_context():
            db.session.get(User, target_id).active = False
            db.session.commit()
    first, second = signed_in(app, "admin1"), signed_in(app, "admin2")
    if action == "password":
        post(first, f"/admin/users/{target_id}/password", {"password": ""}, token_page=f"/admin/users/{target_id}")
    else:
        role = {"promote": "integrity", "demote": "officer", "reactivate": "integrity"}[action]
        post(
            first,
            f"/admin/users/{target_id}",
            {"display_name": target, "role": role, "unit_id": "", "email": "", "active": "y"},
            token_page=f"/admin/users/{target_id}",
        )
    assert grants(app) == [(action, target, "pending")]
    answer = approve(app, second)
    assert answer.status_code in (200, 302), answer.text[:400]
    with app.app_context():
        user = db.session.get(User, target_id)
        expected_role = "officer" if action == "demote" else "integrity"
        assert user.role == expected_role and user.active
    if action == "password":
        password = NEW_PASSWORD.search(answer.text).group(1)
        assert login(app.test_client(), target, password).status_code == 302
        assert login(app.test_client(), target, PASSWORD).status_code == 401
    assert grants(app) == [(action, target, "approved")]
    assert audit(app, "integrity_grant")[0].startswith(f"{action} {target}: proposed by admin1")
    assert [r for r, _ in notices(app)] == ["watch@agency.example"]


def test_a_proposal_expires(app, people):
    admin, other = signed_in(app, "admin1"), signed_in(app, "admin2")
    post(
        admin,
        f"/admin/users/{people['clerk']}",
        {"display_name": "clerk", "role": "integrity", "unit_id": "", "email": "", "active": "y"},
        token_page=f"/admin/users/{people['clerk']}",
    )
    with app.app_context():
        grant = db.session.scalar(select(IntegrityGrant))
        assert grant.expires_at - grant.proposed_at == timedelta(hours=72)
        grant.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    answer = approve(app, other)
    assert answer.status_code == 409 and "expired" in answer.text
    assert row(User, app, username="clerk").role == "officer"
    assert grants(app) == [("promote", "clerk", "expired")]
    assert notices(app) == []


def test_a_rejected_proposal_cannot_be_approved(app, people):
    admin, other = signed_in(app, "admin1"), signed_in(app, "admin2")
    post(
        admin,
        f"/admin/users/{people['watch']}/password",
        {"password": ""},
        token_page=f"/admin/users/{people['watch']}",
    )
    with app.app_context():
        grant_id = db.session.scalar(select(IntegrityGrant.id))
    assert post(other, f"/admin/grants/{grant_id}/reject", token_page="/admin/users").status_code == 302
    assert approve(app, other).status_code == 409
    assert grants(app) == [("password", "watch", "rejected")]
    assert login(app.test_client(), "watch", PASSWORD).status_code == 302


def test_an_unknown_grant_is_a_bilingual_404_not_a_500(app, people):
    admin = signed_in(app, "admin1")
    response = post(admin, "/admin/grants/999999/approve", token_page="/admin/users")
    assert response.status_code == 404 and THAI.search(response.text)


# --- the command line ---------------------------------------------------------------


def test_the_cli_creates_an_integrity_officer_audited_and_told(app, runner, people):
    result = runner.invoke(
        args=[
            "create-user",
            "--username",
            "cliwatch",
            "--name",
            "ผู้ตรวจ CLI",
            "--role",
            "integrity",
            "--unit",
            "integrity",
        ]
    )
    assert result.exit_code == 0, result.output
    assert row(User, app, username="cliwatch").role == "integrity"
    [granted] = audit(app, "integrity_grant")
    assert granted.startswith("create cliwatch: by CLI (OS user ")
    assert [r for r, _ in notices(app)] == ["watch@agency.example"]
    # An ordinary account made on the CLI is no grant.
    assert runner.invoke(args=["create-user", "--username", "plain", "--name", "x"]).exit_code == 0
    assert len(audit(app, "integrity_grant")) == 1


def test_a_cli_password_for_an_integrity_officer_is_a_grant(app, people):
    with app.app_context():
        accounts.set_password_by_cli(db.session.get(User, people["quiet"]), "set-on-the-server-1")
        accounts.set_password_by_cli(db.session.get(User, people["clerk"]), "set-on-the-server-2")
    assert [d.split(":")[0] for d in audit(app, "integrity_grant")] == ["password quiet"]
    assert login(app.test_client(), "quiet", "set-on-the-server-1").status_code == 302
    with app.app_context():
        with pytest.raises(accounts.AccountError):
            accounts.set_password_by_cli(db.session.get(User, people["quiet"]), "short")


def test_the_notice_is_delivered_as_an_email(app, people, tmp_path):
    with app.app_context():
        accounts.set_password_by_cli(db.session.get(User, people["quiet"]), "set-on-the-server-1")
        message_id = db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.purpose == "integrity_grant"))
        assert outbox.deliver_message(message_id) == "sent"
        folder = Path(app.config["MAIL_OUTBOX_DIR"])
    [mail] = list(folder.glob("*.eml"))
    parsed = email.message_from_bytes(mail.read_bytes(), policy=email.policy.default)
    assert parsed["To"] == "watch@agency.example"
    assert "Integrity officer access changed" in parsed["Subject"]
    text = parsed.get_body(preferencelist=("plain",)).get_content()
    assert "quiet" in text and "CLI (OS user" in text and THAI.search(text)
    html = parsed.get_body(preferencelist=("html",)).get_content()
    assert "quiet" in html and "<script" not in html


# --- PostgreSQL ---------------------------------------------------------------------


@pytest.mark.postgres
def test_two_admins_on_postgresql(pg_app):
    for name in ("pgadmin1", "pgadmin2"):
        make_staff(pg_app, name, "admin")
    make_staff(pg_app, "pgwatch", "integrity", "integrity")
    with pg_app.app_context():
        db.session.scalar(select(User).where(User.username == "pgwatch")).email = "pgwatch@agency.example"
        db.session.commit()
    first, second = signed_in(pg_app, "pgadmin1"), signed_in(pg_app, "pgadmin2")
    post(
        first,
        "/admin/users/new",
        {"username": "pgnew", "display_name": "ผู้ตรวจ", "role": "integrity", "unit_id": "", "email": ""},
        token_page="/admin/users/new",
    )
    assert row(User, pg_app, username="pgnew") is None
    assert approve(pg_app, first).status_code == 403
    answer = approve(pg_app, second)
    assert answer.status_code == 200 and NEW_PASSWORD.search(answer.text)
    assert row(User, pg_app, username="pgnew").role == "integrity"
    assert grants(pg_app) == [("create", "pgnew", "approved")]
    assert "approved by pgadmin2" in audit(pg_app, "integrity_grant")[0]
    assert [r for r, _ in notices(pg_app)] == ["pgwatch@agency.example"]


def test_integrity_officers_without_an_email_see_the_grant_on_their_pages(app, people):
    first, second = signed_in(app, "admin1"), signed_in(app, "admin2")
    post(
        first,
        f"/admin/users/{people['clerk']}",
        {"display_name": "clerk", "role": "integrity", "unit_id": "", "email": "", "active": "y"},
        token_page=f"/admin/users/{people['clerk']}",
    )
    approve(app, second)
    quiet = signed_in(app, "quiet")  # an integrity officer with no e-mail address
    page = quiet.get("/officer/").text
    notice = page[page.index('id="integrity-notice"') :]
    assert "promote clerk: proposed by admin1" in notice and "approved by admin2" in notice
    assert "การเปลี่ยนแปลงสิทธิ์" in notice
    # Not shown to other staff.
    other = signed_in(app, "admin1")
    assert 'id="integrity-notice"' not in other.get("/officer/").text


# --- the sock puppet: making an admin is a grant too ----------------------------------------


def test_one_admin_cannot_make_a_second_admin_to_approve_their_own_grant(app, people):
    """The attack: admin1 makes an admin account of their own, proposes an integrity officer,
    and approves it with that account. Making an admin (new, promoted, re-activated, or
    another admin's password) is itself a grant, so there is no such account to approve with."""
    admin = signed_in(app, "admin1")
    response = post(
        admin,
        "/admin/users/new",
        {
            "username": "sockpuppet",
            "display_name": "หุ่นเชิด",
            "role": "admin",
            "unit_id": "",
            "email": "",
            "password": "chosen-by-the-admin-1",
        },
        token_page="/admin/users/new",
    )
    assert_proposed_only(response, admin)
    assert row(User, app, username="sockpuppet") is None
    assert login(app.test_client(), "sockpuppet", "chosen-by-the-admin-1").status_code == 401
    with app.app_context():
        clerk = db.session.get(User, people["clerk"])
        form = {"display_name": clerk.display_name, "role": "admin", "unit_id": "", "email": "", "active": "y"}
    assert_proposed_only(
        post(admin, f"/admin/users/{people['clerk']}", form, token_page=f"/admin/users/{people['clerk']}"), admin
    )
    with app.app_context():
        assert db.session.get(User, people["clerk"]).role == "officer"
        before = db.session.get(User, people["admin2"]).password_hash
    assert_proposed_only(
        post(
            admin,
            f"/admin/users/{people['admin2']}/password",
            {"password": "taken-over-now-1"},
            token_page=f"/admin/users/{people['admin2']}",
        ),
        admin,
    )
    with app.app_context():
        assert db.session.get(User, people["admin2"]).password_hash == before
    assert grants(app) == [
        ("create", "sockpuppet", "pending"),
        ("promote", "clerk", "pending"),
        ("password", "admin2", "pending"),
    ]
    # A second, real admin can still make an admin: the approver gets the password.
    approved = approve(app, signed_in(app, "admin2"))
    assert approved.status_code == 200 and NEW_PASSWORD.search(approved.text)
    with app.app_context():
        assert db.session.scalar(select(User.role).where(User.username == "sockpuppet")) == "admin"


def test_one_admin_cannot_divert_the_grant_notices(app, people):
    """An integrity officer's e-mail is where grants are told: changing it is a grant."""
    admin = signed_in(app, "admin1")
    with app.app_context():
        watch = db.session.get(User, people["watch"])
        form = {
            "display_name": watch.display_name,
            "role": "integrity",
            "unit_id": str(watch.unit_id),
            "email": "attacker-sink@example.org",
            "active": "y",
        }
    assert_proposed_only(
        post(admin, f"/admin/users/{people['watch']}", form, token_page=f"/admin/users/{people['watch']}"), admin
    )
    with app.app_context():
        assert db.session.get(User, people["watch"]).email == "watch@agency.example"
    assert grants(app) == [("edit", "watch", "pending")]


def test_an_admin_may_still_set_their_own_password(app, people):
    admin = signed_in(app, "admin1")
    response = post(
        admin,
        f"/admin/users/{people['admin1']}/password",
        {"password": "my-own-new-password-1"},
        token_page=f"/admin/users/{people['admin1']}",
    )
    assert grants(app) == [] and response.status_code in (200, 302)
    assert login(app.test_client(), "admin1", "my-own-new-password-1").status_code == 302
