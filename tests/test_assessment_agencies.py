"""An assessment per agency: in a deployment hosting several agencies (units marked as
assessed bodies), each body's self-assessment counts its own subtree's complaints, its
managers see it and not another body's, and a ministry sees its bodies side by side.

The tree of every test here (`agencies`):

    ministry (min)                      other (a root, no body)
    ├── agency A (agency-a)  [body]
    │   └── A's office (a-office)
    └── agency B (agency-b)  [body]

FY2569 complaints: A 3 (1 in agency-a, 2 in a-office, all acknowledged in time), B 2 (one
acknowledged two days late), other 1; the whole deployment 6.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from assessment import service
from assessment.models import Assessment
from complaints.domain.periods import Period
from complaints.extensions import db
from complaints.models import ClusterMonth, CorrectiveAction, RecurringCluster, Unit, User
from tests.assessment_scenario import RECEIVED, complaint
from tests.helpers import csrf_from

FY = Period.parse("2569")


def _unit(code: str, name: str, parent: Unit | None = None, body: bool = False) -> Unit:
    unit = Unit(code=code, name_th=f"{name} (ไทย)", name_en=name, parent=parent, assessed_body=body)
    db.session.add(unit)
    db.session.flush()
    return unit


def _cluster(label: str, unit: Unit, count: int, action: bool) -> RecurringCluster:
    cluster = RecurringCluster(
        label_th=label, size=count, first_seen_at=RECEIVED, last_seen_at=RECEIVED, unit_id=unit.id
    )
    db.session.add(cluster)
    db.session.flush()
    db.session.add(ClusterMonth(cluster_id=cluster.id, month=date(2026, 6, 1), count=count))
    if action:
        db.session.add(CorrectiveAction(cluster_id=cluster.id, unit_id=unit.id, title=f"แก้ {label}", status="done"))
    return cluster


def agencies(app) -> dict[str, int]:
    """The tree above, its complaints and recurring clusters; unit ids by code."""
    with app.app_context():
        ministry = _unit("min", "Ministry")
        a = _unit("agency-a", "Agency A", ministry, body=True)
        office = _unit("a-office", "A's office", a)
        b = _unit("agency-b", "Agency B", ministry, body=True)
        other = _unit("other", "Other")
        complaint(unit_id=a.id, channel="web")
        complaint(unit_id=office.id, channel="line")
        complaint(unit_id=office.id, channel="phone")
        complaint(unit_id=b.id, channel="web")
        complaint(unit_id=b.id, channel="email", ack_after=timedelta(days=2, hours=1))
        complaint(unit_id=other.id, channel="sms")
        # A's clusters: 5 (with an action) and 4 (without); B's: 3 (with an action).
        _cluster("ถนน A", office, 5, action=True)
        _cluster("ไฟ A", a, 4, action=False)
        _cluster("ขยะ B", b, 3, action=True)
        db.session.commit()
        return {u.code: u.id for u in (ministry, a, office, b, other)}


def metrics(content: dict) -> dict:
    return {m["key"]: m for entry in content["items"].values() for m in entry["metrics"]}


def _body(code: str) -> Unit | None:
    return service.body_by_code(code)


def test_each_body_counts_only_its_subtree_and_the_deployment_counts_all(any_app):
    agencies(any_app)
    with any_app.app_context():
        a, b = _body("agency-a"), _body("agency-b")
        of_a, of_b, whole = (metrics(service.content(FY, None, body)) for body in (a, b, None))
        counts = [
            (m["ack_within_1wd"]["details"]["part"], m["ack_within_1wd"]["details"]["whole"])
            for m in (of_a, of_b, whole)
        ]
        assert counts == [(3, 3), (1, 2), (5, 6)]
        assert of_a["channels_used"]["value"] == 3 and of_b["channels_used"]["value"] == 2
        assert whole["channels_used"]["value"] == 5
        # Top recurring clusters and their corrective actions: each body's own.
        assert {c["label_th"] for c in of_a["corrective_actions"]["details"]["clusters"]} == {"ถนน A", "ไฟ A"}
        assert of_a["corrective_actions"]["value"] == 0.5
        assert [c["label_th"] for c in of_b["corrective_actions"]["details"]["clusters"]] == ["ขยะ B"]
        assert of_b["corrective_actions"]["value"] == 1.0
        # The tracking counter records no unit: a body's figure says it is the deployment's.
        assert "whole deployment" in of_a["tracking_lookups"]["display"]
        assert "whole deployment" not in whole["tracking_lookups"]["display"]
        # A figure's list is the body's: the dashboard list's unit filter (the unit and below).
        assert of_a["overdue"]["filters"]["params"]["unit"] == str(a.id)
        assert "unit" not in whole["overdue"]["filters"]["params"]
        # So do the figures of 3.1-3.3 that open the dashboard's list.
        listed = [
            m
            for item_id, entry in service.content(FY, None, a)["items"].items()
            for m in entry["metrics"]
            if not item_id.startswith("3.4-") and (m.get("filters") or {}).get("page") == "figures"
        ]
        assert listed, "no 3.1-3.3 figure opens the dashboard's list"
        assert all(m["filters"]["params"].get("unit") == str(a.id) for m in listed), [m["key"] for m in listed]
        # The 3.1-3.3 facts follow the body too.
        facts_a = service.operations(FY, a)["prefill"]["3.1-B1"]["facts"][0]
        assert facts_a.startswith("รับเรื่อง 3 เรื่อง")
        assert service.operations(FY)["prefill"]["3.1-B1"]["facts"][0].startswith("รับเรื่อง 6 เรื่อง")
        content_a = service.content(FY, None, a)
        assert content_a["agency"] == "Agency A (ไทย)" and content_a["unit"]["code"] == "agency-a"


def test_a_bodys_assessment_is_its_own_row_and_figures(any_app):
    ids = agencies(any_app)
    with any_app.app_context():
        admin = db.session.scalar(select(User).where(User.role == "admin"))
        a, b = _body("agency-a"), _body("agency-b")
        of_a = service.open_assessment(FY, admin, a)
        of_b = service.open_assessment(FY, admin, b)
        whole = service.open_assessment(FY, admin)
        assert len({of_a.id, of_b.id, whole.id}) == 3
        assert (of_a.unit_id, of_b.unit_id, whole.unit_id) == (ids["agency-a"], ids["agency-b"], None)
        assert service.open_assessment(FY, admin, a).id == of_a.id  # opened once per (body, period)
        assert service.find(FY, a).id == of_a.id and service.find(FY).id == whole.id
        # Each draft reads its own stored figures.
        assert metrics(service.build(FY, of_a))["ack_within_1wd"]["details"]["whole"] == 3
        assert metrics(service.build(FY, of_b))["ack_within_1wd"]["details"]["whole"] == 2
        assert metrics(service.build(FY, whole))["ack_within_1wd"]["details"]["whole"] == 6
        assert service.stored_operations(FY, a) is not None and service.stored_operations(FY, b) is not None
        # Beat refreshes every body's periods as well as the deployment's.
        refreshed = service.refresh_all()
        assert refreshed == sum(len(service.periods_to_refresh(body=x)) for x in (None, a, b))
        # The previous period's submitted assessment compared with is the same body's.
        service.submit(FY, of_b, admin)
        db.session.commit()
        next_year = Period.parse("2570")
        assert service.previous_submitted(next_year, b).id == of_b.id
        assert service.previous_submitted(next_year, a) is None and service.previous_submitted(next_year) is None


def test_uniqueness_is_per_unit_and_period(any_app):
    ids = agencies(any_app)
    with any_app.app_context():

        def add(unit_id):
            db.session.add(Assessment(agency="x", unit_id=unit_id, period="2569", fiscal_year=2569, form="f"))
            db.session.flush()

        add(None)
        add(ids["agency-a"])
        add(ids["agency-b"])
        db.session.commit()
        for unit_id in (None, ids["agency-a"]):
            with pytest.raises(IntegrityError):
                add(unit_id)
            db.session.rollback()


def _edit_status(client, code: str | None, period: str = "2569") -> int:
    query = f"?unit={code}" if code else ""
    return client.get(f"/assessment/{period}{query}").status_code


def test_a_manager_sees_and_edits_the_bodies_his_units_cover_not_others(app, staff_client, admin):
    agencies(app)
    with app.app_context():
        admin_user = db.session.scalar(select(User).where(User.role == "admin"))
        for body in (_body("agency-a"), _body("agency-b"), None):
            service.open_assessment(FY, admin_user, body)
    manager_a = staff_client("manager", "agency-a", username="mgr-a")
    assert _edit_status(manager_a, "agency-a") == 200
    assert _edit_status(manager_a, "agency-b") == 404  # not 403: the other body is not confirmed
    assert _edit_status(manager_a, None) == 404  # the deployment holds B's complaints too
    assert manager_a.get("/assessment/2569/report.html?unit=agency-b").status_code == 404
    # Edits: A's answers are saved; B's refused with 404 and left as they were.
    page = manager_a.get("/assessment/2569?unit=agency-a").text
    assert 'action="/assessment/2569/answers?unit=agency-a"' in page  # every form keeps the body
    token = csrf_from(page)
    form = {"csrf_token": token, "status-3.1-B1": "met", "explanation-3.1-B1": "สำรวจความต้องการทุกไตรมาส"}
    saved = manager_a.post("/assessment/2569/answers?unit=agency-a", data=form)
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/assessment/2569?unit=agency-a")
    assert manager_a.post("/assessment/2569/answers?unit=agency-b", data=form).status_code == 404
    opening = {"csrf_token": token, "period": "2568"}
    assert manager_a.post("/assessment/open?unit=agency-b", data=opening).status_code == 404
    assert manager_a.post("/assessment/open", data={**opening, "unit": "agency-b"}).status_code == 404
    with app.app_context():
        answers = {
            a.unit.code if a.unit else None: {x.item_id: x.explanation for x in a.answers}
            for a in db.session.scalars(select(Assessment))
        }
        assert answers["agency-a"] == {"3.1-B1": "สำรวจความต้องการทุกไตรมาส"}
        assert answers["agency-b"] == {} and answers[None] == {}
        assert service.find(Period.parse("2568"), _body("agency-b")) is None
    # The index lists A's assessment only.
    listed = re.findall(r'<tr data-unit="([^"]*)">', manager_a.get("/assessment/").text)
    assert listed == ["agency-a"]
    # A manager of A's office belongs to A: he sees A's assessment, not B's.
    office = staff_client("manager", "a-office", username="mgr-office")
    assert (_edit_status(office, "agency-a"), _edit_status(office, "agency-b")) == (200, 404)
    # An admin, and a manager with no unit (the whole deployment), see every one.
    for client in (admin, staff_client("manager", None, username="boss")):
        assert [_edit_status(client, code) for code in ("agency-a", "agency-b", None)] == [200, 200, 200]
        assert sorted(re.findall(r'<tr data-unit="([^"]*)">', client.get("/assessment/").text)) == [
            "",
            "agency-a",
            "agency-b",
        ]


def test_a_ministry_sees_its_bodies_side_by_side(app, staff_client):
    agencies(app)
    with app.app_context():
        admin_user = db.session.scalar(select(User).where(User.role == "admin"))
        service.submit(FY, service.open_assessment(FY, admin_user, _body("agency-a")), admin_user)
        db.session.commit()
    ministry = staff_client("manager", "min", username="mgr-min")
    page = ministry.get("/assessment/agencies?period=2569&unit=min")
    assert page.status_code == 200
    html = page.text
    cards = dict(re.findall(r'<article class="card body" data-unit="([^"]+)" data-status="([^"]+)">', html))
    assert cards == {"agency-a": "submitted", "agency-b": "none"}
    a_card, b_card = (html.split(f'data-unit="{code}"')[1].split("</article>")[0] for code in ("agency-a", "agency-b"))
    assert "(3/3)" in re.search(r'data-metric="ack_within_1wd">([^<]*)', a_card).group(1)
    assert "(1/2)" in re.search(r'data-metric="ack_within_1wd">([^<]*)', b_card).group(1)
    for card in (a_card, b_card):
        assert all(f'data-criterion="{cid}"' in card for cid in ("3.1", "3.2", "3.3", "3.4"))
        assert 'class="category-score"' in card
    assert 'href="/assessment/2569?unit=agency-a"' in a_card
    assert 'action="/assessment/open?unit=agency-b"' in b_card  # not opened yet: start it from here
    # Each body's figures there are its own, the same as on its page.
    with app.app_context():
        b_content = service.content(FY, None, _body("agency-b"))
        assert metrics(b_content)["ack_within_1wd"]["display"] in b_card
    # The ministry's own deployment-wide view is not there; A's manager may not look from above.
    manager_a = staff_client("manager", "agency-a", username="mgr-a")
    assert manager_a.get("/assessment/agencies?period=2569&unit=min").status_code == 404
    own = manager_a.get("/assessment/agencies?period=2569").text
    assert re.findall(r'data-unit="([^"]+)" data-status', own) == ["agency-a"]


def test_a_single_agency_deployment_keeps_its_urls(app, staff_client):
    """No unit is an assessed body: /assessment/<period> is the deployment's, for every manager."""
    with app.app_context():
        assert service.assessed_bodies() == []
        admin_user = db.session.scalar(select(User).where(User.role == "admin"))
        service.open_assessment(FY, admin_user)
        unit_code = db.session.scalar(select(Unit.code).order_by(Unit.id))
    manager = staff_client("manager", unit_code, username="mgr-unit")
    assert _edit_status(manager, None) == 200
    assert _edit_status(manager, unit_code) == 404  # a unit that is not an assessed body
    index = manager.get("/assessment/").text
    assert 'href="/assessment/2569"' in index and 'name="unit"' not in index


