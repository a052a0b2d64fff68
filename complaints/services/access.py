"""Who may see which complaints: the one visibility rule.

An officer sees the complaints of their own unit; a supervisor those of their
unit and every unit below it; managers and admins see all. A complaint outside
a user's scope answers 404, never 403, so its existence is not confirmed.

Tip-offs (kind tip_off, แจ้งเบาะแสการทุจริต) are the exception: only users of the
designated "integrity" role may know of them (their existence, number, content and
sender), whatever their unit, and they see nothing else; nobody else (the unit
complained about, its supervisors, managers, admins, the public) learns of one.
Intake routes tip-offs to the integrity unit.

Every path that names a complaint asks this module: `visible_complaints(viewer)`
is the SQL condition for lists, counts and look-ups, `may_know_of(viewer,
complaint)` the same rule for one row, and `may_link(complaint)` keeps the
background links (repeats, similar complaints, merges) inside one side of the
tip-off wall, so a link shown to one viewer never names a complaint another may
not know of. The viewer is a signed-in `User` or a `Public` visitor (someone not
signed in, who may have proved that they filed a given complaint).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import g
from sqlalchemy import BindParameter, ColumnElement, Select, and_, literal, select
from werkzeug.exceptions import NotFound

from complaints.extensions import db
from complaints.models import Complaint, Kind, Unit, User

ALL_UNITS_ROLES = {"manager", "admin", "integrity"}
TIP_OFF_ROLE = "integrity"


@dataclass(frozen=True)
class Public:
    """A visitor who is not signed in (web, API, Open311, LINE, SMS).

    `owns` answers whether the visitor proved they filed a complaint (the browser
    that submitted it, the personal link's token, the LINE user or phone that sent
    it): the whistleblower may follow their own tip-off, nobody else may learn of it.
    """

    owns: Callable[[Complaint], bool] = field(default=lambda complaint: False, compare=False)


PUBLIC = Public()
# Flask-Login's anonymous user, passed as current_user, is treated as PUBLIC.
Viewer = User | Public


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


def _tip_off_kind() -> BindParameter[str]:
    """'tip_off' written into the SQL, not bound: with a bound value PostgreSQL's generic
    plan for a prepared statement could not tell how rare tip-offs are, and the
    similar/repeat look-ups ran 2-3 times slower (measured with bench/similar_lookup.py's data)."""
    return literal(Kind.TIP_OFF.value, literal_execute=True)


def _staff(viewer: Viewer) -> User | None:
    """The signed-in staff member, or None for the public (Flask-Login's anonymous user included)."""
    return viewer if isinstance(viewer, User) else None


def sees_tip_offs(viewer: Viewer) -> bool:
    user = _staff(viewer)
    return user is not None and user.role == TIP_OFF_ROLE


def visible_complaints(viewer: Viewer) -> ColumnElement[bool]:
    """The SQL condition on Complaint of what `viewer` may learn of (lists, counts, look-ups).

    The public may know of every complaint but a tip-off (a tip-off's own sender is
    answered by `may_know_of`, one row at a time).
    """
    if sees_tip_offs(viewer):
        kind = Complaint.kind == _tip_off_kind()
    else:
        kind = Complaint.kind != _tip_off_kind()
    user = _staff(viewer)
    units = visible_unit_ids(user) if user is not None else None
    if units is None:
        return kind
    return and_(kind, Complaint.unit_id.in_(sorted(units)))


def may_know_of(viewer: Viewer, complaint: Complaint) -> bool:
    """Whether `viewer` may learn that this complaint exists (the rule of `visible_complaints`, for one row)."""
    tip_off = complaint.kind == Kind.TIP_OFF
    user = _staff(viewer)
    if user is None:
        return not tip_off or (isinstance(viewer, Public) and viewer.owns(complaint))
    if tip_off != sees_tip_offs(user):
        return False
    units = visible_unit_ids(user)
    return units is None or complaint.unit_id in units


def may_link(complaint: Complaint) -> ColumnElement[bool]:
    """The complaints a background link from `complaint` may point to (repeat, similar, merge).

    Never across the tip-off wall: a repeat or similar link on an ordinary case is
    shown to the unit's staff, and one to a tip-off would name the whistleblower.
    Tip-offs link only to tip-offs (seen by the integrity role alone).
    """
    if complaint.kind == Kind.TIP_OFF:
        return Complaint.kind == _tip_off_kind()
    return Complaint.kind != _tip_off_kind()


def linkable(a: Complaint, b: Complaint) -> bool:
    """`may_link` for two loaded complaints."""
    return (a.kind == Kind.TIP_OFF) == (b.kind == Kind.TIP_OFF)


def can_see(user: User, complaint: Complaint) -> bool:
    """Whether a staff member may see the complaint (kept for the views that ask it of a User)."""
    return may_know_of(user, complaint)


def still_visible(user: User, complaint_id: int | None = None, number: str | None = None) -> bool:
    """Whether the case (by row id, or by tracking number) is still the user's to see:
    after a forward or a new category it may have left the user's units."""
    if complaint_id is None and number is not None:
        complaint_id = db.session.scalar(select(Complaint.id).where(Complaint.tracking_number == number))
    complaint = db.session.get(Complaint, complaint_id) if complaint_id is not None else None
    return complaint is not None and can_see(user, complaint)


def scoped(statement: Select, viewer: Viewer) -> Select:
    """Limit a query over Complaint to what the viewer may learn of."""
    return statement.where(visible_complaints(viewer))


def case_for(user: User, number: str) -> Complaint:
    """The complaint with this (canonical) tracking number if the user may see it;
    NotFound otherwise: a hidden tip-off answers like a number nobody was given."""
    complaint = db.session.scalar(scoped(select(Complaint).where(Complaint.tracking_number == number), user))
    if complaint is None:
        raise NotFound()
    return complaint
