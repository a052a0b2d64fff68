"""The Thai complaint form, end to end through the test client."""

from __future__ import annotations

import io
import re
from pathlib import Path

from PIL import Image
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Complaint
from tests.helpers import counts, form_tokens, jpeg_bytes


def _exif_jpeg() -> bytes:
    image = Image.new("RGB", (80, 60), (10, 200, 10))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {2: (13.0, 45.0, 0.0), 1: "N"}  # GPS IFD: latitude
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_form_page_is_thai_first_with_english(client):
    page = client.get("/complaints/new").text
    assert '<html lang="th">' in page
    assert "แจ้งเรื่องร้องเรียน" in page and "Submit a complaint" in page
    assert "ประกาศความเป็นส่วนตัว" in page and "Privacy notice" in page
    assert "กรุงเทพมหานคร / Bangkok" in page  # province picker
    assert "ถนน / Roads" in page  # categories from the Traffy taxonomy
    english = client.get("/complaints/new?lang=en")
    assert '<html lang="en">' in english.text
    assert "lang=en" in english.headers["Set-Cookie"]


def test_submitting_the_form_gives_a_receipt_with_the_tracking_number(app, client, tmp_path):
    data = {
        **form_tokens(client),
        "kind": "complaint",
        "category": "ทางเท้า",
        "title": "ทางเท้าทรุด",
        "description": "ทางเท้าหน้าตลาดทรุดเป็นหลุม คนเดินสะดุดล้ม",
        "province": "10",
        "district": "1030",
        "subdistrict": "103001",
        "address": "หน้าตลาดนัดจตุจักร",
        "lat": "13.7999",
        "lon": "100.5500",
        "name": "สมชาย ใจดี",
        "phone": "0812345678",
        "email": "",
        "privacy_accepted": "y",
        "photos": [(io.BytesIO(_exif_jpeg()), "IMG_0001.jpg"), (io.BytesIO(jpeg_bytes()), "../../x.jpg")],
    }
    response = client.post("/complaints/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    receipt = client.get(response.headers["Location"])
    number = re.search(r'id="receipt-number">([^<]+)<', receipt.text).group(1)
    assert re.fullmatch(r"RR-25\d\d-[0-9A-Z]{4}-[0-9A-Z]{4}", number)
    assert "ได้รับเรื่องของท่านแล้ว" in receipt.text
    assert "สมชาย" not in receipt.text and "0812345678" not in receipt.text
    with app.app_context():
        complaint = db.session.scalar(select(Complaint).where(Complaint.tracking_number == number))
        assert complaint.channel == "web"
        assert complaint.district == "เขตจตุจักร" and complaint.subdistrict == "ลาดยาว"
        assert complaint.area_code == "103001"
        assert (complaint.lat, complaint.lon) == (13.7999, 100.55)
        assert complaint.complainant.name == "สมชาย ใจดี" and complaint.complainant.email is None
        # No email: the receipt on screen is the acknowledgement.
        assert complaint.status == "acknowledged" and complaint.acknowledged_at is not None
        assert complaint.privacy_notice_version == app.config["PRIVACY_NOTICE_VERSION"]
        assert len(complaint.attachments) == 2
        for attachment in complaint.attachments:
            stored = Path(app.config["UPLOAD_DIR"]) / attachment.storage_key
            assert stored.is_file()
            assert stored.resolve().is_relative_to(Path(app.config["UPLOAD_DIR"]).resolve())
            assert not str(stored).startswith(str(Path(app.static_folder)))
            assert attachment.content_type == "image/jpeg"
            with Image.open(stored) as image:
                # Re-encoded: the phone's EXIF (maker, GPS position) is gone.
                assert not image.getexif()
        assert sorted(a.original_name for a in complaint.attachments) == ["IMG_0001.jpg", "x.jpg"]


def test_resubmitting_the_same_form_creates_one_complaint(app, client):
    data = {**form_tokens(client), "kind": "suggestion", "description": "ขอให้เพิ่มถังขยะ", "privacy_accepted": "y"}
    first = client.post("/complaints/new", data=dict(data))
    second = client.post("/complaints/new", data=dict(data))
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert counts(app)["complaints"] == 1


def test_anonymous_submission_keeps_no_identity(app, client):
    data = {
        **form_tokens(client),
        "kind": "tip_off",
        "description": "มีการเรียกรับเงินใต้โต๊ะ",
        "anonymous": "y",
        "name": "ไม่ควรถูกเก็บ",
        "email": "x@example.com",
        "privacy_accepted": "y",
    }
    response = client.post("/complaints/new", data=data)
    assert response.status_code == 302
    with app.app_context():
        complaint = db.session.scalar(select(Complaint))
        assert complaint.anonymous and complaint.complainant is None and complaint.kind == "tip_off"
    assert counts(app)["complainants"] == 0


def test_invalid_place_keeps_what_was_typed(app, client):
    data = {**form_tokens(client), "description": "ถนนพังยับ", "province": "99", "privacy_accepted": "y"}
    response = client.post("/complaints/new", data=data)
    assert response.status_code == 422
    assert "ไม่พบจังหวัดนี้" in response.text and "Unknown province" in response.text
    assert "ถนนพังยับ" in response.text
    assert counts(app)["complaints"] == 0


def test_picker_lists_districts_and_subdistricts(client):
    districts = client.get("/api/v1/places/provinces/10/districts").get_json()
    assert {"code": "1030", "name_th": "เขตจตุจักร", "name_en": "Chatuchak"} in districts
    subs = client.get("/api/v1/places/districts/1030/subdistricts").get_json()
    assert "ลาดยาว" in [s["name_th"] for s in subs]
    assert client.get("/api/v1/places/provinces/xx/districts").get_json() == []


def test_security_headers(client):
    response = client.get("/complaints/new")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in response.text  # no inline script, so CSP can forbid it
