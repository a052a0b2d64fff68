"""Criteria 3.1-3.3: evidence computed from operations, and a tick never enough alone for
Advance or Significance (issue 19, point 4)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from assessment import scoring, service
from assessment.evidence import criterion31, needs
from assessment.evidence.common import Scope
from assessment.scoring import IN_PROGRESS, MET, NOT_MET, supported
from complaints.domain.periods import Period
from complaints.domain.thai_calendar import BANGKOK
from complaints.extensions import db
from complaints.models import (
    Category,
    Complainant,
    CorrectiveAction,
    ServiceStandard,
    SurveyResponse,
    Unit,
)
from tests.assessment_scenario import complaint, seed_fy2569
from tests.helpers import csrf_from

FY = Period.parse("2569")
ITEMS_33 = ("3.3-B1", "3.3-B2", "3.3-B3", "3.3-A1", "3.3-S1")


def metrics_of(items: dict) -> dict:
    return {m["key"]: m for entry in items.values() for m in entry["metrics"]}


def computed(period: Period = FY, **limits) -> dict:
    return metrics_of(needs.computed(period, {**needs.needs_thresholds(), **limits}))


# --- the rule: a tick is never enough alone -------------------------------------------------


@pytest.mark.parametrize(
    ("level", "declared", "metrics_met", "evidence", "counted", "declared_only"),
    [
        # Basic may rest on the declaration, but it is listed as such.
        ("basic", MET, None, 0, MET, True),
        ("basic", MET, False, 0, MET, True),
        ("basic", MET, False, 1, MET, False),
        ("basic", MET, True, 0, MET, False),
        # Advance and Significance: met metrics, or evidence for an item without metrics.
        ("advance", MET, True, 0, MET, False),
        ("advance", MET, None, 1, MET, False),
        ("advance", MET, None, 0, IN_PROGRESS, True),
        ("significance", MET, None, 0, IN_PROGRESS, True),
        ("significance", MET, False, 0, IN_PROGRESS, True),
        # Evidence does not stand in for computed metrics that are not met.
        ("significance", MET, False, 2, IN_PROGRESS, False),
        # Not declared met: counted as declared, whatever the data says.
        ("significance", NOT_MET, True, 3, NOT_MET, False),
        ("advance", IN_PROGRESS, None, 1, IN_PROGRESS, False),
    ],
)
def test_a_tick_alone_is_enough_only_at_basic(level, declared, metrics_met, evidence, counted, declared_only):
    support = supported(level, declared, metrics_met, evidence)
    assert (support.status, support.declared_only) == (counted, declared_only)
    if declared == MET and counted != MET:
        assert support.why_th and support.why_en


def test_score_lists_the_items_resting_on_a_declaration():
    form = [{"id": "3.3", "items": [{"id": "b", "level": "basic"}, {"id": "s", "level": "significance"}]}]
    scores = scoring.score_form(form, {"b": MET, "s": IN_PROGRESS}, ["b", "s", "elsewhere"])
    assert scores["criteria"]["3.3"]["declared_only"] == ["b", "s"]
    assert scores["criteria"]["3.3"]["basic"] == 300.0 and scores["criteria"]["3.3"]["significance"] == 0.0


def _answer_all_33(manager, token: str):
    data = {"csrf_token": token}
    for item_id in ITEMS_33:
        data[f"status-{item_id}"] = "met"
        data[f"explanation-{item_id}"] = "ทดสอบ"
    response = manager.post("/assessment/2569/answers", data=data)
    assert response.status_code == 302, response.text


def test_all_33_ticked_with_test_text_and_no_evidence_scores_no_significance(app, manager):
    with app.app_context():
        seed_fy2569()
    token = csrf_from(manager.get("/assessment/").text)
    assert manager.post("/assessment/open", data={"period": "2569", "csrf_token": token}).status_code == 302
    _answer_all_33(manager, token)
    with app.app_context():
        _, assessment = service.get("2569")
        content = service.build(FY, assessment, fresh=True)
    score = content["scores"]["criteria"]["3.3"]
    assert score["significance"] == 0.0 and score["advance"] == 0.0
    assert score["basic"] == 300.0  # Basic rests on the declaration
    assert score["level"] == "basic"
    # The seeded year has no segment with its own standard (3.3-A1's metric is not met), and
    # 3.3-S1 has no deciding metric and no evidence: neither counts.
    items = content["items"]
    assert items["3.3-A1"]["status"] == MET and items["3.3-A1"]["counted_status"] == IN_PROGRESS
    assert items["3.3-S1"]["counted_status"] == IN_PROGRESS and items["3.3-S1"]["declared_only"]
    assert "3.3-S1" in content["declared_only"]["3.3"] and "3.3-S1" in score["declared_only"]
    page = manager.get("/assessment/2569").text
    assert 'id="declared-only-3.3"' in page and "ยังไม่นับว่าผ่าน" in page
    assert "No evidence file or link is attached" in page
    # The computed metrics of 3.1-3.3 are on the page, with their tables.
    assert 'data-metric="segments_with_standards" data-met="False"' in page
    assert 'data-metric-table="needs_register"' in page and 'data-metric-table="channel_effectiveness"' in page


def test_33_reaches_significance_with_its_metrics_met_and_evidence_attached(app, manager):
    with app.app_context():
        expected = seed_fy2569()
        assert expected  # the seeded year
        road = db.session.scalar(select(Category).where(Category.code == "ถนน"))
        db.session.add(ServiceStandard(category_id=road.id, resolve_working_days=7))
        db.session.commit()
    token = csrf_from(manager.get("/assessment/").text)
    manager.post("/assessment/open", data={"period": "2569", "csrf_token": token})
    _answer_all_33(manager, token)
    link = {"csrf_token": token, "title": "บริการเฉพาะบุคคล", "url": "https://example.org/personal"}
    assert manager.post("/assessment/2569/items/3.3-S1/evidence", data=link).status_code == 302
    with app.app_context():
        _, assessment = service.get("2569")
        content = service.build(FY, assessment, fresh=True)
    items = content["items"]
    assert items["3.3-A1"]["support"] == "metrics" and items["3.3-A1"]["counted_status"] == MET
    assert items["3.3-S1"]["support"] == "evidence" and items["3.3-S1"]["counted_status"] == MET
    score = content["scores"]["criteria"]["3.3"]
    assert (score["advance"], score["significance"]) == (100.0, 100.0)
    # The Basic items still rest on the declaration unless their metrics are met.
    assert set(score["declared_only"]) <= {"3.3-B1", "3.3-B2", "3.3-B3"}
    assert "3.3-S1" not in score["declared_only"]


# --- 3.1-S2: trend, forecast and emerging issues (constructed data, by hand) -----------------


def months(first: date, values: list[int]) -> dict[date, int]:
    return {criterion31.add_months(first, i): n for i, n in enumerate(values)}


def test_growth_and_seasonal_naive_forecast_by_hand():
    # Oct 2024 - Sep 2026: the first year 10 a month (120), the second 15 a month (180).
    series = months(date(2024, 10, 1), [10] * 12 + [15] * 12)
    end = date(2026, 10, 1)
    assert criterion31.growth(series, end) == pytest.approx(180 / 120)
    ahead = [criterion31.add_months(end, i) for i in range(3)]
    # Oct-Dec 2026 = Oct-Dec 2025 (15 each) × 1.5
    assert criterion31.seasonal_forecast(series, ahead, 1.5) == {m: pytest.approx(22.5) for m in ahead}
    # A seasonal shape is kept: a December peak a year before gives a December peak ahead.
    peaked = dict(series)
    peaked[date(2025, 12, 1)] = 45
    forecast = criterion31.seasonal_forecast(peaked, ahead, 1.0)
    assert forecast[date(2026, 12, 1)] == 45 and forecast[date(2026, 10, 1)] == 15
    # No earlier year: no growth, no forecast.
    assert criterion31.growth(months(date(2025, 10, 1), [5] * 12), end) is None


def test_emerging_needs_both_the_rise_and_the_minimum_increase():
    end = date(2026, 10, 1)  # the last 3 months: Jul-Sep 2026; a year before: Jul-Sep 2025
    a_year_before = [date(2025, 7, 1), date(2025, 8, 1), date(2025, 9, 1)]
    latest = [date(2026, 7, 1), date(2026, 8, 1), date(2026, 9, 1)]

    def series(before: int, now: int) -> dict[date, int]:
        found = {m: 0 for m in a_year_before + latest}
        found[a_year_before[0]], found[latest[0]] = before, now
        return found

    found = criterion31.emerging(
        {
            "doubled": series(10, 20),  # +100%, +10: emerging
            "half_again": series(10, 15),  # +50%, +5: emerging (both exactly at the bar)
            "small": series(2, 6),  # +200% but only +4: not
            "steady": series(40, 44),  # +4: not
            "new": series(0, 7),  # none a year before, +7: emerging
            "falling": series(20, 5),
        },
        end,
        0.5,
        5,
    )
    assert [(key, before, now) for key, before, now in found] == [
        ("doubled", 10, 20),
        ("new", 0, 7),
        ("half_again", 10, 15),
    ]


def test_observed_months_of_a_running_period_leave_the_part_month_out():
    now = datetime(2026, 12, 8, 9, 0, tzinfo=BANGKOK)
    assert criterion31.observed_end(Period.parse("2570"), now) == date(2026, 12, 1)
    assert criterion31.observed_end(Period.parse("2569"), now) == date(2026, 10, 1)


def test_forecast_and_emerging_from_the_database(any_app):
    with any_app.app_context():
        road, light = (
            db.session.scalar(select(Category).where(Category.code == code)).id for code in ("ถนน", "แสงสว่าง")
        )
        # FY2568: 2 road complaints a month; FY2569: 3 a month (growth 1.5 overall with lights).
        for year, per_month in ((2024, 2), (2025, 3)):
            for i in range(12):
                month = criterion31.add_months(date(year, 10, 1), i)
                for _ in range(per_month):
                    complaint(datetime(month.year, month.month, 10, 10, 0, tzinfo=BANGKOK), category_id=road)
        # Lights: none a year before, 6 in Jul-Sep 2026: a new emerging issue.
        for day in range(6):
            complaint(datetime(2026, 8, 3 + day, 10, 0, tzinfo=BANGKOK), category_id=light)
        # A tip-off about lights is never counted.
        complaint(datetime(2026, 8, 20, 10, 0, tzinfo=BANGKOK), category_id=light, kind="tip_off")
        db.session.commit()
        metrics = computed()
    forecast = metrics["seasonal_forecast"]
    assert forecast["met"] is True
    # growth = (36 + 6) / 24 = 1.75; the next year's forecast = FY2569 (42) × 1.75
    assert forecast["details"]["growth"] == pytest.approx(42 / 24)
    assert forecast["value"] == pytest.approx(round(42 * 42 / 24, 1))
    emerging = metrics["emerging_issues"]
    assert emerging["value"] == 1
    (row,) = emerging["details"]["table"]["rows"]
    assert row["cells"] == {"before": "0", "now": "6", "change": "ใหม่ / new"}
    trends = metrics["category_trends"]["details"]["table"]
    assert len(trends["columns"]) == 12
    road_row = next(r for r in trends["rows"] if r["cells"]["2026-08-01"] == "3")
    assert all(road_row["cells"][c["key"]] == "3" for c in trends["columns"])


def test_no_forecast_without_an_earlier_year(app):
    with app.app_context():
        complaint()
        db.session.commit()
        forecast = computed()["seasonal_forecast"]
    assert forecast["met"] is False and "12" in forecast["why_not_en"]


# --- 3.1-B and 3.1-A: the register and the digital share --------------------------------------


def test_needs_register_holds_every_channel_and_kind_and_never_a_tip_off(app):
    with app.app_context():
        for channel, kind in [
            ("web", "complaint"),
            ("web", "suggestion"),
            ("line", "compliment"),
            ("counter", "complaint"),
            ("phone", "suggestion"),
            ("letter", "complaint"),
        ]:
            complaint(channel=channel, kind=kind)
        complaint(channel="web", kind="tip_off")
        complaint(channel="web", status="merged")
        db.session.commit()
        metrics = computed()
    register = metrics["needs_register"]
    assert register["value"] == 6 and register["met"] is True
    assert register["details"]["channels"]["web"] == {"complaint": 1, "suggestion": 1}
    columns = [c["key"] for c in register["details"]["table"]["columns"]]
    assert "tip_off" not in columns and "suggestion" in columns
    assert metrics["suggestions_received"]["value"] == 2
    assert metrics["suggestions_received"]["filters"]["params"]["kind"] == "suggestion"
    # Digital: web 2, line 1 of 6; walk-in, phone and letter are taken down by an officer.
    digital = metrics["captured_digitally"]
    assert digital["details"]["part"] == 3 and digital["details"]["whole"] == 6
    assert digital["met"] is True  # 50% is the default floor


def test_the_register_count_is_its_list(app, manager):
    """The figure's link lists exactly the submissions it counts."""
    with app.app_context():
        rows = [complaint(kind=kind) for kind in ("complaint", "suggestion", "suggestion", "compliment")]
        merged = complaint(kind="suggestion", status="merged")
        for row, score in zip([*rows, merged], [5, 4, 2, 1, 5], strict=True):
            db.session.add(SurveyResponse(complaint_id=row.id, satisfaction=score, confidence=3))
        db.session.commit()
        metrics = computed()
    counted = {
        "needs_register": metrics["needs_register"]["value"],
        "suggestions_received": metrics["suggestions_received"]["value"],
        "needs_satisfied": metrics["needs_satisfied"]["details"]["part"],
        "satisfaction_by_channel": 4,  # every answer of the period, by channel
    }
    assert counted == {
        "needs_register": 4,
        "suggestions_received": 2,
        "needs_satisfied": 2,
        "satisfaction_by_channel": 4,
    }
    for key, expected in counted.items():
        params = metrics[key]["filters"]["params"]
        page = manager.get("/manager/complaints", query_string=params)
        assert page.status_code == 200
        listed = re.search(r'<b id="drill-count">([\d,]+)</b>', page.text)
        assert listed and int(listed.group(1).replace(",", "")) == expected, key


