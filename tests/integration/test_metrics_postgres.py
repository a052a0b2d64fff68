"""The manager metrics give the same exact figures on PostgreSQL as on SQLite."""

from __future__ import annotations

import pytest

from complaints.domain.periods import Period
from complaints.services.analytics.metrics.dimensions import drill_count
from complaints.services.analytics.metrics.figures import dashboard, total_received
from complaints.services.analytics.metrics.scope import Scope
from tests import analytics_data
from tests.analytics_data import NOW

pytestmark = pytest.mark.postgres


def test_dashboard_figures_and_drill_downs_on_postgresql(pg_app):
    with pg_app.app_context():
        data = analytics_data.build()
        scope = Scope(Period(2569), None, None, NOW)
        figures = dashboard(scope)
        counts = {key: {r.key: r.count for r in f.rows} for key, f in figures.items()}
        assert counts["ack_time"] == {"le_1m": 5, "le_1h": 1, "le_1d": 1, "gt_1d": 1, "pending": 2}
        assert counts["resolution"] == {
            "on_time": 3,
            "late": 1,
            "open_overdue": 2,
            "open_in_time": 2,
            "on_hold": 1,
            "merged": 1,
        }
        assert counts["backlog"] == {"d0_7": 1, "d8_15": 1, "d16_30": 0, "d31_60": 1, "gt60": 2}
        assert [c for c in counts["by_month"].values()][:6] == [2, 1, 1, 1, 3, 2]
        assert counts["by_week"]["2025-12-29"] == 2 and counts["by_week"]["2025-10-01"] == 1
        assert counts["clusters"] == {str(data["A"]): 3, str(data["B"]): 2}
        assert figures["satisfaction"].kpis == {"responses": 3, "high": 2, "high_rate": 0.6667, "mean": 3.67}
        assert [(r.key, r.extra["change"]) for r in figures["repeat_quarters"].rows][:3] == [
            ("2568-Q4", None),
            ("2569-Q1", -0.0833),
            ("2569-Q2", 0.0833),
        ]
        assert total_received(scope) == 10
        assert total_received(Scope(Period(2568), None, None, NOW)) == 3
        for figure in figures.values():
            for row in figure.rows:
                drill = dict(row.drill)
                row_scope = Scope(Period.parse(drill.pop("period")), None, None, NOW) if "period" in drill else scope
                assert drill_count(row_scope, drill) == row.count, (figure.key, row.key)
