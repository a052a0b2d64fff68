"""On PostgreSQL the dashboard reads every figure from three scans (metrics.one_pass);
each figure must come out exactly as its own GROUP BY computes it."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from complaints.domain.periods import Period
from complaints.extensions import db
from complaints.models import Unit
from complaints.services.analytics.metrics.figures import FIGURES, dashboard, total_received
from complaints.services.analytics.metrics.one_pass import one_pass
from complaints.services.analytics.metrics.scope import Scope
from tests import analytics_data
from tests.analytics_data import NOW

pytestmark = pytest.mark.postgres


def _rows(figures):
    return {key: ([(r.key, r.count, r.drill, r.extra) for r in f.rows], f.kpis) for key, f in figures.items()}


@pytest.mark.parametrize("period", ["2569", "2569-Q2", "2568"])
def test_one_pass_equals_each_figure_alone(pg_app, period):
    with pg_app.app_context():
        analytics_data.build()
        works = db.session.scalar(select(Unit.id).where(Unit.code == "public-works"))
        for unit_id in (None, works):
            scope = Scope(Period.parse(period), None if unit_id is None else frozenset({unit_id}), unit_id, NOW)
            alone = {key: build(scope) for key, build in FIGURES.items()}
            total_alone = total_received(scope)
            statements = []
            listener = lambda *args, seen=statements: seen.append(args[2])  # noqa: E731
            event.listen(db.engine, "before_cursor_execute", listener)
            try:
                with one_pass(scope):
                    together = dashboard(scope)
                    total = total_received(scope)
            finally:
                event.remove(db.engine, "before_cursor_execute", listener)
            assert _rows(together) == _rows(alone)
            assert total == total_alone
            # Three scans (columns, days from the quarter before the period on, buckets); the rest are small
            # look-ups (names, cluster ranking).
            assert sum("GROUPING SETS" in s for s in statements) == 1
            assert sum(" FILTER (WHERE " in s for s in statements) == 1
            assert sum("FROM complaints" in s for s in statements) == 3, statements


def test_postgres_connections_run_without_jit(pg_app):
    """POSTGRES_OPTIONS reaches every connection: JIT costs the period scans more than it saves."""
    from sqlalchemy import text

    with pg_app.app_context():
        assert db.session.scalar(text("SHOW jit")) == "off"
        db.session.remove()
        db.engine.dispose()
        assert db.session.scalar(text("SHOW jit")) == "off"  # a new connection too
