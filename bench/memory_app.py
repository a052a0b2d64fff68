"""The app gunicorn serves in `bench/worker_memory.py`: `complaints:create_app()`, plus,
only when BENCH_TRACEMALLOC_DIR is set, a tracemalloc hook to find what grows.

With the hook each worker starts tracemalloc (12 frames) once it has built the app and,
after every BENCH_TRACEMALLOC_EVERY requests it answered, writes a snapshot to
`BENCH_TRACEMALLOC_DIR/<pid>-<requests>.snap`; the benchmark compares a worker's
first and last snapshots. Tracing slows every allocation down and takes memory of
its own: a traced run finds what grows, an untraced run measures how much.
"""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

from complaints import create_app


def build():
    folder = os.environ.get("BENCH_TRACEMALLOC_DIR")
    if not folder:
        return create_app()
    app = create_app()
    # Started once the app is built: what the app keeps from then on is what grows.
    tracemalloc.start(int(os.environ.get("BENCH_TRACEMALLOC_FRAMES") or 12))
    every = int(os.environ.get("BENCH_TRACEMALLOC_EVERY") or 250)
    served = 0

    @app.teardown_request
    def _snapshot(_exc=None):
        nonlocal served
        served += 1
        if served % every == 0:
            snap = tracemalloc.take_snapshot().filter_traces(
                [
                    tracemalloc.Filter(False, tracemalloc.__file__),
                    tracemalloc.Filter(False, "<frozen importlib._bootstrap>"),
                ]
            )
            path = Path(folder) / f"{os.getpid()}-{served:06d}.snap"
            snap.dump(str(path))

    return app


app = build()
