"""Demo data: the Bangkok district office preset and an account for every role.

Running it again adds only what is missing. Passwords are generated and printed
once, when an account is created (`flask seed-demo`, which `make run` calls).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Unit, User
from complaints.services.datasets import agency_setup

PRESET = "bangkok-district"
OFFICER_USERNAME = "officer"
INTEGRITY_USERNAME = "integrity"

# Demo staff accounts (username, role, unit code, display name); passwords are
# generated and printed once, when the account is created.
# The officer works where most of the work lands: ฝ่ายโยธา handles roads, footpaths,
# lighting, cables and bridges, about half of the Traffy reports, so both the demo
# generator's complaints and what a visitor sends through the web form (routed by
# its category) reach this queue. The supervisor sees the whole district office
# tree, the integrity officer every tip-off (they go to the integrity unit).
DEMO_ACCOUNTS = [
    (OFFICER_USERNAME, "officer", "public-works", "เจ้าหน้าที่ตัวอย่าง (Demo officer)"),
    ("supervisor", "supervisor", "district-office", "หัวหน้างานตัวอย่าง (Demo supervisor)"),
    ("executive", "manager", None, "ผู้อำนวยการตัวอย่าง (Demo manager: dashboard and self-assessment)"),
    ("sysadmin", "admin", None, "ผู้ดูแลระบบตัวอย่าง (Demo administrator)"),
    (INTEGRITY_USERNAME, "integrity", "integrity", "เจ้าหน้าที่รับแจ้งเบาะแสตัวอย่าง (Demo integrity officer)"),
]


@dataclass
class SeedResult:
    units_created: int
    categories_created: int
    passwords: dict[str, str]  # new accounts only


def seed() -> SeedResult:
    """The Bangkok district preset (as `flask setup --preset bangkok-district` adds it)
    and the demo accounts."""
    added = agency_setup.add_reference_data(agency_setup.load_preset(PRESET))
    units = {u.code: u for u in db.session.scalars(select(Unit))}
    passwords = {}
    for username, role, unit_code, display_name in DEMO_ACCOUNTS:
        if db.session.scalar(select(User.id).where(User.username == username)) is None:
            passwords[username] = secrets.token_urlsafe(12)
            user = User(
                username=username, display_name=display_name, role=role, unit=units[unit_code] if unit_code else None
            )
            user.set_password(passwords[username])
            db.session.add(user)
    db.session.commit()
    return SeedResult(added.units, added.categories, passwords)
