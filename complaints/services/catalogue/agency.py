"""The agency's name: what setup stored, else the environment (AGENCY_NAME_TH/EN).

Every page, mail, export and API answer that names the agency reads it here.
It is read on every page, so it is kept with the other reference data
(reference_data's per-process cache); setting it clears that cache.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from complaints.extensions import db
from complaints.models import AgencySettings
from complaints.models.settings import AGENCY_SETTINGS_ID
from complaints.services.catalogue import reference_data


@dataclass(frozen=True)
class AgencyName:
    th: str
    en: str


def _stored() -> tuple[str, str] | None:
    row = db.session.get(AgencySettings, AGENCY_SETTINGS_ID)
    return (row.name_th, row.name_en) if row else None


def name() -> AgencyName:
    try:
        stored = reference_data.cached("agency_name", _stored)
    except SQLAlchemyError:
        # The database is down (the 503 page still names the agency) or not yet migrated.
        _rollback_quietly()
        stored = None
    if stored:
        return AgencyName(*stored)
    config = current_app.config
    return AgencyName(config["AGENCY_NAME_TH"], config["AGENCY_NAME_EN"])


def _rollback_quietly() -> None:
    with contextlib.suppress(SQLAlchemyError):
        db.session.rollback()


def set_name(name_th: str, name_en: str) -> None:
    """Store the name in the session's transaction (the caller commits)."""
    row = db.session.get(AgencySettings, AGENCY_SETTINGS_ID)
    if row is None:
        db.session.add(AgencySettings(id=AGENCY_SETTINGS_ID, name_th=name_th, name_en=name_en))
    else:
        row.name_th, row.name_en = name_th, name_en
