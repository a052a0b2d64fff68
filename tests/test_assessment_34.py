"""Criterion 3.4's evidence (issue 19, point 3): resolved within the service standard, the
per-channel table, frequent complaint types and clusters year on year, confidence with a
target, a meaningful tracking measure, and thresholds that are settings with sources."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from assessment import evidence
from complaints import create_app
from complaints.config_thresholds import THRESHOLDS, threshold_problems
from complaints.domain.periods import Period
from complaints.domain.thai_calendar import BANGKOK
from complaints.extensions import db
from complaints.models import Category, OutboxMessage, RecurringCluster, SurveyResponse, utcnow
from complaints.services.analytics.metrics.dimensions import drill_count
from complaints.services.analytics.metrics.scope import Scope as FigureScope
from complaints.startup_checks import UnsafeConfiguration
from tests.assessment_scenario import RECEIVED, complaint
from tests.conftest import base_config

FY = Period.parse("2569")
BEFORE = datetime(2025, 6, 16, 9, 0, tzinfo=BANGKOK)  # the same season of FY2568
ROOT = Path(__file__).resolve().parent.parent


def metrics_of(result: dict) -> dict:
    return {m["key"]: m for entry in result["items"].values() for m in entry["metrics"]}


def _outcomes() -> None:
    """8 complaints of FY2569 against a 21-day standard, as of the year's end (30 Sep 2026):
    3 answered in time, 2 answered late, 1 open past its due date, 1 open not yet due
    (received 28 Sep), 1 rejected in time (not handled here) and 1 on hold before its due date."""
    for _ in range(3):
        complaint(status="closed", resolved_after=timedelta(days=3))
    for _ in range(2):
        complaint(status="closed", resolved_after=timedelta(days=30))
    complaint(status="in_progress", resolved_after=None)
    complaint(datetime(2026, 9, 28, 10, 0, tzinfo=BANGKOK), status="in_progress", resolved_after=None)
    complaint(status="rejected", resolved_after=None).closed_at = RECEIVED + timedelta(days=2)
    complaint(status="on_hold", resolved_after=None, held_at=RECEIVED + timedelta(days=2))
    db.session.commit()


def test_resolved_within_the_standard_counts_as_the_dashboard_and_its_list(any_app):
    """3 in time of the 6 whose outcome is known (3 in time, 2 late, 1 open past due): 50 %
    < 80 %; the not-yet-due, the held and the rejected one are not judged. It decides 3.4-S2
    together with the overdue share, which no longer decides 3.4-A3 (tracking)."""
    with any_app.test_request_context():
        _outcomes()
        metrics = metrics_of(result := evidence.criterion_34(FY))
        resolved = metrics["resolved_within_standard"]
        assert (resolved["details"]["part"], resolved["details"]["whole"]) == (3, 6)
        assert resolved["value"] == pytest.approx(0.5) and resolved["met"] is False
        assert resolved["threshold"] == "≥ 80.0%" and "50.0%" in resolved["why_not_th"]
        # Its link lists exactly the complaints it counts (the dashboard's drill-down).
        filters = resolved["filters"]
        assert filters["page"] == "figures"
        scope = FigureScope(Period.parse(filters["params"]["period"]), now=datetime(2026, 12, 8, tzinfo=BANGKOK))
        assert drill_count(scope, filters["params"]) == 3
        # Where each counts: the service standard evidences satisfaction and confidence (S2).
        assert resolved["item_id"] == metrics["overdue"]["item_id"] == "3.4-S2"
        assert metrics["overdue"]["met"] is False  # 3 of 7 handled are past the standard
        assert result["items"]["3.4-S2"]["met"] is False
        assert result["items"]["3.4-A3"]["met"] is True  # every complaint got its tracking number


def test_tracking_is_judged_by_numbers_given_and_progress_delivered_not_by_lookups(any_app):
    """Of 4 reachable complainants, one status message failed: 3/4 informed, below 95 %. The
    lookups count is shown for information: it no longer decides 3.4-A3 (1 lookup met it)."""
    with any_app.test_request_context():
        rows = [complaint(channel="line") for _ in range(4)]
        complaint(channel="counter")  # no contact: nobody to send progress to
        for n, row in enumerate(rows):
            for purpose, status in (("acknowledgement", "sent"), ("status_update", "failed" if n == 0 else "sent")):
                db.session.add(
                    OutboxMessage(
                        complaint_id=row.id,
                        purpose=purpose,
                        channel="line",
                        recipient="U0000",
                        status=status,
                        created_at=row.received_at,
                    )
                )
        db.session.commit()
        result = evidence.criterion_34(FY)
    metrics = metrics_of(result)
    informed = metrics["kept_informed"]
    assert (informed["details"]["part"], informed["details"]["whole"]) == (3, 4)
    assert informed["met"] is False and informed["item_id"] == "3.4-A3"
    assert metrics["tracking_lookups"]["met"] is None and metrics["tracking_lookups"]["threshold"] == ""
    assert "min_tracking_lookups" not in result["thresholds"]
    assert result["items"]["3.4-A3"]["met"] is False


def _surveyed(row, satisfaction: int, confidence: int = 5) -> None:
    db.session.add(SurveyResponse(complaint_id=row.id, satisfaction=satisfaction, confidence=confidence))


def test_per_channel_table(any_app):
    """web: 3 complaints, acknowledged after 30 s, 60 s and 3 days (2/3 within a working day,
    median 60 s), 2 answered in time and 1 late, 1 of 2 answers satisfied; line: 1 complaint
    acknowledged after 10 s, answered in time, satisfied."""
    with any_app.test_request_context():
        web = [
            complaint(channel="web", ack_after=timedelta(seconds=30)),
            complaint(channel="web", ack_after=timedelta(seconds=60), resolved_after=timedelta(days=30)),
            complaint(channel="web", ack_after=timedelta(days=3)),
        ]
        line = complaint(channel="line", ack_after=timedelta(seconds=10))
        _surveyed(web[0], 5)
        _surveyed(web[1], 2)
        _surveyed(line, 4)
        db.session.commit()
        metric = metrics_of(evidence.criterion_34(FY))["channels_used"]
    table = metric["details"]["table"]
    assert [c["key"] for c in table["columns"]] == [
        "volume",
        "median_ack",
        "ack_within_1wd",
        "resolved_within_standard",
        "satisfied",
    ]
    rows = {row["label_en"]: row["cells"] for row in table["rows"]}
    assert rows["Website"] == {
        "volume": "3",
        "median_ack": "60 วินาที / s",
        "ack_within_1wd": "66.7% (2/3)",
        "resolved_within_standard": "66.7% (2/3)",
        "satisfied": "50.0% (1/2)",
    }
    assert rows["LINE"] == {
        "volume": "1",
        "median_ack": "10 วินาที / s",
        "ack_within_1wd": "100.0% (1/1)",
        "resolved_within_standard": "100.0% (1/1)",
        "satisfied": "100.0% (1/1)",
    }
    assert table["rows"][-1]["label_en"] == "All channels"
    assert table["rows"][-1]["cells"] == {
        "volume": "4",
        "median_ack": "45 วินาที / s",  # of 10, 30, 60 s and 3 days
        "ack_within_1wd": "75.0% (3/4)",
        "resolved_within_standard": "75.0% (3/4)",
        "satisfied": "66.7% (2/3)",
    }


def _cluster(label: str) -> int:
    row = RecurringCluster(label_th=label, size=1, first_seen_at=RECEIVED, last_seen_at=RECEIVED)
    db.session.add(row)
    db.session.flush()
    return row.id


def test_frequent_categories_and_clusters_year_on_year(any_app):
    """Categories: A 3 now (5 a year earlier), B 2 now (1 earlier): the top two, 5 against 6,
    fell. Cluster X 3 now against 1 a year earlier: rose. Cluster Y has one complaint now:
    no recurrence, not ranked."""
    any_app.config["ASSESSMENT_THRESHOLDS"] = {"top_frequent": 2}
    with any_app.test_request_context():
        a, b = db.session.execute(select(Category.id, Category.name_th).order_by(Category.id).limit(2)).all()
        x, y = _cluster("ไฟดับ ซอย 1"), _cluster("ขยะ ซอย 2")
        for received, category, n, cluster in (
            (RECEIVED, a, 3, x),
            (RECEIVED, b, 1, y),
            (RECEIVED, b, 1, None),
            (BEFORE, a, 5, None),
            (BEFORE, b, 1, x),
        ):
            for _ in range(n):
                complaint(received, category_id=category.id, cluster_id=cluster)
        db.session.commit()
        metrics = metrics_of(evidence.criterion_34(FY))
    categories, clusters = metrics["frequent_categories"], metrics["frequent_clusters"]
    assert categories["item_id"] == clusters["item_id"] == "3.4-S1"
    assert (categories["details"]["now"], categories["details"]["before"]) == (5, 6)
    assert categories["met"] is True and categories["details"]["earlier_period"] == "2568"
    rows = categories["details"]["table"]["rows"]
    assert [r["label_th"] for r in rows] == [a.name_th, b.name_th, "รวม 2 อันดับแรก"]
    assert rows[0]["cells"] == {"now": "3", "before": "5", "change": "-2 (-40.0%)"}
    assert rows[-1]["cells"]["change"] == "-1 (-16.7%)"
    assert [r["key"] for r in clusters["details"]["table"]["rows"]] == [str(x), ""]
    assert (clusters["details"]["now"], clusters["details"]["before"]) == (3, 1)
    assert clusters["met"] is False and "ไม่ลดลง" in clusters["why_not_th"]


def test_no_data_a_year_earlier_is_not_met_with_a_reason(any_app):
    with any_app.test_request_context():
        category = db.session.scalars(select(Category)).first()
        for _ in range(2):
            complaint(category_id=category.id)
        db.session.commit()
        metric = metrics_of(evidence.criterion_34(FY))["frequent_categories"]
    assert metric["met"] is False
    assert "ไม่มีข้อมูล" in metric["why_not_th"] and "2568" in metric["why_not_en"]
    assert metric["details"]["table"]["rows"][0]["cells"] == {"now": "2", "before": "—", "change": "—"}


def test_confidence_has_a_target_that_decides_s2(app):
    """4 of 5 answers confident: 80 % < 85 % by default; a target of 75 % is met."""
    with app.test_request_context():
        rows = [complaint() for _ in range(5)]
        for n, row in enumerate(rows):
            _surveyed(row, 5, confidence=5 if n else 2)
        db.session.commit()
        confident = metrics_of(evidence.criterion_34(FY))["confident"]
        assert (confident["met"], confident["threshold"]) == (False, "≥ 85.0%")
        app.config["ASSESSMENT_THRESHOLDS"] = {"min_confident": 0.75}
        assert metrics_of(evidence.criterion_34(FY))["confident"]["met"] is True


def test_every_threshold_has_a_source_and_a_documented_default():
    doc = (ROOT / "docs" / "thresholds.md").read_text(encoding="utf-8")
    assert set(evidence.DEFAULT_THRESHOLDS) == set(THRESHOLDS)
    for key, spec in THRESHOLDS.items():
        assert spec.source_th and spec.source_en, key
        line = next((line for line in doc.splitlines() if line.startswith(f"| `{key}`")), None)
        assert line is not None, f"{key} is not in docs/thresholds.md"
        assert f"`{spec.default}`" in line, key
    assert "มาตรา 38" in THRESHOLDS["min_resolved_within_standard"].source_th
    assert "ASSESSMENT_THRESHOLDS" in doc


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ({"min_satisfied": 85}, "0.95"),  # a percentage instead of a share
        ({"min_satisifed": 0.9}, "unknown"),  # a typo would silently keep the default
        ({"min_channels": 2.5}, "whole number"),
        ({"top_clusters": "3"}, "number"),
        ({"min_tracking_lookups": 1}, "retired"),
        ("{not json", "JSON object"),
        ([0.9], "JSON object"),
    ],
)
def test_a_bad_threshold_setting_is_refused_at_start(tmp_path, value, words):
    with pytest.raises(UnsafeConfiguration) as refused:
        create_app({**base_config(tmp_path, "sqlite://"), "ASSESSMENT_THRESHOLDS": value})
    message = str(refused.value)
    assert words in message and "ASSESSMENT_THRESHOLDS" in message
    assert re.search("[\u0e00-\u0e7f]", message), "the refusal is in Thai too"


def test_the_environment_setting_is_parsed_and_checked(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSESSMENT_THRESHOLDS", '{"min_channels": 5, "max_overdue": 0.03}')
    app = create_app(base_config(tmp_path, "sqlite://"))
    assert app.config["ASSESSMENT_THRESHOLDS"] == {"min_channels": 5, "max_overdue": 0.03}
    monkeypatch.setenv("ASSESSMENT_THRESHOLDS", "min_channels=5")
    with pytest.raises(UnsafeConfiguration, match="JSON"):
        create_app(base_config(tmp_path, "sqlite://"))
    assert threshold_problems({"min_channels": 5, "min_resolved_within_standard": 0.9}) == []


def test_a_3_1_to_3_3_threshold_is_set_and_checked_like_the_others(tmp_path, monkeypatch):
    """One registry: a needs_ key starts the app and moves the 3.1-3.3 limit; a bad one is refused."""
    monkeypatch.setenv("ASSESSMENT_THRESHOLDS", '{"needs_min_answered": 0.7}')
    app = create_app(base_config(tmp_path, "sqlite://"))
    with app.app_context():
        assert evidence.needs_thresholds()["needs_min_answered"] == 0.7
        assert evidence.needs_thresholds()["needs_min_digital"] == THRESHOLDS["needs_min_digital"].default
    assert threshold_problems({"needs_min_answered": 70}) != []


def test_the_edit_page_shows_a_metrics_table(app, manager):
    with app.app_context():
        complaint(channel="line")
        complaint(channel="web")
        db.session.commit()
    token = re.search(r'name="csrf_token" value="([^"]+)"', manager.get("/assessment/").text).group(1)
    assert manager.post("/assessment/open", data={"period": "2569", "csrf_token": token}).status_code == 302
    page = manager.get("/assessment/2569").text
    block = page[page.index('data-metric-table="channels_used"') :]
    block = block[: block.index("</table>")]
    assert "ทุกช่องทาง" in block and "All channels" in block
    assert "มัธยฐานเวลาตอบรับ" in block and "แล้วเสร็จตามมาตรฐาน" in block
    assert 'data-metric-table="frequent_categories"' in page


def test_a_running_period_is_compared_with_as_many_days_a_year_earlier(app):
    """The current year so far against the same days of the year before, not its whole."""
    with app.test_request_context():
        now = utcnow()
        period = Period.containing(now)
        earlier = Period(period.fiscal_year - 1)
        elapsed = now - period.start
        category = db.session.scalars(select(Category.id)).first()
        complaint(period.start + elapsed / 2, category_id=category)
        complaint(earlier.start + elapsed / 2, category_id=category)  # within the span: counted
        for _ in range(3):  # after the span a year earlier: not compared
            complaint(earlier.start + elapsed + (earlier.end - earlier.start - elapsed) / 2, category_id=category)
        db.session.commit()
        metric = metrics_of(evidence.criterion_34(period))["frequent_categories"]
    assert (metric["details"]["now"], metric["details"]["before"]) == (1, 1)
    assert metric["met"] is False and "ไม่ลดลง" in metric["why_not_th"]


def test_one_as_of_rule_for_a_past_period(any_app):
    """Judged at FY2569's end (30 Sep 2026), whatever happened after: B, due 22 Sep and answered
    5 Oct, was overdue then; A (due 11 Oct, answered late on 20 Oct) and D (answered on 5 Oct,
    in time) were open and not yet due, like C (due 16 Oct, still open): neither late nor in
    time. E was answered in time in June. Today's code counted A late and D in time."""
    day = lambda m, d: datetime(2026, m, d, 10, 0, tzinfo=BANGKOK)  # noqa: E731
    with any_app.test_request_context():
        complaint(day(9, 20), status="resolved", resolved_after=day(10, 20) - day(9, 20))  # A
        complaint(day(9, 1), status="resolved", resolved_after=day(10, 5) - day(9, 1))  # B
        complaint(day(9, 25), status="in_progress", resolved_after=None)  # C
        complaint(day(9, 20), status="resolved", resolved_after=day(10, 5) - day(9, 20))  # D
        complaint(status="resolved")  # E
        db.session.commit()
        metrics = metrics_of(evidence.criterion_34(FY))
        overdue, resolved = metrics["overdue"], metrics["resolved_within_standard"]
        assert (overdue["details"]["part"], overdue["details"]["whole"]) == (1, 5)
        assert (resolved["details"]["part"], resolved["details"]["whole"]) == (1, 2)
        assert "สิ้นรอบ" in overdue["display"] and "period's end" in resolved["display"]
        scope = FigureScope(FY, now=datetime(2026, 12, 8, tzinfo=BANGKOK))
        for metric in (overdue, resolved):
            assert drill_count(scope, metric["filters"]["params"]) == metric["details"]["part"], metric["key"]
