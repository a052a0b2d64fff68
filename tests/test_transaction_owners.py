"""One owner per transaction: a service a view calls only adds and flushes; the view's unit
of work (or the task's, or the command's) commits it or rolls it all back."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import AuditEntry, Category, Status, Unit, User
from complaints.services.casework import workflow
from complaints.services.catalogue import reference_data, units
from complaints.services.datasets import agency_setup
from complaints.services.messaging import dispatch
from complaints.services.privacy import duties
from complaints.services.unit_of_work import after_commit, after_rollback, unit_of_work
from tests.helpers import complaint_by_number, make_staff, root_cause_id, submit_api


class Later(Exception):
    """Something in the view's block fails after the service returned."""


def test_actions_wait_for_the_commit_and_undo_waits_for_a_rollback(app):
    done: list[str] = []
    with app.app_context():
        with unit_of_work():
            after_commit(lambda: done.append("committed"))
            after_rollback(lambda: done.append("undone"))
            assert done == []
        assert done == ["committed"]
        with pytest.raises(Later):
            with unit_of_work():
                after_commit(lambda: done.append("committed again"))
                after_rollback(lambda: done.append("undone"))
                raise Later
        assert done == ["committed", "undone"]


def test_a_transition_is_undone_with_the_view_block_and_enqueues_nothing(app, client, monkeypatch):
    officer_id = make_staff(app, "tx-officer", "officer", "public-works")
    number = submit_api(client)
    enqueued: list[list[int]] = []
    monkeypatch.setattr(dispatch, "enqueue_outbox", lambda ids: enqueued.append(list(ids)) or True)
    with app.app_context():
        complaint = complaint_by_number(number)
        before = complaint.status
        with pytest.raises(Later):
            with unit_of_work():
                workflow.transition(
                    complaint,
                    "resolve",
                    db.session.get(User, officer_id),
                    workflow.Params(reason="ซ่อมแล้ว", root_cause_id=root_cause_id()),
                )
                raise Later
        db.session.close()  # a fresh session sees only what was committed
        assert complaint_by_number(number).status == before != Status.RESOLVED
        assert enqueued == []  # the message was never stored: nothing to hand to a worker

        complaint = complaint_by_number(number)
        with unit_of_work():
            workflow.transition(
                complaint,
                "resolve",
                db.session.get(User, officer_id),
                workflow.Params(reason="ซ่อมแล้ว", root_cause_id=root_cause_id()),
            )
            assert enqueued == []  # not before the commit
        db.session.close()
        assert complaint_by_number(number).status == Status.RESOLVED
        assert len(enqueued) == 1


def test_a_contact_view_is_audited_in_the_callers_transaction(app, client):
    officer_id = make_staff(app, "tx-viewer", "officer", "public-works")
    number = submit_api(client)
    with app.app_context():
        complaint = complaint_by_number(number)
        entries = select(func.count(AuditEntry.id)).where(AuditEntry.action == "view_contact")
        with pytest.raises(Later):
            with unit_of_work():
                duties.record_contact_view(db.session.get(User, officer_id), complaint)
                raise Later
        assert db.session.scalar(entries) == 0


def test_a_catalogue_save_is_undone_with_the_view_block_and_the_cache_kept(app):
    with app.app_context():
        cached_before = reference_data.active_categories()
        with pytest.raises(Later):
            with unit_of_work():
                units.save_unit(None, code="tx-unit", name_th="หน่วยทดลอง", name_en="Trial unit")
                raise Later
        assert db.session.scalar(select(func.count(Unit.id)).where(Unit.code == "tx-unit")) == 0
        assert reference_data.active_categories() is cached_before  # nothing committed: nothing to forget

        with unit_of_work():
            units.save_unit(None, code="tx-unit", name_th="หน่วยทดลอง", name_en="Trial unit")
        assert db.session.scalar(select(func.count(Unit.id)).where(Unit.code == "tx-unit")) == 1
        assert reference_data.active_categories() is not cached_before  # read again after the commit


def test_setup_is_undone_with_the_view_block_and_keeps_the_setup_code(bare_app):
    with bare_app.app_context():
        agency_setup.setup_code()
        code_file = Path(bare_app.config["SETUP_CODE_FILE"])
        assert code_file.exists()
        with pytest.raises(Later):
            with unit_of_work():
                agency_setup.set_up(
                    agency_th="อำเภอตัวอย่าง",
                    agency_en="Example District",
                    username="txadmin",
                    display_name="ผู้ดูแลระบบ",
                    password="a-long-admin-password",
                    lists=agency_setup.load_preset("bangkok-district"),
                )
                raise Later
        db.session.close()
        assert agency_setup.needs_setup()
        assert db.session.scalar(select(func.count(Category.id))) == 0
        assert code_file.exists()  # still needed: the setup did not happen
