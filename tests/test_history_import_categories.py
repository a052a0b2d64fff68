"""`flask import --create-categories`: an agency's own history, with its own categories, into a
seeded database or into a fresh install that was never seeded."""

from __future__ import annotations

import csv
import gzip
import itertools
import re
from collections import Counter
from datetime import UTC
from pathlib import Path

import pytest
from sqlalchemy import func, select

from complaints import create_app
from complaints.config import base_data_path
from complaints.extensions import db
from complaints.models import Category, Complaint, ServiceStandard, Unit
from complaints.nlp.cleaning import clean_text
from complaints.services.catalogue import standards
from complaints.services.datasets import history_import
from tests.conftest import base_config
from tests.test_admin import post

TRAFFY = base_data_path()
HINT_TH = "เพิ่ม --create-categories เพื่อสร้างหมวดหมู่เหล่านี้"
HINT_EN = "re-run with --create-categories to create them"


def write_csv(path: Path, rows: list[list[str]], header=("text", "label", "timestamp", "district")) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def traffy_slice(tmp_path: Path, n: int) -> tuple[Path, list[dict]]:
    path = tmp_path / "traffy-slice.csv.gz"
    with gzip.open(TRAFFY, "rt", encoding="utf-8") as src, gzip.open(path, "wt", encoding="utf-8") as out:
        rows = list(itertools.islice(csv.DictReader(src), n))
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path, rows


def categories(app) -> dict[str, Category]:
    with app.app_context():
        found = {c.code: c for c in db.session.scalars(select(Category))}
        db.session.expunge_all()
    return found


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


HOSTILE = [
    # row 2: a new label of the agency's own
    ["ป้ายรถเมล์หายไปทั้งป้าย", "ป้ายรถเมล์", "2022-06-03 04:00:00+00", "บางเขน"],
    # row 3: the same new label with zero-width and control characters: cleaned, one category
    ["ป้ายรถเมล์ล้ม", "ป้าย\u200bรถเมล์\u0007", "2022-06-03 05:00:00+00", "บางเขน"],
    # row 4: markup in the label is refused
    ["ไฟดับ", "<img src=x onerror=alert(1)>", "2022-06-03 06:00:00+00", "บางเขน"],
    # row 5: javascript: in the label is refused
    ["ไฟดับ", "javascript:alert(1)", "2022-06-03 07:00:00+00", "บางเขน"],
    # row 6: SQL in the label: characters no name needs
    ["ขยะ", "ขยะ'); DROP TABLE categories;--", "2022-06-03 08:00:00+00", "บางเขน"],
    # row 7: longer than a category code may be
    ["ขยะ", "ข" * 41, "2022-06-03 09:00:00+00", "บางเขน"],
    # row 8: symbols (an emoji, Traffy's all_labels separator) are not for names
    ["ขยะ", "ถนน|ทางเท้า\U0001f4a5", "2022-06-03 10:00:00+00", "บางเขน"],
    # row 9: a label of only zero-width characters is no label: the intake unit takes the row
    ["สอบถามเรื่องภาษี", "\u200b\u200c", "2022-06-03 11:00:00+00", ""],
    # row 10: a known category, found as before
    ["ถนนเป็นหลุม", "ถนน", "2022-06-03 12:00:00+00", "บางเขน"],
    # row 11: a category an admin closed is not reopened by an import
    ["ป้ายโฆษณาล้ม", "ป้าย", "2022-06-03 13:00:00+00", "บางเขน"],
    # row 12: a second new label, with a district nobody has: refused, and no category made for it
    ["น้ำไม่ไหล", "ประปา", "2022-06-03 14:00:00+00", "ไม่มีเขตนี้"],
    # row 13: a name with the punctuation names do have
    ["ฝุ่นควันมาก", "PM2.5 (ฝุ่น)", "2022-06-03 15:00:00+00", "บางเขน"],
    # row 14: an oversized label
    ["ขยะ", "ถ" * 100_000, "2022-06-03 16:00:00+00", "บางเขน"],
]


def test_create_categories_routes_to_the_complaints_centre_and_cleans_labels(app, runner, tmp_path):
    check_create_categories(app, runner, tmp_path)


@pytest.mark.postgres
def test_create_categories_on_postgresql(pg_app, tmp_path):
    check_create_categories(pg_app, pg_app.test_cli_runner(), tmp_path)


