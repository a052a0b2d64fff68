"""The manager blueprint: access, drill-down lists, exports (masked), PDF, corrective actions, root causes."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime

from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Complaint, CorrectiveAction, RootCause, Unit
from complaints.services.casework import workflow
from tests import analytics_data
from tests.helpers import (
    PERSON,
    case_url,
    complaint_by_number,
    csrf_from,
    export_file,
    login,
    make_staff,
    submit_api,
)

PERSONAL = ("สมชาย", "081-234-5678", "0812345678", "somchai@example.com", PERSON["email"], PERSON["phone"])


def drill_count(html: str) -> int:
    return int(re.search(r'id="drill-count">(\d+)<', html).group(1))


def test_officer_cannot_open_manager_pages(app, client, data):
    make_staff(app, "off", "officer", "public-works")
    login(client, "off")
    for path in (
        "/manager/",
        "/manager/complaints?period=2569",
        "/manager/export/by_kind.csv?period=2569",
        "/manager/dashboard.pdf?period=2569",
        "/manager/actions",
        "/manager/actions/new",
    ):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "ไม่มีสิทธิ์" in response.text and "permission" in response.text
    assert client.get("/officer/").status_code == 200 and "/manager/" not in client.get("/officer/").text


def test_anonymous_is_sent_to_login(client):
    response = client.get("/manager/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_supervisor_sees_only_their_units(app, client, data):
    make_staff(app, "sup", "supervisor", "public-works")
    login(client, "sup")
    page = client.get("/manager/?period=2569")
    assert page.status_code == 200
    assert 'id="kpi-total" href="/manager/complaints?period=2569"><b>5</b>' in page.text
    assert drill_count(client.get("/manager/complaints?period=2569").text) == 5
    with app.app_context():
        drainage = db.session.scalar(select(Unit.id).where(Unit.code == "drainage"))
    assert client.get(f"/manager/?period=2569&unit={drainage}").status_code == 404
    assert client.get(f"/manager/complaints?period=2569&handling_unit={drainage}").status_code == 200
    assert drill_count(client.get(f"/manager/complaints?period=2569&handling_unit={drainage}").text) == 0
    assert client.get("/manager/actions/new").status_code == 403


def test_a_supervisors_page_reads_the_unit_tree_once(app, client, data):
    from sqlalchemy import event

    make_staff(app, "sup", "supervisor", "public-works")
    login(client, "sup")
    with app.app_context():
        engine = db.engine
    tree_reads = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if " ".join(statement.split()) == "SELECT units.id, units.parent_id FROM units":
            tree_reads.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        page = client.get("/manager/?period=2569")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert page.status_code == 200 and 'href="/manager/complaints?period=2569"><b>5</b>' in page.text
    assert len(tree_reads) == 1, tree_reads


def test_dashboard_in_thai_with_be_dates_and_english_switch(manager, data):
    page = manager.get("/manager/?period=2569")
    assert page.status_code == 200
    text = page.text
    assert "ปีงบประมาณ พ.ศ. 2569" in text and "1 ต.ค. 2568 – 30 ก.ย. 2569" in text
    assert 'id="chart-by_month"' in text and "ต.ค. 68" in text and "จำนวนเรื่อง" in text
    assert "<script" not in text.split("</header>")[1]  # charts are server-rendered SVG
    english = manager.get("/manager/?period=2569&lang=en").text
    assert "FY2569" in english and "Oct 2568" in english
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_every_dashboard_link_count_matches_its_drill_down_list(manager, data):
    text = manager.get("/manager/?period=2569").text
    bars = re.findall(r'<a class="bar" href="([^"]+)" data-key="[^"]*" data-count="(\d+)"', text)
    assert len(bars) > 60
    for href, count in {(h.replace("&amp;", "&"), c) for h, c in bars}:
        assert drill_count(manager.get(href).text) == int(count), href


def test_bad_query_parameters_are_bilingual_4xx(manager, data):
    period = (422, "ช่วงเวลาไม่ถูกต้อง", "Invalid period")
    for path, (status, th, en) in {
        "/manager/?period=25x9": period,
        "/manager/?unit=abc": (422, "หน่วยงานไม่ถูกต้อง", "Invalid unit."),
        "/manager/complaints?period=2569&category=1%20OR%201": (422, "ตัวกรอง category ไม่ถูกต้อง", "Invalid filter value"),
        # A yes/no filter takes yes or no: anything else is refused, not an empty list.
        "/manager/complaints?period=2569&overdue=maybe": (422, "ตัวกรอง overdue ไม่ถูกต้อง", "Invalid filter value"),
        "/manager/complaints?period=2569&satisfied=1'--": (422, "ตัวกรอง satisfied ไม่ถูกต้อง", "Invalid filter value"),
        "/manager/complaints?period=<script>alert(1)</script>": period,
        "/manager/export/nope.csv?period=2569": (404, "ไม่พบตารางนี้", "No such table."),
        "/manager/export/by_kind.exe?period=2569": (404, "ไม่รองรับรูปแบบไฟล์นี้", "Unsupported export format."),
        "/manager/?unit=999999": (404, "ไม่พบหน่วยงานนี้", "No such unit."),
    }.items():
        response = manager.get(path)
        assert response.status_code == status, path
        assert th in response.text and en in response.text, path
        assert "<script>alert" not in response.text


def _masked(text: str) -> None:
    for secret in PERSONAL:
        assert secret not in text


def test_complaint_list_exports_are_masked(app, manager, data):
    with app.app_context():  # a real complainant record, with contact details, in the period
        number = submit_api(manager, description="ถนนพังมาก ติดต่อ somying@example.com โทร 081-234-5678", contact=PERSON)
        complaint = complaint_by_number(number)
        complaint.received_at = analytics_data.bkk(2026, 2, 2, 9)
        db.session.commit()
    body = export_file(app, manager, "period=2569").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert len(rows) == 1 + 11 and rows[0][0].startswith("เลขที่เรื่อง")
    assert any("[เบอร์โทร]" in cell for row in rows for cell in row)
    assert any("[อีเมล]" in cell for row in rows for cell in row)
    _masked(body)
    book = load_workbook(io.BytesIO(export_file(app, manager, "period=2569&category=", "xlsx").data))
    cells = " ".join(str(c.value) for row in book.active.iter_rows() for c in row if c.value is not None)
    assert book.active.max_row == 12
    _masked(cells)
    assert PERSON["name"] not in body and PERSON["name"] not in cells


def test_figure_exports_csv_and_xlsx(manager, data):
    body = manager.get("/manager/export/by_channel.csv?period=2569").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[1][:3] == ["เว็บไซต์", "Website", "6"] and ["รวม", "Total", "10", "", "", ""] in rows
    quarters = list(
        csv.reader(io.StringIO(manager.get("/manager/export/repeat_quarters.csv?period=2569").data.decode("utf-8-sig")))
    )
    assert quarters[2][:3] == ["ไตรมาส 1/2569", "Q1 FY2569", "1"]
    assert quarters[2][5] == "complaints=4; rate=0.25; change=-0.0833"
    book = load_workbook(io.BytesIO(manager.get("/manager/export/dashboard.xlsx?period=2569").data))
    assert {"by_month", "resolution", "satisfaction", "clusters", "repeat_quarters"} <= set(book.sheetnames)
    resolution = {row[0]: row[2] for row in book["resolution"].iter_rows(min_row=2, values_only=True)}
    assert resolution["แล้วเสร็จตามมาตรฐาน"] == 3 and resolution["รวม"] == 10


def test_formula_cells_are_defused(app, manager, data):
    with app.app_context():
        complaint = db.session.scalar(select(Complaint).where(Complaint.id == data["c2"]))
        complaint.title = '=HYPERLINK("http://evil")'
        db.session.commit()
    body = export_file(app, manager, "period=2569").data.decode("utf-8-sig")
    assert "'=HYPERLINK" in body and ",=HYPERLINK" not in body


def test_dashboard_pdf_has_extractable_thai(manager, data):
    response = manager.get("/manager/dashboard.pdf?period=2569")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "ปีงบประมาณ พ.ศ. 2569" in text
    assert "หมวดหมู่" in text and "Resolution against the service standard" in text
    _masked(text)


def test_root_cause_required_to_resolve(app, client, data):
    make_staff(app, "worker", "officer", "public-works")
    with app.app_context():
        number = submit_api(client)
        complaint_id = complaint_by_number(number).id
    login(client, "worker")
    token = csrf_from(client.get(case_url(app, complaint_id)).text)
    response = client.post(
        case_url(app, complaint_id, "/action"), data={"csrf_token": token, "action": "resolve", "reason": "ซ่อมแล้ว"}
    )
    assert response.status_code == 422
    assert "สาเหตุของปัญหา" in response.text and "root cause" in response.text
    with app.app_context():
        assert complaint_by_number(number).status != "resolved"
        cause = db.session.scalar(select(RootCause).where(RootCause.code == "maintenance"))
        cause_id = cause.id
    bogus = client.post(
        case_url(app, complaint_id, "/action"),
        data={"csrf_token": token, "action": "resolve", "reason": "ซ่อมแล้ว", "root_cause_id": "99999"},
    )
    assert bogus.status_code == 422 and "not valid" in bogus.text
    done = client.post(
        case_url(app, complaint_id, "/action"),
        data={
            "csrf_token": token,
            "action": "resolve",
            "reason": "ซ่อมแล้ว",
            "root_cause_id": str(cause_id),
            "root_cause_note": "ท่อแตกจากรถบรรทุก",
        },
    )
    assert done.status_code == 302
    with app.app_context():
        stored = complaint_by_number(number)
        assert (stored.status, stored.root_cause_id, stored.root_cause_note) == (
            "resolved",
            cause_id,
            "ท่อแตกจากรถบรรทุก",
        )


def test_supervisor_close_keeps_the_recorded_root_cause(app, client, data):
    with app.app_context():
        from complaints.models import User

        make_staff(app, "lead", "supervisor", "public-works")
        lead = db.session.scalar(select(User).where(User.username == "lead"))
        complaint = db.session.get(Complaint, data["c3"])  # resolved, root cause recorded
        recorded = (complaint.root_cause_id, complaint.root_cause_note)
        assert recorded[0] is not None
        workflow.transition(complaint, "close", lead, workflow.Params())
        db.session.commit()
        db.session.expire_all()
        closed = db.session.get(Complaint, data["c3"])
        assert closed.status == "closed"
        assert (closed.root_cause_id, closed.root_cause_note) == recorded


def test_admin_manages_root_causes(app, client):
    make_staff(app, "root", "admin", None)
    login(client, "root")
    page = client.get("/admin/root-causes")
    assert page.status_code == 200 and "ขาดการบำรุงรักษา" in page.text
    token = csrf_from(client.get("/admin/root-causes/new").text)
    bad = client.post(
        "/admin/root-causes/new", data={"csrf_token": token, "code": "Bad Code!", "name_th": "<b>x</b>", "name_en": ""}
    )
    assert bad.status_code == 422 and 'data-field="code"' in bad.text and "HTML" in bad.text
    ok = client.post(
        "/admin/root-causes/new",
        data={
            "csrf_token": token,
            "code": "contractor",
            "name_th": "ผู้รับเหมาทำงานไม่ได้มาตรฐาน",
            "name_en": "Contractor work below standard",
            "active": "y",
        },
    )
    assert ok.status_code == 302
    dup = client.post(
        "/admin/root-causes/new",
        data={"csrf_token": token, "code": "contractor", "name_th": "ก", "name_en": "a", "active": "y"},
    )
    assert dup.status_code == 422 and "already used" in dup.text
    with app.app_context():
        row = db.session.scalar(select(RootCause).where(RootCause.code == "contractor"))
        assert row.name_en == "Contractor work below standard" and row.active
        row_id = row.id
    client.post(
        f"/admin/root-causes/{row_id}", data={"csrf_token": token, "name_th": "ผู้รับเหมา", "name_en": "Contractor"}
    )
    with app.app_context():
        assert db.session.get(RootCause, row_id).active is False


def test_corrective_action_before_and_after(app, manager, data):
    token = csrf_from(manager.get("/manager/actions/new").text)
    with app.app_context():
        from complaints.models import User

        owner = db.session.scalar(select(User.id).where(User.username == "boss"))
    bad = manager.post(
        "/manager/actions/new",
        data={"csrf_token": token, "title": "", "target": "cluster:999999", "due_on": "31/02/2569", "status": "../etc"},
    )
    assert bad.status_code == 422
    assert {"title", "target", "owner_user_id", "due_on", "status"} <= set(re.findall(r'data-field="(\w+)"', bad.text))
    hostile = manager.post(
        "/manager/actions/new",
        data={
            "csrf_token": token,
            "title": "<script>alert(1)</script>",
            "target": f"category:{data['A']}x",
            "owner_user_id": "1 OR 1=1",
            "effective_on": "2569-13-40",
        },
    )
    assert hostile.status_code == 422 and "HTML" in hostile.text and "<script>alert" not in hostile.text
    with app.app_context():
        assert db.session.scalar(select(CorrectiveAction.id)) is None
    dashboard = manager.get("/manager/?period=2569").text
    assert f'href="/manager/actions/new?target=cluster:{data["A"]}"' in dashboard.replace("%3A", ":")
    preset = manager.get(f"/manager/actions/new?target=cluster:{data['A']}").text
    assert f'value="cluster:{data["A"]}" selected' in preset
    response = manager.post(
        "/manager/actions/new",
        data={
            "csrf_token": token,
            "title": "ซ่อมถนนทั้งซอยแทนการปะหลุม",
            "target": f"cluster:{data['A']}",
            "owner_user_id": str(owner),
            "due_on": "31/12/2568",
            "effective_on": "01/11/2568",
            "status": "done",
            "description": "ปูผิวถนนใหม่ตลอดซอย",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        action = db.session.scalar(select(CorrectiveAction))
        assert (action.cluster_id, action.effective_on, action.due_on, action.status) == (
            data["A"],
            date(2025, 11, 1),
            date(2025, 12, 31),
            "done",
        )
        assert action.unit_id == db.session.scalar(select(Unit.id).where(Unit.code == "public-works"))
        from complaints.services.analytics.corrective_actions import before_after

        effect = before_after(action, months=6, today=date(2026, 3, 15))
        # Cluster A: c2 and c3 in Oct 2025 (its first month), c7 in Mar 2026 (the current month, not whole):
        # one whole month on each side, Oct before and Nov after.
        assert [(m.month.isoformat()[:7], m.count, m.after) for m in effect.months] == [
            ("2025-10", 2, False),
            ("2025-11", 0, True),
        ]
        assert (effect.window, effect.before_mean, effect.after_mean, effect.change) == (1, 2.0, 0.0, -1.0)
    page = manager.get(f"/manager/actions/{action.id}")
    assert 'id="chart-before-after"' in page.text and "01/11/2568" in page.text
    assert "ซ่อมถนนทั้งซอยแทนการปะหลุม" in manager.get("/manager/actions").text


def test_the_period_list_reaches_back_to_imported_history(app, manager, data):
    """Imported history (here a complaint of FY2565) can be chosen, not only the last four years."""
    from datetime import datetime

    from complaints.domain.periods import Period

    current = Period.containing(datetime.now(UTC)).fiscal_year
    periods = re.findall(r'<option value="(\d{4})"', manager.get("/manager/").text)
    assert str(current - 3) in periods and str(current - 4) not in periods  # no older complaint yet
    with app.app_context():
        old = db.session.scalars(select(Complaint).order_by(Complaint.id)).first()
        old.received_at = datetime(2022, 5, 1, 3, 0, tzinfo=UTC)  # FY2565
        db.session.commit()
    periods = re.findall(r'<option value="(\d{4})"', manager.get("/manager/").text)
    assert periods == [str(fy) for fy in range(current, 2564, -1)]


def _options(html: str) -> list[tuple[str, bool]]:
    select_html = html.split('id="target"')[1].split("</select>")[0]
    return [(v, bool(s)) for v, s in re.findall(r'<option value="([^"]+)" ?(selected)?', select_html)]


def test_every_visible_cluster_can_be_targeted_biggest_first(app, manager, data):
    """Issue 19: only the 200 most recently seen clusters were offered, so the top problem could not be chosen."""
    from complaints.models import Kind, RecurringCluster, User

    with app.app_context():
        for n in range(210):  # more recently seen than cluster A, none of them bigger
            db.session.add(
                RecurringCluster(
                    category_id=None,
                    unit_id=None,
                    label_th=f"ปัญหาใหม่ {n}",
                    size=0,
                    first_seen_at=datetime(2026, 3, 12, tzinfo=UTC),
                    last_seen_at=datetime(2026, 3, 14, tzinfo=UTC),
                )
            )
        # A cluster made only of tip-offs: no other role may learn of it.
        tips = RecurringCluster(
            label_th="เบาะแสทุจริต",
            size=1,
            first_seen_at=datetime(2026, 3, 1, tzinfo=UTC),
            last_seen_at=datetime(2026, 3, 15, tzinfo=UTC),
        )
        db.session.add(tips)
        db.session.flush()
        tip = db.session.get(Complaint, data["c10"])
        tip.kind, tip.cluster_id = Kind.TIP_OFF, tips.id
        db.session.commit()
        tips_id = tips.id
        owner = db.session.scalar(select(User.id).where(User.username == "boss"))
    page = manager.get(f"/manager/actions/new?target=cluster:{data['A']}").text
    options = _options(page)
    clusters = [value for value, _ in options if value.startswith("cluster:")]
    # Biggest first: A has three complaints (c2, c3, c7), B two (c4, c5); the linked one is chosen.
    assert clusters[:2] == [f"cluster:{data['A']}", f"cluster:{data['B']}"]
    assert [value for value, selected in options if selected] == [f"cluster:{data['A']}"]
    assert f"cluster:{tips_id}" not in clusters and "เบาะแสทุจริต" not in page
    hidden = manager.get(f"/manager/actions/new?target=cluster:{tips_id}").text
    assert "เบาะแสทุจริต" not in hidden and not [v for v, selected in _options(hidden) if selected]
    token = csrf_from(page)
    form = {"csrf_token": token, "title": "ซ่อมถนนทั้งซอย", "owner_user_id": str(owner), "status": "planned"}
    refused = manager.post("/manager/actions/new", data={**form, "target": f"cluster:{tips_id}"})
    assert refused.status_code == 422 and 'data-field="target"' in refused.text
    assert manager.post("/manager/actions/new", data={**form, "target": f"cluster:{data['A']}"}).status_code == 302
    with app.app_context():
        assert db.session.scalars(select(CorrectiveAction.cluster_id)).all() == [data["A"]]


def test_a_linked_cluster_beyond_the_list_is_still_offered_and_chosen(manager, data, monkeypatch):
    """However many clusters there are, the one the dashboard links to is selectable and selected."""
    from complaints.services.analytics import corrective_actions

    monkeypatch.setattr(corrective_actions, "TARGET_LIMIT", 1)
    page = manager.get(f"/manager/actions/new?target=cluster:{data['B']}").text
    options = _options(page)
    assert [value for value, selected in options if selected] == [f"cluster:{data['B']}"]
    assert {f"cluster:{data['A']}", f"cluster:{data['B']}"} <= {value for value, _ in options}


def _move(name_ids: dict, names: list[str], when: datetime, cluster: int) -> None:
    for name in names:
        row = db.session.get(Complaint, name_ids[name])
        row.received_at, row.cluster_id = when, cluster


def test_before_and_after_compares_whole_months_of_equal_length(app, manager, data):
    """Issue 19: 5 (Oct) -> 2 (Nov) was shown as +20.5 %: empty months before the cluster existed
    counted as "before", and the current part-month as a whole "after" month."""
    from complaints.models import User
    from complaints.services.analytics.corrective_actions import before_after

    with app.app_context():
        # Cluster A: five complaints in October 2025, two in November, one so far in December.
        _move(data, ["c1", "c11", "c12"], analytics_data.bkk(2025, 10, 20, 9), data["A"])  # with c2, c3
        _move(data, ["c10", "c14"], analytics_data.bkk(2025, 11, 12, 9), data["A"])
        _move(data, ["c7"], analytics_data.bkk(2025, 12, 3, 9), data["A"])
        owner = db.session.scalar(select(User.id).where(User.username == "boss"))
        db.session.commit()
    token = csrf_from(manager.get("/manager/actions/new").text)
    form = {"csrf_token": token, "title": "ซ่อมถนน", "target": f"cluster:{data['A']}", "owner_user_id": str(owner)}
    assert manager.post("/manager/actions/new", data={**form, "effective_on": "01/11/2568"}).status_code == 302
    with app.app_context():
        action = db.session.scalar(select(CorrectiveAction))
        effect = before_after(action, today=date(2025, 12, 10))
        assert [(m.month, m.count, m.after) for m in effect.months] == [
            (date(2025, 10, 1), 5, False),
            (date(2025, 11, 1), 2, True),
        ]
        assert (effect.window, effect.before_mean, effect.after_mean, effect.change) == (1, 5.0, 2.0, -0.6)
        # Later, more whole months on both sides, but never a month before the cluster's first complaint.
        later = before_after(action, today=date(2026, 3, 15))
        assert later.window == 1 and later.change == -0.6
        # In November itself there is no whole month after the action yet.
        early = before_after(action, today=date(2025, 11, 20))
        assert (early.window, early.months, early.change) == (0, [], None)
        # An action effective mid-month: that month is neither before nor after.
        action.effective_on = date(2025, 11, 15)
        mid = before_after(action, today=date(2026, 1, 5))
        assert [(m.month, m.count, m.after) for m in mid.months] == [
            (date(2025, 10, 1), 5, False),
            (date(2025, 12, 1), 1, True),
        ]
        assert mid.change == -0.8
        db.session.rollback()
        action_id = action.id
    # Shown on the page (today is the real date, well after these months).
    page = manager.get(f"/manager/actions/{action_id}").text
    summary = page.split('id="before-after-summary"')[1].split("</p>")[0]
    assert "<b>5.0</b>" in summary and "<b>2.0</b>" in summary and "1 เดือน" in summary
    # Seven complaints in all: too few for a percentage worth its interval (test_corrective_effect).
    details = page.split('id="effect-details"')[1].split("</div>")[0]
    assert "Not enough data yet" in details and "%" not in details


def test_before_and_after_says_when_there_is_not_enough_data(app, manager, data):
    from complaints.models import User

    with app.app_context():
        owner = db.session.scalar(select(User.id).where(User.username == "boss"))
    token = csrf_from(manager.get("/manager/actions/new").text)
    # Cluster A's first complaint is in October 2025: an action effective before then has no "before".
    response = manager.post(
        "/manager/actions/new",
        data={
            "csrf_token": token,
            "title": "ซ่อมถนน",
            "target": f"cluster:{data['A']}",
            "owner_user_id": str(owner),
            "effective_on": "01/09/2568",
        },
    )
    assert response.status_code == 302
    page = manager.get(response.headers["Location"]).text
    section = page.split('id="before-after"')[1].split("</section>")[0]
    assert "ยังมีข้อมูลไม่พอ" in section and "Not enough data yet" in section
    assert "%" not in section and 'id="chart-before-after"' not in section


def test_target_options_and_before_after_on_both_databases(any_app):
    """The grouped cluster query and the first-complaint month, on SQLite and PostgreSQL alike."""
    from complaints.models import User
    from complaints.services.analytics import corrective_actions

    with any_app.test_request_context():
        ids = analytics_data.build()
        manager = User(username="m", display_name="m", password_hash="x", role="manager")
        options = corrective_actions.target_options(manager, f"cluster:{ids['B']}")
        assert [key for key, _ in options if key.startswith("cluster:")] == [
            f"cluster:{ids['A']}",
            f"cluster:{ids['B']}",
        ]
        assert options[0][1].endswith("(3 เรื่อง)")
        action = CorrectiveAction(cluster_id=ids["A"], effective_on=date(2025, 11, 1))
        effect = corrective_actions.before_after(action, today=date(2026, 3, 15))
        assert (effect.window, effect.before_mean, effect.after_mean) == (1, 2.0, 0.0)
