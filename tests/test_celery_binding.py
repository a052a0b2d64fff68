"""Celery's signals are global: building many apps (as the suite does) neither adds a
receiver per app nor keeps every app alive through one."""

from __future__ import annotations

import gc
import weakref

from celery.signals import task_failure, worker_process_init, worker_ready

from complaints import create_app
from tests.conftest import base_config


def test_each_signal_has_one_receiver_and_old_apps_are_freed(tmp_path):
    signals = (task_failure, worker_process_init, worker_ready)
    create_app(base_config(tmp_path, f"sqlite:///{tmp_path}/first.sqlite"))
    before = [len(signal.receivers) for signal in signals]
    apps = [weakref.ref(create_app(base_config(tmp_path, f"sqlite:///{tmp_path}/{n}.sqlite"))) for n in range(6)]
    gc.collect()
    assert [len(signal.receivers) for signal in signals] == before
    # The newest app stays Celery's default app; the ones before it are gone.
    assert [ref() is not None for ref in apps[:-1]] == [False] * 5
