"""PMQA self-assessment: criterion-3.4 evidence from a seeded year, freezing, reports, pages, bad input."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta

import pypdf
import pytest
from flask import has_request_context
from openpyxl import load_workbook
from sqlalchemy import func, select

from assessment import evidence, links, report, service
from assessment.models import Assessment, AssessmentAnswer, AssessmentEvidence, OperationalData
from complaints.domain.errors import BilingualError
from complaints.domain.periods import Period
from complaints.domain.task_names import TaskName
from complaints.domain.thai_calendar import BANGKOK
from complaints.extensions import db
from complaints.models import TrackingLookupDay, User, utcnow
from complaints.services.analytics.pdf import extracted
from complaints.services.unit_of_work import unit_of_work
from tests.assessment_scenario import RECEIVED, complaint, seed_fy2569
from tests.helpers import csrf_from, login, make_staff

FY = Period.parse("2569")


def metrics_of(result: dict) -> dict:
    return {m["key"]: m for entry in result["items"].values() for m in entry["metrics"]}


def test_every_34_metric_of_the_seeded_year(any_app):
    app = any_app
    with app.test_request_context():
        expected = seed_fy2569()
        result = evidence.criterion_34(FY)
    metrics = metrics_of(result)
    assert set(metrics) == set(expected)
    for key, (value, met) in expected.items():
        if value is not None:
            assert metrics[key]["value"] == pytest.approx(value), key
        assert metrics[key]["met"] is met, key
    assert metrics["channels_used"]["details"]["channels"]["web"]["count"] == 8
    assert metrics["corrective_actions"]["details"]["clusters"][2]["has_action"] is False
    assert metrics["repeat_rate"]["details"]["previous"] == pytest.approx(0.3)
    # Not met says why, in both languages.
    assert metrics["satisfied"]["why_not_th"] == "ได้ 80.0% ไม่ถึงเกณฑ์ ≥ 85.0%"
    assert "does not meet" in metrics["satisfied"]["why_not_en"]
    # Filters lead to the complaints behind the number; the link is built when rendering.
    assert metrics["root_cause"]["filters"] == {
        "page": "figures",
        "params": {"period": "2569", "kind": "complaint", "merged": "no", "status": "closed", "cause_recorded": "yes"},
    }
    assert "link" not in metrics["root_cause"]
    with app.test_request_context():
        assert links.href(metrics["root_cause"]) == (
            "/manager/complaints?status=closed&cause_recorded=yes&kind=complaint&merged=no&period=2569"
        )
        assert links.href(metrics["corrective_actions"]) == "/manager/actions"  # a count of clusters
        # A share's link lists exactly its part: the dashboard's drill-down by the same dimension.
        assert links.href(metrics["overdue"]) == "/manager/complaints?kind=complaint&overdue=yes&period=2569"
        assert links.href(metrics["standards_published"]) == "/standards"
        assert links.href(metrics["tracking_lookups"]) == "/track"
    items = {item_id: entry["met"] for item_id, entry in result["items"].items()}
    assert items == {
        "3.4-B1": True,
        "3.4-B2": True,
        "3.4-B3": True,
        "3.4-A1": False,
        "3.4-A2": True,
        "3.4-A3": True,
        "3.4-S1": False,
        "3.4-S2": False,
    }


def test_acknowledgement_deadline_is_the_end_of_the_next_working_day(app):
    """Received Friday 10 April 2026; Monday-Wednesday are Songkran, so Thursday 16 April ends the day."""
    friday = datetime(2026, 4, 10, 10, 0, tzinfo=BANGKOK)
    last_moment = datetime(2026, 4, 16, 23, 59, 59, tzinfo=BANGKOK)
    with app.test_request_context():
        for acked in (last_moment, last_moment + timedelta(seconds=1), datetime(2026, 4, 15, 20, 0, tzinfo=BANGKOK)):
            complaint(friday, ack_after=acked - friday)
        complaint(friday, ack_after=None)
        db.session.commit()
        limits = evidence.thresholds()
        ack = evidence.acknowledged_within_a_working_day(evidence.Scope(FY, limits))
        median = evidence.median_acknowledgement(evidence.Scope(FY, limits))
    assert (ack.details["part"], ack.details["whole"]) == (2, 4)
    assert ack.met is False and ack.why_not_en == "50.0% does not meet ≥ 95.0%"
    assert median.value == (last_moment - friday).total_seconds()


def test_overdue_is_counted_as_on_the_dashboard_a_hold_stops_the_clock(any_app):
    """3.4's overdue share and the dashboard's resolution figure judge each case alike."""
    from complaints.models import Complaint
    from complaints.services.analytics.metrics import figures
    from complaints.services.analytics.metrics.dimensions import resolution_as_of
    from complaints.services.analytics.metrics.scope import scope_for

    app = any_app
    with app.test_request_context():
        manager = User(username="m", display_name="m", password_hash="x", role="manager")
        on_time = complaint(resolved_after=timedelta(days=3))
        late = complaint(resolved_after=timedelta(days=30))
        # Held on day 5 of 21 and still held after the year: the clock stopped in time.
        held_in_time = complaint(
            status="on_hold", resolved_after=None, events=("received",), held_at=RECEIVED + timedelta(days=5)
        )
        # Held on day 25: it was already late when held.
        held_late = complaint(
            status="on_hold", resolved_after=None, events=("received",), held_at=RECEIVED + timedelta(days=25)
        )
        open_late = complaint(status="in_progress", resolved_after=None, events=("received",))
        ids = {
            name: row.id
            for name, row in (
                ("on_time", on_time),
                ("late", late),
                ("held_in_time", held_in_time),
                ("held_late", held_late),
                ("open_late", open_late),
            )
        }
        db.session.commit()
        overdue = evidence.overdue_share(evidence.Scope(FY, evidence.thresholds()))
        dashboard = figures.dashboard(scope_for(manager, FY))["resolution"]
        keys = dict(db.session.execute(select(Complaint.id, resolution_as_of(min(utcnow(), FY.end)))).all())
    assert keys == {
        ids["on_time"]: "on_time",
        ids["late"]: "late",
        ids["held_in_time"]: "on_hold",
        ids["held_late"]: "open_overdue",
        ids["open_late"]: "open_overdue",
    }
    # late, held_late, open_late of the five
    assert (overdue.details["part"], overdue.details["whole"]) == (3, 5)
    counts = {row.key: row.count for row in dashboard.rows}
    assert counts["late"] + counts["open_overdue"] == 3 and counts["on_hold"] == 1


def test_level_and_scores_of_the_seeded_year(app):
    with app.test_request_context():
        seed_fy2569()
        user = db.session.get(User, make_staff(app, "boss", "manager", None))
        assessment = service.open_assessment(FY, user)
        for item_id in ("3.1-B1", "3.1-B2", "3.1-B3", "3.1-A1", "3.1-S1", "3.1-S2", "3.2-B1"):
            service.save_answers(
                FY, assessment, {item_id: {"status": "met", "explanation": "ทำแล้ว", "fields": {}}}, user
            )
        service.save_answers(
            FY, assessment, {"3.2-B2": {"status": "in_progress", "explanation": "", "fields": {}}}, user
        )
        # A person cannot tick a 3.4 item: its status follows from the data.
        service.save_answers(
            FY, assessment, {"3.4-A1": {"status": "met", "explanation": "อ้างว่าทำแล้ว", "fields": {}}}, user
        )
        content = service.content(FY, assessment)
    scores = content["scores"]["criteria"]
    # A tick is never enough alone beyond Basic: 3.1-S1's metric (corrective actions opened in
    # the year) is not met, so the tick does not count, and the item rests on the declaration.
    assert (scores["3.1"]["level"], scores["3.1"]["total"]) == ("advance", 400)
    assert content["declared_only"] == {"3.1": ["3.1-S1"], "3.2": ["3.2-B1"]}
    assert (scores["3.2"]["level"], scores["3.2"]["total"]) == ("starting", 150)
    assert (scores["3.3"]["level"], scores["3.3"]["total"]) == ("not_started", 0)
    assert (scores["3.4"]["level"], scores["3.4"]["total"]) == ("basic", 300)
    assert content["items"]["3.4-A1"]["status"] == "not_met"
    assert content["scores"]["category_score"] == pytest.approx((400 + 150 + 0 + 300) / 4)
    # 3.1-3.3 are pre-filled from the data where Rongrian has it.
    assert any("ข้อเสนอแนะจากประชาชน 2 เรื่อง" in f for f in content["items"]["3.1-B1"]["facts"])
    # Every kind counts as needs data here (the 2 suggestions came by SMS); the merged duplicate does not.
    assert (
        "5 ช่องทาง (เว็บไซต์ 8, LINE 5, โทรศัพท์ 4, อีเมล 3, SMS 2)"
        in (content["items"]["3.1-B1"]["suggested_fields"]["3.1-B1-f1"])
    )
    assert any("10 ราย" in f for f in content["items"]["3.2-B1"]["facts"])


def test_a_stricter_threshold_from_the_config_flips_the_result(app):
    app.config["ASSESSMENT_THRESHOLDS"] = {"min_channels": 5, "max_overdue": 0.04}
    with app.test_request_context():
        seed_fy2569()
        metrics = metrics_of(evidence.criterion_34(FY))
    assert metrics["channels_used"]["met"] is False and metrics["channels_used"]["threshold"] == "≥ 5"
    assert "4 ช่องทาง" in metrics["channels_used"]["why_not_th"]
    assert metrics["overdue"]["met"] is False


def test_an_empty_period_meets_nothing(app):
    with app.test_request_context():
        result = evidence.criterion_34(Period.parse("2560"))
        content = service.content(Period.parse("2560"), None)
    deciding = [m for m in metrics_of(result).values() if m["met"] is not None]
    assert deciding and all(m["met"] is False for m in deciding)
    assert all(m["why_not_th"] and m["why_not_en"] for m in deciding)
    assert not any(entry["met"] for entry in result["items"].values())
    assert content["scores"]["criteria"]["3.4"] == {
        "level": "not_started",
        "basic": 0,
        "advance": 0,
        "significance": 0,
        "total": 0,
        "declared_only": [],
    }
    assert content["scores"]["category_score"] == 0


def test_a_submitted_assessment_never_changes(app, tmp_path):
    with app.test_request_context():
        seed_fy2569()
        user = db.session.get(User, make_staff(app, "boss", "manager", None))
        assessment = service.open_assessment(FY, user)
        service.save_answers(
            FY,
            assessment,
            {"3.1-B1": {"status": "met", "explanation": "สำรวจความต้องการ", "fields": {"3.1-B1-f1": "แบบสอบถาม"}}},
            user,
        )
        pdf_bytes = b"%PDF-1.4\n% evidence\n"
        service.add_file(assessment, "3.1-B1", "ผลสำรวจ", "survey.pdf", pdf_bytes, user)
        service.submit(FY, assessment, user)
        frozen = service.content(FY, assessment)
        html_before = report.render_html(frozen)
        # New complaints arrive in the same year, and more lookups.
        for _ in range(30):
            complaint(
                RECEIVED + timedelta(days=1), channel="sms", ack_after=None, status="in_progress", events=("received",)
            )
        db.session.add(TrackingLookupDay(day=RECEIVED.date(), channel="web", count=50))
        db.session.commit()
        after = service.content(FY, db.session.get(Assessment, assessment.id))
        live = service.build(FY, assessment)
        assert after == frozen
        assert report.render_html(after) == html_before
        assert metrics_of(live)["channels_used"]["value"] == 5  # the live numbers did move
        assert metrics_of(frozen)["channels_used"]["value"] == 4
        ev = frozen["items"]["3.1-B1"]["evidence"][0]
        assert ev["sha256"] == __import__("hashlib").sha256(pdf_bytes).hexdigest()
        assert frozen["items"]["3.1-B1"]["fields"] == {"3.1-B1-f1": "แบบสอบถาม"}
        # Nothing about it can change any more.
        for change in (
            lambda: service.save_answers(
                FY, assessment, {"3.1-B2": {"status": "met", "explanation": "", "fields": {}}}, user
            ),
            lambda: service.add_link(assessment, "3.1-B1", "x", "https://example.org", user),
            lambda: service.remove_evidence(assessment, assessment.evidence[0].id),
            lambda: service.submit(FY, assessment, user),
        ):
            with pytest.raises(BilingualError) as err:
                change()
            assert err.value.status == 409
        # The next year's draft shows the change against it.
        draft = service.open_assessment(Period.parse("2570"), user)
        comparison = service.compare(
            service.content(Period.parse("2570"), draft),
            service.content(FY, service.previous_submitted(Period.parse("2570"))),
        )
    assert comparison["period"] == "2569"
    assert comparison["criteria"]["3.4"]["before"] == 300
    assert comparison["metrics"]["channels_used"]["before"] == 4


def _pdf_text(data: bytes) -> str:
    return extracted("".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages))


def test_pdf_report_text_reads_back_in_thai(app):
    with app.test_request_context():
        seed_fy2569()
        data = report.render_pdf(service.content(FY, None))
    assert data.startswith(b"%PDF")
    text = _pdf_text(data)
    flat = text.replace("\n", " ")
    for expected in (
        "แบบประเมินตนเอง PMQA 4.0 หมวด 3",
        "3.4 กระบวนการการแก้ไขข้อร้องเรียนที่รวดเร็ว",
        "มีการตอบสนองกลับต่อข้อร้องเรียนทันที",
        "ตอบรับภายใน 1 วันทำการ: 95.0% (19/20)",
        "ปีงบประมาณ พ.ศ. 2569",
        "ยังไม่ได้ดำเนินการ",
        "ความพึงพอใจ",
    ):
        assert extracted(expected) in flat, expected
    assert "\x03" not in text  # no control characters from shaping


def test_xlsx_report_holds_the_form_and_the_metrics(app):
    with app.test_request_context():
        seed_fy2569()
        book = load_workbook(io.BytesIO(report.render_xlsx(service.content(FY, None))))
    rows = [[cell for cell in row] for row in book["หมวด 3"].iter_rows(values_only=True)]
    assert any(row[2] == "3.4-A2" and row[3] == "มีการตอบสนองกลับต่อข้อร้องเรียนทันที" for row in rows)
    metric_rows = {row[1]: row for row in book["3.4 ตัวชี้วัด"].iter_rows(min_row=2, values_only=True)}
    assert metric_rows["ตอบรับภายใน 1 วันทำการ"][3] == pytest.approx(0.95)
    assert metric_rows["ตอบรับภายใน 1 วันทำการ"][6] == "ผ่าน"


def test_cli_report_in_every_format(app, runner, tmp_path):
    with app.app_context():
        seed_fy2569()
    for fmt in ("html", "pdf", "xlsx"):
        out = tmp_path / f"r.{fmt}"
        result = runner.invoke(args=["assessment", "report", "--period", "2569", "--format", fmt, "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 1000
    assert "3.4 กระบวนการการแก้ไขข้อร้องเรียนที่รวดเร็ว" in (tmp_path / "r.html").read_text(encoding="utf-8")
    # No request in the CLI: the links are built from the filters under the public base URL (absolute).
    base = app.config["PUBLIC_BASE_URL"].rstrip("/")
    book = load_workbook(tmp_path / "r.xlsx")
    metric_links = {row[1]: row[9] for row in book["3.4 ตัวชี้วัด"].iter_rows(min_row=2, values_only=True)}
    assert metric_links["เรื่องที่ปิดแล้วซึ่งบันทึกสาเหตุ"] == (
        f"{base}/manager/complaints?status=closed&cause_recorded=yes&kind=complaint&merged=no&period=2569"
    )
    assert metric_links["จำนวนครั้งที่ประชาชนติดตามเรื่อง"] == f"{base}/track"
    bad = runner.invoke(
        args=["assessment", "report", "--period", "2569-Q5", "--format", "pdf", "--out", str(tmp_path / "x.pdf")]
    )
    assert bad.exit_code != 0 and "ช่วงเวลาไม่ถูกต้อง" in bad.output and "Invalid period" in bad.output
    assert not (tmp_path / "x.pdf").exists()


# --- pages -----------------------------------------------------------------------------------


def _token(client, path="/assessment/") -> str:
    return csrf_from(client.get(path).text)


def _open(client, period="2569"):
    response = client.post("/assessment/open", data={"period": period, "csrf_token": _token(client)})
    assert response.status_code == 302, response.text
    return response


def test_officers_cannot_see_the_assessment(app, client):
    make_staff(app, "clerk", "officer", "public-works")
    login(client, "clerk")
    response = client.get("/assessment/")
    assert response.status_code == 403
    assert "ท่านไม่มีสิทธิ์" in response.text and "permission" in response.text


def test_manager_fills_in_and_submits(app, manager):
    with app.app_context():
        seed_fy2569()
    _open(manager)
    page = manager.get("/assessment/2569")
    assert page.status_code == 200
    assert "3.4 กระบวนการการแก้ไขข้อร้องเรียนที่รวดเร็ว" in page.text
    assert 'data-metric="ack_within_1wd" data-met="True"' in page.text
    token = csrf_from(page.text)
    saved = manager.post(
        "/assessment/2569/answers",
        data={
            "csrf_token": token,
            "status-3.1-B1": "met",
            "explanation-3.1-B1": "สำรวจความต้องการทุกไตรมาส",
            "field-3.1-B1-f1": "แบบสอบถามออนไลน์",
        },
    )
    assert saved.status_code == 302
    uploaded = manager.post(
        "/assessment/2569/items/3.1-B1/evidence",
        data={
            "csrf_token": token,
            "title": "รายงานผลสำรวจ",
            "file": (io.BytesIO(b"%PDF-1.4\nreport\n"), "../../etc/ผลสำรวจ.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 302
    with app.app_context():
        stored = db.session.scalar(select(AssessmentEvidence))
        assert stored.original_name == "ผลสำรวจ.pdf" and ".." not in stored.storage_key
        evidence_id = stored.id
    download = manager.get(f"/assessment/2569/evidence/{evidence_id}")
    assert download.data == b"%PDF-1.4\nreport\n" and "attachment" in download.headers["Content-Disposition"]
    download.close()
    page = manager.get("/assessment/2569").text
    assert "แบบสอบถามออนไลน์" in page and "สำรวจความต้องการทุกไตรมาส" in page
    assert manager.post("/assessment/2569/submit", data={"csrf_token": token}).status_code == 200  # asks first
    assert manager.post("/assessment/2569/submit", data={"csrf_token": token, "confirm": "yes"}).status_code == 302
    page = manager.get("/assessment/2569").text
    assert "Submitted (frozen)" in page and 'id="submit-assessment"' not in page
    refused = manager.post("/assessment/2569/answers", data={"csrf_token": token, "status-3.1-B2": "met"})
    assert refused.status_code == 409 and "แก้ไขไม่ได้" in refused.text and "can no longer change" in refused.text
    for fmt, magic in (("pdf", b"%PDF"), ("xlsx", b"PK"), ("html", b"<!doctype html>")):
        response = manager.get(f"/assessment/2569/report.{fmt}")
        assert response.status_code == 200 and response.data.startswith(magic)
        assert f"pmqa-cat3-2569.{fmt}" in response.headers["Content-Disposition"]


@pytest.mark.parametrize("period", ["25x", "2569-Q5", "1999", "2569;DROP TABLE assessments", "๒๕๖๙x", ""])
def test_bad_period_is_a_bilingual_4xx(manager, period):
    response = manager.post("/assessment/open", data={"period": period, "csrf_token": _token(manager)})
    assert response.status_code == 422
    assert "ช่วงเวลาไม่ถูกต้อง" in response.text and "Invalid period" in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/assessment/25x",
        "/assessment/2569-Q9/report.pdf",
        "/assessment/2569/report.exe",
        "/assessment/..%2F..%2Fetc%2Fpasswd",
        "/assessment/2569/evidence/999",
    ],
)
def test_bad_paths_are_4xx_never_500(manager, path):
    _open(manager)
    response = manager.get(path)
    assert 400 <= response.status_code < 500
    assert response.status_code in (400, 404, 422)


def _upload(client, data: bytes, name: str, **extra):
    return client.post(
        "/assessment/2569/items/3.2-B1/evidence",
        data={
            "csrf_token": _token(client, "/assessment/2569"),
            "title": "หลักฐาน",
            "file": (io.BytesIO(data), name),
            **extra,
        },
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(
    "data, name, message",
    [
        (b"<html><script>alert(1)</script></html>", "evil.pdf", "รองรับเฉพาะไฟล์ PDF"),
        (b"MZ\x90\x00 executable", "report.docx", "รองรับเฉพาะไฟล์ PDF"),
        (b"PK\x03\x04 not really a zip", "sheet.xlsx", "รองรับเฉพาะไฟล์ PDF"),
        (b"", "empty.pdf", "ไฟล์ว่างเปล่า"),
    ],
)
def test_hostile_evidence_files_are_refused(app, manager, data, name, message):
    _open(manager)
    response = _upload(manager, data, name)
    assert response.status_code == 422
    assert message in response.text
    assert "Only PDF, PNG, JPEG, DOCX or XLSX" in response.text or "The file is empty" in response.text
    with app.app_context():
        assert db.session.scalar(select(func.count(AssessmentEvidence.id))) == 0


def test_oversized_evidence_is_refused_and_nothing_stored(app, manager):
    app.config["ASSESSMENT_EVIDENCE_MAX_BYTES"] = 2048
    _open(manager)
    response = _upload(manager, b"%PDF-1.4\n" + b"x" * 4096, "big.pdf")
    assert response.status_code == 422
    assert "ขนาดไม่เกิน" in response.text and "at most" in response.text
    with app.app_context():
        assert db.session.scalar(select(func.count(AssessmentEvidence.id))) == 0
    upload_dir = app.config["UPLOAD_DIR"]
    assert not list(__import__("pathlib").Path(upload_dir).rglob("*.pdf"))


def test_a_request_over_the_body_limit_is_a_bilingual_413(app, manager):
    app.config["MAX_CONTENT_LENGTH"] = 4096
    _open(manager)
    response = _upload(manager, b"%PDF-1.4\n" + b"x" * 8192, "big.pdf")
    assert response.status_code == 413
    assert "ขนาดใหญ่เกินกำหนด" in response.text and "too large" in response.text


@pytest.mark.parametrize(
    "form, message",
    [
        ({"url": "javascript:alert(1)"}, "http://"),
        ({"url": "https://example.org/a b"}, "http://"),
        ({"url": "https://" + "a" * 1100 + ".org"}, "1,000"),
        ({"url": "https://example.org", "title": "<script>alert(1)</script>"}, "HTML"),
    ],
)
def test_bad_links_are_refused(app, manager, form, message):
    _open(manager)
    response = manager.post(
        "/assessment/2569/items/3.2-B1/evidence", data={"csrf_token": _token(manager, "/assessment/2569"), **form}
    )
    assert response.status_code == 422 and message in response.text
    with app.app_context():
        assert db.session.scalar(select(func.count(AssessmentEvidence.id))) == 0


@pytest.mark.parametrize(
    "form, field",
    [
        ({"status-3.2-A1": "done"}, "status-3.2-A1"),
        ({"status-3.2-A1": "met", "explanation-3.2-A1": "<img src=x onerror=alert(1)>"}, "explanation-3.2-A1"),
        ({"status-3.2-A1": "met", "explanation-3.2-A1": "ก" * 6000}, "explanation-3.2-A1"),
        ({"status-3.2-A1": "met", "field-3.2-A1-f1": "javascript:alert(1)"}, "field-3.2-A1-f1"),
    ],
)
def test_bad_answers_are_refused(app, manager, form, field):
    _open(manager)
    response = manager.post(
        "/assessment/2569/answers", data={"csrf_token": _token(manager, "/assessment/2569"), **form}
    )
    assert response.status_code == 422
    assert f'data-field="{field}"' in response.text
    assert "ข้อมูลไม่ถูกต้อง" in response.text and "not valid" in response.text


def test_answers_to_items_not_on_the_form_are_not_stored(app, manager):
    _open(manager)
    response = manager.post(
        "/assessment/2569/answers",
        data={"csrf_token": _token(manager, "/assessment/2569"), "status-9.9-B1": "met", "explanation-9.9-B1": "x"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(AssessmentAnswer.id))) == 0


def test_evidence_for_an_unknown_item_is_404(manager):
    _open(manager)
    response = manager.post(
        "/assessment/2569/items/9.9-B1/evidence",
        data={"csrf_token": _token(manager, "/assessment/2569"), "url": "https://example.org"},
    )
    assert response.status_code == 404 and "ไม่พบข้อ" in response.text


def test_tracking_lookups_are_counted(any_app):
    from sqlalchemy import text

    from complaints.services.casework.tracking_lookups import record_lookup
    from tests.helpers import submit_api

    app, client = any_app, any_app.test_client()
    number = submit_api(client)
    assert client.get(f"/track/{number}").status_code == 200
    assert client.get(f"/api/v1/complaints/{number}").status_code == 200
    assert client.get(f"/track/{number}").status_code == 200
    assert client.get("/track/RR-2569-0000-0000").status_code in (400, 404)  # not counted
    with app.app_context():
        counts = dict(db.session.execute(select(TrackingLookupDay.channel, TrackingLookupDay.count)).all())
        assert counts == {"web": 2, "api": 1}
        if db.engine.dialect.name == "postgresql":
            # The count's commit skips the disk flush for its own transaction only: the
            # pooled connection's next transaction (an intake, say) is durable again.
            with unit_of_work():
                record_lookup("web")
            assert db.session.execute(text("SHOW synchronous_commit")).scalar() == "on"


def test_queue_date_filters_from_metric_links(app, manager):
    with app.test_request_context():
        seed_fy2569()

    def shown(query: str) -> int:
        return manager.get("/officer/?" + query).text.count("data-tracking=")

    # Web: 8 in FY2569, 10 in FY2568 (the scenario's earlier year).
    assert shown("status=all&channel=web&received_from=2025-10-01&received_to=2026-09-30") == 8
    assert shown("status=all&channel=web") == 18
    assert shown("status=all&channel=web&received_to=2025-09-30") == 10
    assert shown("status=all&channel=web&received_from=not-a-date") == 18  # a malformed day is ignored


def test_submit_refuses_an_evidence_file_that_changed_on_disk(app):
    from assessment.files import path_of

    with app.test_request_context():
        user = db.session.get(User, make_staff(app, "boss", "manager", None))
        assessment = service.open_assessment(FY, user)
        stored = service.add_file(assessment, "3.3-B1", "", "plan.pdf", b"%PDF-1.4\nplan\n", user)
        path_of(app.config["UPLOAD_DIR"], stored.storage_key).write_bytes(b"%PDF-1.4\nswapped\n")
        with pytest.raises(BilingualError) as err:
            service.submit(FY, assessment, user)
        assert err.value.status == 409 and "plan.pdf" in err.value.th
        assert db.session.get(Assessment, assessment.id).status == "draft"
        assert db.session.get(Assessment, assessment.id).snapshot is None


def _channels_used(page: str) -> str:
    return page.split('data-metric="channels_used"', 1)[1].split("</tr>", 1)[0]


def test_the_drafts_figures_are_kept_as_computed_until_recomputed(app, manager):
    """At a million complaints the 3.4 figures take seconds: the draft's pages read them
    as stored (with the time they are of) until they are older than the limit, a manager
    asks for them now, or the assessment is submitted."""
    app.config["ASSESSMENT_DATA_MAX_AGE"] = 900
    with app.app_context():
        seed_fy2569()
    _open(manager)
    first = manager.get("/assessment/2569").text
    assert 'id="data-as-of"' in first and "ตัวเลขจากข้อมูลเรื่องร้องเรียน ณ" in first
    with app.app_context():
        stored = service.stored_operations(Period.parse("2569"))
        computed_at, seconds = stored.computed_at, stored.seconds
        assert metrics_of(json.loads(stored.criterion_34))["channels_used"]["value"] == 4
        # A fifth channel appears in the data.
        for _ in range(30):
            complaint(
                RECEIVED + timedelta(days=1), channel="sms", ack_after=None, status="in_progress", events=("received",)
            )
        db.session.commit()
    kept = manager.get("/assessment/2569").text
    assert _channels_used(kept) == _channels_used(first)  # as stored: nothing recomputed
    with app.app_context():
        assert service.stored_operations(Period.parse("2569")).computed_at == computed_at
    token = csrf_from(kept)
    assert manager.post("/assessment/2569/refresh", data={"csrf_token": token}).status_code == 302
    recomputed = manager.get("/assessment/2569").text
    assert "Figures recomputed from the complaint data" in recomputed
    assert _channels_used(recomputed) != _channels_used(first)
    with app.app_context():
        again = service.stored_operations(Period.parse("2569"))
        assert again.computed_at > computed_at and again.seconds >= 0 and seconds >= 0
        assert metrics_of(json.loads(again.criterion_34))["channels_used"]["value"] == 5
        # Older than the limit: computed again on the next view.
        again.computed_at -= timedelta(seconds=901)
        db.session.commit()
        old = again.computed_at
    manager.get("/assessment/2569")
    with app.app_context():
        assert service.stored_operations(Period.parse("2569")).computed_at > old


def test_submitting_reads_the_data_now_not_as_stored(app):
    app.config["ASSESSMENT_DATA_MAX_AGE"] = 900
    with app.test_request_context():
        seed_fy2569()
        user = db.session.get(User, make_staff(app, "boss", "manager", None))
        assessment = service.open_assessment(FY, user)
        assert metrics_of(service.content(FY, assessment))["channels_used"]["value"] == 4
        for _ in range(3):
            complaint(
                RECEIVED + timedelta(days=1), channel="sms", ack_after=None, status="in_progress", events=("received",)
            )
        db.session.commit()
        assert metrics_of(service.operations(FY)["criterion_34"])["channels_used"]["value"] == 4  # stored
        stored_at = service.stored_operations(FY).computed_at
        service.submit(FY, assessment, user)
        frozen = service.content(FY, assessment)
    assert metrics_of(frozen)["channels_used"]["value"] == 5
    assert datetime.fromisoformat(frozen["data_as_of"]) > stored_at


def test_beat_keeps_this_year_this_quarter_and_every_draft_fresh(app):
    from complaints.config import load_config

    entry = load_config("/nonexistent")["CELERY"]["beat_schedule"]["assessment-data"]
    assert entry["task"] == TaskName.REFRESH_ASSESSMENT_DATA
    now = datetime(2026, 11, 26, 3, 0, tzinfo=BANGKOK)
    with app.test_request_context():
        user = db.session.get(User, make_staff(app, "boss", "manager", None))
        service.open_assessment(Period.parse("2568"), user)
        codes = sorted(p.code for p in service.periods_to_refresh(now))
        assert codes == ["2568", "2570", "2570-Q1"]
    with app.app_context():  # as the task runs it: no request, and none is made up
        assert not has_request_context()
        app.config["ASSESSMENT_DATA_MAX_AGE"] = 900
        expected = {p.code for p in service.periods_to_refresh()}
        assert service.refresh_all() == len(expected) == 3
        stored = {d.period: d for d in db.session.scalars(select(OperationalData))}
        assert set(stored) == expected and "2568" in expected
        assert Period.containing(utcnow()).code in expected
        metrics = metrics_of(json.loads(stored["2568"].criterion_34)).values()
        assert not any("link" in m for m in metrics)
    with app.test_request_context():
        hrefs = [links.href(m) for m in metrics]
    assert "/manager/complaints?status=closed&cause_recorded=yes&kind=complaint&merged=no&period=2568" in hrefs


# The officer-list links of the metrics that now link to the dashboard's drill-down list.
_OFFICER_LINKS = {
    "overdue": {"status": "open", "due": "overdue"},
    "reopened": {"status": "reopened"},
    **{key: {"status": "closed"} for key in ("satisfied", "confident", "survey_response_rate")},
    **{key: {"status": "closed"} for key in ("handled_in_system", "root_cause")},
    **{
        key: {"status": "all"}
        for key in (
            "channels_used",
            "auto_categorised",
            "ack_within_1wd",
            "median_ack_seconds",
            "tracking_number_given",
            "repeat_rate",
            "corrective_actions",
        )
    },
}


_ADDED_AFTER_THE_FILTERS = {"kept_informed", "resolved_within_standard", "frequent_categories", "frequent_clusters"}


def _legacy(snapshot: dict, unknown: str) -> dict:
    """A snapshot as submitted before the filters: every metric with the link of its day."""
    for item_id, entry in snapshot["items"].items():
        if not item_id.startswith("3.4-"):
            entry["metrics"] = []  # metrics of 3.1-3.3 came after the filters
        entry["metrics"] = [m for m in entry["metrics"] if m["key"] not in _ADDED_AFTER_THE_FILTERS]
        for m in entry["metrics"]:
            filters = m.pop("filters")
            if filters["page"] in ("figures", "actions"):
                officer = _OFFICER_LINKS[m["key"]]
                filters = {
                    "page": "complaints",
                    "params": {
                        "status": officer["status"],
                        "received_from": snapshot["first_day"],
                        "received_to": snapshot["last_day"],
                        **{k: v for k, v in officer.items() if k != "status"},
                    },
                }
            if m["key"] == "median_ack_seconds":
                m["link"] = unknown
            elif filters["page"] == "complaints":
                p = filters["params"]
                extra = "".join(f"&{k}={v}" for k, v in p.items() if k not in links.LEADING)
                m["link"] = (
                    f"/officer/?status={p['status']}&received_from={p['received_from']}"
                    f"&received_to={p['received_to']}{extra}"
                )
            else:
                m["link"] = {"standards": "/standards", "tracking": "/track"}[filters["page"]]
    return snapshot


def test_snapshots_submitted_before_the_filters_still_render_their_links(app, manager):
    """An old snapshot (links, not filters) is read as it is: its SHA-256 still holds, and its
    links are rebuilt from the routes of now; one that is not ours is shown as stored."""
    with app.app_context():
        seed_fy2569()
    _open(manager)
    assert (
        manager.post(
            "/assessment/2569/submit", data={"csrf_token": _token(manager, "/assessment/2569"), "confirm": "yes"}
        ).status_code
        == 302
    )
    unknown = "https://intranet.example.org/median"
    with app.app_context():
        stored = db.session.scalar(select(Assessment))
        text = json.dumps(_legacy(json.loads(stored.snapshot), unknown), ensure_ascii=False, sort_keys=True)
        stored.snapshot, stored.snapshot_sha256 = text, __import__("hashlib").sha256(text.encode()).hexdigest()
        db.session.commit()
    page = manager.get("/assessment/2569").text
    assert '<a href="/officer/?status=closed&amp;received_from=2025-10-01&amp;received_to=2026-09-30">' in page
    assert (
        '<a href="/officer/?status=open&amp;received_from=2025-10-01&amp;received_to=2026-09-30&amp;due=overdue">'
        in page
    )
    assert '<a href="/standards">' in page and '<a href="/track">' in page
    assert f'<a href="{unknown}">' in page
    xlsx = manager.get("/assessment/2569/report.xlsx")
    rows = {
        row[1]: row[9]
        for row in load_workbook(io.BytesIO(xlsx.data))["3.4 ตัวชี้วัด"].iter_rows(min_row=2, values_only=True)
    }
    assert rows["เรื่องที่ปิดแล้วซึ่งบันทึกสาเหตุ"] == (
        "http://localhost/officer/?status=closed&received_from=2025-10-01&received_to=2026-09-30"
    )  # absolute: the workbook travels beyond Rongrian
    assert rows["ค่ามัธยฐานของเวลาตอบรับ"] == unknown
    with app.app_context():  # reading never rewrote it
        stored = db.session.scalar(select(Assessment))
        assert stored.snapshot == text
        assert __import__("hashlib").sha256(stored.snapshot.encode()).hexdigest() == stored.snapshot_sha256


def test_submitted_snapshots_hold_filters_and_no_route_paths(app, manager):
    with app.app_context():
        seed_fy2569()
    _open(manager)
    assert (
        manager.post(
            "/assessment/2569/submit", data={"csrf_token": _token(manager, "/assessment/2569"), "confirm": "yes"}
        ).status_code
        == 302
    )
    with app.app_context():
        snapshot = db.session.scalar(select(Assessment)).snapshot
    assert "/officer/" not in snapshot and "/standards" not in snapshot and '"link"' not in snapshot
    metrics = metrics_of(json.loads(snapshot))
    assert metrics["reopened"]["filters"] == {
        "page": "figures",
        "params": {"period": "2569", "kind": "complaint", "reopened": "yes"},
    }
    page = manager.get("/assessment/2569").text
    assert '<a href="/manager/complaints?kind=complaint&amp;period=2569&amp;reopened=yes">' in page


@pytest.mark.parametrize(
    "link, expected",
    [
        (
            "/officer/?status=all&received_from=2025-10-01&received_to=2026-09-30&channel=web",
            {
                "page": "complaints",
                "params": {
                    "status": "all",
                    "received_from": "2025-10-01",
                    "received_to": "2026-09-30",
                    "channel": "web",
                },
            },
        ),
        ("/rongrian/standards", {"page": "standards", "params": {}}),
        ("/track", {"page": "tracking", "params": {}}),
        ("/manager/complaints?status=all", None),
        ("https://example.org/officer/", None),
        ("", None),
    ],
)
def test_legacy_links_are_read_back_as_filters(link, expected):
    assert links.legacy_filters(link) == expected


def test_filters_name_a_known_page():
    with pytest.raises(ValueError):
        links.Filters("officer.queue")
    assert links.href({"filters": {"page": "nowhere", "params": {}}}) == ""
    assert links.href({}) == ""


@pytest.mark.parametrize(
    "base, expected",
    [
        ("https://rongrian.example.go.th", "/officer/?status=all&received_from=2025-10-01&received_to=2026-09-30"),
        (
            "https://example.go.th/rongrian/",
            "/rongrian/officer/?status=all&received_from=2025-10-01&received_to=2026-09-30",
        ),
    ],
)
def test_links_without_a_request_are_the_paths_under_the_public_base_url(app, base, expected):
    """What the CLI writes into a report (no request): as a request at PUBLIC_BASE_URL would build them."""
    metric = {
        "filters": {
            "page": "complaints",
            "params": {"received_to": "2026-09-30", "received_from": "2025-10-01", "status": "all"},
        }
    }  # as a snapshot sorts them
    app.config["PUBLIC_BASE_URL"] = base
    with app.app_context():
        assert links.href(metric) == expected
    with app.test_request_context("/", base_url=base):
        assert links.href(metric) == expected


def test_a_period_is_compared_with_the_previous_period_of_the_same_length(app, manager):
    """Issue 19: a quarter was compared with the whole previous fiscal year, and rates shown as raw fractions."""
    with app.app_context():
        seed_fy2569()
    token = _token(manager)
    for period in ("2569", "2569-Q3"):
        _open(manager, period)
        assert (
            manager.post(f"/assessment/{period}/submit", data={"csrf_token": token, "confirm": "yes"}).status_code
            == 302
        )
    with app.app_context():
        frozen = {a.period: json.loads(a.snapshot) for a in db.session.scalars(select(Assessment))}
    for period, before in (("2569-Q4", "2569-Q3"), ("2570", "2569")):
        _open(manager, period)
        page = manager.get(f"/assessment/{period}").text
        headers = page.split('id="scores"')[1].split("</tr>")[0]
        assert f"<th>{before}</th>" in headers, period
        # The previous period's rate as its own report showed it, a percentage, never a raw fraction.
        before_ack = metrics_of(frozen[before])["ack_within_1wd"]
        row = page.split('data-metric="ack_within_1wd"')[1].split("</tr>")[0]
        assert f"<td>{before_ack['display']}</td>" in row and "%" in before_ack["display"], period
        assert str(before_ack["value"]) not in row, period
    # A quarter with no submitted quarter before it is compared with nothing (not with a year).
    _open(manager, "2569-Q2")
    headers = manager.get("/assessment/2569-Q2").text.split('id="scores"')[1].split("</tr>")[0]
    assert "2569" not in headers.replace("Criterion", "")
