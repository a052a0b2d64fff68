"""Erasure and retention leave nothing of the data subject behind: every table and
column (encrypted ones decrypted through the models) and every stored file (uploads,
exports, the mail outbox folder) is scanned for the person's name, phone in any common
spelling, e-mail and address after the admin's erasure or the retention purge."""

from __future__ import annotations

import contextlib
import email
import email.policy
import io
import json
import re
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import inspect, select, text

from complaints.extensions import db
from complaints.models import Attachment, Complaint, OutboxMessage, User, utcnow
from complaints.models.encrypted import decrypt
from complaints.services.casework import case_actions
from complaints.services.casework.intake import Upload
from complaints.services.casework.photos import store_file
from complaints.services.messaging import channel_refs, outbox, sms
from complaints.services.privacy import duties
from complaints.services.privacy.contact_crypto import encrypted_columns
from tests.helpers import complaint_by_number, csrf_from, export_file, login, make_staff

NAME = "วันเพ็ญ ศรีสุข"
EMAIL = "Wanpen.S@example.org"
PHONE = "0812345678"
ADDRESS = "99/12 ซอยลาดพร้าว 71"
LAT, LON = 13.806123, 100.573456
# Every spelling the scan must not find: the digits are also searched with separators removed.
TEXT_NEEDLES = [NAME, "วันเพ็ญ", "ศรีสุข", EMAIL.lower(), ADDRESS]
PHONE_DIGITS = "812345678"


def jpeg_with_comment(comment: str) -> bytes:
    """A JPEG whose COM segment and EXIF ImageDescription carry `comment`."""
    image = Image.new("RGB", (40, 30), (120, 60, 30))
    exif = Image.Exif()
    exif[0x010E] = comment  # ImageDescription
    out = io.BytesIO()
    image.save(out, format="JPEG", comment=comment.encode(), exif=exif.tobytes())
    data = out.getvalue()
    assert comment.encode() in data
    return data


def submit(client) -> str:
    body = {
        "title": f"ถนนหน้าบ้าน {NAME}",
        "description": f"ถนนหน้าบ้านเลขที่ {ADDRESS} เป็นหลุม ติดต่อ 081-234-5678",
        "category": "ถนน",
        "location": {"lat": LAT, "lon": LON, "address": ADDRESS},
        "contact": {"name": NAME, "email": EMAIL, "phone": PHONE},
    }
    response = client.post("/api/v1/complaints", json=body)
    assert response.status_code == 201, response.text
    return response.get_json()["tracking_number"]


