"""Thai-first labels with English, and the page language switch.

Pages show Thai by default; `?lang=en` (remembered in a cookie) switches the
primary language to English. Domain labels live here once and serve pages,
mail and the JSON API.
"""

from __future__ import annotations

from flask import g, request

LANGS = ("th", "en")

KIND_LABELS = {
    "complaint": ("ร้องเรียน/ร้องทุกข์", "Complaint"),
    "suggestion": ("ข้อเสนอแนะ", "Suggestion"),
    "compliment": ("ชมเชย", "Compliment"),
    "tip_off": ("แจ้งเบาะแสการทุจริต", "Corruption tip-off"),
}

STATUS_LABELS = {
    "received": ("รับเรื่องแล้ว", "Received"),
    "acknowledged": ("ตอบรับแล้ว", "Acknowledged"),
    "assigned": ("มอบหมายผู้รับผิดชอบแล้ว", "Assigned"),
    "in_progress": ("กำลังดำเนินการ", "In progress"),
    "resolved": ("ดำเนินการแล้ว รอการยืนยัน", "Resolved, awaiting confirmation"),
    "closed": ("ปิดเรื่อง", "Closed"),
    "forwarded": ("ส่งต่อหน่วยงานอื่น", "Forwarded"),
    "rejected": ("ไม่อยู่ในอำนาจหน้าที่", "Not our responsibility"),
    "merged": ("รวมกับเรื่องอื่น", "Merged"),
    "on_hold": ("พักเรื่องชั่วคราว", "On hold"),
    "reopened": ("เปิดเรื่องอีกครั้ง", "Reopened"),
}

CHANNEL_LABELS = {
    "web": ("เว็บไซต์", "Website"),
    "api": ("แอปพลิเคชัน (API)", "App (API)"),
    "line": ("LINE", "LINE"),
    "email": ("อีเมล", "Email"),
    "sms": ("SMS", "SMS"),
    "open311": ("Open311", "Open311"),
    "phone": ("โทรศัพท์", "Phone"),
    "counter": ("ติดต่อด้วยตนเอง", "Counter"),
    "letter": ("หนังสือ/จดหมาย", "Letter"),
}

EVENT_LABELS = {
    "received": ("ได้รับเรื่องร้องเรียน", "Complaint received"),
    "acknowledged": ("ตอบรับเรื่องแล้ว", "Acknowledged"),
    "assign": ("มอบหมายผู้รับผิดชอบแล้ว", "Assigned to an officer"),
    "start": ("เริ่มดำเนินการ", "Work started"),
    "resolve": ("แจ้งผลการดำเนินการ", "Resolved"),
    "close": ("ปิดเรื่อง", "Closed"),
    "confirm": ("ผู้ร้องยืนยันผลการแก้ไข", "Complainant confirmed the fix"),
    "reopen": ("เปิดเรื่องอีกครั้ง", "Reopened"),
    "forward": ("ส่งต่อหน่วยงานที่รับผิดชอบ", "Forwarded"),
    "reject": ("ไม่อยู่ในอำนาจหน้าที่", "Not our responsibility"),
    "merge": ("รวมกับเรื่องที่ซ้ำกัน", "Merged with a duplicate"),
    "hold": ("พักเรื่องชั่วคราว", "Put on hold"),
    "resume": ("ดำเนินการต่อ", "Resumed"),
    "reply": ("เจ้าหน้าที่ตอบกลับ", "Reply from the officer"),
    "note": ("บันทึกภายใน", "Internal note"),
    "interim_notice": ("แจ้งความคืบหน้าระหว่างดำเนินการ", "Progress notice sent"),
    "escalated": ("แจ้งเตือนผู้บังคับบัญชา (เกินกำหนด)", "Escalated to the supervisor (overdue)"),
    "merged_in": ("มีเรื่องซ้ำรวมเข้ามา", "A duplicate was merged in"),
    "survey": ("ผู้ร้องประเมินความพึงพอใจ", "Complainant rated the handling"),
    "recategorise": ("กำหนดหมวดหมู่", "Category set by an officer"),
    "citizen_message": ("ผู้ร้องส่งข้อมูลเพิ่มเติม", "Further message from the complainant"),
}

UI = {
    "app_name": ("ร้องเรียน", "Rongrian"),
    "submit_complaint": ("แจ้งเรื่องร้องเรียน", "Submit a complaint"),
    "track_complaint": ("ติดตามเรื่อง", "Track a complaint"),
    "tracking_number": ("เลขที่เรื่อง", "Tracking number"),
    "status": ("สถานะ", "Status"),
    "received_at": ("วันที่รับเรื่อง", "Received"),
    "acknowledged_at": ("วันที่ตอบรับ", "Acknowledged"),
    "due_at": ("กำหนดแล้วเสร็จ", "Due by"),
    "kind": ("ประเภทเรื่อง", "Kind"),
    "category": ("หมวดหมู่", "Category"),
    "timeline": ("ความคืบหน้า", "Progress"),
    "title": ("หัวข้อ", "Title"),
    "description": ("รายละเอียด", "Details"),
    "location": ("สถานที่เกิดเหตุ", "Location"),
    "address": ("ที่อยู่/จุดสังเกต", "Address or landmark"),
    "province": ("จังหวัด", "Province"),
    "district": ("อำเภอ/เขต", "District"),
    "subdistrict": ("ตำบล/แขวง", "Subdistrict"),
    "lat": ("ละติจูด", "Latitude"),
    "lon": ("ลองจิจูด", "Longitude"),
    "photos": ("ภาพถ่าย (ไม่เกิน {n} ภาพ)", "Photos (up to {n})"),
    "contact": ("ข้อมูลติดต่อกลับ", "Contact details"),
    "name": ("ชื่อ-นามสกุล", "Full name"),
    "phone": ("โทรศัพท์", "Phone"),
    "email": ("อีเมล", "Email"),
    "anonymous": ("ไม่ประสงค์ออกนาม", "Submit anonymously"),
    "privacy_accept": ("ข้าพเจ้าได้อ่านและรับทราบประกาศความเป็นส่วนตัว", "I have read the privacy notice"),
    "send": ("ส่งเรื่อง", "Send"),
    "search": ("ค้นหา", "Search"),
    "receipt_heading": ("ได้รับเรื่องของท่านแล้ว", "We have received your complaint"),
    "keep_number": ("โปรดเก็บเลขที่เรื่องนี้ไว้เพื่อติดตามความคืบหน้า", "Keep this number to follow progress"),
    "choose": ("— เลือก —", "— choose —"),
    "not_given": ("ไม่ระบุ", "Not given"),
    "use_my_location": ("ใช้ตำแหน่งปัจจุบัน", "Use my location"),
}


def current_lang() -> str:
    lang = getattr(g, "lang", None)
    if lang:
        return lang
    asked = request.args.get("lang") or request.cookies.get("lang")
    g.lang = asked if asked in LANGS else "th"
    return g.lang


def pick(pair: tuple[str, str], lang: str | None = None) -> str:
    return pair[0] if (lang or current_lang()) == "th" else pair[1]


def t(key: str, **values) -> str:
    """The UI string in the page language."""
    return pick(UI[key]).format(**values)


def t_other(key: str, **values) -> str:
    """The same string in the other language, shown smaller beside it."""
    pair = UI[key]
    return (pair[1] if current_lang() == "th" else pair[0]).format(**values)


def label(table: dict, key: str | None, lang: str | None = None) -> str:
    if key is None:
        return ""
    pair = table.get(key)
    return pick(pair, lang) if pair else key
