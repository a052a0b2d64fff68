"""Root causes stay recorded: auto-close leaves a resolved case without one open for the
officer, and the demo year gives one recurring problem one cause (issue 19)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Complaint, User, utcnow
from complaints.services.analytics import clusters
from complaints.services.casework import sla, workflow
from complaints.services.casework.workflow import Params
from tests.helpers import (
    case_url,
    complaint_by_number,
    csrf_from,
    login,
    make_staff,
    root_cause_id,
    submit_api,
)
from tests.test_demo_data import generate


def _resolved(app, client, officer: int, description: str, *, with_cause: bool) -> str:
    """A complaint resolved past the auto-close limit; without a cause as one resolved before
    the rule, or imported, would be."""
    number = submit_api(client, description=description)
    with app.app_context():
        case = complaint_by_number(number)
        workflow.transition(
            case, "resolve", db.session.get(User, officer), Params(reason="เรียบร้อย", root_cause_id=root_cause_id())
        )
        case.resolved_at = utcnow() - timedelta(days=app.config["AUTO_CLOSE_DAYS"] + 1)
        if not with_cause:
            case.root_cause_id = None
        db.session.commit()
    return number


def test_auto_close_leaves_a_resolved_case_without_a_root_cause_open(app, client):
    officer = make_staff(app, "off", "officer", "public-works")
    lead = make_staff(app, "lead", "supervisor", "public-works")
    with_cause = _resolved(app, client, officer, "ถนนเป็นหลุมหน้าบ้านเลขที่ 1", with_cause=True)
    without = _resolved(app, client, officer, "ไฟฟ้าส่องทางดับทั้งซอย", with_cause=False)
    with app.app_context():
        result = sla.sweep(utcnow())
        assert complaint_by_number(with_cause).status == "closed"
        left = complaint_by_number(without)
        assert (left.status, left.closed_at, left.root_cause_id) == ("resolved", None, None)
        assert (result.auto_closed, result.awaiting_root_cause) == (1, 1)
        # The rule is the workflow's, not only the sweep's: no system close of such a case.
        with pytest.raises(workflow.WorkflowError):
            workflow.transition(left, "close", workflow.SYSTEM, Params())
        db.session.rollback()
        again = sla.sweep(utcnow() + timedelta(minutes=5))
        assert (again.auto_closed, again.awaiting_root_cause) == (0, 1)
        assert complaint_by_number(without).status == "resolved"

    # The queue lists it for the officer (whatever the status filter), with a badge.
    login(client, "off")
    listed = client.get("/officer/?cause=missing").text
    assert without in listed and with_cause not in listed and "รอระบุสาเหตุ" in listed
    assert without not in client.get("/officer/").text  # the default queue: open cases only

    # A supervisor closes it with its cause; then it is closed, with one.
    client = app.test_client()
    login(client, "lead")
    page = client.get(case_url(app, without)).text
    token = csrf_from(page)
    refused = client.post(case_url(app, without, "/action"), data={"csrf_token": token, "action": "close"})
    assert refused.status_code == 422
    done = client.post(
        case_url(app, without, "/action"),
        data={"csrf_token": token, "action": "close", "root_cause_id": str(_cause(app))},
    )
    assert done.status_code == 302
    with app.app_context():
        closed = complaint_by_number(without)
        assert closed.status == "closed" and closed.root_cause_id is not None
    assert lead


def _cause(app) -> int:
    with app.app_context():
        return root_cause_id("infrastructure")


def test_demo_root_causes_are_consistent_per_cluster(app):
    generate(app, 1500, seed=2569)
    with app.app_context():
        clusters.update_clusters()
        rows = db.session.execute(
            select(Complaint.cluster_id, Complaint.root_cause_id).where(
                Complaint.cluster_id.is_not(None), Complaint.status == "closed"
            )
        ).all()
    causes: dict[int, list[int | None]] = defaultdict(list)
    for cluster_id, cause in rows:
        causes[cluster_id].append(cause)
    big = {cid: found for cid, found in causes.items() if len(found) >= 5}
    for cluster_id, found in big.items():
        _, most = Counter(found).most_common(1)[0]
        assert most / len(found) >= 0.8, (cluster_id, Counter(found))
    assert len(big) >= 3, f"too few clusters of 5+ closed complaints to judge: {len(big)}"
    # Every resolved complaint has its cause, as the officer records it when resolving.
    with app.app_context():
        resolved = db.session.scalars(select(Complaint).where(Complaint.resolved_at.is_not(None))).all()
        assert resolved and all(c.root_cause_id is not None for c in resolved)
