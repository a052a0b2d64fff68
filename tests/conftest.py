"""Fixtures: an app per test on a fresh database, real services when present.

SQLite tests copy a database file migrated once per session. Tests marked
postgres/redis/worker/browser use the real servers; when one is absent the test
is skipped with the reason, or fails when RONGRIAN_REQUIRE_SERVICES=1 (CI).
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, make_url, text

from complaints import create_app
from complaints.extensions import db
from complaints.services.datasets import demo_seed

REQUIRE_SERVICES = os.environ.get("RONGRIAN_REQUIRE_SERVICES") == "1"
PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _redis_url_of_this_worker() -> str:
    """TEST_REDIS_URL's database, plus n for pytest-xdist's worker gw<n>: each worker
    process flushes and fills a database of its own (make test runs at most 4).

    The suite takes Redis databases 11 to 14 by default (11 + n); the benchmarks default
    to 5, 6 and 8 (bench/, BENCHMARKS.md) and tests/integration/test_load_short.py runs
    its load on 15, so none of them flushes another's database."""
    url = urlsplit(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/11"))
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
    return url._replace(path=f"/{int(url.path.strip('/') or 0) + worker}").geturl()


REDIS_URL = _redis_url_of_this_worker()
ROOT = Path(__file__).resolve().parent.parent


def service_unavailable(reason: str):
    """Skip, or fail in CI, a test whose real service is missing."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service unavailable (RONGRIAN_REQUIRE_SERVICES=1): {reason}")
    pytest.skip(f"service unavailable: {reason}")


def base_config(tmp_path: Path, database_uri: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "EXPORT_DIR": str(tmp_path / "exports"),
        "SETUP_CODE_FILE": str(tmp_path / "setup-code"),
        "MAIL_OUTBOX_DIR": str(tmp_path / "mail"),
        "LINE_OUTBOX_DIR": str(tmp_path / "line"),  # the development outboxes of unconfigured channels
        "SMS_OUTBOX_DIR": str(tmp_path / "sms"),
        "WORKER_HEARTBEAT_FILE": str(tmp_path / "worker-heartbeat"),  # no Redis: /readyz reads this
        "RATELIMIT_STORAGE_URI": "memory://",
        "TRACK_RATE_LIMIT": "1000 per minute",
        "INTAKE_RATE_LIMIT": "1000 per minute",
        "ASSESSMENT_DATA_MAX_AGE": 0,  # figures computed on every view unless a test keeps them
        "CELERY": {**create_app_config_celery(), "broker_url": "memory://"},
    }


def create_app_config_celery() -> dict:
    from complaints.config import load_config

    return dict(load_config("/nonexistent")["CELERY"])


def migrate_database(uri: str, tmp_path: Path) -> None:
    import flask_migrate

    app = create_app(base_config(tmp_path, uri))
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory) -> Path:
    """A SQLite file with the schema and nothing in it: a fresh install, never seeded."""
    folder = tmp_path_factory.mktemp("migrated")
    path = folder / "migrated.sqlite"
    migrate_database(f"sqlite:///{path}", folder)
    return path


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory, migrated_template) -> Path:
    """The migrated file with the demo seed, made once and copied for each test: seeding
    (the Bangkok district preset's reference data, then the demo accounts) is seconds of
    work, though under TESTING each account's password hash is only one PBKDF2 round."""
    folder = tmp_path_factory.mktemp("template")
    path = folder / "template.sqlite"
    shutil.copy(migrated_template, path)
    app = _make_app(base_config(folder, f"sqlite:///{path}"))
    with app.app_context():
        db.engine.dispose()
    return path


def _make_app(config: dict):
    app = create_app(config)
    with app.app_context():
        demo_seed.seed()
    return app


@pytest.fixture
def bare_app(tmp_path, migrated_template):
    """An app on a freshly migrated database that was never seeded: no unit, category,
    standard or account (what a new agency starts from); reference data is not cached."""
    path = tmp_path / "bare.sqlite"
    shutil.copy(migrated_template, path)
    app = create_app({**base_config(tmp_path, f"sqlite:///{path}"), "REFERENCE_CACHE_SECONDS": 0})
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(tmp_path, sqlite_template):
    path = tmp_path / "rongrian.sqlite"
    shutil.copy(sqlite_template, path)
    app = create_app(base_config(tmp_path, f"sqlite:///{path}"))
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_app(request):
    """The app on SQLite, and on PostgreSQL (interval arithmetic, the median, locking and
    SQL errors differ): a test taking it runs on both."""
    return request.getfixturevalue("app" if request.param == "sqlite" else "pg_app")


@pytest.fixture
def staff_client(app):
    """staff_client(role, unit_code=None, username=role, client=None): a new account of
    that role (tests/helpers.make_staff) and a test client signed in as it (a new one
    unless `client` is given)."""
    from tests.helpers import signed_in

    def sign_in(role: str, unit_code: str | None = None, username: str | None = None, client=None):
        return signed_in(app, username or role, role, unit_code, client=client)

    return sign_in


@pytest.fixture
def admin_id(app) -> int:
    """A new admin, "admin", of the complaints centre."""
    from tests.helpers import make_staff

    return make_staff(app, "admin", "admin", "complaints-centre")


@pytest.fixture
def admin(client, admin_id):
    """`client` signed in as admin_id's admin."""
    from tests.helpers import signed_in

    return signed_in(client.application, "admin", client=client)


@pytest.fixture
def manager(client, staff_client):
    """`client` signed in as a new manager, "boss" (no unit: the whole agency)."""
    return staff_client("manager", username="boss", client=client)


@pytest.fixture
def sent(app, monkeypatch) -> list:
    """The tasks handed to the broker, as (name, args): `app` sends none for real."""
    calls: list = []
    monkeypatch.setattr(app.extensions["celery"], "send_task", lambda name, args: calls.append((name, args)))
    return calls


@pytest.fixture
def smtp_server(app):
    """An SMTP server on loopback (tests/helpers.start_smtp_server) that `app` sends its
    mail to; yields its SmtpInbox."""
    from tests.helpers import start_smtp_server

    controller, inbox = start_smtp_server()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    yield inbox
    controller.stop()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def data(app):
    """The analytics data set of tests/analytics_data.py, built in `app`; its ids."""
    from tests import analytics_data

    with app.app_context():
        return analytics_data.build()


@pytest.fixture(scope="session")
def pg_database(tmp_path_factory) -> str:
    """A fresh, migrated PostgreSQL database for this test session."""
    try:
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means no server for us
        service_unavailable(f"PostgreSQL at {make_url(PG_URL).render_as_string()}: {exc.__class__.__name__}")
    name = f"rongrian_test_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    migrate_database(url, tmp_path_factory.mktemp("pg"))
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def truncate_all(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = [
            r[0]
            for r in conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")
            )
        ]
        if tables:
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    engine.dispose()


def _tables_parents_first(conn) -> list[str]:
    from complaints.models import Base

    present = {
        r[0]
        for r in conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")
        )
    }
    ordered = [t.name for t in Base.metadata.sorted_tables if t.name in present]
    return ordered + sorted(present - set(ordered))


@pytest.fixture(scope="session")
def pg_seed(pg_database, tmp_path_factory) -> dict:
    """The demo seed on PostgreSQL, made once: every table's rows (COPY data) and every
    sequence's position, which pg_app puts back for each test (0.3 s, where truncating
    every table and seeding again took 1.5 s)."""
    truncate_all(pg_database)
    app = _make_app(base_config(tmp_path_factory.mktemp("pg-seed"), pg_database))
    with app.app_context():
        db.engine.dispose()
    engine = create_engine(pg_database)
    with engine.connect() as conn:
        tables = _tables_parents_first(conn)
        sequences = dict(
            conn.execute(
                text("SELECT quote_ident(sequencename), last_value FROM pg_sequences WHERE schemaname = 'public'")
            ).all()
        )
        with conn.connection.driver_connection.cursor() as cursor:
            rows = {}
            for table in tables:
                with cursor.copy(f'COPY "{table}" TO STDOUT') as copy:
                    rows[table] = b"".join(bytes(chunk) for chunk in copy)
    engine.dispose()
    return {"tables": tables, "rows": rows, "sequences": sequences}


def restore_seed(url: str, seed: dict) -> None:
    """Back to the state pg_seed recorded: what a test wrote is deleted (DELETE, not
    TRUNCATE: no new files for every table), the seed copied in, the ids restarted."""
    engine = create_engine(url)
    with engine.begin() as conn:
        for table in reversed(seed["tables"]):
            conn.execute(text(f'DELETE FROM "{table}"'))
        with conn.connection.driver_connection.cursor() as cursor:
            for table in seed["tables"]:
                if seed["rows"][table]:
                    with cursor.copy(f'COPY "{table}" FROM STDIN') as copy:
                        copy.write(seed["rows"][table])
        for sequence, last_value in seed["sequences"].items():
            conn.execute(
                text("SELECT setval(CAST(:s AS regclass), :v, :called)"),
                {"s": sequence, "v": last_value or 1, "called": last_value is not None},
            )
    engine.dispose()


@pytest.fixture
def pg_app(pg_database, pg_seed, tmp_path):
    """An app on the session's PostgreSQL database holding exactly the demo seed."""
    restore_seed(pg_database, pg_seed)
    app = create_app(base_config(tmp_path, pg_database))
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def worker_app(pg_database, pg_seed, tmp_path):
    """worker_app(broker_url): an app on the session's PostgreSQL database holding exactly
    the demo seed, sending its tasks through `broker_url`: the app a real worker test drives."""
    apps = []

    def make(broker_url: str):
        restore_seed(pg_database, pg_seed)
        config = base_config(tmp_path, pg_database)
        config["CELERY"] = {
            **config["CELERY"],
            "broker_url": broker_url,
            "broker_transport_options": {"socket_connect_timeout": 2},
        }
        config["RATELIMIT_STORAGE_URI"] = broker_url
        apps.append(create_app(config))
        return apps[-1]

    yield make
    for app in apps:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def redis_url() -> str:
    import redis

    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        client.ping()
    except Exception as exc:  # noqa: BLE001
        service_unavailable(f"Redis at {REDIS_URL}: {exc.__class__.__name__}")
    client.flushdb()
    return REDIS_URL


def worker_env(tmp_path: Path, database_uri: str, broker_url: str, **extra: str) -> dict:
    return {
        "DATABASE_URL": database_uri,
        "REDIS_URL": broker_url,
        "SECRET_KEY": "test-secret",  # as base_config: one deployment's processes share their secrets
        "RATELIMIT_STORAGE_URI": "memory://",
        "RONGRIAN_INSTANCE": str(tmp_path / "worker-instance"),
        "MAIL_OUTBOX_DIR": str(tmp_path / "mail"),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "EXPORT_DIR": str(tmp_path / "exports"),
        "NLP_RETRAIN_CRONTAB": "",  # a beat in a test never starts a weekly retraining
        **extra,
    }
