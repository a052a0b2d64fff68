"""The schema comes from migrations alone, on SQLite and PostgreSQL; the CLI works."""

from __future__ import annotations

import json

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select

from complaints.extensions import db
from complaints.models import Category, Unit, User


def schema_differences(app) -> list:
    with app.app_context():
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, db.metadata)


def test_sqlite_schema_from_migrations_matches_the_models(app):
    assert schema_differences(app) == []


@pytest.mark.postgres
def test_postgresql_schema_from_migrations_matches_the_models(pg_app):
    assert schema_differences(pg_app) == []
    with pg_app.app_context():
        tables = set(inspect(db.engine).get_table_names())
    assert {
        "complaints",
        "complainants",
        "timeline_events",
        "attachments",
        "outbox_messages",
        "categories",
        "units",
        "users",
        "idempotency_records",
        "calendar_overrides",
    } <= tables


def test_accounts_from_before_session_tokens_get_one_at_upgrade(tmp_path):
    """0022: an account made before 0018 has no token; the upgrade gives each its own."""
    import flask_migrate
    from sqlalchemy import text

    from complaints import create_app
    from tests.conftest import base_config

    app = create_app(base_config(tmp_path, f"sqlite:///{tmp_path / 'old.sqlite'}"))
    with app.app_context():
        flask_migrate.upgrade(revision="0018")
        for name in ("old1", "old2"):
            db.session.execute(
                text(
                    "INSERT INTO users (username, display_name, password_hash, role, active, failed_logins, created_at)"
                    " VALUES (:n, :n, 'x', 'officer', 1, 0, '2026-01-01')"
                ),
                {"n": name},
            )
        db.session.commit()
        flask_migrate.upgrade()
        tokens = db.session.execute(text("SELECT session_token FROM users ORDER BY username")).scalars().all()
        assert len(tokens) == 2 and all(t and len(t) >= 40 for t in tokens) and tokens[0] != tokens[1]
        with pytest.raises(Exception, match="NOT NULL"):
            db.session.execute(text("UPDATE users SET session_token = NULL"))
        db.session.rollback()
        db.engine.dispose()


def test_runs_from_before_scheduled_retraining_keep_their_figures_under_base(tmp_path):
    """0024: feedback_rows becomes confirmed_rows; flat metrics move under "base"; and back."""
    import flask_migrate
    from sqlalchemy import text

    from complaints import create_app
    from tests.conftest import base_config

    app = create_app(base_config(tmp_path, f"sqlite:///{tmp_path / 'old.sqlite'}"))
    with app.app_context():
        flask_migrate.upgrade(revision="0023")
        db.session.execute(
            text(
                "INSERT INTO training_runs (requested_at, status, progress, stage, feedback_rows, candidate_metrics,"
                " active_metrics) VALUES ('2026-01-01', 'promoted', 100, '', 7, :c, NULL)"
            ),
            {"c": '{"in_gold": 0.97, "n": 60}'},
        )
        db.session.commit()
        flask_migrate.upgrade()
        row = db.session.execute(
            text(
                'SELECT confirmed_rows, "trigger", recent_heldout_rows, candidate_metrics, active_metrics'
                " FROM training_runs"
            )
        ).one()
        assert row[:3] == (7, "admin", 0) and row[4] is None
        assert json.loads(row[3]) == {"base": {"in_gold": 0.97, "n": 60}}
        db.session.commit()
        flask_migrate.downgrade(revision="0023")
        back = db.session.execute(text("SELECT feedback_rows, candidate_metrics FROM training_runs")).one()
        assert back[0] == 7 and json.loads(back[1]) == {"in_gold": 0.97, "n": 60}
        db.session.commit()
        db.engine.dispose()


def test_seed_demo_is_repeatable(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0
    assert "0 new" in result.output and "already exists" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Category)) == 24
        assert db.session.scalar(select(Category.name_en).where(Category.code == "น้ำท่วม")) == "Flooding"
        assert db.session.scalar(select(func.count()).select_from(Unit)) >= 5


