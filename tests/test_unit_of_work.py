"""One unit of work: commit, or roll everything back; a clash at commit is a bilingual 409."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from complaints.domain.errors import BilingualError
from complaints.extensions import db
from complaints.models import Unit
from complaints.services.unit_of_work import commit, unit_of_work


def _units(code: str) -> int:
    return db.session.scalar(select(func.count(Unit.id)).where(Unit.code == code))


def test_the_block_is_committed(app):
    with app.app_context():
        with unit_of_work():
            db.session.add(Unit(code="uow-a", name_th="ก", name_en="A"))
        db.session.close()  # a fresh session sees only what was committed
        assert _units("uow-a") == 1


def test_a_refusal_rolls_the_whole_block_back_and_is_raised_unchanged(app):
    refusal = BilingualError(422, "invalid-input", "ไม่ถูกต้อง", "Invalid.")
    with app.app_context():
        with pytest.raises(BilingualError) as raised:
            with unit_of_work():
                db.session.add(Unit(code="uow-b", name_th="ข", name_en="B"))
                db.session.flush()
                raise refusal
        assert raised.value is refusal
        assert _units("uow-b") == 0
        commit()  # the session is usable afterwards, and nothing was left pending
        assert _units("uow-b") == 0


def test_a_clash_at_commit_is_a_bilingual_409_and_nothing_is_kept(app):
    with app.app_context():
        db.session.add(Unit(code="uow-c", name_th="ค", name_en="C"))
        commit()
        db.session.add(Unit(code="uow-d", name_th="ง", name_en="D"))
        db.session.add(Unit(code="uow-c", name_th="ค ซ้ำ", name_en="C again"))
        with pytest.raises(BilingualError) as raised:
            commit()
        assert raised.value.status == 409 and raised.value.th and raised.value.en
        assert (_units("uow-c"), _units("uow-d")) == (1, 0)
