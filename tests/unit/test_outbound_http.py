"""Connections to outside services are kept per process, never shared with a fork."""

from __future__ import annotations

import os

from complaints.services.messaging import outbound_http


def test_one_pool_per_process_and_a_new_one_after_a_fork(monkeypatch):
    first = outbound_http.pool()
    assert outbound_http.pool() is first
    made = []
    assert outbound_http.per_process(("k", 1), lambda: made.append(1) or object()) is outbound_http.per_process(
        ("k", 1), lambda: made.append(1) or object()
    )
    assert made == [1]

    parent = os.getpid()
    monkeypatch.setattr(outbound_http.os, "getpid", lambda: parent + 1)  # as seen in a forked child
    child = outbound_http.pool()
    assert child is not first
    assert outbound_http.pool() is child