def test_create_user_hashes_the_password(app, runner):
    from complaints.models.user import PASSWORD_HASH_METHOD

    app.config["TESTING_PASSWORD_HASH_METHOD"] = PASSWORD_HASH_METHOD  # the real hash, not the suite's cheap one
    result = runner.invoke(
        args=[
            "create-user",
            "--username",
            "somsri",
            "--name",
            "สมศรี",
            "--role",
            "supervisor",
            "--unit",
            "public-works",
            "--password",
            "long-enough-pw",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "somsri"))
        assert user.role == "supervisor" and user.unit.code == "public-works"
        assert user.password_hash.startswith("scrypt:") and "long-enough-pw" not in user.password_hash
        assert user.check_password("long-enough-pw") and not user.check_password("wrong")
    again = runner.invoke(args=["create-user", "--username", "somsri", "--name", "x", "--password", "long-enough-pw"])
    assert again.exit_code != 0 and "already exists" in again.output


def test_create_user_refuses_short_passwords_and_unknown_units(runner):
    short = runner.invoke(args=["create-user", "--username", "a", "--name", "a", "--password", "short"])
    assert short.exit_code != 0 and "at least" in short.output
    unit = runner.invoke(
        args=["create-user", "--username", "b", "--name", "b", "--password", "long-enough-pw", "--unit", "nowhere"]
    )
    assert unit.exit_code != 0 and "unknown unit" in unit.output


def test_every_python_package_is_listed_for_installation():
    """A package missing from pyproject.toml works in a checkout and breaks in a wheel."""
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    listed = set(tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {
        ".".join(p.parent.relative_to(root).parts)
        for top in ("complaints", "assessment", "workers")
        for p in (root / top).rglob("__init__.py")
    }
    # Mapped from the top-level templates/ folder, and each folder in it.
    templates = {"complaints.templates"} | {
        f"complaints.templates.{d.name}" for d in (root / "templates").iterdir() if d.is_dir()
    }
    data = {"complaints.static", "complaints.nlp.model", "assessment.forms"}  # files only
    assert found | templates | data == listed
    assert all((root / Path(*name.split("."))).is_dir() for name in data)


def _unlinks_tip_off_repeats(app) -> None:
    """0028: a stored repeat link between a tip-off and an ordinary complaint is cleared;
    links within one side stay."""
    import flask_migrate

    from complaints.models import Complaint
    from tests.helpers import complaint_by_number, submit_api

    client = app.test_client()
    numbers = [
        submit_api(client, kind=kind, description=f"เรื่องที่ {i} ถนนพังหน้าซอยเจ็ด")
        for i, kind in enumerate(["tip_off", "complaint", "tip_off", "complaint", "complaint"])
    ]
    with app.app_context():
        tip, ordinary, tip2, ordinary2, ordinary3 = (complaint_by_number(n) for n in numbers)
        links = {
            ordinary.id: tip.id,
            tip2.id: ordinary.id,  # across: cleared
            ordinary2.id: ordinary.id,
            ordinary3.id: None,
        }  # within one side: kept
        links[tip.id] = None
        for complaint_id, earlier in links.items():
            db.session.get(Complaint, complaint_id).repeat_of_id = earlier
        db.session.commit()
        flask_migrate.downgrade(revision="0027")
        flask_migrate.upgrade()
        stored = dict(db.session.execute(select(Complaint.id, Complaint.repeat_of_id)).all())
        assert stored[ordinary.id] is None and stored[tip2.id] is None
        assert stored[ordinary2.id] == ordinary.id
        db.session.commit()


def test_migration_0028_unlinks_tip_off_repeats(app):
    _unlinks_tip_off_repeats(app)


@pytest.mark.postgres
def test_migration_0028_unlinks_tip_off_repeats_on_postgresql(pg_app):
    _unlinks_tip_off_repeats(pg_app)


def test_demo_data_is_refused_in_production(app, runner):
    app.config["RONGRIAN_ENV"] = "production"  # as set by compose and docs/operations.md
    with app.app_context():
        before = {t: db.session.scalar(select(func.count()).select_from(m)) for t, m in (("users", User),)}
    for args in (["seed-demo"], ["demo", "generate", "--count", "5"]):
        result = runner.invoke(args=args)
        assert result.exit_code != 0, args
        assert "Demo data is never made in production" in result.output and "flask setup" in result.output
    with app.app_context():
        from complaints.models import Complaint

        assert db.session.scalar(select(func.count()).select_from(Complaint)) == 0
        assert {"users": db.session.scalar(select(func.count()).select_from(User))} == before
