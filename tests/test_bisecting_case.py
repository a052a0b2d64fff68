"""metrics.dimensions.bisecting_case picks what a linear CASE over the same ascending limits picks."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import case, column, create_engine, literal, select, table

from complaints.services.analytics.metrics.dimensions import bisecting_case


@pytest.mark.parametrize("size", [1, 2, 4, 5, 12, 53, 250])
def test_same_answer_as_a_linear_case(size):
    rng = random.Random(size)
    limits = sorted(rng.sample(range(10_000), size))
    values = table("v", column("x"))
    pairs = [(limit, literal(f"k{i}")) for i, limit in enumerate(limits)]
    bisected = bisecting_case(values.c.x, pairs, literal("after")).label("b")
    linear = case(*[(values.c.x < limit, key) for limit, key in pairs], else_=literal("after")).label("l")
    engine = create_engine("sqlite://")
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE v (x INTEGER)")
        probes = [None, -1, 10_000, *limits, *[lim - 1 for lim in limits], *rng.sample(range(10_000), 200)]
        conn.exec_driver_sql(
            "INSERT INTO v (x) VALUES " + ", ".join("(NULL)" if p is None else f"({p})" for p in probes)
        )
        rows = conn.execute(select(values.c.x, bisected, linear)).all()
    assert len(rows) == len(probes)
    assert all(b == lin for _, b, lin in rows), [r for r in rows if r[1] != r[2]][:5]
    assert {b for _, b, _ in rows} >= {"after", "k0"}


def test_without_otherwise_answers_null_past_the_last_limit():
    values = table("v", column("x"))
    engine = create_engine("sqlite://")
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE v (x INTEGER)")
        conn.exec_driver_sql("INSERT INTO v (x) VALUES (1), (99)")
        expr = bisecting_case(values.c.x, [(n, literal(n)) for n in range(2, 40, 3)], None)
        assert conn.execute(select(expr).order_by(values.c.x)).scalars().all() == [2, None]
