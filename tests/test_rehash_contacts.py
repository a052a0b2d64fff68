"""`flask rehash-contacts`: after CONTACT_KEY_SECRET changes, the keyed contact hashes are
recomputed from the (decrypted) contacts, so the data-subject look-up and repeat
detection find the person again."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Complainant, User
from complaints.nlp.similarity import contact_key
from complaints.services.casework import similarity
from complaints.services.privacy import duties
from tests.helpers import complaint_by_number, make_staff

OLD = "Wm3Nc8Rf2Tq7Yb1Vx6Kz9Lp4Hs0Dg5Ja_Ue-Io"
NEW = "pT6yB1nQ8vK3xZ5mR0cW7hL2sF9dJ4gA-eU_oI"
PHONE = "081-234-5678"


def submit(client, description: str, district: str, **fields) -> str:
    body = {
        "description": description,
        "category": "ถนน",
        "location": {"province": "กรุงเทพมหานคร", "district": district},
        **fields,
    }
    response = client.post("/api/v1/complaints", json=body)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["tracking_number"]


def found_people(app, phone: str) -> int:
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "dpo"))
        return len(duties.find_subject("phone", phone, admin).complainants)


def repeat_of(app, number: str) -> str | None:
    with app.app_context():
        found = similarity.find_repeat(complaint_by_number(number))
        return found.tracking_number if found else None


def test_rotating_the_secret_then_rehashing_restores_lookups_and_repeats(app, client, tmp_path):
    make_staff(app, "dpo", "admin", None)
    app.config["CONTACT_KEY_SECRET"] = OLD
    first = submit(
        client, "ถนนหน้าซอยพหลโยธิน 45 เป็นหลุมลึกมาก ขอให้ซ่อมด่วน", "จตุจักร", contact={"name": "สมชาย", "phone": PHONE}
    )
    emailed = submit(client, "ทางเท้าแตกหลายจุด", "ดุสิต", contact={"email": "Somchai@Example.com"})
    anonymous = submit(client, "ไฟทางดับ", "ดุสิต")
    assert found_people(app, PHONE) == 1

    app.config["CONTACT_KEY_SECRET"] = NEW  # the operator rotates the secret
    second = submit(client, "ถนนทรุดเป็นแอ่งน้ำขังหน้าตลาด", "บางเขน", contact={"phone": "+66 81 234 5678"})
    # What the issue saw: the earlier complainant is lost to both look-ups.
    assert found_people(app, PHONE) == 1  # only the new record
    assert repeat_of(app, second) is None

    old_file = tmp_path / "old-secret"
    old_file.write_text(OLD + "\n")
    result = app.test_cli_runner().invoke(args=["rehash-contacts", "--old-secret-file", str(old_file)])
    assert result.exit_code == 0, result.output
    assert "re-hashed 2 of 3 complainants" in result.output  # the first two; the new one was right
    assert "warning" not in result.output

    assert found_people(app, PHONE) == 2
    assert repeat_of(app, second) == first
    with app.app_context():
        email_key = complaint_by_number(emailed).complainant.email_key
        assert email_key == contact_key("email", "somchai@example.com", NEW)
        assert (
            complaint_by_number(anonymous).complainant is None
            or complaint_by_number(anonymous).complainant.phone_key is None
        )
    # Running it again changes nothing.
    again = app.test_cli_runner().invoke(args=["rehash-contacts"])
    assert "re-hashed 0 of 3" in again.output


def test_hashes_made_under_another_secret_are_reported(app, client, tmp_path):
    app.config["CONTACT_KEY_SECRET"] = OLD
    submit(client, "ถนนเป็นหลุม", "จตุจักร", contact={"phone": PHONE})
    app.config["CONTACT_KEY_SECRET"] = NEW
    wrong = tmp_path / "wrong"
    wrong.write_text("not-the-secret-it-was-made-with")
    result = app.test_cli_runner().invoke(args=["rehash-contacts", "--old-secret-file", str(wrong)])
    assert result.exit_code == 0
    assert "re-hashed 1 of 1" in result.output
    assert "1 matched neither the old nor the new secret" in result.output
    with app.app_context():
        keys = db.session.scalars(select(Complainant.phone_key)).all()
        assert keys == [contact_key("phone", PHONE, NEW)]  # rewritten all the same


def test_an_empty_or_missing_old_secret_file_is_a_clear_error(app, tmp_path):
    empty = tmp_path / "empty"
    empty.write_text(" \n")
    result = app.test_cli_runner().invoke(args=["rehash-contacts", "--old-secret-file", str(empty)])
    assert result.exit_code != 0 and "is empty" in result.output
    missing = app.test_cli_runner().invoke(args=["rehash-contacts", "--old-secret-file", str(tmp_path / "../nope")])
    assert missing.exit_code != 0 and "does not exist" in missing.output


@pytest.mark.postgres
def test_rehash_in_batches_on_postgresql(pg_app):
    """More rows than one batch, on PostgreSQL: every row is rewritten, erased ones stay keyless."""
    from complaints.services.privacy.contact_rehash import rehash_all

    with pg_app.app_context():
        pg_app.config["CONTACT_KEY_SECRET"] = OLD
        people = [Complainant(phone=f"08{i:08d}", email=f"p{i}@example.com") for i in range(7)]
        people.append(Complainant())  # erased: no contact left
        for person in people:
            similarity.complainant_keys(person)
            db.session.add(person)
        db.session.commit()
        pg_app.config["CONTACT_KEY_SECRET"] = NEW
        result = rehash_all(old_secret=OLD, batch=3)
        assert (result.complainants, result.changed, result.unexplained) == (8, 7, 0)
        rows = db.session.execute(select(Complainant.phone_key, Complainant.email_key).order_by(Complainant.id)).all()
        assert rows[0] == (
            contact_key("phone", "0800000000", NEW),
            contact_key("email", "p0@example.com", NEW),
        )
        assert rows[-1] == (None, None)
        assert len({r.phone_key for r in rows[:-1]}) == 7
