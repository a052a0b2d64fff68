"""Integrity grants: who may make someone an integrity officer, and who is told.

An integrity officer reads corruption tip-offs, which may be about the agency's own
staff, admins included. So no admin alone can make anyone one (themselves included):
creating an account with the role, changing a role to or from it, resetting an
integrity officer's password and re-activating one is either

* done on the server's command line (`flask create-user --role integrity`, or a CLI
  that sets passwords through accounts.set_password_by_cli): whoever can run it
  already holds the database and the keys, and the OS user is recorded; or
* proposed by one admin in /admin/users and approved by a *different* admin before
  the proposal expires (INTEGRITY_GRANT_HOURS).

Every grant lands in the audit trail (/admin/audit) with who and when; each active
integrity officer with an e-mail address is told through the outbox, and every page
an integrity officer opens lists the grants of the last INTEGRITY_NOTICE_DAYS (for
those without an address), so a grant nobody expected is noticed by the people it
concerns.

A password is never part of a proposal: the approval generates one and shows it to
the approving admin once, so the proposer cannot sign in on an approval they merely
waited for.
"""

from __future__ import annotations

import getpass
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, update

from complaints.domain.errors import BilingualError
from complaints.domain.thai_calendar import format_english_datetime, format_thai_datetime
from complaints.extensions import db
from complaints.models import AuditEntry, IntegrityGrant, OutboxMessage, Unit, User, utcnow
from complaints.services.messaging import dispatch
from complaints.services.privacy import duties
from complaints.services.unit_of_work import rows_changed

ROLE = "integrity"

# The roles a grant is needed for: the integrity role reads tip-offs, and an admin can
# approve grants. Were making an admin free, one admin could make a second (a sock
# puppet) and approve their own proposal with it: the two-admin rule would be one admin.
GUARDED_ROLES = frozenset({ROLE, "admin"})

ACTIONS: dict[str, tuple[str, str]] = {
    "create": ("สร้างบัญชีผู้ดูแลระบบหรือเจ้าหน้าที่รับแจ้งเบาะแสการทุจริต", "create an admin or integrity officer account"),
    "promote": ("ให้สิทธิ์ผู้ดูแลระบบหรือเจ้าหน้าที่รับแจ้งเบาะแสการทุจริต", "give an account the admin or integrity role"),
    "demote": ("ถอนสิทธิ์ผู้ดูแลระบบหรือเจ้าหน้าที่รับแจ้งเบาะแสการทุจริต", "take the admin or integrity role from an account"),
    "password": (
        "ตั้งรหัสผ่านใหม่ของผู้ดูแลระบบหรือเจ้าหน้าที่รับแจ้งเบาะแสการทุจริต",
        "reset an admin's or integrity officer's password",
    ),
    "reactivate": ("เปิดใช้งานบัญชีผู้ดูแลระบบหรือเจ้าหน้าที่รับแจ้งเบาะแสการทุจริตอีกครั้ง", "re-activate an admin or integrity officer"),
    # Where the grant notices go: changed by one admin, they could be sent to that admin.
    "edit": ("เปลี่ยนอีเมลของเจ้าหน้าที่รับแจ้งเบาะแสการทุจริต", "change an integrity officer's e-mail"),
}

SUBJECT = ("แจ้งการให้สิทธิ์เจ้าหน้าที่รับแจ้งเบาะแสการทุจริต", "Integrity officer access changed")


