"""The code's layout holds: imports run one way, one status writer, status groups defined once."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from complaints.models import Status

ROOT = Path(__file__).resolve().parent.parent
CODE = ("complaints", "assessment", "workers")


def test_the_import_contracts_are_kept():
    """Entry points -> services -> models -> pure core; the pure core reads no database or
    framework; nothing in complaints/ imports assessment/ or workers/ but the app factory."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_a_forbidden_import_breaks_a_contract(tmp_path):
    """The check can fail: the pure core importing Flask is reported. The probe goes into a
    copy of the code (imported from there), never into the tree other tests read meanwhile."""
    for top in (*CODE, "pyproject.toml"):
        copy = shutil.copytree if (ROOT / top).is_dir() else shutil.copy
        copy(ROOT / top, tmp_path / top, **({"ignore": shutil.ignore_patterns("__pycache__")} if top in CODE else {}))
    (tmp_path / "complaints" / "domain" / "layout_probe.py").write_text("import flask  # noqa: F401\n")
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode != 0, result.stdout[-3000:]
    assert "complaints.domain.layout_probe -> flask" in result.stdout, result.stdout[-3000:]


def _status_writes(path: Path) -> list[int]:
    """Lines assigning a Status member to something's `.status`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Attribute) and t.attr == "status" for t in node.targets
        ):
            value = ast.unparse(node.value)
            literal = isinstance(node.value, ast.Constant) and node.value.value in {s.value for s in Status}
            if value.startswith(("Status.", "S.")) or literal:
                lines.append(node.lineno)
    return lines


def test_only_the_workflow_changes_a_complaints_status(tmp_path):
    workflow = ROOT / "complaints" / "services" / "casework" / "workflow.py"
    found = {
        str(path.relative_to(ROOT)): lines
        for top in CODE
        for path in (ROOT / top).rglob("*.py")
        if path != workflow and (lines := _status_writes(path))
    }
    assert found == {}
    probe = tmp_path / "probe.py"  # the check sees both spellings of a direct write
    probe.write_text("complaint.status = Status.CLOSED\nother.status = 'x'\nc.status = \"acknowledged\"\n")
    assert _status_writes(probe) == [1, 3]


@pytest.mark.parametrize("status", list(Status))
def test_each_status_is_open_on_hold_or_ended_and_forwarded_is_both_open_and_answered(status):
    groups = [name for name in ("OPEN", "ENDED") if status in getattr(Status, name)]
    assert len(groups) == (0 if status == Status.ON_HOLD else 1), groups
    assert Status.OPEN | {Status.ON_HOLD} == Status.BACKLOG
    assert (status in Status.ANSWERED) == (
        status in {Status.RESOLVED, Status.CLOSED, Status.REJECTED, Status.FORWARDED}
    )


def _service_imports(path: Path) -> list[str]:
    """The complaints.services modules a file imports (either spelling of import)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = (
                [node.module]
                if node.module != "complaints.services"
                else [f"{node.module}.{alias.name}" for alias in node.names]
            )
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found += [name for name in names if name == "complaints.services" or name.startswith("complaints.services.")]
    return found


def test_the_assessment_reads_the_services_through_the_analytics_api_only(tmp_path):
    """assessment/ imports one module of the services, the public complaints.services.analytics.api,
    and only names that module makes public (its __all__, no _private helper)."""
    from complaints.services.analytics import api

    found = {
        str(path.relative_to(ROOT)): names
        for path in (ROOT / "assessment").rglob("*.py")
        if (names := [n for n in _service_imports(path) if n != "complaints.services.analytics.api"])
    }
    assert found == {}
    for path in (ROOT / "assessment").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "complaints.services.analytics.api":
                assert {alias.name for alias in node.names} <= set(api.__all__), path
    assert all(hasattr(api, name) and not name.startswith("_") for name in api.__all__)
    probe = tmp_path / "probe.py"  # the check sees every spelling of a way around the API
    probe.write_text(
        "from complaints.services.analytics.metrics.dimensions import ack_seconds\n"
        "import complaints.services.access\n"
        "from complaints.services import catalogue\n"
        "from complaints.services.analytics.api import top_clusters\n"
    )
    assert _service_imports(probe) == [
        "complaints.services.analytics.metrics.dimensions",
        "complaints.services.access",
        "complaints.services.catalogue",
        "complaints.services.analytics.api",
    ]


