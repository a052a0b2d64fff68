"""Who may see which complaints.

An officer sees the complaints of their own unit; a supervisor those of their
unit and every unit below it; managers and admins see all. A complaint outside
a user's scope answers 404, never 403, so its existence is not confirmed.

Tip-offs (kind tip_off, แจ้งเบาะแสการทุจริต) are the exception: only users of the
designated "integrity" role see them, whatever their unit, and they see nothing
else; nobody else (the unit complained about, its supervisors, managers, admins)
sees a tip-off's content. Intake routes tip-offs to the integrity unit.
"""
from __future__ import annotations

from flask import g
from sqlalchemy import Select, select

from complaints.models import Kind
from werkzeug.exceptions import NotFound

from complaints.extensions import db
from complaints.models import Complaint, Unit, User

ALL_UNITS_ROLES = {"manager", "admin", "integrity"}
TIP_OFF_ROLE = "integrity"


def _children() -> dict[int | None, list[int]]:
    """The unit tree, read once per request (a page asks for a user's units several times)."""
    if "unit_children" not in g:
        children: dict[int | None, list[int]] = {}
        for uid, parent in db.session.execute(select(Unit.id, Unit.parent_id)):
            children.setdefault(parent, []).append(uid)
        g.unit_children = children
    return g.unit_children


def unit_and_descendants(unit_id: int) -> set[int]:
    children = _children()
    found, stack = set(), [unit_id]
    while stack:
        current = stack.pop()
        if current not in found:
            found.add(current)
            stack.extend(children.get(current, []))
    return found


def visible_unit_ids(user: User) -> set[int] | None:
    """The units whose complaints the user may see; None means every unit."""
    if user.role in ALL_UNITS_ROLES:
        return None
    if user.unit_id is None:
        return set()
    if user.role == "supervisor":
        return unit_and_descendants(user.unit_id)
    return {user.unit_id}


def sees_tip_offs(user: User) -> bool:
    return user.role == TIP_OFF_ROLE


def can_see(user: User, complaint: Complaint) -> bool:
    """Whether the complaint is within the user's units (and the tip-off rule)."""
    if (complaint.kind == Kind.TIP_OFF) != sees_tip_offs(user):
        return False
    units = visible_unit_ids(user)
    return units is None or complaint.unit_id in units


def scoped(statement: Select, user: User) -> Select:
    """Limit a query over Complaint to what the user may see."""
    if sees_tip_offs(user):
        statement = statement.where(Complaint.kind == Kind.TIP_OFF)
    else:
        statement = statement.where(Complaint.kind != Kind.TIP_OFF)
    units = visible_unit_ids(user)
    if units is None:
        return statement
    return statement.where(Complaint.unit_id.in_(units))


def complaint_for(user: User, complaint_id: int) -> Complaint:
    """The complaint if the user may see it; NotFound otherwise."""
    complaint = db.session.scalar(scoped(select(Complaint).where(Complaint.id == complaint_id), user))
    if complaint is None:
        raise NotFound()
    return complaint
