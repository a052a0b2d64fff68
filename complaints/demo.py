"""Demo data: units, the Traffy Fondue category taxonomy and an officer account.

Running it again adds only what is missing.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select

from complaints.extensions import db
from complaints.models import CannedResponse, Category, RootCause, ServiceStandard, StandardsPublication, Unit, User

OFFICER_USERNAME = "officer"

UNITS = [
    # code, Thai, English, parent code
    ("district-office", "สำนักงานเขต", "District Office", None),
    ("public-works", "ฝ่ายโยธา", "Public Works Section", "district-office"),
    ("cleansing", "ฝ่ายรักษาความสะอาดและสวนสาธารณะ", "Cleansing and Parks Section", "district-office"),
    ("city-law", "ฝ่ายเทศกิจ", "City Law Enforcement Section", "district-office"),
    ("drainage", "สำนักการระบายน้ำ", "Drainage and Sewerage Department", None),
    ("traffic", "สำนักการจราจรและขนส่ง", "Traffic and Transportation Department", None),
    ("environment", "สำนักสิ่งแวดล้อม", "Environment Department", None),
    ("social-welfare", "ฝ่ายพัฒนาชุมชนและสวัสดิการสังคม", "Community Development and Social Welfare", "district-office"),
    ("complaints-centre", "ศูนย์รับเรื่องร้องเรียน", "Complaints Centre", None),
    ("integrity", "ศูนย์ปฏิบัติการต่อต้านการทุจริต", "Anti-Corruption Operation Centre", None),
]

# The 24 categories of the Traffy Fondue data (code = the Thai label in the data).
CATEGORIES = [
    ("ถนน", "Roads", "public-works"),
    ("ทางเท้า", "Footpaths", "public-works"),
    ("น้ำท่วม", "Flooding", "drainage"),
    ("แสงสว่าง", "Street lighting", "public-works"),
    ("ความสะอาด", "Cleanliness", "cleansing"),
    ("ท่อระบายน้ำ", "Drains", "drainage"),
    ("กีดขวาง", "Obstructions", "city-law"),
    ("ความปลอดภัย", "Safety", "city-law"),
    ("สายไฟ", "Overhead cables", "public-works"),
    ("จราจร", "Traffic", "traffic"),
    ("สะพาน", "Bridges", "public-works"),
    ("คลอง", "Canals", "drainage"),
    ("ต้นไม้", "Trees", "cleansing"),
    ("เสียงรบกวน", "Noise", "environment"),
    ("สัตว์จรจัด", "Stray animals", "environment"),
    ("ป้าย", "Signs and billboards", "city-law"),
    ("เสนอแนะ", "Suggestions", "complaints-centre"),
    ("ร้องเรียน", "General complaints", "complaints-centre"),
    ("คนจรจัด", "Homeless people", "social-welfare"),
    ("การเดินทาง", "Getting around", "traffic"),
    ("สอบถาม", "Enquiries", "complaints-centre"),
    ("ห้องน้ำ", "Public toilets", "cleansing"),
    ("PM2.5", "PM2.5 air pollution", "environment"),
    ("ป้ายจราจร", "Traffic signs", "traffic"),
]


CANNED_RESPONSES = [
    ("รับเรื่องและส่งเจ้าหน้าที่ลงพื้นที่",
     "หน่วยงานได้รับเรื่องของท่านแล้ว และได้มอบหมายเจ้าหน้าที่ลงพื้นที่ตรวจสอบ จะแจ้งผลให้ทราบโดยเร็ว"),
    ("ดำเนินการแก้ไขเรียบร้อย",
     "หน่วยงานได้ดำเนินการแก้ไขตามที่ท่านแจ้งเรียบร้อยแล้ว ขอบคุณที่แจ้งเรื่องเข้ามา "
     "กรุณายืนยันผลการแก้ไขผ่านลิงก์ติดตามเรื่อง"),
    ("ไม่อยู่ในอำนาจหน้าที่",
     "เรื่องนี้อยู่ในอำนาจหน้าที่ของหน่วยงานอื่น ท่านสามารถติดต่อหน่วยงานที่รับผิดชอบได้โดยตรงที่"),
]


# Demo staff accounts (username, role, unit code, display name); passwords are
# generated and printed once, when the account is created.
DEMO_ACCOUNTS = [
    (OFFICER_USERNAME, "officer", "complaints-centre", "เจ้าหน้าที่ตัวอย่าง (Demo officer)"),
    ("executive", "manager", None, "ผู้อำนวยการตัวอย่าง (Demo manager: dashboard and self-assessment)"),
]


@dataclass
class SeedResult:
    units_created: int
    categories_created: int
    passwords: dict[str, str]  # new accounts only


# Root causes an officer picks at closure (agency-configurable in admin).
ROOT_CAUSES = [
    ("maintenance", "ขาดการบำรุงรักษา", "Lack of maintenance"),
    ("infrastructure", "โครงสร้างพื้นฐานชำรุดหรือไม่เพียงพอ", "Infrastructure damaged or insufficient"),
    ("process", "ขั้นตอนการทำงานไม่ชัดเจนหรือล่าช้า", "Unclear or slow procedure"),
    ("staff-conduct", "พฤติกรรมการให้บริการของเจ้าหน้าที่", "Staff conduct"),
    ("communication", "การสื่อสารหรือประชาสัมพันธ์ไม่ทั่วถึง", "Insufficient communication"),
    ("enforcement", "การบังคับใช้กฎหมายหรือระเบียบไม่เข้มงวด", "Weak enforcement of rules"),
    ("third-party", "เกิดจากหน่วยงานหรือบุคคลภายนอก", "Caused by an outside party"),
    ("weather", "ภัยธรรมชาติหรือสภาพอากาศ", "Natural causes or weather"),
    ("no-fault", "ไม่พบข้อบกพร่องของหน่วยงาน", "No fault found"),
    ("other", "อื่น ๆ", "Other"),
]


def seed() -> SeedResult:
    units = {u.code: u for u in db.session.scalars(select(Unit))}
    units_created = 0
    for code, name_th, name_en, parent in UNITS:
        if code not in units:
            units[code] = Unit(code=code, name_th=name_th, name_en=name_en, parent=units.get(parent))
            db.session.add(units[code])
            units_created += 1
    existing = set(db.session.scalars(select(Category.code)))
    categories_created = 0
    for code, name_en, unit_code in CATEGORIES:
        if code not in existing:
            db.session.add(Category(code=code, name_th=code, name_en=name_en, unit=units[unit_code]))
            categories_created += 1
    if db.session.scalar(select(ServiceStandard.id).where(
            ServiceStandard.category_id.is_(None), ServiceStandard.kind.is_(None))) is None:
        # Royal Decree on Good Governance 2546: answer within 15 days.
        db.session.add(ServiceStandard(category_id=None, kind=None, ack_working_days=1,
                                       first_response_working_days=5, resolve_working_days=15))
    if db.session.scalar(select(StandardsPublication.id)) is None:
        db.session.add(StandardsPublication(note="มาตรฐานการให้บริการฉบับแรก / First published standards"))
    if db.session.scalar(select(CannedResponse.id)) is None:
        db.session.add_all([CannedResponse(title=title, body=body) for title, body in CANNED_RESPONSES])
    if db.session.scalar(select(RootCause.id)) is None:
        db.session.add_all([RootCause(code=code, name_th=th, name_en=en) for code, th, en in ROOT_CAUSES])
    passwords = {}
    for username, role, unit_code, display_name in DEMO_ACCOUNTS:
        if db.session.scalar(select(User.id).where(User.username == username)) is None:
            passwords[username] = secrets.token_urlsafe(12)
            user = User(username=username, display_name=display_name, role=role,
                        unit=units[unit_code] if unit_code else None)
            user.set_password(passwords[username])
            db.session.add(user)
    db.session.commit()
    return SeedResult(units_created, categories_created, passwords)