# --- 3.2: satisfaction, engagement, low scores, other sources --------------------------------


def test_satisfaction_engagement_and_low_scores(any_app):
    with any_app.app_context():
        road = db.session.scalar(select(Category).where(Category.code == "ถนน"))
        unit = db.session.scalar(select(Unit).order_by(Unit.id))
        person = Complainant(phone_key="person-a")
        other = Complainant(email_key="person-b")
        db.session.add_all([person, other])
        db.session.flush()
        # person-a came before the year and again in it: returning; person-b once: not.
        complaint(datetime(2025, 5, 1, 10, 0, tzinfo=BANGKOK), complainant_id=person.id)
        scored = []
        for n, score in enumerate([5, 4, 2, 1]):
            row = complaint(
                channel="line" if n % 2 else "web",
                category_id=road.id if n < 3 else None,
                unit_id=unit.id,
                district="เมือง",
                complainant_id=person.id if n == 0 else (other.id if n == 1 else None),
            )
            db.session.add(SurveyResponse(complaint_id=row.id, satisfaction=score, confidence=3))
            scored.append(row)
        complaint(status="in_progress")  # not rateable
        complaint()  # rateable, no answer
        # A corrective action on the road category covers the low score on a road complaint (2),
        # not the one without a category (1): 1 of 2.
        db.session.add(CorrectiveAction(category_id=road.id, title="ซ่อมถนนทั้งสาย", status="in_progress"))
        db.session.commit()
        metrics = computed()
    assert metrics["needs_satisfied"]["details"]["part"] == 2 and metrics["needs_satisfied"]["details"]["whole"] == 4
    assert metrics["survey_response_rate_all"]["details"] == {"part": 4, "whole": 5}
    assert metrics["returning_complainants"]["details"] == {"part": 1, "whole": 2}
    low = metrics["low_scores_with_action"]
    assert (low["details"]["part"], low["details"]["whole"], low["met"]) == (1, 2, False)
    assert [(r["label_th"], r["cells"]) for r in low["details"]["table"]["rows"]] == [
        ("ถนน", {"low": "1", "with_action": "1"}),
        ("ไม่ระบุ", {"low": "1", "with_action": "0"}),
    ]
    by_channel = {r["label_en"]: r["cells"] for r in metrics["satisfaction_by_channel"]["details"]["table"]["rows"]}
    # Website: scores 5 and 2 (and one closed, unanswered: 2 of 3 rateable answered).
    assert by_channel["Website"] == {
        "answers": "2",
        "satisfied": "50.0%",
        "mean": "3.50",
        "low": "1",
        "response_rate": "66.7%",
    }
    assert by_channel["LINE"]["low"] == "1"
    # The closed complaint without an answer, district or unit: a group of its own, none answered.
    by_district = metrics["satisfaction_by_district"]["details"]["table"]["rows"]
    assert [(r["label_th"], r["cells"]["answers"], r["cells"]["mean"]) for r in by_district] == [
        ("เมือง", "4", "3.00"),
        ("ไม่ระบุ", "0", "—"),
    ]
    by_unit = metrics["satisfaction_by_unit"]["details"]["table"]["rows"]
    assert [(r["cells"]["answers"], r["cells"]["response_rate"]) for r in by_unit] == [("4", "100.0%"), ("0", "0.0%")]
    # No contact, key or name of a person anywhere in what is stored.
    text = str(metrics)
    assert "person-a" not in text and "person-b" not in text