def test_existing_assessments_migrate_unchanged_to_the_whole_deployment(tmp_path):
    import flask_migrate

    from complaints import create_app
    from tests.conftest import base_config

    app = create_app(base_config(tmp_path, f"sqlite:///{tmp_path / 'old.sqlite'}"))
    with app.app_context():
        flask_migrate.upgrade(revision="0029")
        db.session.execute(
            text(
                "INSERT INTO assessments (agency, period, fiscal_year, form, status, created_at, snapshot,"
                " snapshot_sha256) VALUES ('สำนักงานเขต', '2568', 2568, 'pmqa-4.0-cat3', 'submitted', '2025-11-01',"
                " '{\"period\": \"2568\"}', 'abc')"
            )
        )
        db.session.execute(
            text(
                "INSERT INTO assessment_answers (assessment_id, item_id, status, explanation, fields, updated_at)"
                " SELECT id, '3.1-B1', 'met', 'สำรวจทุกไตรมาส', '{}', '2025-11-01' FROM assessments"
            )
        )
        db.session.execute(text("INSERT INTO units (code, name_th, name_en) VALUES ('u1', 'หน่วย', 'Unit');"))
        db.session.execute(
            text(
                "INSERT INTO users (username, display_name, password_hash, role, active, failed_logins, created_at,"
                " session_token, unit_id) SELECT 'u', 'u', 'x', 'officer', 1, 0, '2026-01-01', 'token-0123456789',"
                " id FROM units"
            )
        )
        db.session.commit()
        flask_migrate.upgrade()
        answer = db.session.execute(
            text(
                "SELECT a.period, x.explanation FROM assessment_answers x JOIN assessments a ON a.id = x.assessment_id"
            )
        ).one()
        assert tuple(answer) == ("2568", "สำรวจทุกไตรมาส")
        assert db.session.execute(text("SELECT assessed_body FROM units")).scalars().all() in ([0], [False])
        assert db.session.execute(text("PRAGMA foreign_key_check")).all() == []
        row = db.session.execute(
            text("SELECT agency, period, status, snapshot, snapshot_sha256, unit_id FROM assessments")
        ).one()
        assert tuple(row) == ("สำนักงานเขต", "2568", "submitted", '{"period": "2568"}', "abc", None)
        year = Period.parse("2568")
        assert service.content(year, service.find(year)) == {"period": "2568"}  # its frozen snapshot, as before
        db.session.commit()
        flask_migrate.downgrade(revision="0029")
        back = db.session.execute(text("SELECT agency, period, status FROM assessments")).one()
        assert tuple(back) == ("สำนักงานเขต", "2568", "submitted")
        assert db.session.execute(text("SELECT count(*) FROM assessment_answers")).scalar() == 1
        assert db.session.execute(text("PRAGMA foreign_key_check")).all() == []
        db.session.commit()
        db.engine.dispose()


