"""The shared fixtures hand every test the same starting state, however they make it
(issue 18 point 6: the seed is made once per session and copied, not made per test)."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import create_engine, func, select, text

from complaints import create_app
from complaints.extensions import db
from complaints.models import Category, Complaint, User
from tests.conftest import base_config, restore_seed
from tests.helpers import make_staff, submit_api


def state(app) -> dict:
    with app.app_context():
        return {
            "users": sorted(db.session.scalars(select(User.username))),
            "categories": db.session.scalar(select(func.count()).select_from(Category)),
            "complaints": db.session.scalar(select(func.count()).select_from(Complaint)),
            "first category": db.session.scalar(select(Category.name_th).order_by(Category.id)),
        }


@pytest.mark.postgres
def test_restore_seed_undoes_a_tests_writes_and_restarts_the_ids(pg_database, pg_seed, tmp_path):
    restore_seed(pg_database, pg_seed)
    app = create_app(base_config(tmp_path, pg_database))
    before = state(app)
    assert before["complaints"] == 0 and before["categories"] > 0 and "sysadmin" in before["users"]
    first_id = make_staff(app, "extra", "officer", "public-works")
    submit_api(app.test_client())
    with app.app_context():
        db.session.scalars(select(Category).order_by(Category.id)).first().name_th = "changed"
        db.session.commit()
    assert state(app) != before
    with app.app_context():
        db.engine.dispose()
    restore_seed(pg_database, pg_seed)
    assert state(app) == before
    assert make_staff(app, "extra", "officer", "public-works") == first_id  # ids start where the seed left them
    with app.app_context():
        db.engine.dispose()
    engine = create_engine(pg_database)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1  # the schema is kept
    engine.dispose()


def test_each_sqlite_app_is_a_fresh_copy_of_the_seeded_template(sqlite_template, tmp_path):
    apps = []
    for name in ("one", "two"):
        path = tmp_path / name / "db.sqlite"
        path.parent.mkdir()
        shutil.copy(sqlite_template, path)
        apps.append(create_app(base_config(path.parent, f"sqlite:///{path}")))
    make_staff(apps[0], "extra", "officer", "public-works")
    assert "extra" in state(apps[0])["users"] and "extra" not in state(apps[1])["users"]
    assert state(apps[1])["categories"] > 0 and "sysadmin" in state(apps[1])["users"]
    for app in apps:
        with app.app_context():
            db.engine.dispose()
