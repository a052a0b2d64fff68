"""docker-compose.yml is valid YAML and deploys as the docs say (no docker here: read, not run)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
APP_SERVICES = ("migrate", "web", "worker-notify", "worker", "beat")


def test_the_stack_has_its_services_and_volumes():
    assert set(COMPOSE["services"]) == {
        "postgres",
        "redis",
        "migrate",
        "web",
        "nginx",
        "worker-notify",
        "worker",
        "beat",
    }
    assert {"pgdata", "uploads", "beat"} <= set(COMPOSE["volumes"])


def test_every_app_process_reads_the_env_file_and_the_must_haves_are_guarded():
    for name in APP_SERVICES:
        service = COMPOSE["services"][name]
        assert service["env_file"] == ".env", name
        env = service["environment"]
        for must in ("SECRET_KEY", "CONTACT_ENCRYPTION_KEYS", "PUBLIC_BASE_URL"):
            assert re.fullmatch(r"\$\{" + must + r":\?[^}]+\}", env[must]), (name, must)
        assert env["RONGRIAN_ENV"] == "production"
        # Behind the one nginx, over HTTPS.
        assert (env["TRUSTED_PROXY_COUNT"], env["SESSION_COOKIE_SECURE"]) == ("1", "1")


def test_only_nginx_is_published_and_it_serves_tls_from_certs():
    services = COMPOSE["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"nginx"}
    assert services["nginx"]["ports"] == ["80:80", "443:443"]
    assert "8000" in [str(port) for port in services["web"]["expose"]]
    volumes = services["nginx"]["volumes"]
    assert "./certs:/etc/ssl/rongrian:ro" in volumes
    conf_mount = next(v for v in volumes if v.endswith(":/etc/nginx/conf.d/default.conf:ro"))
    conf = (ROOT / conf_mount.split(":")[0]).read_text()
    assert "proxy_pass http://web:8000;" in conf and "listen 443 ssl;" in conf
    assert "ssl_certificate     /etc/ssl/rongrian/fullchain.pem;" in conf
    for header in ("Host", "X-Forwarded-For", "X-Forwarded-Proto", "X-Request-ID"):
        assert f"proxy_set_header {header} " in conf


def test_beat_keeps_its_schedule_on_a_volume():
    beat = COMPOSE["services"]["beat"]
    command = beat["command"]
    schedule = command[command.index("--schedule") + 1]
    assert schedule == "/app/beat/celerybeat-schedule"
    assert "beat:/app/beat" in beat["volumes"]
    assert not any("/tmp" in str(part) for part in command)


def test_the_processes_write_json_lines():
    for name in ("worker-notify", "worker", "beat"):
        command = COMPOSE["services"][name]["command"]
        assert command[:2] == ["celery", "--quiet"], name  # no banner: every line a JSON line
    assert "python:complaints.gunicorn_conf" in COMPOSE["services"]["web"]["command"]


def test_the_operations_guide_is_linked_and_its_commands_exist(app):
    guide = (ROOT / "docs" / "operations.md").read_text()
    assert "(docs/operations.md)" in (ROOT / "README.md").read_text()
    for section in ("## Backup", "## Restore", "## Upgrade order", "## Key rotation"):
        assert section in guide
    for name in (
        "pg_dump",
        "NLP_MODEL_DIR",
        "UPLOAD_DIR",
        "SECRET_KEY",
        "CONTACT_ENCRYPTION_KEYS",
        "CONTACT_KEY_SECRET",
    ):
        assert name in guide, name
    # Every `flask --app complaints <command>` the guide gives is a command of the app.
    commands = set(re.findall(r"flask --app complaints ([a-z-]+)", guide))
    assert {"rotate-contact-key", "retention"} <= commands
    for command in commands - {"db"}:
        assert command in app.cli.commands, command
    assert "run" in app.cli.commands["retention"].commands
    # Stop beat before the new code; restart every process before re-encrypting.
    upgrade = guide[guide.index("## Upgrade order") : guide.index("## Key rotation")]
    assert upgrade.index("Stop beat first") < upgrade.index("Migrate before the new code")
    rotation = guide[guide.index("## Key rotation") :]
    assert rotation.index("Restart every process first") < rotation.index("rotate-contact-key")