def test_the_assessments_tables_live_in_assessment_and_the_app_factory_registers_them(tmp_path):
    """The assessment's models are assessment/models.py; complaints.models alone does not load
    them, and the app factory does (so Alembic, which compares the migrations with the app's
    metadata, still sees them: tests/test_migrations_and_cli.py)."""
    assert not (ROOT / "complaints" / "models" / "assessment.py").exists()
    code = (
        "import sys\n"
        "from complaints.extensions import db\n"
        "import complaints.models\n"
        "before = set(db.metadata.tables)\n"
        "assert 'assessment.models' not in sys.modules\n"
        "from complaints import create_app\n"
        f"create_app({{'TESTING': True, 'SQLALCHEMY_DATABASE_URI': 'sqlite://', 'UPLOAD_DIR': {str(tmp_path)!r}}})\n"
        "import assessment.models as m\n"
        "for model in (m.Assessment, m.AssessmentAnswer, m.AssessmentEvidence, m.OperationalData):\n"
        "    assert model.__table__.name not in before, model\n"
        "    assert db.metadata.tables[model.__table__.name] is model.__table__, model\n"
        "assert 'tracking_lookup_days' in before\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.strip().endswith("ok"), result.stderr[-3000:]


BLUEPRINTS = ("public", "officer", "manager", "admin", "api", "channels", "open311", "auth", "ops")


def _cycles_through_package_inits(graph, packages) -> dict[str, list[str]]:
    """For each package, its modules that lead back to the package's own __init__ (a cycle)."""
    found = {}
    for package in packages:
        back = [
            module
            for module in sorted(graph.find_descendants(package))
            if graph.find_shortest_chain(importer=module, imported=package)
        ]
        if back:
            found[package] = back
    return found


def test_no_blueprint_package_imports_itself_back():
    """Each blueprint is defined in its views; the package __init__ only re-exports it, and
    nothing inside the package imports the package (no __init__ <-> views cycles). The same of
    the CLI: its commands are defined in their modules, which share complaints.cli.common, and
    the package's register() only adds them to the app."""
    import grimp

    graph = grimp.build_graph("complaints", "assessment", "workers", cache_dir=None)
    packages = [f"complaints.{name}" for name in (*BLUEPRINTS, "cli")]
    assert _cycles_through_package_inits(graph, packages) == {}
    graph.add_import(importer="complaints.officer.views", imported="complaints.officer")  # the check can fail
    graph.add_import(importer="complaints.cli.data", imported="complaints.cli")
    assert _cycles_through_package_inits(graph, ["complaints.officer", "complaints.cli"]) == {
        "complaints.officer": ["complaints.officer.views"],
        "complaints.cli": ["complaints.cli.data"],
    }


SESSION_QUERIES = {"execute", "scalar", "scalars", "query"}
# View modules whose queries are a view's own job, with the reason. None today: every page
# asks a service for what it shows (issue 18: views parse, call one service, render).
VIEW_QUERIES_ALLOWED: dict[str, str] = {}


def _queries(path: Path) -> list[int]:
    """Lines running a query: db.session.execute/scalar/scalars/query, db.paginate, or
    building one with select() (sqlalchemy's or db.select)."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "select":
            lines.append(node.lineno)
        elif isinstance(func, ast.Attribute):
            receiver = ast.unparse(func.value)
            if (
                func.attr == "select"
                or (func.attr in SESSION_QUERIES and receiver.split(".")[-1] == "session")
                or (func.attr == "paginate" and receiver == "db")
            ):
                lines.append(node.lineno)
    return sorted(lines)


def _view_modules() -> list[Path]:
    modules = [path for name in BLUEPRINTS for path in sorted((ROOT / "complaints" / name).rglob("*.py"))]
    return [*modules, ROOT / "assessment" / "views.py"]


def test_views_run_no_query_of_their_own(tmp_path):
    """A page's data comes from a service: no module of a blueprint (nor the assessment's views)
    queries the database itself."""
    found = {
        name: lines
        for path in _view_modules()
        if (name := str(path.relative_to(ROOT))) not in VIEW_QUERIES_ALLOWED and (lines := _queries(path))
    }
    assert found == {}
    assert all((ROOT / name).is_file() for name in VIEW_QUERIES_ALLOWED)
    probe = tmp_path / "probe.py"  # the check sees each way a view could query
    probe.write_text(
        "rows = db.session.execute(select(Category.code)).all()\n"
        "user = db.session.scalar(db.select(User))\n"
        "units = list(db.session.scalars(statement))\n"
        "page = db.paginate(statement, page=1)\n"
        "old = db.session.query(User).all()\n"
        "fine = service.queue_page(user, filters, 1)\n"
        "unit = db.session.get(Unit, 1)\n"
    )
    assert _queries(probe) == [1, 1, 2, 2, 3, 4, 5]