def _digits_view(value: str) -> str:
    return re.sub(r"[\s\-.+()\u00a0]", "", value.translate(str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")))


def leaks(value: str) -> list[str]:
    """The subject's values found in `value` (JSON columns hold Thai as \\u escapes)."""
    views = [value]
    if "\\u" in value:
        with contextlib.suppress(ValueError):
            views.append(json.dumps(json.loads(value), ensure_ascii=False))
    found = [n for n in TEXT_NEEDLES for v in views if n.lower() in v.lower()]
    if any(PHONE_DIGITS in _digits_view(v) for v in views):
        found.append("phone")
    return found


def scan_database() -> dict[str, list[str]]:
    """{table.column: leaked values} over every table and column of the live schema."""
    encrypted = encrypted_columns()
    found: dict[str, list[str]] = {}
    schema = inspect(db.engine)
    for table in schema.get_table_names():
        columns = [c["name"] for c in schema.get_columns(table)]
        quoted = ", ".join(f'"{c}"' for c in columns)
        for row in db.session.execute(text(f'SELECT {quoted} FROM "{table}"')).mappings():
            for column in columns:
                value = row[column]
                if value is None:
                    continue
                if column in encrypted.get(table, ()):
                    value = decrypt(value) if value else value
                if isinstance(value, bytes):
                    value = value.decode("utf-8", "replace")
                hits = leaks(str(value))
                if hits:
                    found.setdefault(f"{table}.{column}", []).extend(hits)
    return found


def _file_texts(path: Path) -> list[str]:
    raw = path.read_bytes()
    texts = [raw.decode("utf-8", "replace")]
    if path.suffix == ".eml":
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        texts += [str(v) for v in msg.values()]
        texts += [part.get_content() for part in msg.walk() if part.get_content_maintype() == "text"]
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            texts += [archive.read(name).decode("utf-8", "replace") for name in archive.namelist()]
    if path.suffix in (".jpg", ".png", ".webp"):
        with Image.open(path) as image:
            # Metadata of any kind is reported as a leak (as the name it carries, for the scan).
            if {"comment", "exif", "xmp"} & set(image.info):
                texts.append(f"metadata {sorted(image.info)}: {NAME}")
            texts.append(repr(image.info))
    return texts


def scan_files(app) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for setting in ("UPLOAD_DIR", "EXPORT_DIR", "MAIL_OUTBOX_DIR", "SMS_OUTBOX_DIR", "LINE_OUTBOX_DIR"):
        for path in Path(app.config[setting]).rglob("*"):
            if path.is_file():
                hits = [hit for content in _file_texts(path) for hit in leaks(content)]
                if hits:
                    found[str(path.relative_to(app.config[setting]))] = hits
    return found


def build_subject(app, client) -> tuple[str, int]:
    """A complaint with everything that can hold the subject's data; (tracking number, id)."""
    number = submit(client)
    submit(client)  # a second complaint of the same person
    make_staff(app, "works", "officer", "public-works")
    with app.app_context():
        complaint = complaint_by_number(number)
        officer = db.session.scalar(select(User).where(User.username == "works"))
        complaint.unit_id = officer.unit_id
        db.session.commit()
        case_actions.add_reply(complaint, officer, f"เรียนคุณ{NAME} ทางเขตรับเรื่องแล้ว หากมีข้อสงสัยโทร 02-111-2222")
        case_actions.add_note(
            complaint, officer, f"โทรคุยกับ วันเพ็ญ ที่ +66 81 234 5678 แล้ว อีเมล {EMAIL.upper()} บ้าน {ADDRESS}"
        )
        case_actions.attach_files(complaint, officer, [Upload("files", f"บ้าน{NAME}.jpg", jpeg_with_comment(NAME))])
        # A mail program that builds Message-IDs from the sender's address.
        db.session.add(channel_refs.reference("email", f"<1733.{EMAIL}>", complaint.id))
        # A photo stored before metadata was dropped at intake: its file still has the comment.
        legacy = jpeg_with_comment(f"{NAME} {PHONE}")
        key = store_file(app.config["UPLOAD_DIR"], "2025", legacy, "jpg")
        db.session.add(
            Attachment(
                complaint_id=complaint.id,
                storage_key=key,
                original_name=f"{NAME}.jpg",
                content_type="image/jpeg",
                size_bytes=len(legacy),
                sha256="0" * 64,
                width=40,
                height=30,
            )
        )
        db.session.commit()
        # An SMS to the subject in the development outbox (SMS unconfigured), beside someone else's.
        folder = Path(app.config["SMS_OUTBOX_DIR"])
        sms.write_to_folder(PHONE, f"เรื่อง {number} ได้รับแล้ว", "test-1", folder)
        sms.write_to_folder("0899999999", "เรื่องของคนอื่น", "test-2", folder)
        # Mails go out through the file backend: .eml files to the subject's address.
        for message_id in db.session.scalars(select(OutboxMessage.id).where(OutboxMessage.status == "pending")):
            outbox.deliver_message(message_id)
        complaint_id = complaint.id
    assert any(Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"))
    return number, complaint_id


def test_the_setup_really_holds_the_data_everywhere(app, client):
    """The scan finds the data before erasure: an empty scan afterwards means something."""
    build_subject(app, client)
    with app.app_context():
        before = scan_database()
    for column in (
        "complainants.name",
        "complainants.email",
        "complainants.phone",
        "complaints.address",
        "complaints.description",
        "timeline_events.text",
        "outbox_messages.recipient",
        "attachments.original_name",
        "channel_messages.external_id",
    ):
        assert column in before, (column, before)
    files = scan_files(app)
    assert any(name.endswith(".eml") for name in files), files
    assert any(name.endswith(".jpg") for name in files), files
    assert any(name.endswith(".json") for name in files), files  # the subject's SMS


def test_erasure_leaves_nothing_of_the_subject_in_any_table_or_file(app, client):
    erase_and_scan(app, client)


@pytest.mark.postgres
def test_erasure_leaves_nothing_on_postgresql(pg_app):
    erase_and_scan(pg_app, pg_app.test_client())


def erase_and_scan(app, client) -> None:
    number, complaint_id = build_subject(app, client)
    manager_id = make_staff(app, "boss", "manager", None)
    manager = app.test_client()
    login(manager, "boss")
    export_file(app, manager, f"period={utcnow().year + 543}")
    # An export is a snapshot of the complaints as they were: withdrawn by the erasure.
    exports = [p for p in Path(app.config["EXPORT_DIR"]).rglob("*") if p.is_file()]
    assert exports
    make_staff(app, "root", "admin", None)
    admin = app.test_client()
    login(admin, "root")
    token = csrf_from(admin.get("/admin/privacy").text)
    done = admin.post(
        "/admin/privacy",
        data={
            "csrf_token": token,
            "contact_kind": "phone",
            "contact": "081 234 5678",
            "action": "erase",
            "note": f"คำขอของ {NAME} ทางโทรศัพท์",
        },
    )
    assert done.status_code == 302, done.text
    with app.app_context():
        assert scan_database() == {}
        complaint = db.session.get(Complaint, complaint_id)
        assert complaint.address is None
        assert (complaint.lat, complaint.lon) == (round(LAT, 2), round(LON, 2))
        assert "[ชื่อบุคคล]" in complaint.title and "[เบอร์โทร]" in complaint.description
        notes = [e.text for e in complaint.events if e.kind == "note" and e.text and "โทรคุย" in e.text]
        assert notes and "[เบอร์โทร]" in notes[0] and "[อีเมล]" in notes[0] and "[ที่อยู่]" in notes[0]
        assert all(m.recipient == "" for m in db.session.scalars(select(OutboxMessage)))
        assert db.session.get(User, manager_id) is not None  # staff are not the subject
    assert scan_files(app) == {}
    assert not any(p.exists() for p in exports)
    # Someone else's SMS stays in the file.
    assert [
        json.loads(p.read_text(encoding="utf-8"))["to"] for p in Path(app.config["SMS_OUTBOX_DIR"]).glob("*.json")
    ] == ["0899999999"]
    # The case itself stays: officers still see it, the public tracking page still works.
    assert client.get(f"/track/{number}").status_code == 200


def test_retention_uses_the_same_erasure(app, client):
    number, complaint_id = build_subject(app, client)
    with app.app_context():
        now = utcnow()
        for complaint in db.session.scalars(select(Complaint)):
            complaint.status = "closed"
            complaint.closed_at = now - timedelta(days=app.config["RETENTION_DAYS_AFTER_CLOSE"] + 1)
        db.session.commit()
        assert duties.apply_retention(now) == 2  # the two complainant records of the subject
        assert scan_database() == {}
        assert db.session.get(Complaint, complaint_id).address is None
    assert scan_files(app) == {}


@pytest.mark.parametrize(
    "spelling",
    ["0812345678", "081-234-5678", "+66812345678", "+66 81 234 5678", "66-81-234-5678", "๐๘๑๒๓๔๕๖๗๘", "081.234.5678"],
)
def test_every_spelling_of_the_phone_number_is_masked(app, spelling):
    from complaints.models import Complainant
    from complaints.nlp.scrubbing import scrubber_for

    with app.app_context():
        scrubber = scrubber_for([Complainant(name=NAME, phone=PHONE, email=EMAIL)], [])
        masked = scrubber.text(f"โทร {spelling} ได้ทุกวัน")
        assert masked == "โทร [เบอร์โทร] ได้ทุกวัน"
        # Text that only contains the digits inside a longer number is not the phone.
        assert scrubber.text("รหัสพัสดุ 812345678999") == "รหัสพัสดุ 812345678999"


def test_names_are_masked_by_their_parts_but_not_titles_or_inside_latin_words(app):
    from complaints.models import Complainant
    from complaints.nlp.scrubbing import scrubber_for

    with app.app_context():
        scrubber = scrubber_for([Complainant(name="นาย สมชาย Lee")], [])
        assert scrubber.text("นายกเทศมนตรีโทรหาสมชาย") == "นายกเทศมนตรีโทรหา[ชื่อบุคคล]"
        assert scrubber.text("ไปประชุมที่ Leeds กับ LEE") == "ไปประชุมที่ Leeds กับ [ชื่อบุคคล]"
