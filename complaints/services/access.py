"""Who may see which complaints.

An officer sees the complaints of their own unit; a supervisor those of their
unit and every unit below it; managers and admins see all. A complaint outside
a user's scope answers 404, never 403, so its existence is not confirmed.
"""
from __future__ import annotations

from sqlalchemy import Select, select
from werkzeug.exceptions import NotFound

from complaints.extensions import db
from complaints.models import Complaint, Unit, User

ALL_UNITS_ROLES = {"manager", "admin"}


def unit_and_descendants(unit_id: int) -> set[int]:
    children: dict[int | None, list[int]] = {}
    for uid, parent in db.session.execute(select(Unit.id, Unit.parent_id)):
        children.setdefault(parent, []).append(uid)
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


def can_see(user: User, complaint: Complaint) -> bool:
    """Whether the complaint is within the user's units."""
    units = visible_unit_ids(user)
    return units is None or complaint.unit_id in units


def scoped(statement: Select, user: User) -> Select:
    """Limit a query over Complaint to what the user may see."""
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
