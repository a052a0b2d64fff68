"""A bare clone does what the README promises: `make run` sets up, seeds the demo year,
serves, sends links to where it serves, and stops cleanly.

The repository is cloned into a temporary folder with nothing beside it (a clone from
a public Git host has no folder of shared data next to it), and the Makefile's own
targets run there. Installing every dependency again would take minutes, so make is
told to use this test run's virtual environment (`VENV=…`, its install stamp taken as
up to date with `-o`) and `PYTHONPATH` puts the clone's code first: what runs is the
clone's code, data and Makefile, with the packages already installed.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from tests.conftest import ROOT, service_unavailable
from tests.processes import free_port, wait_for

pytestmark = pytest.mark.worker

DEMO_COUNT = 120
ACCOUNT_LINE = re.compile(r"^(\w+) account: username '([^']+)' password '([^']+)'$", re.M)


def _env(clone: Path, **extra: str) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(
            ("NLP_", "DATABASE_", "REDIS_", "CELERY_", "MAIL_", "PUBLIC_", "RONGRIAN_", "FLASK_", "UPLOAD_", "EXPORT_")
        )
    }
    return {**env, "PYTHONPATH": str(clone), "NLP_RETRAIN_CRONTAB": "", **extra}


def _make(clone: Path, *targets: str) -> list[str]:
    venv = Path(sys.prefix)
    return [
        "make",
        "--no-print-directory",
        "-C",
        str(clone),
        *targets,
        f"VENV={venv}",
        "-o",
        str(venv / ".installed-stamp"),
        f"DEMO_COMPLAINTS={DEMO_COUNT}",
    ]


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    if not (ROOT / ".git").exists():
        service_unavailable("the tests run from a git checkout (the test clones it)")
    folder = tmp_path_factory.mktemp("bare")
    target = folder / "rongrian"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(target)], check=True, timeout=120)
    assert sorted(p.name for p in folder.iterdir()) == ["rongrian"]  # nothing beside it
    return target


@pytest.fixture(scope="module")
def seeded(clone) -> str:
    """`make seed` in the clone: migrate, demo reference data and accounts, the demo year."""
    proc = subprocess.run(_make(clone, "seed"), env=_env(clone), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def test_the_clone_reads_its_own_code_and_data(clone):
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, complaints, complaints.config as c; "
            "print(json.dumps([complaints.__file__, str(c.base_data_path())]))",
        ],
        env=_env(clone),
        cwd=clone,
        capture_output=True,
        text=True,
        check=True,
    )
    code, data = json.loads(probe.stdout)
    assert Path(code).is_relative_to(clone) and Path(data).is_relative_to(clone)
    assert Path(data).is_file() and Path(data).stat().st_size > 1_000_000
    beside = "../" + "shared"  # spelled in two parts so that this file does not match itself
    tracked = subprocess.run(
        [
            "git",
            "-C",
            str(clone),
            "grep",
            "-l",
            "-F",
            "-e",
            beside,
            "--",
            "*.py",
            "Makefile",
            "*.toml",
            "*.md",
            ".ci/*",
            "*.yml",
        ],
        capture_output=True,
        text=True,
    )
    assert tracked.stdout == ""  # nothing reaches for a folder beside the checkout


def test_make_seed_loads_the_demo_year_and_prints_every_account(clone, seeded):
    assert "skipped" not in seeded and "not found" not in seeded, seeded[-3000:]
    accounts = {role: (user, password) for role, user, password in ACCOUNT_LINE.findall(seeded)}
    assert set(accounts) == {"officer", "supervisor", "manager", "admin", "integrity"}, seeded[-3000:]
    with sqlite3.connect(clone / "instance" / "rongrian.sqlite") as db:
        assert db.execute("SELECT count(*) FROM complaints").fetchone()[0] == DEMO_COUNT
        assert db.execute("SELECT count(*) FROM users").fetchone()[0] >= len(accounts)


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read()


def _alive(procs: list[psutil.Process]) -> list[psutil.Process]:
    alive = []
    for proc in procs:
        try:
            if proc.status() != psutil.STATUS_ZOMBIE:
                alive.append(proc)
        except psutil.NoSuchProcess:
            pass
    return alive


@pytest.mark.parametrize("how", ["SIGINT to the group", "SIGTERM to the group", "SIGTERM to make"])
def test_make_run_serves_links_to_its_own_port_and_stops_within_10_seconds(clone, seeded, how):
    port = free_port()
    log_path = clone / f"run-{port}.log"
    with open(log_path, "wb") as log:
        make = subprocess.Popen(
            _make(clone, "run", f"PORT={port}"),
            env=_env(clone),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    family: list[psutil.Process] = []
    try:
        base = f"http://127.0.0.1:{port}"

        def healthy():
            try:
                return json.loads(_get(base + "/healthz"))["status"] == "ok"
            except OSError:
                return False

        assert wait_for(healthy, timeout=120, interval=0.5), log_path.read_text(errors="replace")[-3000:]
        assert wait_for(lambda: "ready" in log_path.read_text(errors="replace"), timeout=60)
        family = psutil.Process(make.pid).children(recursive=True)
        assert any("celery" in " ".join(p.cmdline()) for p in family)

        if how == "SIGINT to the group":  # only once: the acknowledgement's link
            body = json.dumps(
                {
                    "description": "ไฟทางเดินหน้าซอยดับหลายวัน ทดสอบลิงก์",
                    "contact": {"name": "ทดสอบ ลิงก์", "email": "link-test@example.org"},
                }
            ).encode()
            request = urllib.request.Request(
                base + "/api/v1/complaints", data=body, method="POST", headers={"Content-Type": "application/json"}
            )
            with urllib.request.urlopen(request, timeout=90) as response:  # the first intake loads the classifier
                created = json.loads(response.read())
            assert created["public_url"].startswith(base + "/")
            mail_dir = clone / "instance" / "mail-outbox"  # MAIL_OUTBOX_DIR's default

            def acknowledgement():
                for path in mail_dir.glob("*.eml") if mail_dir.is_dir() else []:
                    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                    text = "\n".join(
                        part.get_content() for part in message.walk() if part.get_content_maintype() == "text"
                    )
                    if created["tracking_number"] in text and message["To"] == "link-test@example.org":
                        return text
                return None

            mail = wait_for(acknowledgement, timeout=60, interval=0.5)
            assert mail, log_path.read_text(errors="replace")[-3000:]
            assert f"127.0.0.1:{port}/" in mail and "127.0.0.1:5000" not in mail

        started = time.monotonic()
        if how == "SIGTERM to make":
            make.send_signal(signal.SIGTERM)
        else:
            os.killpg(make.pid, signal.SIGINT if how.startswith("SIGINT") else signal.SIGTERM)
        make.wait(timeout=15)
        all_gone = wait_for(lambda: not _alive(family), timeout=12, interval=0.1)
        elapsed = time.monotonic() - started
        assert all_gone, [p.cmdline() for p in _alive(family)]
        assert elapsed < 10, f"stopped in {elapsed:.1f} s"
    finally:
        for proc in _alive(family) + ([psutil.Process(make.pid)] if make.poll() is None else []):
            proc.kill()
        make.wait(timeout=10)
