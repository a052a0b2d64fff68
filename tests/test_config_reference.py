"""The configuration reference (docs/configuration.md) and .env.example are generated from
complaints/config.py: a test fails when either is stale or when config.py reads a
setting the reference lacks."""

from __future__ import annotations

import re

import pytest

from complaints import config_reference, create_app, startup_checks
from complaints.startup_checks import UnsafeConfiguration

ENV_READ = re.compile(r"""env(?:\.get\(\s*|\[\s*)["']([A-Za-z0-9_]+)["']""")


def test_the_committed_files_are_what_the_command_writes():
    for path, text in config_reference.outputs().items():
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.name} is stale: run python -m complaints.config_reference"
        )


def test_every_variable_config_py_reads_is_in_the_reference_with_a_description():
    source = config_reference.CONFIG_SOURCE.read_text(encoding="utf-8")
    read = set(ENV_READ.findall(source))  # found independently of the generator's AST walk
    assert len(read) > 100
    reference = config_reference.REFERENCE_PATH.read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", reference, flags=re.M))
    assert read - documented == set(), "settings read by config.py but missing from docs/configuration.md"
    assert documented - read == set(), "settings documented but no longer read"
    assert all(s.description for s in config_reference.settings())
    assert set(config_reference.DESCRIPTIONS) <= read, "descriptions of settings no longer read"


def test_a_new_setting_without_a_description_is_caught():
    source = (
        "def load_config(instance_path):\n    env = os.environ\n"
        '    return {"A": int(env.get("BRAND_NEW_SETTING", "7")), "B": env["OTHER_NEW"],\n'
        '            "C": _bool(env.get("SOME_FLAG"), default=True), "D": env.get("E") or env.get("REDIS_URL")}\n'
    )
    found = {s.name: s for s in config_reference.settings(source)}
    assert found["BRAND_NEW_SETTING"].default == "7" and found["BRAND_NEW_SETTING"].description == ""
    assert found["OTHER_NEW"].default == "—"
    assert found["SOME_FLAG"].default == "on"
    assert found["E"].default == "$REDIS_URL"


def test_defaults_and_production_marks_come_from_the_code():
    found = {s.name: s for s in config_reference.settings()}
    assert found["MAX_PHOTO_BYTES"].default == str(5 * 1024 * 1024)
    assert found["UPLOAD_DIR"].default == "<instance>/uploads"  # never this machine's path
    assert found["SECRET_KEY"].default == "dev-only-not-secret"
    assert {n for n, s in found.items() if s.required_in_production} == set(startup_checks.PRODUCTION_REQUIRED)
    reference = config_reference.REFERENCE_PATH.read_text(encoding="utf-8")
    assert "| `MAIL_SERVER` | — | yes |" in reference
    assert "/work/" not in reference and "/home/" not in reference


def env_example() -> dict[str, str]:
    lines = config_reference.ENV_EXAMPLE_PATH.read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def test_env_example_sets_exactly_the_production_settings_and_refuses_unedited(tmp_path, monkeypatch):
    values = env_example()
    assert set(values) == set(startup_checks.PRODUCTION_REQUIRED)
    commented = re.findall(r"^# ([A-Z0-9_]+)=", config_reference.ENV_EXAMPLE_PATH.read_text(), flags=re.M)
    assert len(commented) == len(config_reference.settings()) - len(values)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("RONGRIAN_INSTANCE", str(tmp_path))
    with pytest.raises(UnsafeConfiguration) as err:
        create_app()  # a copy nobody edited never starts
    message = str(err.value)
    # Every placeholder is named: the secrets, and the example hosts of the addresses.
    for placeholder in (
        "SECRET_KEY",
        "CONTACT_KEY_SECRET",
        "CONTACT_ENCRYPTION_KEYS",
        "MAIL_SERVER",
        "PUBLIC_BASE_URL",
    ):
        assert f"{placeholder} " in message or f"{placeholder}=" in message


def test_the_flask_command_checks_and_writes(app, monkeypatch, tmp_path):
    ok = app.test_cli_runner().invoke(args=["config-reference", "--check"])
    assert ok.exit_code == 0, ok.output
    monkeypatch.setattr(config_reference, "REFERENCE_PATH", tmp_path / "docs" / "configuration.md")
    monkeypatch.setattr(config_reference, "ENV_EXAMPLE_PATH", tmp_path / ".env.example")
    monkeypatch.setattr(config_reference, "ROOT", tmp_path)
    stale = app.test_cli_runner().invoke(args=["config-reference", "--check"])
    assert stale.exit_code == 1 and "stale: docs/configuration.md" in stale.output
    written = app.test_cli_runner().invoke(args=["config-reference"])
    assert written.exit_code == 0 and (tmp_path / ".env.example").read_text().startswith("# Rongrian settings")
