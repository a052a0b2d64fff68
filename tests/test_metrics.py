"""Manager metrics against the hand-computed data set in tests/analytics_data.py."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from complaints.domain.errors import BilingualError
from complaints.domain.periods import Period
from complaints.extensions import db
from complaints.models import Unit, User
from complaints.services.analytics.metrics import figures
from complaints.services.analytics.metrics.dimensions import drill_count
from complaints.services.analytics.metrics.scope import Scope, scope_for
from tests.analytics_data import NOW, bkk
from tests.helpers import make_staff


def counts(figure) -> dict:
    return {r.key: r.count for r in figure.rows}


def scope(period="2569", units=None, unit_id=None):
    return Scope(Period.parse(period), frozenset(units) if units is not None else None, unit_id, NOW)


def unit_id(code: str) -> int:
    return db.session.scalar(select(Unit.id).where(Unit.code == code))


# --- periods ----------------------------------------------------------------------


def test_fiscal_year_and_quarter_bounds_are_bangkok_midnights():
    fy = Period.parse("2569")
    assert (fy.first_day.isoformat(), fy.last_day.isoformat()) == ("2025-10-01", "2026-09-30")
    assert fy.start == datetime(2025, 9, 30, 17, 0, tzinfo=UTC)
    assert fy.end == datetime(2026, 9, 30, 17, 0, tzinfo=UTC)
    q2 = Period.parse("2569-q2")
    assert (q2.code, q2.first_day.isoformat(), q2.last_day.isoformat()) == ("2569-Q2", "2026-01-01", "2026-03-31")
    assert Period.parse("2569-Q1").previous_quarter() == Period(2568, 4)
    assert Period.parse("2569-Q3").previous_quarter() == Period(2569, 2)
    assert Period.containing(bkk(2025, 9, 30, 23, 59)) == Period(2568)
    assert Period.containing(bkk(2025, 10, 1, 0, 0)) == Period(2569)
    assert Period.containing(bkk(2026, 1, 1, 0, 0), quarter=True) == Period(2569, 2)
    assert fy.label("th") == "ปีงบประมาณ พ.ศ. 2569" and q2.label("en") == "FY2569 Q2"
    assert fy.date_range("th") == "1 ต.ค. 2568 – 30 ก.ย. 2569"
    assert Period.parse("๒๕๖๙-Q1") == Period(2569, 1)  # Thai digits, as people type them


@pytest.mark.parametrize(
    "bad", ["", "69", "2569-Q5", "2569Q", "1999", "<script>", "2569' OR 1=1", "2569\u200b", "2569-Q1-Q2"]
)
def test_bad_periods_are_bilingual_422(bad):
    with pytest.raises(BilingualError) as caught:
        Period.parse(bad)
    assert caught.value.status == 422 and "ปีงบประมาณ" in caught.value.th and "fiscal year" in caught.value.en


def test_boundary_minute_belongs_to_the_right_fiscal_year(app, data):
    with app.app_context():
        assert figures.total_received(scope("2569")) == 10
        assert drill_count(scope("2568"), {}) == 3  # c1 (30 Sep 23:59), c11, c12
        assert drill_count(scope("2568-Q4"), {}) == 3
        assert drill_count(scope("2569-Q1"), {}) == 4  # c2 (1 Oct 00:00) .. c5
        assert drill_count(scope("2569-Q2"), {}) == 6  # c6 (1 Jan 00:10) ..


# --- every figure, exact --------------------------------------------------------


def test_volume_by_month_and_week(app, data):
    with app.app_context():
        months = figures.volume_by_month(scope())
        assert [(r.key, r.count) for r in months.rows][:6] == [
            ("2025-10", 2),
            ("2025-11", 1),
            ("2025-12", 1),
            ("2026-01", 1),
            ("2026-02", 3),
            ("2026-03", 2),
        ]
        assert len(months.rows) == 12 and months.total == 10
        assert months.rows[0].label_th == "ต.ค. 68" and months.rows[0].label_en == "Oct 2568"
        weeks = figures.volume_by_week(scope())
        nonzero = {r.key: r.count for r in weeks.rows if r.count}
        assert nonzero == {
            "2025-10-01": 1,
            "2025-10-06": 1,
            "2025-11-10": 1,
            "2025-12-29": 2,
            "2026-01-26": 1,
            "2026-02-09": 1,
            "2026-02-16": 1,
            "2026-02-23": 1,
            "2026-03-09": 1,
        }
        assert weeks.rows[0].key == "2025-10-01" and weeks.rows[1].key == "2025-10-06"  # first week cut at 1 Oct
        assert weeks.rows[-1].key == "2026-09-28" and len(weeks.rows) == 53


def test_breakdowns(app, data):
    with app.app_context():
        s = scope()
        by_cat = figures.by_category(s)
        assert {r.label_th: r.count for r in by_cat.rows} == {"ถนน": 5, "น้ำท่วม": 2, "ความสะอาด": 2, "ไม่ระบุ": 1}
        assert [r.label_th for r in by_cat.rows][0] == "ถนน"  # ranked
        assert counts(figures.by_kind(s)) == {"complaint": 9, "suggestion": 1}
        assert counts(figures.by_channel(s)) == {"web": 6, "line": 1, "phone": 1, "email": 1, "counter": 1}
        assert {r.label_en: r.count for r in figures.by_unit(s).rows} == {
            "Public Works Section": 5,
            "Drainage and Sewerage Department": 2,
            "Cleansing and Parks Section": 3,
        }
        district = figures.by_district(s)
        assert counts(district) == {"จตุจักร": 4, "บางเขน": 2, "none": 4}
        assert district.kpis["districts"] == 2
        top = figures.by_district(s, limit=1)  # the ranked list is cut; its total is not
        assert counts(top) == {"จตุจักร": 4} and top.total == district.total == 10
        assert top.rows[0].share == district.rows[0].share == 0.4
        assert {r.label_en: r.count for r in figures.by_root_cause(s).rows} == {
            "Lack of maintenance": 3,
            "Infrastructure damaged or insufficient": 1,
        }


def test_acknowledgement_times(app, data):
    with app.app_context():
        ack = figures.acknowledgement_times(scope())
        assert counts(ack) == {"le_1m": 5, "le_1h": 1, "le_1d": 1, "gt_1d": 1, "pending": 2}
        assert ack.kpis == {"acknowledged": 8, "within_1_minute": 5, "within_1_minute_rate": 0.625}


def test_on_time_resolution_and_holds(app, data):
    with app.app_context():
        res = figures.on_time_resolution(scope())
        assert counts(res) == {"on_time": 3, "late": 1, "open_overdue": 2, "open_in_time": 2, "on_hold": 1, "merged": 1}
        assert res.kpis == {"finished": 4, "on_time": 3, "on_time_rate": 0.75, "on_time_rate_incl_overdue": 0.5}


def test_backlog_by_age(app, data):
    with app.app_context():
        assert counts(figures.backlog_by_age(scope())) == {"d0_7": 1, "d8_15": 1, "d16_30": 0, "d31_60": 1, "gt60": 2}


def test_reopen_and_repeat_rates_with_quarter_change(app, data):
    with app.app_context():
        reopen = figures.reopen_rate(scope())
        # Of the answered complaints (c2, c3, c4, c14), c3 was reopened; the others were never answered.
        assert counts(reopen) == {"yes": 1, "no": 3} and reopen.kpis == {"rate": 0.25}
        repeat = figures.repeat_rate(scope())
        assert counts(repeat) == {"yes": 3, "no": 7} and repeat.kpis == {"rate": 0.3}
        quarters = figures.repeat_rate_by_quarter(scope())
        assert [(r.key, r.extra["complaints"], r.count, r.extra["rate"], r.extra["change"]) for r in quarters.rows] == [
            ("2568-Q4", 3, 1, 0.3333, None),
            ("2569-Q1", 4, 1, 0.25, -0.0833),
            ("2569-Q2", 6, 2, 0.3333, 0.0833),
            ("2569-Q3", 0, 0, None, None),
            ("2569-Q4", 0, 0, None, None),
        ]
        q2 = figures.repeat_rate_by_quarter(scope("2569-Q2"))
        assert [(r.key, r.extra["change"]) for r in q2.rows] == [("2569-Q1", None), ("2569-Q2", 0.0833)]


def test_top_clusters_rank_by_months_and_count_complaints(app, data):
    with app.app_context():
        clusters = figures.top_clusters(scope())
        assert [(int(r.key), r.count) for r in clusters.rows] == [(data["A"], 3), (data["B"], 2)]
        assert clusters.rows[0].label_th == "ถนนเป็นหลุม ซอยพหลโยธิน 45"
        assert [int(r.key) for r in figures.top_clusters(scope("2568")).rows] == [data["C"]]
        only_drainage = figures.top_clusters(scope(units={unit_id("drainage")}))
        assert [(int(r.key), r.count) for r in only_drainage.rows] == [(data["B"], 2)]


def test_satisfaction_confidence_and_response_rate(app, data):
    with app.app_context():
        sat = figures.satisfaction(scope())
        assert counts(sat) == {"5": 1, "4": 1, "3": 0, "2": 1, "1": 0}
        assert sat.kpis == {"responses": 3, "high": 2, "high_rate": 0.6667, "mean": 3.67}
        conf = figures.confidence(scope())
        assert counts(conf) == {"5": 1, "4": 1, "3": 1, "2": 0, "1": 0}
        assert conf.kpis == {"responses": 3, "high": 2, "high_rate": 0.6667, "mean": 4.0}
        response = figures.survey_response(scope())
        assert counts(response) == {"responded": 3, "not_responded": 1} and response.kpis == {"rate": 0.75}


def test_unit_filter_narrows_every_figure(app, data):
    with app.app_context():
        pw = scope(units={unit_id("public-works")})
        assert figures.total_received(pw) == 5
        assert counts(figures.on_time_resolution(pw)) == {
            "on_time": 2,
            "late": 1,
            "open_overdue": 0,
            "open_in_time": 2,
            "on_hold": 0,
            "merged": 0,
        }
        assert counts(figures.satisfaction(pw))["2"] == 1 and figures.satisfaction(pw).total == 2


# --- drill-down totals equal chart totals ----------------------------------------


@pytest.mark.parametrize("period", ["2569", "2569-Q1", "2569-Q2", "2568"])
def test_every_row_drills_down_to_exactly_its_count(app, data, period):
    with app.app_context():
        s = scope(period)
        checked = 0
        for figure in figures.dashboard(s).values():
            for row in figure.rows:
                drill = dict(row.drill)
                row_scope = scope(drill.pop("period")) if "period" in drill else s
                assert drill_count(row_scope, drill) == row.count, (figure.key, row.key)
                checked += 1
        assert checked > 60


def test_scope_for_users(app, data):
    make_staff(app, "boss", "manager", None)
    make_staff(app, "sup", "supervisor", "district-office")
    make_staff(app, "off", "officer", "public-works")
    with app.app_context():
        by_name = {u.username: u for u in db.session.scalars(select(User))}
        fy = Period(2569)
        assert scope_for(by_name["boss"], fy).unit_ids is None
        sup = scope_for(by_name["sup"], fy)
        assert unit_id("public-works") in sup.unit_ids and unit_id("drainage") not in sup.unit_ids
        with pytest.raises(BilingualError) as caught:
            scope_for(by_name["sup"], fy, unit_id("drainage"))
        assert caught.value.status == 404
        narrowed = scope_for(by_name["boss"], fy, unit_id("district-office"))
        assert narrowed.unit_ids == sup.unit_ids


def test_bad_drill_values_are_4xx(app, data):
    with app.app_context():
        for bad in ("abc", "1 OR 1=1", "-1"):
            with pytest.raises(BilingualError) as caught:
                drill_count(scope(), {"category": bad})
            assert caught.value.status == 422
        assert drill_count(scope(), {"kind": "'; DROP TABLE complaints; --"}) == 0
        assert figures.total_received(scope()) == 10


def test_a_rejected_complaint_is_asked_for_a_rating_like_a_resolved_one(app, data):
    """The survey page, the response-rate figure and the assessment count the same
    complaints as rateable (Status.RATEABLE): a rejection without an answer is "not
    responded", not left out of the rate."""
    from sqlalchemy import update

    from complaints.models import Complaint, Status, SurveyResponse

    with app.app_context():
        surveyed = set(db.session.scalars(select(SurveyResponse.complaint_id)))
        open_one = db.session.scalar(
            select(Complaint.id).where(Complaint.status.in_(Status.OPEN), Complaint.id.not_in(surveyed)).limit(1)
        )
        before = counts(figures.survey_response(scope()))
        db.session.execute(update(Complaint).where(Complaint.id == open_one).values(status=Status.REJECTED))
        db.session.commit()
        after = counts(figures.survey_response(scope()))
        assert after == {**before, "not_responded": before["not_responded"] + 1}
        assert figures.survey_response(scope()).kpis == {"rate": 0.6}