def test_suggestions_acted_on_follow_a_later_action_on_their_category(app):
    with app.app_context():
        road, light = (db.session.scalar(select(Category).where(Category.code == c)) for c in ("ถนน", "แสงสว่าง"))
        complaint(kind="suggestion", category_id=road.id, status="closed")
        complaint(kind="suggestion", category_id=light.id, status="in_progress")
        db.session.add(CorrectiveAction(category_id=road.id, title="ปรับปรุงถนน", status="planned"))
        db.session.commit()
        acted = computed()["suggestions_acted_on"]
    assert acted["details"] == {"part": 1, "whole": 2, "answered": 1}


def test_other_sources_count_imported_histories_and_partner_systems(app):
    with app.app_context():
        road = db.session.scalar(select(Category).where(Category.code == "ถนน"))
        complaint(datetime(2024, 1, 5, 10, 0, tzinfo=BANGKOK), source_key="a" * 64, category_id=road.id)
        complaint(datetime(2024, 1, 6, 10, 0, tzinfo=BANGKOK), source_key="b" * 64)  # imported, not joined
        db.session.commit()
        one = computed()["other_sources"]
        complaint(channel="open311", category_id=road.id)
        db.session.commit()
        two = computed()["other_sources"]
    assert one["value"] == 1 and one["met"] is False and one["details"]["sources"] == ["imported"]
    imported = one["details"]["table"]["rows"][0]["cells"]
    assert imported == {"records": "2", "joined": "1"}
    assert two["value"] == 2 and two["met"] is True


