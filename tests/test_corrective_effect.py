"""A corrective action's before/after effect, computed honestly (issue 19): whole months of
equal length, the same months a year earlier so that a seasonal fall is not credited to the
action, and a 95 % interval for the rate ratio, shown on the action's page and the list."""

from __future__ import annotations

import math
import re
from datetime import date, datetime

from sqlalchemy import inspect, select

from complaints.domain.thai_calendar import BANGKOK
from complaints.extensions import db
from complaints.models import Complaint, CorrectiveAction, RecurringCluster, User
from complaints.services.analytics import corrective_actions

Z = 1.96
SKIPPED = {"id", "tracking_number", "source_key", "repeat_of_id", "merged_into_id", "cluster_id", "received_at"}


def wald(log_ratio: float, *counts: float) -> tuple[float, float, float]:
    half = Z * math.sqrt(sum(1 / n for n in counts))
    return math.exp(log_ratio), math.exp(log_ratio - half), math.exp(log_ratio + half)


def test_the_rate_ratio_and_its_95_percent_interval():
    from complaints.services.analytics.corrective_actions import rate_ratio, signed_percent

    # 20 complaints before, 13 after, over windows of the same length.
    ratio, low, high = wald(math.log(13 / 20), 13, 20)
    found = rate_ratio(13, 20)
    assert math.isclose(found.ratio, ratio) and math.isclose(found.change, -0.35)
    assert math.isclose(found.low, low, rel_tol=1e-4) and math.isclose(found.high, high, rel_tol=1e-4)
    assert found.low < 1 < found.high and not found.conclusive
    assert found.verdict == ("ยังสรุปไม่ได้", "not conclusive")
    th, en = found.text()
    assert en == f"−35% (95% CI −{round((1 - low) * 100)}% to +{round((high - 1) * 100)}%)"
    assert th.startswith("−35% (ช่วงความเชื่อมั่น 95%: −") and " ถึง +" in th
    # 40 -> 10: a real fall, the whole interval below "no change".
    fall = rate_ratio(10, 40)
    assert fall.conclusive and fall.high < 1 and fall.verdict[1] == "a real fall"
    assert fall.text()[1].startswith("−75% (95% CI −") and fall.text()[1].endswith("%)")
    assert rate_ratio(40, 10).verdict[1] == "a real rise"
    # The problem gone: a zero after stays finite (half a complaint added), and still a fall.
    gone = rate_ratio(0, 30)
    assert gone.ratio > 0 and gone.high < 1
    # Nothing before: no baseline, no ratio.
    assert rate_ratio(5, 0) is None
    assert (signed_percent(0.004), signed_percent(0.05), signed_percent(-0.354)) == ("0%", "+5%", "−35%")


def test_the_seasonal_ratio_of_ratios():
    from complaints.services.analytics.corrective_actions import ratio_of_ratios

    # This year 40 -> 20, the same months a year earlier 40 -> 20: the season, not the action.
    same = ratio_of_ratios(20, 40, 20, 40)
    ratio, low, high = wald(0.0, 20, 40, 20, 40)
    assert math.isclose(same.ratio, ratio) and math.isclose(same.low, low, rel_tol=1e-4)
    assert not same.conclusive
    # A year earlier the months after held steady (30 -> 30): this year's halving is the action's.
    real = ratio_of_ratios(20, 60, 30, 30)
    assert math.isclose(real.ratio, 1 / 3) and real.high < 1
    # A year earlier had nothing in either window: nothing to learn the season from.
    assert ratio_of_ratios(20, 40, 0, 0) is None


def _complaints(template_id: int, cluster_id: int, per_month: dict[date, int]) -> None:
    """Copies of a stored complaint in `cluster_id`, n received on the 10th of each month."""
    template = db.session.get(Complaint, template_id)
    columns = [a.key for a in inspect(Complaint).column_attrs if a.key not in SKIPPED]
    serial = 0
    for month, n in per_month.items():
        for _ in range(n):
            serial += 1
            row = Complaint(**{key: getattr(template, key) for key in columns})
            row.tracking_number = f"T-{cluster_id}-{month:%Y%m}-{serial}"
            row.received_at = datetime(month.year, month.month, 10, 9, tzinfo=BANGKOK)
            row.cluster_id = cluster_id
            db.session.add(row)


def _cluster(data: dict) -> int:
    a = db.session.get(RecurringCluster, data["A"])
    row = RecurringCluster(
        category_id=a.category_id,
        unit_id=a.unit_id,
        label_th="ฝาท่อชำรุด ซอยทดสอบ",
        size=0,
        first_seen_at=a.first_seen_at,
        last_seen_at=a.last_seen_at,
    )
    db.session.add(row)
    db.session.flush()
    return row.id


def _action(cluster_id: int, effective_on: date, title: str) -> int:
    owner = db.session.scalar(select(User.id).where(User.username == "boss"))
    action = CorrectiveAction(
        title=title,
        cluster_id=cluster_id,
        unit_id=db.session.get(RecurringCluster, cluster_id).unit_id,
        owner_user_id=owner,
        created_by_id=owner,
        effective_on=effective_on,
        status="done",
    )
    db.session.add(action)
    db.session.commit()
    return action.id