def cli_actor() -> str:
    """How a command-line grant is signed in the audit trail: the OS user who ran it."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        name = "unknown"
    return f"CLI (OS user {name})"


def update_action(user: User, role: str, active: bool, email: str | None = None) -> str | None:
    """The grant an edit of this account would make, or None if it needs no second admin.

    Deactivating an admin or integrity officer is not a grant: it only takes access away.
    """
    if user.role != role and (user.role in GUARDED_ROLES or role in GUARDED_ROLES):
        return "promote" if role in GUARDED_ROLES else "demote"
    if role in GUARDED_ROLES and active and not user.active:
        return "reactivate"
    if user.role == ROLE and (email or None) != (user.email or None):
        return "edit"
    return None


def password_needs_grant(user: User, actor: User | None = None) -> bool:
    """Whether setting this account's password is a grant: an admin's or integrity
    officer's, set by someone else (one's own password is not a grant)."""
    return user.role in GUARDED_ROLES and (actor is None or actor.id != user.id)


# --- proposals (first admin) ---------------------------------------------------------


def propose(actor: User, action: str, *, username: str, payload: dict, target: User | None = None) -> IntegrityGrant:
    """Record a proposal; nothing about the account changes until a second admin approves."""
    hours = current_app.config["INTEGRITY_GRANT_HOURS"]
    now = utcnow()
    grant = IntegrityGrant(
        action=action,
        target_user_id=target.id if target else None,
        username=username,
        payload=payload,
        proposed_by_id=actor.id,
        proposed_at=now,
        expires_at=now + timedelta(hours=hours),
    )
    db.session.add(grant)
    db.session.flush()
    duties.audit(
        actor,
        "integrity_grant_proposed",
        detail=f"#{grant.id} {action} {username}: proposed by {actor.username}, waiting for a second admin",
    )
    current_app.logger.info("integrity grant #%s (%s %s) proposed by %s", grant.id, action, username, actor.username)
    return grant


def pending() -> list[IntegrityGrant]:
    """Open proposals, oldest first; the ones past their time are marked expired on the way."""
    now = utcnow()
    rows = list(
        db.session.scalars(select(IntegrityGrant).where(IntegrityGrant.status == "pending").order_by(IntegrityGrant.id))
    )
    stale = [g for g in rows if g.expires_at <= now]
    for grant in stale:
        grant.status = "expired"  # stored by the caller's unit of work
    return [g for g in rows if g.status == "pending"]


def _open(grant_id: int) -> IntegrityGrant:
    grant = db.session.get(IntegrityGrant, grant_id)
    if grant is None:
        raise BilingualError(404, "not-found", "ไม่พบคำขอนี้", "No such proposal.")
    if grant.status == "pending" and grant.expires_at <= utcnow():
        # Refused as expired; the page shown with the refusal marks it so (pending()).
        grant.status = "expired"
    if grant.status != "pending":
        raise BilingualError(
            409,
            "grant-closed",
            f"คำขอนี้ไม่รออนุมัติแล้ว (สถานะ: {grant.status})",
            f"This proposal is no longer open (status: {grant.status}).",
        )
    return grant


# --- decisions (second admin) -------------------------------------------------------


def approve(actor: User, grant_id: int) -> tuple[IntegrityGrant, str | None]:
    """Carry out a proposal for a different admin; returns it and the new password, if any."""
    grant = _open(grant_id)
    if grant.proposed_by_id == actor.id:
        raise BilingualError(
            403,
            "same-admin",
            "ผู้เสนอไม่สามารถอนุมัติคำขอของตนเองได้ ต้องให้ผู้ดูแลระบบคนอื่นอนุมัติ",
            "The admin who proposed this cannot approve it; a different admin must.",
        )
    # Claimed by a conditional UPDATE: of two admins approving at once, one carries it out.
    now = utcnow()
    claimed = rows_changed(
        update(IntegrityGrant)
        .where(IntegrityGrant.id == grant.id, IntegrityGrant.status == "pending")
        .values(status="approved", decided_by_id=actor.id, decided_at=now)
    )
    if claimed != 1:
        raise BilingualError(409, "grant-closed", "คำขอนี้ไม่รออนุมัติแล้ว", "This proposal is no longer open.")
    db.session.refresh(grant)
    told = _integrity_officers()  # addresses read now: the change may alter one
    user, password = _apply(grant)
    grant.target_user_id = user.id
    by = (
        f"proposed by {grant.proposed_by.username} at {grant.proposed_at:%Y-%m-%d %H:%M} UTC, "
        f"approved by {actor.username}"
    )
    _record(grant.action, user, by, actor, told)
    return grant, password


def reject(actor: User, grant_id: int) -> IntegrityGrant:
    """Turn a proposal down (any admin, the proposer included: that withdraws it)."""
    grant = _open(grant_id)
    grant.status, grant.decided_by_id, grant.decided_at = "rejected", actor.id, utcnow()
    duties.audit(
        actor,
        "integrity_grant_rejected",
        detail=f"#{grant.id} {grant.action} {grant.username}: rejected by {actor.username}",
    )
    return grant


def _unit(unit_id) -> Unit | None:
    return db.session.get(Unit, unit_id) if unit_id else None


def _apply(grant: IntegrityGrant) -> tuple[User, str | None]:
    data = grant.payload or {}
    if grant.action == "create":
        taken = db.session.scalar(select(User.id).where(func.lower(User.username) == grant.username.lower()))
        if taken is not None:
            raise BilingualError(409, "account-conflict", "มีชื่อผู้ใช้นี้อยู่แล้ว", "That username is already taken.")
        password = secrets.token_urlsafe(12)
        created = User(
            username=grant.username,
            display_name=data["display_name"],
            role=data.get("role", ROLE),
            unit=_unit(data.get("unit_id")),
            email=data.get("email"),
        )
        created.set_password(password)
        db.session.add(created)
        db.session.flush()
        return created, password
    user = grant.target
    if user is None:
        raise BilingualError(404, "not-found", "ไม่พบผู้ใช้นี้", "No such user.")
    if grant.action == "password":
        password = secrets.token_urlsafe(12)
        user.set_password(password)
        user.failed_logins, user.locked_until = 0, None
        return user, password
    # promote, demote, reactivate: the edit as proposed.
    user.display_name = data.get("display_name", user.display_name)
    user.role = data["role"]
    user.unit = _unit(data.get("unit_id"))
    user.email = data.get("email")
    user.active = bool(data.get("active", user.active))
    if grant.action == "demote":
        user.end_sessions()  # an open session must not keep reading tip-offs
    return user, None


# --- the command line ---------------------------------------------------------------


def record_cli_grant(action: str, user: User) -> None:
    """A grant made on the command line: audit it and tell the integrity officers (in the
    command's unit of work)."""
    told = [(i, e) for i, e in _integrity_officers() if i != user.id or action != "create"]
    _record(action, user, f"by {cli_actor()}", None, told)


# --- audit and notice ---------------------------------------------------------------


def recent_grants() -> list[AuditEntry]:
    """The grants of the last INTEGRITY_NOTICE_DAYS, newest first: shown on every page an
    integrity officer opens, so one without an e-mail address is told too."""
    since = utcnow() - timedelta(days=current_app.config["INTEGRITY_NOTICE_DAYS"])
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "integrity_grant", AuditEntry.at >= since)
            .order_by(AuditEntry.id.desc())
            .limit(20)
        )
    )