# --- 3.3: channels, units, segments, notification route ---------------------------------------


def test_channel_effectiveness_judges_every_channel_with_enough_volume(app):
    with app.app_context():
        for _ in range(5):  # web: 5, all acknowledged at once
            complaint(channel="web")
        for n in range(5):  # line: 5, one acknowledged two days late (80%)
            complaint(channel="line", ack_after=timedelta(days=2, hours=1) if n == 0 else timedelta(seconds=30))
        complaint(channel="letter", ack_after=None)  # 1: too few to judge
        db.session.commit()
        metric = computed()["channel_effectiveness"]
        lenient = computed(needs_min_channel_ack=0.8)["channel_effectiveness"]
    assert metric["value"] == pytest.approx(0.8) and metric["met"] is False
    assert "LINE" in metric["why_not_en"]
    rows = {r["label_en"]: r["cells"] for r in metric["details"]["table"]["rows"]}
    assert rows["Letter"]["ack"] == "0.0%" and rows["Website"]["count"] == "5"
    assert lenient["met"] is True


def test_unit_coverage_counts_active_units_that_received_and_answered(app):
    with app.app_context():
        scope = Scope(FY, needs.needs_thresholds())
        units = criterion33_units(scope)
        first, second = units[0], units[1]
        complaint(unit_id=first, status="closed")
        complaint(unit_id=second, status="in_progress")  # received, nothing answered
        db.session.commit()
        metric = computed()["unit_coverage"]
    assert metric["details"]["part"] == 1 and metric["details"]["whole"] == len(units)


