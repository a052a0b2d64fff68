"""Background tasks are module-level functions named from one enum (TaskName)."""

from __future__ import annotations

import ast
from pathlib import Path

from complaints.config import load_config
from complaints.domain.task_names import TaskName
from workers import tasks

ROOT = Path(__file__).resolve().parent.parent

# What deployed beat schedules, queues and routes use: a rename is a deployment change.
DEPLOYED = {
    "rongrian.acknowledge",
    "rongrian.relay_outbox",
    "rongrian.sla_sweep",
    "rongrian.after_intake",
    "rongrian.apply_retention",
    "rongrian.retrain_classifier",
    "rongrian.scheduled_retraining",
    "rongrian.poll_mailbox",
    "rongrian.purge_channel_state",
    "rongrian.export_complaints",
    "rongrian.purge_exports",
    "rongrian.update_clusters",
    "rongrian.refresh_assessment_data",
}


def test_the_task_names_are_the_deployed_ones():
    assert {name.value for name in TaskName} == DEPLOYED


def test_each_name_is_a_module_level_function_registered_on_the_app(app):
    registered = app.extensions["celery"].tasks
    for name in TaskName:
        function, _ = tasks.TASKS[name]
        assert getattr(tasks, function.__name__) is function  # module level, not a closure
        assert "<locals>" not in function.__qualname__
        run = registered[name].run
        assert getattr(run, "__func__", run) is function  # a bound task's run is a method
    assert set(tasks.TASKS) == set(TaskName)


def test_the_beat_schedule_and_the_routes_send_registered_tasks(app):
    celery = load_config("/nonexistent")["CELERY"]
    sent = [entry["task"] for entry in celery["beat_schedule"].values()] + list(celery["task_routes"])
    assert sent and all(isinstance(name, TaskName) for name in sent), sent
    assert set(sent) <= set(app.extensions["celery"].tasks)


def _task_name_literals(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Constant) and node.value in DEPLOYED]


def test_no_task_name_is_written_out_but_in_the_enum(tmp_path):
    enum_file = ROOT / "complaints" / "domain" / "task_names.py"
    found = {
        str(path.relative_to(ROOT)): lines
        for top in ("complaints", "assessment", "workers", "tests")
        for path in (ROOT / top).rglob("*.py")
        if path not in (enum_file, Path(__file__).resolve()) and (lines := _task_name_literals(path))
    }
    assert found == {}
    probe = tmp_path / "probe.py"  # the check can fail
    probe.write_text('x = 1\ncelery.send_task("rongrian.acknowledge")\n', encoding="utf-8")
    assert _task_name_literals(probe) == [2]