def check_create_categories(app, runner, tmp_path: Path) -> None:
    with app.app_context():
        db.session.execute(Category.__table__.update().where(Category.code == "ป้าย").values(active=False))
        db.session.commit()
    before = categories(app)
    path = write_csv(tmp_path / "own.csv", HOSTILE)
    result = runner.invoke(args=["import", str(path), "--create-categories"])
    assert result.exit_code == 0, result.output
    assert "13 rows: 5 imported, 0 already imported, 8 rejected" in result.output
    for code, rows in {
        "unsafe-label": "4, 5",
        "bad-label": "6, 8",
        "label-too-long": "7, 14",
        "inactive-category": "11",
        "unknown-district": "12",
    }.items():
        assert f"[{code}] (rows {rows})" in result.output, code
    assert "2 categories created, routed to complaints-centre, marked for review" in result.output
    assert HINT_EN not in result.output  # nothing is left unknown

    after = categories(app)
    new = {code: c for code, c in after.items() if code not in before}
    assert set(new) == {"ป้ายรถเมล์", "PM2.5 (ฝุ่น)"}
    with app.app_context():
        centre = db.session.scalar(select(Unit.id).where(Unit.code == "complaints-centre"))
        default_days = standards.standard_for(None, "complaint")
        for category in new.values():
            assert (category.name_th, category.name_en) == (category.code, category.code)
            assert (category.unit_id, category.active, category.needs_review) == (centre, True, True)
            # no standard of their own: the default one applies
            assert (
                db.session.scalar(select(ServiceStandard.id).where(ServiceStandard.category_id == category.id)) is None
            )
            assert standards.standard_for(category.id, "complaint") == default_days
        assert not any(c.needs_review for code, c in after.items() if code in before)
        stored = {c.description: c for c in db.session.scalars(select(Complaint))}
        assert set(stored) == {"ป้ายรถเมล์หายไปทั้งป้าย", "ป้ายรถเมล์ล้ม", "สอบถามเรื่องภาษี", "ถนนเป็นหลุม", "ฝุ่นควันมาก"}
        bus_stop = new["ป้ายรถเมล์"].id
        assert stored["ป้ายรถเมล์หายไปทั้งป้าย"].category_id == stored["ป้ายรถเมล์ล้ม"].category_id == bus_stop
        assert stored["ป้ายรถเมล์ล้ม"].unit_id == centre
        due = standards.due_dates(None, "complaint", stored["ป้ายรถเมล์ล้ม"].received_at)
        assert stored["ป้ายรถเมล์ล้ม"].due_at.replace(tzinfo=None) == due.due_at.replace(tzinfo=None)
        assert stored["สอบถามเรื่องภาษี"].category_id is None and stored["สอบถามเรื่องภาษี"].unit_id == centre
        assert stored["ถนนเป็นหลุม"].category_id == before["ถนน"].id
    # nothing hostile was stored, not even cleaned-up halves of it
    for code in after:
        assert not re.search(r"[<>;'|\u200b\u200c\u0007\U0001F4A5]|javascript|DROP", code), code
    assert all(len(code) <= 40 for code in after) and "ป้าย" in after and not after["ป้าย"].active


def test_without_the_flag_the_summary_ends_by_naming_it(app, runner, tmp_path):
    rows = [["ป้ายรถเมล์หาย", "ป้ายรถเมล์", f"2022-06-03 0{i}:00:00+00", "บางเขน"] for i in range(3)] + [
        ["ประปาแตก", "ประปา", "2022-06-04 01:00:00+00", "บางเขน"],
        ["ถนนเป็นหลุม", "ถนน", "2022-06-04 02:00:00+00", "บางเขน"],
    ]
    path = write_csv(tmp_path / "own.csv", rows)
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[-2] == f"ไม่รับ 4 แถวเพราะไม่พบหมวดหมู่ (ป้ายรถเมล์ ×3, ประปา ×1): {HINT_TH}"
    assert lines[-1] == f"4 rows refused for unknown categories (ป้ายรถเมล์ ×3, ประปา ×1); {HINT_EN}"
    assert "ป้ายรถเมล์" not in categories(app) and count(app, Complaint) == 1


def test_the_summary_shows_the_most_frequent_labels_only(app):
    summary = history_import.ImportSummary(unknown_labels=Counter({f"หมวด{i}": i for i in range(1, 9)}))
    assert summary.unknown_labels_text() == "หมวด8 ×8, หมวด7 ×7, หมวด6 ×6, หมวด5 ×5, หมวด4 ×4, …"