def criterion33_units(scope: Scope) -> list[int]:
    from assessment.evidence.criterion33 import unit_coverage

    rows = unit_coverage(scope).details["table"]["rows"]
    names = [r["label_th"] for r in rows]
    return [db.session.scalar(select(Unit.id).where(Unit.name_th == name)) for name in names]


def test_segments_with_their_own_standard_in_use(app):
    with app.app_context():
        road = db.session.scalar(select(Category).where(Category.code == "ถนน"))
        assert computed()["segments_with_standards"]["met"] is False
        db.session.add(ServiceStandard(category_id=road.id, resolve_working_days=7))
        db.session.add(ServiceStandard(kind="suggestion", resolve_working_days=30))
        complaint(category_id=road.id)
        db.session.commit()
        metric = computed()["segments_with_standards"]
        road_name = road.name_en
    assert metric["value"] == 1 and metric["met"] is True  # the suggestions' standard served none
    counts = {r["label_en"]: r["cells"]["count"] for r in metric["details"]["table"]["rows"]}
    assert counts[road_name] == "1" and counts["Suggestion"] == "0"


def test_notification_route_is_shown_for_information(app):
    with app.app_context():
        keys = [
            ("line", Complainant(line_key="l1")),  # LINE, answered on LINE
            ("sms", Complainant(phone_key="p1")),  # SMS, answered by SMS
            ("web", Complainant(email_key="e1")),  # web with an email
            ("web", Complainant(phone_key="p2")),  # web with a phone only: no route
        ]
        for channel, person in keys:
            db.session.add(person)
            db.session.flush()
            complaint(channel=channel, complainant_id=person.id)
        complaint(channel="web", anonymous=True)
        db.session.commit()
        metric = computed()["notification_route"]
    assert metric["details"]["part"] == 3 and metric["details"]["whole"] == 4
    assert metric["met"] is None and metric["details"]["preference_recorded"] is False


