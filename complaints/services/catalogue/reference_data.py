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
    name_th: str = ""
    name_en: str = ""
    unit_name_th: str | None = None  # the unit that handles it by default
    unit_name_en: str | None = None


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
            maxsize=16, ttl=max(current_app.config["REFERENCE_CACHE_SECONDS"], 0.001)
        )
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


_CATEGORY_ORDERS = {"name_th": Category.name_th, "code": Category.code}


def active_categories(order_by: str = "name_th") -> dict[str, CategoryRef]:
    """The active categories by code: what intake accepts and every category list offers.

    In the database's order of `order_by` ("name_th" for the pages, "code" for the APIs),
    which for Thai names is the server's collation, not Python's."""
    column = _CATEGORY_ORDERS[order_by]
    return cached(
        f"categories:{order_by}",
        lambda: {
            row.code: CategoryRef(
                row.id, row.code, row.unit_id, row.name_th, row.name_en, row.unit_name_th, row.unit_name_en
            )
            for row in db.session.execute(
                select(
                    Category.id,
                    Category.code,
                    Category.unit_id,
                    Category.name_th,
                    Category.name_en,
                    Unit.name_th.label("unit_name_th"),
                    Unit.name_en.label("unit_name_en"),
                )
                .outerjoin(Unit, Unit.id == Category.unit_id)
                .where(Category.active.is_(True))
                .order_by(column, Category.id)
            )
        },
    )


def standards() -> list[StandardRow]:
    return cached(
        "standards",
        lambda: [
            StandardRow(
                r.category_id, r.kind, r.ack_working_days, r.first_response_working_days, r.resolve_working_days
            )
            for r in db.session.scalars(select(ServiceStandard))
        ],
    )


def calendar_overrides() -> dict[date, bool]:
    """Every admin override (the table holds a few dozen days a year)."""
    return cached(
        "overrides", lambda: dict(db.session.execute(select(CalendarOverride.day, CalendarOverride.is_holiday)).all())
    )


def unit_id_by_code(code: str) -> int | None:
    return cached(f"unit:{code}", lambda: db.session.scalar(select(Unit.id).where(Unit.code == code)))