def test_a_seasonal_fall_is_not_credited_to_the_action(app, manager, data):
    with app.app_context():
        cluster = _cluster(data)
        # The same season each year: 40 complaints in October, 20 in November.
        _complaints(data["c2"], cluster, {date(2024, 10, 1): 40, date(2024, 11, 1): 20})
        _complaints(data["c2"], cluster, {date(2025, 10, 1): 40, date(2025, 11, 1): 20})
        action_id = _action(cluster, date(2025, 11, 1), "เปลี่ยนฝาท่อทั้งซอย")
        action = db.session.get(CorrectiveAction, action_id)
        # Mid-December 2025 and a year later alike: one whole month each side, as a year
        # earlier holds one whole month before the same month.
        for today in (date(2025, 12, 10), date(2026, 12, 8)):
            effect = corrective_actions.before_after(action, today=today)
            assert (effect.window, effect.before_count, effect.after_count) == (1, 40, 20)
            # This year alone would read as a real fall by half...
            assert math.isclose(effect.effect.ratio, 0.5) and effect.effect.conclusive
            # ...but the same months a year earlier fell as much: no effect of the action.
            assert (effect.seasonal.before_count, effect.seasonal.after_count) == (40, 20)
            assert [m.month for m in effect.seasonal.months] == [date(2024, 10, 1), date(2024, 11, 1)]
            assert effect.seasonally_adjusted and effect.estimate is effect.adjusted
            assert math.isclose(effect.estimate.ratio, 1.0) and not effect.estimate.conclusive
    page = manager.get(f"/manager/actions/{action_id}").text
    details = page.split('id="effect-details"')[1].split("</div>")[0]
    estimate = details.split('id="effect-estimate"')[1].split("</p>")[0]
    assert "0% (95% CI −" in estimate and "not conclusive" in estimate and "ยังสรุปไม่ได้" in estimate
    assert "−50% (95% CI −" in details.split('id="effect-raw"')[1]  # shown, but not the verdict
    months = details.split('id="effect-months"')[1].split("</table>")[0]
    assert re.findall(r"<td>(\d+)</td>", months) == ["40", "40", "20", "20"]  # Oct and Nov, each year
    row = manager.get("/manager/actions").text.split(f'data-action-id="{action_id}"')[1].split("</tr>")[0]
    assert "0% (95% CI −" in row and "not conclusive" in row and "−50%" not in row


def test_without_a_year_earlier_the_plain_ratio_says_so(app, manager, data):
    with app.app_context():
        cluster = _cluster(data)
        _complaints(data["c2"], cluster, {date(2025, 9, 1): 30, date(2025, 10, 1): 30, date(2025, 11, 1): 5})
        _complaints(data["c2"], cluster, {date(2025, 12, 1): 4})
        action_id = _action(cluster, date(2025, 11, 1), "ลอกท่อระบายน้ำ")
        effect = corrective_actions.before_after(db.session.get(CorrectiveAction, action_id), today=date(2026, 1, 5))
        # Two whole months each side (Sep-Oct, Nov-Dec); no data a year earlier.
        assert (effect.window, effect.before_count, effect.after_count, effect.seasonal) == (2, 60, 9, None)
        ratio, low, high = wald(math.log(9 / 60), 9, 60)
        assert effect.estimate is effect.effect and effect.estimate.conclusive
        assert math.isclose(effect.estimate.high, high, rel_tol=1e-4)
    page = manager.get(f"/manager/actions/{action_id}").text
    estimate = page.split('id="effect-estimate"')[1].split("</p>")[0]
    assert f"−85% (95% CI −{round((1 - low) * 100)}% to −{round((1 - high) * 100)}%)" in estimate
    assert "a seasonal change cannot be ruled out" in estimate and "a real fall" in estimate


def test_too_few_complaints_are_not_enough_data(app, manager, data):
    """Cluster A: two complaints in October 2025, none in November: "−100 %" says nothing."""
    with app.app_context():
        action_id = _action(data["A"], date(2025, 11, 1), "ซ่อมถนนทั้งซอย")
        effect = corrective_actions.before_after(db.session.get(CorrectiveAction, action_id), today=date(2026, 3, 15))
        assert (effect.window, effect.before_count, effect.after_count) == (1, 2, 0)
        assert effect.estimate is None and effect.not_enough is not None
    section = manager.get(f"/manager/actions/{action_id}").text.split('id="before-after"')[1].split("</section>")[0]
    assert "Not enough data yet" in section and "ยังมีข้อมูลไม่พอ" in section
    assert "100" not in section.split('id="effect-details"')[1] and "CI" not in section
    row = manager.get("/manager/actions").text.split(f'data-action-id="{action_id}"')[1].split("</tr>")[0]
    assert "ยังมีข้อมูลไม่พอ" in row and "Not enough data yet" in row and "%" not in row


def test_the_seasonal_comparison_on_both_databases(any_app):
    """The one query over both years' months, on SQLite and PostgreSQL alike."""
    from tests import analytics_data

    with any_app.test_request_context():
        ids = analytics_data.build()
        cluster = _cluster(ids)
        _complaints(ids["c2"], cluster, {date(2024, 9, 1): 12, date(2024, 10, 1): 30, date(2024, 11, 1): 30})
        _complaints(ids["c2"], cluster, {date(2025, 9, 1): 10, date(2025, 10, 1): 30, date(2025, 12, 1): 3})
        action = CorrectiveAction(cluster_id=cluster, effective_on=date(2025, 11, 15))
        effect = corrective_actions.before_after(action, today=date(2026, 3, 15))
        # Mid-November: November in neither window; two months each side, as far back as 2024 allows.
        assert [(m.month, m.count) for m in effect.months] == [
            (date(2025, 9, 1), 10),
            (date(2025, 10, 1), 30),
            (date(2025, 12, 1), 3),
            (date(2026, 1, 1), 0),
        ]
        assert [(m.month, m.count) for m in effect.seasonal.months] == [
            (date(2024, 9, 1), 12),
            (date(2024, 10, 1), 30),
            (date(2024, 12, 1), 0),
            (date(2025, 1, 1), 0),
        ]
        # A year earlier the months after were empty too: the fall is the season's, not conclusive.
        assert effect.seasonally_adjusted and not effect.estimate.conclusive
        assert effect.effect.conclusive and effect.effect.high < 1