def test_default_unit_option(app, runner, tmp_path):
    path = write_csv(tmp_path / "own.csv", [["ประปาแตก", "ประปา", "2022-06-04 01:00:00+00", "บางเขน"]])
    result = runner.invoke(args=["import", str(path), "--create-categories", "--default-unit", "drainage"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        drainage = db.session.scalar(select(Unit.id).where(Unit.code == "drainage"))
        assert db.session.scalar(select(Complaint.unit_id)) == drainage
    assert categories(app)["ประปา"].unit_id == drainage


@pytest.mark.parametrize(
    "args, message",
    [
        (["--create-categories", "--default-unit", "<script>"], "No unit has the code <script> (units: "),
        (["--create-categories", "--default-unit", "nowhere"], "ไม่พบหน่วยงานรหัส nowhere"),
        (["--default-unit", "drainage"], "--default-unit only applies with --create-categories"),
    ],
)
def test_a_bad_default_unit_stops_before_anything_is_imported(app, runner, tmp_path, args, message):
    path = write_csv(tmp_path / "own.csv", [["ประปาแตก", "ประปา", "2022-06-04 01:00:00+00", "บางเขน"]])
    before = categories(app)
    result = runner.invoke(args=["import", str(path), *args])
    assert result.exit_code != 0 and message in result.output, result.output
    assert categories(app).keys() == before.keys() and count(app, Complaint) == 0


def test_units_but_no_complaints_centre_asks_for_a_default_unit(bare_app, tmp_path):
    with bare_app.app_context():
        db.session.add(Unit(code="roads", name_th="ฝ่ายถนน", name_en="Roads"))
        db.session.commit()
    path = write_csv(tmp_path / "own.csv", [["ถนนเป็นหลุม", "ถนน", "2022-06-04 01:00:00+00", "บางเขน"]])
    result = bare_app.test_cli_runner().invoke(args=["import", str(path), "--create-categories"])
    assert result.exit_code != 0
    assert "ไม่มีหน่วยงานรหัส complaints-centre" in result.output
    assert "give --default-unit CODE (units: roads)" in result.output
    assert count(bare_app, Category) == count(bare_app, Complaint) == 0 and count(bare_app, Unit) == 1


def test_an_unusable_file_makes_no_unit(bare_app, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("remark,when\nx,y\n", encoding="utf-8")
    result = bare_app.test_cli_runner().invoke(args=["import", str(path), "--create-categories"])
    assert result.exit_code != 0 and "Required columns missing" in result.output
    assert count(bare_app, Unit) == 0


def test_a_traffy_slice_into_a_fresh_unseeded_database(bare_app, tmp_path):
    path, rows = traffy_slice(tmp_path, 300)
    runner = bare_app.test_cli_runner()
    refused = runner.invoke(args=["import", str(path)])
    assert refused.exit_code == 0, refused.output
    labels = Counter(r["label"] for r in rows)
    assert "300 rows: 0 imported, 0 already imported, 300 rejected" in refused.output
    outside = re.search(r"(\d+) × [^\n]*\[unknown-district\]", refused.output)
    unknown = 300 - (int(outside.group(1)) if outside else 0)  # the rest: every label is unknown
    last = refused.output.splitlines()[-1]
    assert last.startswith(f"{unknown} rows refused for unknown categories (ถนน ×") and last.endswith(HINT_EN)
    roads = int(re.search(r"ถนน ×(\d+)", last).group(1))
    assert labels["ถนน"] - 10 <= roads <= labels["ถนน"]
    assert count(bare_app, Complaint) == 0 and count(bare_app, Unit) == 0

    result = runner.invoke(args=["import", str(path), "--create-categories"])
    assert result.exit_code == 0, result.output
    assert "created the unit complaints-centre (Intake unit): the database had no unit" in result.output
    assert f"{len(labels)} categories created, routed to complaints-centre" in result.output
    with bare_app.app_context():
        units = db.session.execute(select(Unit.id, Unit.code, Unit.name_th, Unit.name_en)).all()
        assert [tuple(u[1:]) for u in units] == [("complaints-centre", "หน่วยรับเรื่อง", "Intake unit")]
        unit = units[0].id
        made = {c.code: c for c in db.session.scalars(select(Category))}
        assert set(made) == set(labels)
        assert all(c.needs_review and c.unit_id == unit and c.active for c in made.values())
        stored = db.session.execute(
            select(Complaint.description, Complaint.received_at, Complaint.unit_id, Category.code).join(
                Category, Complaint.category_id == Category.id
            )
        ).all()
    summary_line = next(line for line in result.output.splitlines() if line.startswith("300 rows:"))
    imported = int(re.search(r"(\d+) imported", summary_line).group(1))
    # A few Traffy reports name districts of neighbouring provinces: those stay refused.
    assert imported > 280 and len(stored) == imported
    expected = {(clean_text(r["text"]), history_import.parse_timestamp(r["timestamp"]), r["label"]) for r in rows}
    got = {(d, at.replace(tzinfo=UTC) if at.tzinfo is None else at, code) for d, at, _, code in stored}
    assert got <= expected and len(got) == imported
    assert {u for _, _, u, _ in stored} == {unit}
    again = runner.invoke(args=["import", str(path), "--create-categories"])
    assert f"{imported} already imported" in again.output and "categories created" not in again.output
    assert count(bare_app, Category) == len(labels)


def test_admin_sees_the_review_badge_and_clears_it_by_saving(app, admin, runner, tmp_path):
    path = write_csv(tmp_path / "own.csv", [["ประปาแตก", "ประปา", "2022-06-04 01:00:00+00", "บางเขน"]])
    assert runner.invoke(args=["import", str(path), "--create-categories"]).exit_code == 0
    created = categories(app)["ประปา"]
    listing = admin.get("/admin/categories").text
    rows = {m.group(1): m.group(2) for m in re.finditer(r'<tr data-code="([^"]+)">(.*?)</tr>', listing, re.S)}
    assert "ต้องตรวจสอบ <small>needs review</small>" in rows["ประปา"]
    assert "needs review" not in rows["ถนน"]
    form = admin.get(f"/admin/categories/{created.id}").text
    assert 'id="review-note"' in form and "Confirm and save" in form
    saved = post(
        admin,
        f"/admin/categories/{created.id}",
        {
            "code": "ประปา",
            "name_th": "ประปา",
            "name_en": "Water supply",
            "unit_id": str(created.unit_id),
            "active": "y",
        },
    )
    assert saved.status_code == 302
    confirmed = categories(app)["ประปา"]
    assert (confirmed.needs_review, confirmed.name_en) == (False, "Water supply")
    listing = admin.get("/admin/categories").text
    assert "needs review" not in listing and "Water supply" in listing
    assert 'id="review-note"' not in admin.get(f"/admin/categories/{created.id}").text


def check_migration_0026(url: str, tmp_path: Path) -> None:
    """Existing categories are not flagged at upgrade; the downgrade drops only the flag."""
    import flask_migrate
    from sqlalchemy import inspect, text

    app = create_app(base_config(tmp_path, url))
    with app.app_context():
        flask_migrate.upgrade(revision="0025")
        db.session.execute(
            text("INSERT INTO categories (code, name_th, name_en, active) VALUES ('ถนน', 'ถนน', 'Roads', :yes)"),
            {"yes": True},
        )
        db.session.commit()
        flask_migrate.upgrade(revision="0026")
        assert db.session.execute(text("SELECT code, needs_review FROM categories")).one() == ("ถนน", False)
        db.session.execute(
            text("INSERT INTO categories (code, name_th, name_en, active) VALUES ('ประปา', 'ประปา', 'ประปา', :yes)"),
            {"yes": True},
        )
        db.session.commit()  # the server default serves rows written without the column
        flask_migrate.downgrade(revision="0025")
        assert "needs_review" not in {c["name"] for c in inspect(db.engine).get_columns("categories")}
        assert db.session.scalars(text("SELECT code FROM categories ORDER BY id")).all() == ["ถนน", "ประปา"]
        db.session.commit()
        db.engine.dispose()


def test_migration_0026_on_sqlite(tmp_path):
    check_migration_0026(f"sqlite:///{tmp_path / 'old.sqlite'}", tmp_path)


@pytest.mark.postgres
def test_migration_0026_on_postgresql(tmp_path):
    import uuid

    from sqlalchemy import create_engine, make_url, text

    from tests.conftest import PG_URL, service_unavailable

    try:
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means no server for us
        service_unavailable(f"PostgreSQL: {exc.__class__.__name__}")
    name = f"rongrian_test_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        check_migration_0026(make_url(PG_URL).set(database=name).render_as_string(hide_password=False), tmp_path)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
