"""`flask import CSV`: historical complaints, validated row by row, written in batches, never twice."""

from __future__ import annotations

import csv
import gzip
import itertools
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from complaints.config import base_data_path
from complaints.domain import tracking_numbers
from complaints.extensions import db
from complaints.models import Category, Complaint, OutboxMessage, TimelineEvent, Unit
from complaints.services.datasets import history_import

TRAFFY = base_data_path()

HEADER = ["text", "label", "timestamp", "district", "province", "coords", "state", "last_activity"]
ROWS = [
    # row 2: good, finished, with coordinates (Traffy writes lon,lat) and a closing time
    [
        "ถนนหน้าซอย 5 เป็นหลุมลึก รถจักรยานยนต์ล้ม",
        "ถนน",
        "2022-06-01 09:00:00+00",
        "จตุจักร",
        "",
        "100.55,13.80",
        "เสร็จสิ้น",
        "2022-06-05 10:00:00+00",
    ],
    # row 3: zero-width and control characters are cleaned away; short place names
    ["ไฟ\u200bดับ\u0007 ทั้งซอย", "แสงสว่าง", "2022-06-02T20:15:00+07:00", "เขตบางกะปิ", "กทม", "", "", ""],
    # row 4: markup is refused
    ["<script>alert(1)</script> ขยะล้น", "ความสะอาด", "2022-06-03 01:00:00+00", "บางเขน", "", "", "", ""],
    # row 5: SQL in the text is only text
    ["'; DROP TABLE complaints; -- ขยะไม่เก็บ", "ความสะอาด", "2022-06-03 02:00:00+00", "บางเขน", "", "", "", ""],
    # row 6: no text
    ["   ", "ถนน", "2022-06-03 03:00:00+00", "บางเขน", "", "", "", ""],
    # row 7: unknown category
    ["ป้ายรถเมล์หาย", "ไม่มีหมวดนี้", "2022-06-03 04:00:00+00", "บางเขน", "", "", "", ""],
    # row 8: unreadable timestamp
    ["ทางเท้าแตก", "ทางเท้า", "yesterday", "บางเขน", "", "", "", ""],
    # row 9: in the future
    ["ทางเท้าแตก", "ทางเท้า", "2999-01-01 00:00:00+00", "บางเขน", "", "", "", ""],
    # row 10: a district Bangkok does not have
    ["น้ำท่วมขัง", "น้ำท่วม", "2022-06-04 00:00:00+00", "บางกรวย", "", "", "", ""],
    # row 11: coordinates that are not numbers
    ["น้ำท่วมขัง", "น้ำท่วม", "2022-06-04 01:00:00+00", "บางเขน", "", "abc", "", ""],
    # row 12: a state nobody knows
    ["น้ำท่วมขัง", "น้ำท่วม", "2022-06-04 02:00:00+00", "บางเขน", "", "", "บางอย่าง", ""],
    # row 13: row 2 again
    [
        "ถนนหน้าซอย 5 เป็นหลุมลึก รถจักรยานยนต์ล้ม",
        "ถนน",
        "2022-06-01 09:00:00+00",
        "จตุจักร",
        "",
        "100.55,13.80",
        "เสร็จสิ้น",
        "2022-06-05 10:00:00+00",
    ],
    # row 14: a Buddhist-era date in Bangkok time, still in progress
    ["ต้นไม้ล้มขวางถนน", "ต้นไม้", "2565-07-01 10:00", "ลาดพร้าว", "", "", "กำลังดำเนินการ", ""],
    # row 15: no category at all: the intake unit takes it
    ["สอบถามเรื่องภาษีป้าย", "", "2022-07-02 03:00:00+00", "", "", "", "", ""],
]
EXPECTED_REJECTED = {
    "unsafe-text": [4],
    "empty-text": [6],
    "unknown-category": [7],
    "bad-timestamp": [8],
    "future-timestamp": [9],
    "unknown-district": [10],
    "bad-coordinates": [11],
    "unknown-status": [12],
}


def write_fixture(tmp_path: Path) -> Path:
    path = tmp_path / "history.csv"
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        writer.writerows(ROWS)
    return path


def by_text(app) -> dict[str, Complaint]:
    with app.app_context():
        complaints = db.session.scalars(select(Complaint)).all()
        for c in complaints:
            c.events, c.category, c.unit  # noqa: B018 - load before the session closes
        db.session.expunge_all()
    return {c.description: c for c in complaints}


