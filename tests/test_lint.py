"""`make lint` can fail: ruff and mypy read the project's settings, and pre-commit runs the same ruff."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _run(*args: str, cwd: Path = ROOT, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / args[0]), *args[1:]], cwd=cwd, capture_output=True, text=True, timeout=timeout)


def probe_project(folder: Path, probes: dict[str, str]) -> Path:
    """A project beside the real one with its settings (pyproject.toml) and only the probe
    files, at the paths given: the checks see the probes as if they were in the tree, and
    the tree itself, which other tests read at the same time, never holds them."""
    (folder / "pyproject.toml").write_bytes((ROOT / "pyproject.toml").read_bytes())
    for name, source in probes.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        for package in path.relative_to(folder).parents:
            if package != Path("."):
                (folder / package / "__init__.py").touch()
        path.write_text(source, encoding="utf-8")
    return folder


def test_ruff_reports_what_the_project_forbids(tmp_path):
    """A zip without strict=, a loop variable caught late and an ambiguous name are reported."""
    source = (
        "def pairs(a: list[int], b: list[int]) -> list[tuple[int, int]]:\n"
        "    return list(zip(a, b))\n"
        "\n"
        "\n"
        "def later(values: list[int]) -> list[object]:\n"
        "    return [lambda: l for l in values]\n"
    )
    project = probe_project(tmp_path, {"complaints/lint_probe.py": source})
    result = _run("ruff", "check", "--no-cache", "--output-format", "concise", "complaints/lint_probe.py", cwd=project)
    assert result.returncode == 1, result.stdout + result.stderr
    for code in ("B905", "B023", "E741"):
        assert code in result.stdout, result.stdout


def test_mypy_is_strict_on_the_pure_core_only(tmp_path):
    """An unannotated function is an error in complaints/domain, and allowed in a blueprint."""
    source = "def double(x):\n    return x * 2\n"
    core, edge = "complaints/domain/lint_probe.py", "complaints/public/lint_probe.py"
    project = probe_project(tmp_path, {core: source, edge: source})
    result = _run("mypy", core, edge, cwd=project)
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert result.returncode == 1 and errors, result.stdout + result.stderr
    assert all(line.startswith(core) for line in errors), errors
    assert any("[no-untyped-def]" in line for line in errors), errors


def test_ci_and_pre_commit_run_the_same_checks():
    """CI runs `make lint` before the tests; pre-commit pins the ruff the test extras install."""
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ci.index("make lint") < ci.index("make test")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    lint = makefile[makefile.index("\nlint:") :].split("\n\n")[0]
    for command in ("ruff check", "ruff format --check", "mypy", "lint-imports"):
        assert command in lint, lint
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = {hook["id"]: repo for repo in config["repos"] for hook in repo["hooks"]}
    assert {"ruff-check", "ruff-format", "mypy", "lint-imports"} <= set(hooks)
    pinned = re.search(r'"ruff>=([\d.]+),<([\d.]+)"', (ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pinned, "ruff is bounded in the test extras"
    rev = tuple(int(p) for p in hooks["ruff-check"]["rev"].lstrip("v").split("."))
    low, high = (tuple(int(p) for p in v.split(".")) for v in pinned.groups())
    assert low <= rev < high, (rev, pinned.groups())