def _integrity_officers() -> list[tuple[int, str]]:
    """Who is told: (id, e-mail) of the active integrity officers before the grant."""
    return list(
        db.session.execute(
            select(User.id, User.email)
            .where(User.role == ROLE, User.active.is_(True), User.email.is_not(None), User.email != "")
            .order_by(User.id)
        )
    )


def _record(action: str, user: User, by: str, actor: User | None, told: list[tuple[int, str]]) -> None:
    now = utcnow()
    duties.audit(actor, "integrity_grant", detail=f"{action} {user.username}: {by}")
    th, en = ACTIONS[action]
    text = (
        f"แจ้งเพื่อทราบ: มีการ{th} บัญชี {user.username} เมื่อ {format_thai_datetime(now)} ({by})\n"
        "หากท่านไม่ทราบเรื่องนี้มาก่อน โปรดแจ้งผู้บริหารของหน่วยงานทันที\n\n"
        f"For your information: someone did {en}, account {user.username}, at "
        f"{format_english_datetime(now)} ({by}).\n"
        "If this was not expected, tell the agency's management at once.\n"
    )
    messages = [
        OutboxMessage(
            complaint=None,
            purpose="integrity_grant",
            channel="email",
            recipient=address,
            payload={"subject": f"{SUBJECT[0]} / {SUBJECT[1]}", "text": text},
        )
        for _, address in told
    ]
    db.session.add_all(messages)
    dispatch.enqueue_after_commit(messages)
    current_app.logger.info("integrity grant: %s %s (%s); %d officers told", action, user.username, by, len(messages))
