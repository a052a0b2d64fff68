"""Which complaints a figure counts: received in a period, in the units the reader may
see (optionally one unit and the units below it), and that the reader may know of."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.sql.expression import ColumnElement

from complaints.domain.errors import BilingualError
from complaints.domain.periods import Period
from complaints.extensions import db
from complaints.ids import parse_id
from complaints.models import Complaint, Unit, User, utcnow
from complaints.services.access import unit_and_descendants, visible_complaints, visible_unit_ids

__all__ = ["Scope", "scope_for", "scope_from_params"]


@dataclass(frozen=True)
class Scope:
    """Which complaints a figure counts: received in `period`, in `unit_ids` (None: all),
    and that the reader may know of (`visible`, access.visible_complaints of the reader;
    None: every complaint, for the system's own aggregates)."""

    period: Period
    unit_ids: frozenset[int] | None = None
    unit_id: int | None = None  # the unit filter chosen on the page, if any
    now: datetime = field(default_factory=utcnow)
    visible: ColumnElement[bool] | None = field(default=None, compare=False)

    def conditions(self, start: datetime | None = None) -> list[ColumnElement]:
        """The scope's complaints; with `start`, from then on (a quarter before the period)."""
        where = [Complaint.received_at >= (start or self.period.start), Complaint.received_at < self.period.end]
        if self.unit_ids is not None:
            where.append(Complaint.unit_id.in_(sorted(self.unit_ids)))
        if self.visible is not None:
            where.append(self.visible)
        return where

    def params(self) -> dict[str, str]:
        """The query parameters that select this scope on the manager's pages."""
        return {"period": self.period.code, **({"unit": str(self.unit_id)} if self.unit_id else {})}


def scope_for(user: User, period: Period, unit_id: int | None = None, now: datetime | None = None) -> Scope:
    """The user's scope; a unit outside what they may see answers 404."""
    visible = visible_unit_ids(user)
    units = visible
    if unit_id is not None:
        if db.session.get(Unit, unit_id) is None or (visible is not None and unit_id not in visible):
            raise BilingualError(404, "not-found", "ไม่พบหน่วยงานนี้", "No such unit.")
        units = unit_and_descendants(unit_id)
        if visible is not None:
            units &= visible
    # Figures, drill-down lists and exports count only what the user may know of:
    # a tip-off is no row, number or breakdown for anyone but the integrity role.
    return Scope(
        period,
        frozenset(units) if units is not None else None,
        unit_id,
        now or utcnow(),
        visible=visible_complaints(user),
    )


def scope_from_params(user: User, params: Mapping[str, str], now: datetime | None = None) -> Scope:
    """The scope the manager pages' `period` and `unit` parameters select (422 when malformed)."""
    now = now or utcnow()
    period = Period.parse(params["period"]) if params.get("period") else Period.containing(now)
    raw = (params.get("unit") or "").strip()
    unit_id = parse_id(raw) if raw else None
    if raw and unit_id is None:
        raise BilingualError(422, "invalid-filter", "หน่วยงานไม่ถูกต้อง", "Invalid unit.")
    return scope_for(user, period, unit_id, now)