# --- the whole: prefill keeps its facts, the metrics reach the report ------------------------


def test_prefill_keeps_its_facts_and_adds_the_metrics(any_app):
    with any_app.app_context():
        seed_fy2569()
        filled = needs.prefill(FY)
        content = service.build(FY, None, fresh=True)
    assert filled["3.1-B1"]["facts"][0].startswith("รับเรื่อง")
    assert {m["key"] for m in filled["3.1-B1"]["metrics"]} == {"needs_register", "suggestions_received"}
    assert content["items"]["3.1-S2"]["metrics"] and content["items"]["3.1-B1"]["facts"]
    assert content["declared_only"] == {}
    for entry in content["items"].values():
        for metric in entry["metrics"]:
            table = metric["details"].get("table")
            if table:
                keys = {c["key"] for c in table["columns"]}
                assert all(set(row["cells"]) <= keys for row in table["rows"]), metric["key"]


def test_an_empty_period_meets_no_needs_metric(any_app):
    with any_app.app_context():
        db.session.add(CorrectiveAction(title="มาตรการ", status="done", effective_on=date(2026, 5, 1)))
        db.session.commit()
        metrics = computed()
    assert not [key for key, m in metrics.items() if m["met"]]
    assert metrics["actions_completed"]["why_not_en"] == criterion31.NO_SUBMISSIONS[1]


def test_an_assessed_body_counts_its_own_units_only(app):
    with app.app_context():
        first, second = db.session.scalars(select(Unit.id).order_by(Unit.id).limit(2)).all()
        complaint(unit_id=first, kind="suggestion")
        complaint(unit_id=first)
        complaint(unit_id=second)
        db.session.commit()
        own = metrics_of(needs.computed(FY, needs.needs_thresholds(), (first,)))
        everyone = computed()
        facts = needs.prefill(FY, (first,))
    assert own["needs_register"]["value"] == 2 and everyone["needs_register"]["value"] == 3
    assert own["unit_coverage"]["details"]["whole"] == 1
    assert facts["3.1-B1"]["facts"][0].startswith("รับเรื่อง 2 เรื่อง")


def test_a_quarter_is_forecast_for_the_next_quarter(app):
    with app.app_context():
        # Jan-Mar 2025: 4 a month; Jan-Mar 2026: 6 a month; Apr-Jun 2025: 10 a month.
        for year, months_, per_month in ((2025, (1, 2, 3), 4), (2026, (1, 2, 3), 6), (2025, (4, 5, 6), 10)):
            for month in months_:
                for _ in range(per_month):
                    complaint(datetime(year, month, 12, 10, 0, tzinfo=BANGKOK))
        db.session.commit()
        forecast = computed(Period.parse("2569-Q2"))["seasonal_forecast"]
    # Observed up to the end of 2569-Q2 (Mar 2026); the next quarter is Apr-Jun 2026.
    assert forecast["details"]["months"] == ["2026-04-01", "2026-05-01", "2026-06-01"]
    # growth: Apr 2025-Mar 2026 (30 + 18 = 48) over Apr 2024-Mar 2025 (12) = 4
    assert forecast["details"]["growth"] == pytest.approx(4.0)
    assert forecast["value"] == pytest.approx(30 * 4.0)


def test_every_needs_metric_has_a_definition(app):
    from complaints.services.analytics.metrics import definitions

    with app.app_context():
        seed_fy2569()
        keys = set(computed())
    assert len(keys) == len(needs.METRICS)
    assert definitions.undefined(metrics=sorted(keys)) == []


def test_no_history_a_year_before_names_no_emerging_issue(any_app):
    """Without anything in the same months a year before, every category would look new: the
    figure says there is nothing to compare with instead of flagging them all."""
    with any_app.app_context():
        road = db.session.scalar(select(Category).where(Category.code == "ถนน")).id
        for day in range(8):
            complaint(datetime(2026, 8, 3 + day, 10, 0, tzinfo=BANGKOK), category_id=road)
        db.session.commit()
        emerging = computed()["emerging_issues"]
    assert emerging["value"] is None and "no data a year before" in emerging["display"]
    assert "table" not in emerging["details"]
