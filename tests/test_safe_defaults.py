"""Safe by default (issue 17, point 2): any run other than local SQLite development refuses
to start with a default, weak or missing secret, an unknown RONGRIAN_ENV, no broker or
mail server, a local or plain-http PUBLIC_BASE_URL, or an insecure cookie, each refusal
naming its setting in Thai and English."""

from __future__ import annotations

import logging
import re

import pytest
from cryptography.fernet import Fernet

from complaints import create_app
from complaints.startup_checks import UnsafeConfiguration, estimate_entropy_bits, production_problems
from tests.conftest import PG_URL, base_config
from tests.helpers import production_environment, production_settings

THAI = re.compile(r"[\u0e00-\u0e7f]")


def refusal(tmp_path, **overrides) -> str:
    with pytest.raises(UnsafeConfiguration) as err:
        create_app(production_settings(tmp_path, **overrides))
    return str(err.value)


def assert_bilingual_naming(message: str, setting: str) -> None:
    """The refusal names the setting on a line that has Thai and English."""
    lines = [line for line in message.splitlines() if setting in line]
    assert lines, message
    assert any(THAI.search(line) and " / " in line and re.search(r"[A-Za-z]{4,} [a-z]{3,}", line) for line in lines), (
        message
    )


def test_a_complete_production_configuration_starts(tmp_path):
    app = create_app(production_settings(tmp_path))
    assert app.config["RONGRIAN_ENV"] == "production"
    assert production_problems(app.config) == []


def test_a_complete_production_environment_is_read_from_variables(tmp_path, monkeypatch):
    """The settings an operator exports (.env.example) are the ones the checks read."""
    env = production_environment(tmp_path)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    app = create_app()
    assert app.config["CELERY"]["broker_url"].startswith("redis://")
    assert app.config["RATELIMIT_STORAGE_URI"].startswith("redis://")
    monkeypatch.delenv("REDIS_URL")
    message = str(pytest.raises(UnsafeConfiguration, create_app).value)
    assert_bilingual_naming(message, "REDIS_URL")
    assert "broker.sqlite" in message  # what the broker fell back to is shown


def test_make_run_development_starts_with_the_defaults(tmp_path, monkeypatch):
    """`make run`: no settings at all, SQLite in the instance folder, the public default secret."""
    for name in (
        "RONGRIAN_ENV",
        "SECRET_KEY",
        "DATABASE_URL",
        "REDIS_URL",
        "MAIL_SERVER",
        "PUBLIC_BASE_URL",
        "CONTACT_KEY_SECRET",
        "CONTACT_ENCRYPTION_KEYS",
        "SESSION_COOKIE_SECURE",
        "CELERY_BROKER_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RONGRIAN_INSTANCE", str(tmp_path))
    app = create_app()
    assert app.config["RONGRIAN_ENV"] == "development"
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:")
    assert app.config["SECRET_KEY"] == "dev-only-not-secret"


def test_development_on_postgresql_starts_but_warns_naming_each_setting(tmp_path, caplog):
    config = {**base_config(tmp_path, PG_URL), "TESTING": False}
    with caplog.at_level(logging.WARNING, logger="rongrian.security"):
        app = create_app(config)
    assert app.config["RONGRIAN_ENV"] == "development"
    warned = "\n".join(r.getMessage() for r in caplog.records if r.name == "rongrian.security")
    for setting in ("SECRET_KEY", "CONTACT_KEY_SECRET", "MAIL_SERVER", "PUBLIC_BASE_URL", "SESSION_COOKIE_SECURE"):
        assert setting in warned


@pytest.mark.parametrize(
    "value",
    [
        "Production",
        "prod",
        "PRODUCTION",
        "staging",
        "",
        "production ",
        "dev",
        "production\u200b",
        "<script>alert(1)</script>",
    ],
)
def test_an_unknown_environment_is_refused_even_on_sqlite(tmp_path, value):
    with pytest.raises(UnsafeConfiguration) as err:
        create_app({**base_config(tmp_path, "sqlite://"), "RONGRIAN_ENV": value})
    message = str(err.value)
    assert_bilingual_naming(message, "RONGRIAN_ENV")
    assert "development, production" in message  # the allowed values are named


WEAK_SECRETS = [
    "a" * 32,
    "a" * 200,
    "x" * 40,
    "dev-only-not-secret",
    "qwertyuiopasdfghjklzxcvbnm1234567890",
    "abcdefghijklmnopqrstuvwxyz0123456789ABCDEF",
    "1234567890" * 5,
    "correct horse battery staple",
    "change-me-random-secret",
    "CHANGE-ME" + "kQ7vZ2pX9mL4tR8wB3nY6cF1hJ5sD0gA",
    "\u200b" * 64,
    "\x00\x01" * 40,
    "' OR 1=1 --' OR 1=1 --' OR 1=1 --",
]


@pytest.mark.parametrize("setting", ["SECRET_KEY", "CONTACT_KEY_SECRET"])
@pytest.mark.parametrize("secret", WEAK_SECRETS + [None, ""])
def test_weak_default_placeholder_or_missing_secrets_are_refused(tmp_path, setting, secret):
    assert_bilingual_naming(refusal(tmp_path, **{setting: secret}), setting)


def test_the_entropy_estimate_separates_random_tokens_from_typed_secrets():
    import secrets

    for weak in WEAK_SECRETS:
        if "change-me" not in weak.lower():  # placeholders are refused by name, whatever their entropy
            assert estimate_entropy_bits(weak) < 128, weak
    # Every generated token passes: the estimate must never refuse the documented recipe.
    assert min(estimate_entropy_bits(secrets.token_urlsafe(32)) for _ in range(500)) >= 128
    assert min(estimate_entropy_bits(secrets.token_hex(32)) for _ in range(500)) >= 128