def test_cli_report_of_one_body(app, runner, tmp_path):
    agencies(app)
    out = tmp_path / "a.html"
    result = runner.invoke(
        args=["assessment", "report", "--period", "2569", "--format", "html", "--out", str(out), "--unit", "agency-a"]
    )
    assert result.exit_code == 0, result.output
    assert "Agency A (ไทย)" in out.read_text(encoding="utf-8")
    whole = tmp_path / "whole.html"
    result = runner.invoke(args=["assessment", "report", "--period", "2569", "--format", "html", "--out", str(whole)])
    # The whole deployment's report is the agency's own, not the body's (a body may still be
    # named in its tables, e.g. the coverage of units).
    title = re.search(r"<title>(.*?)</title>", whole.read_text(encoding="utf-8"), re.S)
    assert result.exit_code == 0 and title and "Agency A (ไทย)" not in title.group(1)
    refused = runner.invoke(
        args=["assessment", "report", "--period", "2569", "--format", "html", "--out", str(out), "--unit", "a-office"]
    )
    assert refused.exit_code != 0 and "assessed body" in refused.output


def test_an_admin_marks_a_unit_as_an_assessed_body(app, admin):
    with app.app_context():
        unit = db.session.scalar(select(Unit).order_by(Unit.id))
        unit_id, code, name_th, name_en = unit.id, unit.code, unit.name_th, unit.name_en
        parent = str(unit.parent_id or "")
        assert not unit.assessed_body
    page = admin.get(f"/admin/units/{unit_id}").text
    assert 'name="assessed_body"' in page
    form = {"csrf_token": csrf_from(page), "code": code, "name_th": name_th, "name_en": name_en, "parent_id": parent}
    assert admin.post(f"/admin/units/{unit_id}", data={**form, "assessed_body": "y"}).status_code == 302
    with app.app_context():
        assert db.session.get(Unit, unit_id).assessed_body is True
        assert [u.code for u in service.assessed_bodies()] == [code]
    assert "assessed body" in admin.get("/admin/units").text
    assert admin.post(f"/admin/units/{unit_id}", data=form).status_code == 302  # unticked
    with app.app_context():
        assert db.session.get(Unit, unit_id).assessed_body is False
