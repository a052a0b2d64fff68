"""Password hashes: scrypt in every real run; the test suite's cheap method (one PBKDF2
round, issue 18 point 6) only ever in an app with TESTING on, which production refuses."""

from __future__ import annotations

import pytest
from werkzeug.security import check_password_hash

from complaints import create_app
from complaints.models.user import (
    PASSWORD_HASH_METHOD,
    TESTING_PASSWORD_HASH_METHOD,
    User,
    password_hash_method,
)
from complaints.services.staff import accounts
from complaints.startup_checks import UnsafeConfiguration
from tests.helpers import production_environment, production_settings

CHEAP = TESTING_PASSWORD_HASH_METHOD + "$"


def new_hash(app) -> str:
    with app.app_context():
        user = User(username="u", display_name="u", role="officer")
        user.set_password("long-enough-pw")
        assert user.check_password("long-enough-pw") and not user.check_password("wrong-password")
        return user.password_hash


def flags_that_must_not_leak(monkeypatch) -> None:
    """Variables a shell or a CI job might have set: none of them turns TESTING on."""
    for name in ("TESTING", "FLASK_TESTING", "RONGRIAN_TESTING", "TESTING_PASSWORD_HASH_METHOD"):
        monkeypatch.setenv(name, "1" if "METHOD" not in name else TESTING_PASSWORD_HASH_METHOD)


def test_a_development_run_hashes_with_scrypt(tmp_path, monkeypatch):
    """`make run` and the flask commands: no TESTING, whatever the environment holds."""
    for name in ("RONGRIAN_ENV", "DATABASE_URL", "REDIS_URL", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RONGRIAN_INSTANCE", str(tmp_path))
    flags_that_must_not_leak(monkeypatch)
    app = create_app()
    assert not app.testing and "TESTING_PASSWORD_HASH_METHOD" not in app.config
    assert new_hash(app).startswith(PASSWORD_HASH_METHOD + ":")
    with app.app_context():
        assert password_hash_method() == "scrypt"
        # The unknown-username dummy costs what a real password does.
        assert accounts._dummy_hash(password_hash_method()).startswith("scrypt:")


def test_a_production_app_hashes_with_scrypt_and_refuses_testing(tmp_path, monkeypatch):
    env = production_environment(tmp_path)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    flags_that_must_not_leak(monkeypatch)
    app = create_app()  # what gunicorn and the worker build
    assert not app.testing
    assert new_hash(app).startswith(PASSWORD_HASH_METHOD + ":")
    # A cheap method named in the config is ignored without TESTING ...
    app = create_app({**production_settings(tmp_path), "TESTING_PASSWORD_HASH_METHOD": TESTING_PASSWORD_HASH_METHOD})
    assert new_hash(app).startswith(PASSWORD_HASH_METHOD + ":")
    # ... and production with TESTING on does not start at all.
    with pytest.raises(UnsafeConfiguration, match="TESTING must be off"):
        create_app(production_settings(tmp_path, TESTING=True))


def test_the_suite_hashes_cheaply_and_signs_in_with_it(app, client):
    from tests.helpers import login, make_staff

    make_staff(app, "quick", "officer", "public-works")
    with app.app_context():
        from sqlalchemy import select

        from complaints.extensions import db

        stored = dict(db.session.execute(select(User.username, User.password_hash)).all())
    assert stored["quick"].startswith(CHEAP)
    assert all(h.startswith(CHEAP) for name, h in stored.items() if name != "quick")  # the seeded demo accounts
    assert not check_password_hash(stored["quick"], "wrong-password")
    assert login(client, "quick", "wrong-password").status_code == 401
    assert login(client, "quick").status_code == 302