@pytest.mark.parametrize(
    "keys", [[], ["change-me-fernet-key"], ["a" * 44], ["<script>"], [Fernet.generate_key().decode(), "junk"]]
)
def test_missing_or_malformed_encryption_keys_are_refused(tmp_path, keys):
    assert_bilingual_naming(refusal(tmp_path, CONTACT_ENCRYPTION_KEYS=keys), "CONTACT_ENCRYPTION_KEYS")


def test_the_contact_key_secret_must_be_its_own(tmp_path):
    same = production_settings(tmp_path)["SECRET_KEY"]
    assert_bilingual_naming(refusal(tmp_path, CONTACT_KEY_SECRET=same), "CONTACT_KEY_SECRET")


@pytest.mark.parametrize("broker", ["memory://", "sqla+sqlite:///instance/broker.sqlite", "", "filesystem://"])
def test_a_missing_broker_server_is_refused(tmp_path, broker):
    config = production_settings(tmp_path)
    message = refusal(tmp_path, CELERY={**config["CELERY"], "broker_url": broker})
    assert_bilingual_naming(message, "REDIS_URL")
    assert "CELERY_BROKER_URL" in message


@pytest.mark.parametrize(
    "broker",
    [
        "redis://redis.internal:6379/0",
        "rediss://redis.internal:6380/0",
        "amqp://rabbit.internal//",
        "sqla+postgresql://db.internal/rongrian",
    ],
)
def test_a_broker_server_is_accepted(tmp_path, broker):
    config = production_settings(tmp_path)
    app = create_app({**config, "CELERY": {**config["CELERY"], "broker_url": broker}})
    assert app.config["CELERY"]["broker_url"] == broker


@pytest.mark.parametrize("store", ["memory://", None, ""])
def test_per_process_rate_limits_are_refused(tmp_path, store):
    assert_bilingual_naming(refusal(tmp_path, RATELIMIT_STORAGE_URI=store), "RATELIMIT_STORAGE_URI")


@pytest.mark.parametrize("server", [None, ""])
def test_a_missing_mail_server_is_refused(tmp_path, server):
    assert_bilingual_naming(refusal(tmp_path, MAIL_SERVER=server), "MAIL_SERVER")


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8000",
        "https://localhost",
        "https://LOCALHOST/",
        "https://app.localhost",
        "https://127.0.0.1",
        "https://127.1.2.3:8443",
        "https://[::1]/",
        "https://0.0.0.0",
        "http://complaints.example.go.th",
        "complaints.example.go.th",
        "",
        None,
        "javascript:alert(1)//https://x",
        "https://localhost\u200b",
        "https://complaints.example.go.th\u200b",
        "https://exa mple.go.th",
        "https://complaints.example.go.th:notaport",
        "https://user@127.0.0.1@evil",
        "ftp://complaints.example.go.th",
    ],
)
def test_a_local_or_plain_http_public_base_url_is_refused(tmp_path, url):
    assert_bilingual_naming(refusal(tmp_path, PUBLIC_BASE_URL=url), "PUBLIC_BASE_URL")


@pytest.mark.parametrize(
    "url",
    [
        "https://complaints.district-office.go.th",
        "https://complaints.district-office.go.th:8443/rr",
        "https://xn--12c1bik6bbd8ab6hd1b.com/",
        "https://203.0.113.7/",
        "https://[2001:db8::7]/",
    ],
)
def test_public_https_addresses_are_accepted(tmp_path, url):
    assert create_app(production_settings(tmp_path, PUBLIC_BASE_URL=url)).config["PUBLIC_BASE_URL"] == url


@pytest.mark.parametrize(
    "url",
    [
        "https://complaints.example.go.th",
        "https://example.com",
        "https://rr.example",
        "https://complaints.test/",
        "https://x.invalid",
    ],
)
def test_a_placeholder_public_base_url_is_refused(tmp_path, url):
    """.env.example's address (and any reserved example domain): a copy nobody edited must not start."""
    assert_bilingual_naming(refusal(tmp_path, PUBLIC_BASE_URL=url), "PUBLIC_BASE_URL")


@pytest.mark.parametrize("server", ["smtp.example.go.th", "mail.example.com"])
def test_a_placeholder_mail_server_is_refused(tmp_path, server):
    assert_bilingual_naming(refusal(tmp_path, MAIL_SERVER=server), "MAIL_SERVER")


def test_an_insecure_session_cookie_is_refused(tmp_path):
    assert_bilingual_naming(refusal(tmp_path, SESSION_COOKIE_SECURE=False), "SESSION_COOKIE_SECURE")


def test_every_problem_is_listed_at_once(tmp_path):
    """An operator fixes them all in one go, not one restart per setting."""
    message = str(
        pytest.raises(
            UnsafeConfiguration,
            create_app,
            {**base_config(tmp_path, "sqlite://"), "TESTING": False, "RONGRIAN_ENV": "production"},
        ).value
    )
    for setting in (
        "SECRET_KEY",
        "CONTACT_KEY_SECRET",
        "CONTACT_ENCRYPTION_KEYS",
        "DATABASE_URL",
        "REDIS_URL",
        "MAIL_SERVER",
        "PUBLIC_BASE_URL",
        "SESSION_COOKIE_SECURE",
    ):
        assert_bilingual_naming(message, setting)
