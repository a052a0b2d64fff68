"""Reference data that every intake reads: categories, service standards, calendar overrides.

They change a few times a year and are read on every complaint, so each process
keeps them for REFERENCE_CACHE_SECONDS (cachetools' TTLCache, one per app).
An admin change clears the cache of the process that made it at once; other
processes see it within the TTL.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cachetools import TTLCache
from flask import current_app
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import CalendarOverride, Category, ServiceStandard, Unit

_KEY = "rongrian.reference_data"


@dataclass(frozen=True)
class CategoryRef:
    id: int
    code: str
    unit_id: int | None


@dataclass(frozen=True)
class StandardRow:
    category_id: int | None
    kind: str | None
    ack: int
    first_response: int
    resolve: int


def _cache() -> TTLCache:
    cache = current_app.extensions.get(_KEY)
    if cache is None:
        cache = current_app.extensions[_KEY] = TTLCache(
            maxsize=16, ttl=max(current_app.config["REFERENCE_CACHE_SECONDS"], 0.001))
    return cache


def cached(name: str, load):
    """The value kept under this name, loaded when missing or expired (for other modules'
    rarely changed data, such as the agency's name)."""
    cache = _cache()
    if current_app.config["REFERENCE_CACHE_SECONDS"] <= 0:
        return load()
    try:
        return cache[name]
    except KeyError:
        value = cache[name] = load()
        return value


def clear() -> None:
    """Forget everything: call after an admin change."""
    _cache().clear()


def active_categories() -> dict[str, CategoryRef]:
    return cached("categories", lambda: {
        code: CategoryRef(cid, code, unit_id)
        for cid, code, unit_id in db.session.execute(
            select(Category.id, Category.code, Category.unit_id).where(Category.active.is_(True)))
    })


def standards() -> list[StandardRow]:
    return cached("standards", lambda: [
        StandardRow(r.category_id, r.kind, r.ack_working_days, r.first_response_working_days,
                    r.resolve_working_days)
        for r in db.session.scalars(select(ServiceStandard))
    ])


def calendar_overrides() -> dict[date, bool]:
    """Every admin override (the table holds a few dozen days a year)."""
    return cached("overrides", lambda: dict(
        db.session.execute(select(CalendarOverride.day, CalendarOverride.is_holiday)).all()))


def unit_id_by_code(code: str) -> int | None:
    return cached(f"unit:{code}", lambda: db.session.scalar(select(Unit.id).where(Unit.code == code)))
