"""The systemd units and the compose file stop the processes the way tests/faults/test_stops.py
proved safe (issue 17): SIGTERM, a warm shutdown long enough for a send in flight to
finish and be recorded, and a lease short enough that a send cut off by the final
SIGKILL goes again within 30 s."""

from __future__ import annotations

import configparser
import re
import shlex

import pytest
import yaml

from complaints import gunicorn_conf
from complaints.config import load_config
from complaints.services.messaging import mailer
from tests.conftest import ROOT

UNITS = ROOT / "deploy" / "systemd"
# The stops the fault tests exercised with a send in flight (test_stops.py).
PROVEN_KILL_MODES = {"mixed", "control-group"}
PROVEN_SIGNALS = {"SIGTERM"}
MARGIN_SECONDS = 10
SIGKILL_REDELIVERY_LIMIT = 30


def _seconds(value: str) -> float:
    """A systemd time span ("60", "60s", "1min 30s") or a compose duration ("1m30s")."""
    units = {"": 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*([a-z]*)", value.strip())
    assert parts and "".join(n + u for n, u in parts) == re.sub(r"\s", "", value), value
    return sum(float(number) * units[unit] for number, unit in parts)


def _all_sections(name: str) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str
    parser.read_string((UNITS / name).read_text())
    return {key: value for section in parser.sections() for key, value in parser[section].items()}


def _unit(name: str) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read_string((UNITS / name).read_text())
    return parser["Service"]


@pytest.fixture
def defaults(monkeypatch, tmp_path):
    """The configuration a deployment gets without setting the outbox's timings."""
    for name in ("OUTBOX_LEASE_SECONDS", "OUTBOX_RELAY_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    return load_config(str(tmp_path))


def _worker_stop_budget(defaults) -> float:
    # A send in flight waits for its 250 at most one SMTP timeout, then records within a lease.
    return mailer.SMTP_TIMEOUT_SECONDS + defaults["OUTBOX_LEASE_SECONDS"] + MARGIN_SECONDS


@pytest.mark.parametrize("name", ["rongrian-worker.service", "rongrian-worker-notify.service"])
def test_the_worker_unit_stops_warm_and_waits_for_a_send(defaults, name):
    service = _unit(name)
    command = shlex.split(service["ExecStart"])
    assert command[0].endswith("/celery") and "worker" in command and "--beat" not in command
    assert service["KillMode"] in PROVEN_KILL_MODES
    assert service["KillSignal"] in PROVEN_SIGNALS
    assert _seconds(service["TimeoutStopSec"]) >= _worker_stop_budget(defaults)
    assert service.get("SendSIGKILL", "yes") == "yes"  # and then no process is left sending


def test_a_send_cut_off_by_sigkill_goes_again_within_30_seconds(defaults):
    # The claim outlives its worker by at most one lease; the relay passes every OUTBOX_RELAY_SECONDS.
    relay = defaults["CELERY"]["beat_schedule"]["relay-outbox"]["schedule"]
    assert defaults["OUTBOX_LEASE_SECONDS"] + relay < SIGKILL_REDELIVERY_LIMIT
    # A send renews its lease a few times before one SMTP command may time out.
    assert defaults["OUTBOX_LEASE_SECONDS"] / 3 < mailer.SMTP_TIMEOUT_SECONDS


def test_the_web_and_beat_units(defaults):
    web = _unit("rongrian-web.service")
    assert shlex.split(web["ExecStart"])[0].endswith("/gunicorn")
    assert "python:complaints.gunicorn_conf" in web["ExecStart"]
    assert web["KillSignal"] == "SIGTERM"  # gunicorn's graceful stop
    assert _seconds(web["TimeoutStopSec"]) > gunicorn_conf.graceful_timeout
    beat = _unit("rongrian-beat.service")
    command = shlex.split(beat["ExecStart"])
    assert command[0].endswith("/celery") and "beat" in command
    assert beat["KillSignal"] == "SIGTERM"


def test_compose_stops_like_the_units(defaults):
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    worker_unit = _unit("rongrian-worker.service")
    for name in ("worker-notify", "worker"):
        service = services[name]
        assert "worker" in service["command"]
        assert service["stop_signal"] in PROVEN_SIGNALS
        grace = _seconds(service["stop_grace_period"])
        assert grace >= _worker_stop_budget(defaults)
        assert grace == _seconds(worker_unit["TimeoutStopSec"])
    web = services["web"]
    assert web["stop_signal"] == "SIGTERM" and "python:complaints.gunicorn_conf" in web["command"]
    assert _seconds(web["stop_grace_period"]) > gunicorn_conf.graceful_timeout
    assert services["beat"]["stop_signal"] == "SIGTERM"


@pytest.mark.parametrize(("value", "seconds"), [("60", 60), ("60s", 60), ("1min 30s", 90), ("1m30s", 90)])
def test_durations_are_read_as_systemd_and_compose_mean_them(value, seconds):
    assert _seconds(value) == seconds


@pytest.mark.parametrize(
    "name",
    ["rongrian-web.service", "rongrian-worker.service", "rongrian-worker-notify.service", "rongrian-beat.service"],
)
def test_every_process_waits_for_the_migration_and_a_refused_start_is_not_restarted(name):
    service = _all_sections(name)
    assert "rongrian-migrate.service" in service["Requires"] and "rongrian-migrate.service" in service["After"]
    assert set(service["RestartPreventExitStatus"].split()) == {"2", "3"}
    assert "db upgrade" not in service.get("ExecStartPre", "")
    migrate = _unit("rongrian-migrate.service")
    assert migrate["Type"] == "oneshot" and migrate["ExecStart"].endswith("db upgrade")


def test_each_queue_has_its_worker_with_a_set_pool_size():
    queues = {}
    for name in ("rongrian-worker.service", "rongrian-worker-notify.service"):
        command = shlex.split(_unit(name)["ExecStart"])
        queues[command[command.index("-Q") + 1]] = int(command[command.index("--concurrency") + 1])
    assert queues == {"default": 2, "notify": 1}