def check_fixture_import(app, tmp_path: Path) -> None:
    path = write_fixture(tmp_path)
    with app.app_context():
        summary = history_import.import_csv(path, history_import.Options(), batch_size=4)
    assert (summary.rows, summary.imported, summary.already_imported) == (14, 5, 1)
    assert dict(summary.rejected) == {code: len(rows) for code, rows in EXPECTED_REJECTED.items()}
    assert summary.examples == EXPECTED_REJECTED
    text = "\n".join(summary.lines())
    assert "14 rows: 5 imported, 1 already imported, 8 rejected" in text
    assert "ไม่รับข้อความที่มีแท็ก HTML หรือสคริปต์ / HTML tags or scripts are not accepted." in text
    assert "ไม่พบอำเภอ/เขตนี้ในจังหวัดที่เลือก / Unknown district for this province. [unknown-district] (rows 10)" in text

    stored = by_text(app)
    assert set(stored) == {
        "ถนนหน้าซอย 5 เป็นหลุมลึก รถจักรยานยนต์ล้ม",
        "ไฟดับ ทั้งซอย",
        "'; DROP TABLE complaints; -- ขยะไม่เก็บ",
        "ต้นไม้ล้มขวางถนน",
        "สอบถามเรื่องภาษีป้าย",
    }
    road = stored["ถนนหน้าซอย 5 เป็นหลุมลึก รถจักรยานยนต์ล้ม"]
    assert road.received_at == datetime(2022, 6, 1, 9, tzinfo=UTC)
    number = tracking_numbers.parse(road.tracking_number, app.config["TRACKING_PREFIX"])
    assert number.be_year == 2565
    assert (road.status, road.channel, road.kind) == ("closed", "api", "complaint")
    assert road.closed_at == road.resolved_at == datetime(2022, 6, 5, 10, tzinfo=UTC)
    assert (road.lat, road.lon) == (13.80, 100.55)
    assert (road.province, road.district, road.area_code) == ("กรุงเทพมหานคร", "เขตจตุจักร", "1030")
    assert road.category.code == "ถนน" and road.unit_id == road.category.unit_id
    assert road.ack_due_at > road.received_at and road.due_at > road.ack_due_at
    assert road.sla_state == "on_time"  # closed in 4 days: within 15 working days
    assert road.text_signature and road.source_key and len(road.source_key) == 64
    assert [e.kind for e in road.events] == ["received", "close", "imported"]
    assert [e.public for e in road.events] == [True, True, False]
    assert "history.csv" in road.events[-1].text and "row 2" in road.events[-1].text

    light = stored["ไฟดับ ทั้งซอย"]
    assert light.district == "เขตบางกะปิ" and light.status == "closed" and light.closed_at is None
    assert [e.kind for e in light.events] == ["received", "imported"]
    tree = stored["ต้นไม้ล้มขวางถนน"]
    assert tree.received_at == datetime(2022, 7, 1, 3, tzinfo=UTC)  # 10:00 Bangkok, BE 2565
    assert tree.status == "in_progress" and tree.sla_state == "overdue" and tree.closed_at is None
    enquiry = stored["สอบถามเรื่องภาษีป้าย"]
    with app.app_context():
        intake_unit = db.session.scalar(select(Unit.id).where(Unit.code == app.config["INTAKE_UNIT_CODE"]))
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0  # no mail for history
    assert enquiry.category_id is None and enquiry.category_source == "none" and enquiry.unit_id == intake_unit

    with app.app_context():  # the same file again adds nothing
        again = history_import.import_csv(path, history_import.Options())
        assert (again.imported, again.already_imported, sum(again.rejected.values())) == (0, 6, 8)
        assert db.session.scalar(select(func.count()).select_from(Complaint)) == 5
        assert db.session.scalar(select(func.count()).select_from(TimelineEvent)) == 11


def test_import_validates_each_row_and_is_idempotent(app, tmp_path):
    check_fixture_import(app, tmp_path)


@pytest.mark.postgres
def test_import_on_postgresql(pg_app, tmp_path):
    check_fixture_import(pg_app, tmp_path)


def test_cli_import_prints_a_bilingual_summary(app, runner, tmp_path):
    path = write_fixture(tmp_path)
    result = runner.invoke(args=["import", str(path), "--channel", "letter"])
    assert result.exit_code == 0, result.output
    assert "แถวข้อมูล 14 แถว: นำเข้า 5, มีอยู่แล้ว 1, ไม่รับ 8" in result.output
    assert "already imported" in result.output and "[bad-timestamp] (rows 8)" in result.output
    with app.app_context():
        assert set(db.session.scalars(select(Complaint.channel))) == {"letter"}


@pytest.mark.parametrize(
    "content, message",
    [
        ("remark,when\nx,y\n", "Required columns missing: text, timestamp"),
        ("", "no header row"),
    ],
)
def test_cli_import_fails_on_unusable_files(app, runner, tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code != 0 and message in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Complaint)) == 0


def test_cli_import_fails_on_a_missing_or_binary_file(runner, tmp_path):
    missing = runner.invoke(args=["import", str(tmp_path / "nowhere.csv")])
    assert missing.exit_code != 0 and "does not exist" in missing.output
    binary = tmp_path / "photo.csv.gz"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    result = runner.invoke(args=["import", str(binary)])
    assert result.exit_code != 0 and "UTF-8 CSV expected" in result.output


def test_import_of_a_slice_of_the_traffy_file(app, tmp_path):
    path = tmp_path / "traffy.csv.gz"
    with gzip.open(TRAFFY, "rt", encoding="utf-8") as src, gzip.open(path, "wt", encoding="utf-8") as out:
        rows = list(itertools.islice(csv.DictReader(src), 400))
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with app.app_context():
        summary = history_import.import_csv(path)
        # The file's districts are Bangkok's but for a few in neighbouring provinces.
        assert summary.rows == 400 and set(summary.rejected) <= {"unknown-district"}
        assert summary.imported + summary.rejected["unknown-district"] == 400 and summary.imported > 380
        stored = db.session.execute(
            select(Complaint.description, Category.code, Complaint.district).join(
                Category, Complaint.category_id == Category.id
            )
        ).all()
        assert len(stored) == summary.imported  # every Traffy label is a known category
        labels = {r["label"] for r in rows}
        assert {code for _, code, _ in stored} <= labels
        assert sum(1 for *_, district in stored if district) >= summary.imported - 2
        assert history_import.import_csv(path).imported == 0
