"""Bad, oversized and hostile input: a clear 4xx in Thai and English, never a 500,
and nothing stored by halves."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.helpers import PERSON, counts, form_tokens, png_bytes

GOOD = {"description": "ทางเท้าชำรุด", "contact": {"email": "a@example.com"}}


def assert_problem(response, status: int, code: str | None = None):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status
    assert body["detail"] and body["detail_th"]
    # The Thai message is Thai.
    assert any("\u0e00" <= ch <= "\u0e7f" for ch in body["detail_th"])
    if code:
        assert body["code"] == code
    return body


def test_malformed_json(app, client):
    assert_problem(
        client.post("/api/v1/complaints", data='{"description": ', content_type="application/json"),
        400,
        "malformed-json",
    )
    assert counts(app)["complaints"] == 0


def test_wrong_content_type(app, client):
    assert_problem(
        client.post("/api/v1/complaints", data="description=x", content_type="application/x-www-form-urlencoded"), 415
    )
    assert counts(app)["complaints"] == 0


@pytest.mark.parametrize(
    "body,field",
    [
        ({}, "description"),
        ({"description": ""}, "description"),
        ({"description": "   \u200b\u200b  "}, "description"),
        ({"description": "x", "kind": "complaint_or_else"}, "kind"),
        ({"description": "x", "contact": {"email": "not-an-email"}}, "contact.email"),
        ({"description": "x", "contact": {"phone": "call me maybe"}}, "contact.phone"),
        ({"description": "x", "contact": {"line_user_id": "U123"}}, "contact.line_user_id"),
        ({"description": "x", "location": {"lat": 200, "lon": 100}}, "location.lat"),
        ({"description": "x", "location": {"lat": 13.7}}, "location"),
        ({"description": "x", "location": {"province": "นาร์เนีย"}}, "location.province"),
        ({"description": "x", "location": {"province": "เชียงใหม่", "district": "บางรัก"}}, "location.district"),
        ({"description": "x", "category": "no-such-category"}, "category"),
        ({"description": "x", "unexpected": 1}, "unexpected"),
        ({"description": "x", "anonymous": True, "contact": {"name": "ใครสักคน"}}, "contact"),
        ({"description": ["not", "text"]}, "description"),
        ({"description": "x", "title": "t" * 201}, "title"),
    ],
)
def test_invalid_fields_are_named(app, client, body, field):
    problem = assert_problem(client.post("/api/v1/complaints", json=body), 422, "invalid-input")
    fields = [e["field"] for e in problem["errors"]]
    assert field in fields, fields
    for error in problem["errors"]:
        assert error["message_th"] and error["message_en"]
    assert counts(app)["complaints"] == 0


def test_a_json_array_body_is_refused(app, client):
    assert_problem(client.post("/api/v1/complaints", json=["description"]), 422)


def test_a_one_megabyte_description_is_refused_and_nothing_stored(app, client):
    body = {"description": "ก" * (1024 * 1024)}
    problem = assert_problem(client.post("/api/v1/complaints", json=body), 422)
    assert problem["errors"][0]["field"] == "description"
    assert counts(app)["complaints"] == 0


def test_a_body_over_the_request_limit_is_413(app, client):
    body = '{"description": "' + "x" * (17 * 1024 * 1024) + '"}'
    assert_problem(client.post("/api/v1/complaints", data=body, content_type="application/json"), 413)
    assert counts(app)["complaints"] == 0


@pytest.mark.parametrize("field", ["description", "title"])
@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert('xss')</script>",
        "<img src=x onerror=alert(1)>",
        "ดูที่ <iframe src=//evil>",
    ],
)
def test_script_tags_are_refused(app, client, field, payload):
    body = {"description": "ถนนเป็นหลุม", field: payload}
    problem = assert_problem(client.post("/api/v1/complaints", json=body), 422)
    assert problem["errors"][0]["field"] == field
    assert "HTML" in problem["errors"][0]["message_th"]
    assert counts(app)["complaints"] == 0


def test_sql_injection_text_is_stored_as_text(app, client):
    text = "'; DROP TABLE complaints; -- ถนนพัง"
    number = client.post("/api/v1/complaints", json={"description": text}).get_json()["tracking_number"]
    assert client.get(f"/api/v1/complaints/{number}").status_code == 200
    assert counts(app)["complaints"] == 1


def test_zero_width_and_control_characters_are_removed_before_storing(app, client):
    from sqlalchemy import select

    from complaints.extensions import db
    from complaints.models import Complaint

    response = client.post(
        "/api/v1/complaints", json={"description": "ไฟ\u200bดับ\x00\x1b[31m ที่ซอย\u202e 5", "title": "หัว\u200dข้อ\nสอง"}
    )
    assert response.status_code == 201
    with app.app_context():
        complaint = db.session.scalar(select(Complaint))
        assert complaint.description == "ไฟดับ[31m ที่ซอย 5"
        assert complaint.title == "หัวข้อ สอง"


@pytest.mark.parametrize("key", ["", "x" * 256, "ключ", "a b", "tab\tkey"])
def test_bad_idempotency_keys_are_refused(app, client, key):
    assert_problem(
        client.post("/api/v1/complaints", json=GOOD, headers={"Idempotency-Key": key}), 400, "bad-idempotency-key"
    )
    assert counts(app)["complaints"] == 0


@pytest.mark.parametrize(
    "path", ["/api/v1/complaints/..%2F..%2Fetc%2Fpasswd", "/api/v1/complaints/%00", "/api/v1/complaints/" + "A" * 300]
)
def test_path_tricks_in_tracking_lookups(client, path):
    response = client.get(path)
    assert response.status_code in (400, 404)
    assert response.mimetype == "application/problem+json"


def test_unknown_api_path_and_wrong_method_are_problem_json(client):
    assert_problem(client.get("/api/v1/nothing-here"), 404)
    assert_problem(client.delete("/api/v1/complaints"), 405)


# --- the web form -----------------------------------------------------------------


def _form(client, **fields):
    data = {
        **form_tokens(client),
        "kind": "complaint",
        "description": "ถนนเป็นหลุมใหญ่",
        "privacy_accepted": "y",
        **fields,
    }
    files = data.pop("photos", [])
    values = MultiDict(data)
    for stream, name in files:
        values.add("photos", FileStorage(stream, filename=name))
    # Encoded in memory: werkzeug's test client would spool a large body to a
    # temporary file it never closes.
    boundary, body = encode_multipart(values)
    return client.post("/complaints/new", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def test_form_without_csrf_token_is_refused(app, client):
    response = client.post("/complaints/new", data={"description": "x", "privacy_accepted": "y"})
    assert response.status_code == 400
    assert "แบบฟอร์มหมดอายุ" in response.text and "security token" in response.text
    assert counts(app)["complaints"] == 0


def test_form_without_privacy_consent_shows_both_languages(app, client):
    response = _form(client, privacy_accepted="")
    assert response.status_code == 422
    assert "ประกาศความเป็นส่วนตัว" in response.text and "privacy notice" in response.text
    assert counts(app)["complaints"] == 0


def test_a_twenty_megabyte_photo_is_413(app, client):
    response = _form(client, photos=[(__import__("io").BytesIO(b"\xff\xd8" + b"0" * (20 * 1024 * 1024)), "big.jpg")])
    assert response.status_code == 413
    assert "ขนาดใหญ่เกินกำหนด" in response.text and "too large" in response.text
    assert counts(app)["complaints"] == 0


def test_a_photo_over_the_per_file_limit_is_refused(app, client):
    import io

    app.config["MAX_PHOTO_BYTES"] = 1000
    response = _form(client, photos=[(io.BytesIO(png_bytes((400, 400))), "photo.png")])
    assert response.status_code == 422
    assert "ไม่เกิน" in response.text
    assert counts(app)["complaints"] == 0


@pytest.mark.parametrize(
    "content,name",
    [
        (b"<html><script>alert(1)</script></html>", "photo.jpg"),
        (b"GIF89a<script>alert(1)</script>", "photo.gif"),
        (b"%PDF-1.4 fake", "../../../etc/passwd.png"),
        (b"", "empty.png"),
    ],
)
def test_a_photo_that_is_not_an_image_is_refused_and_nothing_stored(app, client, tmp_path, content, name):
    import io

    response = _form(client, photos=[(io.BytesIO(content), name)])
    assert response.status_code == 422
    assert "ภาพ" in response.text or "ไฟล์" in response.text
    assert counts(app)["complaints"] == 0
    assert counts(app)["attachments"] == 0
    uploads = tmp_path / "uploads"
    assert not uploads.exists() or not any(p.is_file() for p in uploads.rglob("*"))


def test_a_decompression_bomb_is_refused(app, client):
    import io

    from PIL import Image

    # 20000 x 20000 of one colour: a tiny PNG that would need 1.2 GB to decode.
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, format="PNG")
    assert len(out.getvalue()) < 1024 * 1024
    response = _form(client, photos=[(io.BytesIO(out.getvalue()), "bomb.png")])
    assert response.status_code == 422
    assert counts(app)["complaints"] == 0


def test_one_bad_photo_among_good_ones_stores_nothing(app, client, tmp_path):
    import io

    response = _form(
        client, photos=[(io.BytesIO(png_bytes()), "ok.png"), (io.BytesIO(b"<svg onload=alert(1)>"), "evil.svg")]
    )
    assert response.status_code == 422
    assert counts(app) == {
        "complaints": 0,
        "complainants": 0,
        "timeline_events": 0,
        "attachments": 0,
        "outbox_messages": 0,
    }
    uploads = tmp_path / "uploads"
    assert not uploads.exists() or not any(p.is_file() for p in uploads.rglob("*"))


def test_too_many_photos(app, client):
    import io

    photos = [(io.BytesIO(png_bytes()), f"p{i}.png") for i in range(6)]
    response = _form(client, photos=photos)
    assert response.status_code == 422
    assert "ไม่เกิน 5 ภาพ" in response.text
    assert counts(app)["complaints"] == 0


def test_hostile_text_in_the_form_is_refused_and_redisplayed_escaped(app, client):
    response = _form(client, description="<script>alert('x')</script>", name=PERSON["name"])
    assert response.status_code == 422
    assert "<script>alert" not in response.text
    assert "&lt;script&gt;" in response.text
    assert counts(app)["complaints"] == 0
