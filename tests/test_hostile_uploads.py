"""Hostile uploads at the three places that take files: the citizen's web form, the
officer's attachment upload and the assessment evidence upload.

Polyglots (an image or PDF that is also HTML/script), decompression bombs, huge
dimensions, files that are not what their name says, and path-traversal or
control-character names. A refused file stores nothing (no row, no file); an accepted
one is stored under a random name inside UPLOAD_DIR, shown under a clean name that ends
in its real type, and (photos) re-encoded so nothing rides along.
"""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from assessment.models import AssessmentEvidence
from complaints.extensions import db
from complaints.models import Attachment, User
from tests.helpers import (
    case_url,
    complaint_by_number,
    csrf_from,
    form_tokens,
    jpeg_bytes,
    login,
    make_staff,
    submit_api,
)

SCRIPT = b"<html><body><script>alert(document.cookie)</script></body></html>"


def png(size, mode="1") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, format="PNG")
    return out.getvalue()


def files_in(app) -> list[Path]:
    return [p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()]


def rows(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def officer_case(app, client):
    """An officer of public works signed in, and a roads complaint of theirs."""
    make_staff(app, "pw-officer", "officer", "public-works")
    number = submit_api(client)
    officer = app.test_client()
    login(officer, "pw-officer")
    with app.app_context():
        complaint_id = complaint_by_number(number).id
    return officer, complaint_id


def send_photo(where: str, app, client, officer_case, data: bytes, name: str):
    """The web form with one photo, or the officer's attachment upload."""
    if where == "web form":
        return client.post(
            "/complaints/new",
            data={
                **form_tokens(client),
                "kind": "complaint",
                "description": "ถนนเป็นหลุมใหญ่",
                "privacy_accepted": "y",
                "photos": (io.BytesIO(data), name),
            },
            content_type="multipart/form-data",
        )
    officer, complaint_id = officer_case
    token = csrf_from(officer.get(case_url(app, complaint_id)).text)
    return officer.post(
        case_url(app, complaint_id, "/attachments"),
        data={"csrf_token": token, "files": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


PHOTO_POINTS = ["web form", "officer upload"]
# What photos.prepare_photo answers a refused photo, in Thai and English.
PHOTO_REFUSALS = [
    ("ไฟล์นี้ไม่ใช่ภาพที่ถูกต้อง", "This file is not a valid image."),
    ("ภาพมีขนาดพิกเซลใหญ่เกินไป", "The image dimensions are too large."),
    ("รองรับเฉพาะไฟล์ภาพ JPEG, PNG หรือ WebP", "Only JPEG, PNG or WebP photos are accepted."),
]
REFUSED_PHOTOS = {
    "decompression bomb": (png((20000, 20000)), "bomb.png"),
    "one huge side": (png((13000, 1)), "strip.png"),
    "HTML named .jpg": (SCRIPT, "photo.jpg"),
    "SVG with script": (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "photo.svg"),
    "GIF/script polyglot": (b"GIF89a/*" + b"\x00" * 10 + b"*/=alert(1)//" + SCRIPT, "photo.gif"),
    "truncated JPEG": (jpeg_bytes()[:200], "cut.jpg"),
}


@pytest.mark.parametrize("where", PHOTO_POINTS)
def test_hostile_photos_are_refused_and_leave_nothing(app, client, officer_case, where):
    for case, (data, name) in REFUSED_PHOTOS.items():
        before = rows(app, Attachment), files_in(app)
        started = time.monotonic()
        response = send_photo(where, app, client, officer_case, data, name)
        assert time.monotonic() - started < 10, case  # refused from the header, not after decoding
        assert response.status_code == 422, (case, response.status_code)
        assert any(th in response.text and en in response.text for th, en in PHOTO_REFUSALS), case
        assert (rows(app, Attachment), files_in(app)) == before, case


@pytest.mark.parametrize("where", PHOTO_POINTS)
def test_a_polyglot_photo_is_re_encoded_and_its_name_cleaned(app, client, officer_case, where):
    """A real JPEG with HTML after its end: accepted as the photo it is, stored without the
    rest, under a random name; its traversal name is reduced to a clean one ending in .jpg."""
    response = send_photo(
        where, app, client, officer_case, jpeg_bytes() + SCRIPT, "../../../static/\u202eevil\x00.html"
    )
    assert response.status_code == 302, response.text[:300]
    upload_dir = Path(app.config["UPLOAD_DIR"]).resolve()
    with app.app_context():
        attachment = db.session.scalar(select(Attachment).order_by(Attachment.id.desc()))
        stored = (upload_dir / attachment.storage_key).resolve()
        assert upload_dir in stored.parents and ".." not in attachment.storage_key
        assert attachment.original_name == "evil.html.jpg" and attachment.content_type == "image/jpeg"
    data = stored.read_bytes()
    assert data.startswith(b"\xff\xd8\xff") and b"<script" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"


# --- assessment evidence: stored as sent (a signed record), so served only as a download


@pytest.fixture
def assessment_manager(app, staff_client):
    """A manager signed in, with the self-assessment of 2569 open."""
    from assessment import service
    from complaints.domain.periods import Period

    client = staff_client("manager")
    with app.app_context():
        manager = db.session.scalar(select(User).where(User.username == "manager"))
        service.open_assessment(Period.parse("2569"), manager)
    return client


def send_evidence(client, data: bytes, name: str):
    token = csrf_from(client.get("/assessment/2569").text)
    return client.post(
        "/assessment/2569/items/3.2-B1/evidence",
        data={"csrf_token": token, "title": "", "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def zip_bomb_docx() -> bytes:
    """A valid DOCX container whose one part inflates to 200 MB (from about 200 kB)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\x00" * (200 * 1024 * 1024))
    return out.getvalue()


KEPT_EVIDENCE = [  # what is sent, as what name -> the name shown, the type served
    (b"%PDF-1.4\n" + SCRIPT, "report.html", "report.html.pdf", "application/pdf"),
    (lambda: png((20000, 20000)), "../../plan.png", "plan.png", "image/png"),
    (
        zip_bomb_docx,
        "/etc/แผน.docx",
        "แผน.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (b"%PDF-1.4\nplan\n", "\x00\x1b[31m\u202efdp.exe", "31mfdp.exe.pdf", "application/pdf"),
]


def test_evidence_is_kept_as_sent_but_only_ever_downloaded_as_its_real_type(app, assessment_manager):
    for data, name, shown, content_type in KEPT_EVIDENCE:
        data = data() if callable(data) else data  # the bomb is built only here
        started = time.monotonic()
        response = send_evidence(assessment_manager, data, name)
        assert time.monotonic() - started < 10, name  # a zip is listed, never inflated; an image never decoded
        assert response.status_code == 302, response.text[:300]
        with app.app_context():
            item = db.session.scalar(select(AssessmentEvidence).order_by(AssessmentEvidence.id.desc()))
            assert (item.original_name, item.content_type, item.size_bytes) == (shown, content_type, len(data))
            assert ".." not in item.storage_key and item.storage_key.startswith("assessment/")
            evidence_id = item.id
        download = assessment_manager.get(f"/assessment/2569/evidence/{evidence_id}")
        download.close()
        assert download.mimetype == content_type, name
        assert download.headers["Content-Disposition"].startswith("attachment"), name
        assert download.headers["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'self'" in download.headers["Content-Security-Policy"]


def test_evidence_that_is_not_what_it_claims_is_refused_and_leaves_nothing(app, assessment_manager):
    for data, name in [
        (SCRIPT, "report.pdf"),
        (b"PK\x03\x04" + b"\x00" * 100, "sheet.xlsx"),
        (b"GIF89a" + SCRIPT, "chart.png"),
    ]:
        response = send_evidence(assessment_manager, data, name)
        assert response.status_code == 422, name
        assert "รองรับเฉพาะไฟล์" in response.text and "Only PDF" in response.text
        assert rows(app, AssessmentEvidence) == 0 and files_in(app) == [], name
