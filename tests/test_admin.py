"""Admin pages: users, units, categories, service standards, canned responses and
the calendar, end to end through the test client (CSRF on, as in production)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from complaints.domain.thai_calendar import to_bangkok
from complaints.extensions import db
from complaints.models import (
    CalendarOverride,
    CannedResponse,
    Category,
    ServiceStandard,
    StandardsPublication,
    Unit,
    User,
    utcnow,
)
from complaints.services.catalogue.standards import due_dates
from complaints.services.datasets import demo_seed
from tests.helpers import PASSWORD, login, make_staff

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
THAI = re.compile(r"[\u0e00-\u0e7f]")


def csrf(client, page: str = "/login") -> str:
    return CSRF.search(client.get(page).text).group(1)


def post(client, url: str, data: dict | None = None, token_page: str = "/admin/"):
    return client.post(url, data={"csrf_token": csrf(client, token_page), **(data or {})})


def assert_bilingual(response, status: int, *phrases: str):
    text = response.text
    assert response.status_code == status, text
    assert 'id="admin-error"' in text
    error = text[text.index('id="admin-error"') :]
    error = error[: error.index("</div>")]
    assert THAI.search(error), error
    for phrase in phrases:
        assert phrase in error, (phrase, error)
    return error


def row(model, app, **where):
    with app.app_context():
        return db.session.scalar(select(model).filter_by(**where))


def count(model, app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def unit_id(app, code: str) -> int:
    return row(Unit, app, code=code).id


# --- the index and access ---------------------------------------------------


def test_index_links_every_section_with_counts(app, admin):
    page = admin.get("/admin/")
    assert page.status_code == 200
    for path in (
        "/admin/users",
        "/admin/units",
        "/admin/categories",
        "/admin/standards",
        "/admin/canned",
        "/admin/calendar",
    ):
        assert f'href="{path}"' in page.text
    counts = dict(re.findall(r'<tr id="section-(\w+)">.*?<td class="count">(\d+)</td>', page.text, re.S))
    assert counts == {
        "users": str(1 + len(demo_seed.DEMO_ACCOUNTS)),
        "units": "10",
        "categories": "24",
        "standards": "1",
        "canned": "3",
        "calendar": "0",
    }
    assert "ผู้ใช้" in page.text and "Users" in page.text
    # The staff navigation leads admins here.
    assert 'href="/admin/"' in admin.get("/officer/").text


def admin_urls(app) -> list[tuple[str, str]]:
    values = {
        "user_id": 1,
        "unit_id": 1,
        "category_id": 1,
        "standard_id": 1,
        "canned_id": 1,
        "day": "2026-01-02",
        "key_id": 1,
        "root_cause_id": 1,
        "grant_id": 1,
    }
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin."):
            continue
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<int:{name}>", str(values[name])).replace(f"<{name}>", str(values[name]))
        urls += [(method, path) for method in sorted(rule.methods & {"GET", "POST"})]
    return urls


@pytest.mark.parametrize("role", ["officer", "supervisor", "manager"])
def test_other_staff_get_403_on_every_admin_url(app, client, role):
    make_staff(app, f"{role}1", role, "complaints-centre")
    assert login(client, f"{role}1").status_code == 302
    urls = admin_urls(app)
    assert len(urls) >= 20
    token = csrf(client, "/officer/")
    for method, path in urls:
        response = client.get(path) if method == "GET" else client.post(path, data={"csrf_token": token})
        assert response.status_code == 403, (method, path, response.status_code)
        assert "ไม่มีสิทธิ์" in response.text and "permission" in response.text
    assert count(StandardsPublication, app) == 1 and count(CalendarOverride, app) == 0


def test_anonymous_is_sent_to_login(app, client):
    token = csrf(client, "/login")
    for method, path in admin_urls(app):
        response = client.get(path) if method == "GET" else client.post(path, data={"csrf_token": token})
        assert response.status_code == 302, (method, path)
        assert response.headers["Location"].startswith("/login"), response.headers["Location"]


def test_post_without_csrf_token_is_refused(app, admin):
    response = admin.post("/admin/units/new", data={"code": "x", "name_th": "ก", "name_en": "x"})
    assert response.status_code == 400
    assert row(Unit, app, code="x") is None


# --- users ------------------------------------------------------------------


def test_users_create_edit_reset_and_unlock(app, admin):
    centre, drainage = unit_id(app, "complaints-centre"), unit_id(app, "drainage")
    response = post(
        admin,
        "/admin/users/new",
        {
            "username": "somchai.k",
            "display_name": "สมชาย ขยันงาน",
            "role": "officer",
            "unit_id": str(centre),
            "email": "somchai@example.go.th",
            "password": "tenchars!!",
        },
    )
    assert response.status_code == 302
    user = row(User, app, username="somchai.k")
    assert (user.display_name, user.role, user.unit_id, user.email, user.active) == (
        "สมชาย ขยันงาน",
        "officer",
        centre,
        "somchai@example.go.th",
        True,
    )
    listing = admin.get("/admin/users").text
    assert "somchai.k" in listing and "สมชาย ขยันงาน" in listing and "somchai@example.go.th" in listing

    # The rules of accounts.create_user, in Thai and English.
    short = post(
        admin, "/admin/users/new", {"username": "another", "display_name": "ก", "role": "officer", "password": "short"}
    )
    assert_bilingual(short, 422, "10")
    taken = post(
        admin,
        "/admin/users/new",
        {"username": "SOMCHAI.K", "display_name": "ก", "role": "officer", "password": "long enough password"},
    )
    assert_bilingual(taken, 422, "already taken")
    assert count(User, app) == 2 + len(demo_seed.DEMO_ACCOUNTS)  # admin, somchai.k and the demo accounts

    # A generated password is shown once, and works.
    reset = post(admin, f"/admin/users/{user.id}/password", {"password": ""})
    assert reset.status_code == 200 and reset.headers["Cache-Control"] == "no-store"
    generated = re.search(r'<output id="new-password">([^<]+)</output>', reset.text).group(1)
    assert len(generated) >= 10
    assert generated not in admin.get(f"/admin/users/{user.id}").text
    other = app.test_client()
    assert login(other, "somchai.k", generated).status_code == 302

    # A locked account is shown and can be unlocked.
    with app.app_context():
        locked = db.session.get(User, user.id)
        locked.failed_logins, locked.locked_until = 2, utcnow() + timedelta(minutes=15)
        db.session.commit()
    assert 'class="badge overdue"' in admin.get("/admin/users").text
    assert post(admin, f"/admin/users/{user.id}/unlock").status_code == 302
    unlocked = row(User, app, id=user.id)
    assert unlocked.locked_until is None and unlocked.failed_logins == 0

    # An admin may set a given password (not echoed back).
    given = post(admin, f"/admin/users/{user.id}/password", {"password": "ตั้งใหม่-1234567"})
    assert given.status_code == 200 and 'id="new-password"' not in given.text and "ตั้งใหม่-1234567" not in given.text
    assert login(app.test_client(), "somchai.k", "ตั้งใหม่-1234567").status_code == 302
    assert_bilingual(post(admin, f"/admin/users/{user.id}/password", {"password": "short"}), 422, "10")

    # Edit role, unit, email, name and active; a deactivated user loses the open session too.
    edited = post(
        admin,
        f"/admin/users/{user.id}",
        {
            "display_name": "สมชาย ขยันงาน (หัวหน้า)",
            "role": "supervisor",
            "unit_id": str(drainage),
            "email": "somchai.k@example.go.th",
        },
    )
    assert edited.status_code == 302
    user = row(User, app, id=user.id)
    assert (user.display_name, user.role, user.unit_id, user.email, user.active) == (
        "สมชาย ขยันงาน (หัวหน้า)",
        "supervisor",
        drainage,
        "somchai.k@example.go.th",
        False,
    )
    listing = admin.get("/admin/users").text
    assert "สมชาย ขยันงาน (หัวหน้า)" in listing and "ปิดใช้งาน" in listing and "inactive" in listing
    assert other.get("/officer/").status_code == 302
    assert login(app.test_client(), "somchai.k", "ตั้งใหม่-1234567").status_code == 401

    bad_email = post(
        admin,
        f"/admin/users/{user.id}",
        {"display_name": "ก", "role": "officer", "email": "not-an-email", "active": "y"},
    )
    assert_bilingual(bad_email, 422, "email")


def test_admin_cannot_deactivate_or_demote_themselves(app, admin, admin_id):
    centre = str(unit_id(app, "complaints-centre"))
    base = {"display_name": "ผู้ดูแล", "role": "admin", "unit_id": centre, "email": ""}
    deactivate = post(admin, f"/admin/users/{admin_id}", base)  # active unchecked
    assert_bilingual(deactivate, 409, "cannot deactivate or demote")
    demote = post(admin, f"/admin/users/{admin_id}", {**base, "role": "officer", "active": "y"})
    assert_bilingual(demote, 409, "ไม่สามารถปิดการใช้งานหรือลดสิทธิ์")
    me = row(User, app, id=admin_id)
    assert me.role == "admin" and me.active and me.display_name == "admin admin"
    # Other changes to one's own account are fine.
    assert post(admin, f"/admin/users/{admin_id}", {**base, "active": "y"}).status_code == 302
    assert row(User, app, id=admin_id).display_name == "ผู้ดูแล"


# --- units ------------------------------------------------------------------


def test_units_tree_create_edit_and_cycle_refused(app, admin):
    works = unit_id(app, "public-works")
    created = post(
        admin,
        "/admin/units/new",
        {"code": "roads-team", "name_th": "งานซ่อมถนน", "name_en": "Road Repairs", "parent_id": str(works)},
    )
    assert created.status_code == 302
    team = row(Unit, app, code="roads-team")
    assert (team.name_th, team.name_en, team.parent_id) == ("งานซ่อมถนน", "Road Repairs", works)
    tree = admin.get("/admin/units").text
    depths = dict(re.findall(r'data-code="([^"]+)" data-depth="(\d+)"', tree))
    assert depths["district-office"] == "0" and depths["public-works"] == "1" and depths["roads-team"] == "2"
    order = re.findall(r'data-code="([^"]+)"', tree)
    assert order.index("district-office") < order.index("public-works") < order.index("roads-team")

    edited = post(
        admin,
        f"/admin/units/{team.id}",
        {"code": "roads-team", "name_th": "งานซ่อมบำรุงถนน", "name_en": "Road Maintenance", "parent_id": str(works)},
    )
    assert edited.status_code == 302
    assert row(Unit, app, id=team.id).name_en == "Road Maintenance"
    assert "งานซ่อมบำรุงถนน" in admin.get("/admin/units").text

    # District office -> public works -> roads team: the office cannot move under the team, nor under itself.
    office = row(Unit, app, code="district-office")
    cycle = post(
        admin,
        f"/admin/units/{office.id}",
        {"code": office.code, "name_th": office.name_th, "name_en": office.name_en, "parent_id": str(team.id)},
    )
    assert_bilingual(cycle, 422, "cycle", "วงวน")
    itself = post(
        admin,
        f"/admin/units/{office.id}",
        {"code": office.code, "name_th": office.name_th, "name_en": office.name_en, "parent_id": str(office.id)},
    )
    assert_bilingual(itself, 422, "cycle")
    assert row(Unit, app, id=office.id).parent_id is None

    duplicate = post(admin, "/admin/units/new", {"code": "roads-team", "name_th": "ซ้ำ", "name_en": "Dup"})
    assert_bilingual(duplicate, 422, "already has this code")

    # A unit in use is not deleted; an unused one is.
    in_use = post(admin, f"/admin/units/{works}/delete")
    assert_bilingual(in_use, 409, "in use")
    assert row(Unit, app, id=works) is not None
    assert post(admin, f"/admin/units/{team.id}/delete").status_code == 302
    assert row(Unit, app, code="roads-team") is None


# --- categories -------------------------------------------------------------


def test_categories_create_and_edit(app, admin, client):
    traffic = unit_id(app, "traffic")
    created = post(
        admin,
        "/admin/categories/new",
        {"code": "ไฟจราจร", "name_th": "ไฟจราจร", "name_en": "Traffic lights", "unit_id": str(traffic), "active": "y"},
    )
    assert created.status_code == 302
    category = row(Category, app, code="ไฟจราจร")
    assert (category.name_en, category.unit_id, category.active) == ("Traffic lights", traffic, True)
    assert "Traffic lights" in admin.get("/admin/categories").text
    assert "ไฟจราจร / Traffic lights" in client.get("/complaints/new").text  # offered to citizens

    edited = post(
        admin,
        f"/admin/categories/{category.id}",
        {"code": "ไฟจราจร", "name_th": "สัญญาณไฟจราจร", "name_en": "Traffic signals", "unit_id": ""},
    )
    assert edited.status_code == 302
    category = row(Category, app, id=category.id)
    assert (category.name_th, category.unit_id, category.active) == ("สัญญาณไฟจราจร", None, False)
    listing = admin.get("/admin/categories").text
    assert "สัญญาณไฟจราจร" in listing and "ปิดใช้" in listing
    assert "Traffic signals" not in client.get("/complaints/new").text

    duplicate = post(admin, "/admin/categories/new", {"code": "ถนน", "name_th": "ถนน", "name_en": "Roads"})
    assert_bilingual(duplicate, 422, "already has this code")


# --- service standards ------------------------------------------------------


def public_version(client) -> str:
    return re.search(r'id="standards-version">ฉบับที่ (\d+)', client.get("/standards").text).group(1)


def test_standards_edit_publishes_a_new_version(app, admin, admin_id, client):
    assert public_version(client) == "1"
    default = row(ServiceStandard, app, category_id=None, kind=None)
    edited = post(
        admin,
        f"/admin/standards/{default.id}",
        {"ack": "1", "first_response": "3", "resolve": "12", "note": "มติคณะกรรมการ ครั้งที่ 2/2569"},
    )
    assert edited.status_code == 302
    default = row(ServiceStandard, app, id=default.id)
    assert (default.ack_working_days, default.first_response_working_days, default.resolve_working_days) == (1, 3, 12)
    with app.app_context():
        latest = db.session.scalar(select(StandardsPublication).order_by(StandardsPublication.id.desc()))
        assert (latest.id, latest.published_by_id, latest.note) == (2, admin_id, "มติคณะกรรมการ ครั้งที่ 2/2569")
    public = client.get("/standards").text
    assert public_version(client) == "2"
    table = public[public.index('id="default-standard"') :]
    assert re.findall(r"<td>(\d+)</td>", table)[:3] == ["1", "3", "12"]
    published = public[public.index('id="standards-version"') :][:300]
    assert f"ประกาศเมื่อ {to_bangkok(latest.published_at).day} " in published
    assert str(to_bangkok(latest.published_at).year + 543) in published  # Buddhist era

    # Bad days are refused in Thai and English, and nothing is published.
    for days, phrase in [
        ({"ack": "5", "first_response": "3", "resolve": "12"}, "in order"),
        ({"ack": "0", "first_response": "3", "resolve": "12"}, "1 to 365"),
        ({"ack": "1", "first_response": "3", "resolve": "366"}, "1 to 365"),
        ({"ack": "หนึ่ง", "first_response": "3", "resolve": "12"}, "whole number"),
    ]:
        assert_bilingual(post(admin, f"/admin/standards/{default.id}", days), 422, phrase)
    assert count(StandardsPublication, app) == 2

    # Saving without a change publishes nothing.
    assert (
        post(admin, f"/admin/standards/{default.id}", {"ack": "1", "first_response": "3", "resolve": "12"}).status_code
        == 302
    )
    assert count(StandardsPublication, app) == 2

    # A specific standard: roads complaints, resolved in 7 working days.
    roads = row(Category, app, code="ถนน")
    added = post(
        admin,
        "/admin/standards/new",
        {"category_id": str(roads.id), "kind": "complaint", "ack": "1", "first_response": "2", "resolve": "7"},
    )
    assert added.status_code == 302
    assert public_version(client) == "3"
    specific = client.get("/standards").text
    specific = specific[specific.index('id="specific-standards"') :]
    assert "ถนน" in specific and "<td>7</td>" in specific
    received = datetime(2026, 8, 17, 2, 0, tzinfo=UTC)
    with app.app_context():
        assert due_dates(roads.id, "complaint", received).due_at < due_dates(None, "complaint", received).due_at
    assert_bilingual(
        post(
            admin,
            "/admin/standards/new",
            {"category_id": str(roads.id), "kind": "complaint", "ack": "1", "first_response": "2", "resolve": "7"},
        ),
        409,
        "already exists",
    )
    kind_only = post(
        admin,
        "/admin/standards/new",
        {"category_id": "", "kind": "tip_off", "ack": "1", "first_response": "5", "resolve": "30"},
    )
    assert kind_only.status_code == 302 and public_version(client) == "4"
    listing = admin.get("/admin/standards").text
    assert "แจ้งเบาะแสการทุจริต" in listing and 'data-version="4"' in listing

    # The default cannot be deleted; a specific one can, and that is published too.
    assert_bilingual(post(admin, f"/admin/standards/{default.id}/delete"), 409, "cannot be deleted")
    roads_standard = row(ServiceStandard, app, category_id=roads.id, kind="complaint")
    assert post(admin, f"/admin/standards/{roads_standard.id}/delete").status_code == 302
    assert row(ServiceStandard, app, id=roads_standard.id) is None
    assert public_version(client) == "5"
    assert count(ServiceStandard, app) == 2


# --- canned responses -------------------------------------------------------


def test_canned_responses_create_and_edit(app, admin):
    body = "เรียน ผู้ร้อง\nหน่วยงานได้นัดหมายลงพื้นที่ตรวจสอบภายใน 3 วันทำการ"
    created = post(admin, "/admin/canned/new", {"title": "นัดลงพื้นที่", "body": body, "active": "y"})
    assert created.status_code == 302
    response = row(CannedResponse, app, title="นัดลงพื้นที่")
    assert response.body == body and response.active
    assert "นัดลงพื้นที่" in admin.get("/admin/canned").text

    edited = post(admin, f"/admin/canned/{response.id}", {"title": "นัดลงพื้นที่ตรวจสอบ", "body": body + " ขอบคุณ"})
    assert edited.status_code == 302
    response = row(CannedResponse, app, id=response.id)
    assert (response.title, response.body.endswith("ขอบคุณ"), response.active) == ("นัดลงพื้นที่ตรวจสอบ", True, False)
    listing = admin.get("/admin/canned").text
    assert "นัดลงพื้นที่ตรวจสอบ" in listing and "ปิดใช้" in listing
    assert_bilingual(post(admin, "/admin/canned/new", {"title": "ว่าง", "body": "  "}), 422, "required")


# --- calendar ---------------------------------------------------------------


def test_a_cabinet_holiday_moves_due_dates(app, admin):
    received = datetime(2026, 8, 17, 2, 0, tzinfo=UTC)  # Monday 09:00 in Bangkok
    with app.app_context():
        before = due_dates(None, "complaint", received)
    holiday = to_bangkok(before.ack_due_at).date()
    added = post(
        admin, "/admin/calendar", {"day": holiday.isoformat(), "is_holiday": "1", "note": "ครม. ประกาศวันหยุดพิเศษ"}
    )
    assert added.status_code == 302
    stored = row(CalendarOverride, app, day=holiday)
    assert stored.is_holiday and stored.note == "ครม. ประกาศวันหยุดพิเศษ"
    page = admin.get("/admin/calendar").text
    assert f'data-day="{holiday.isoformat()}"' in page and str(holiday.year + 543) in page
    with app.app_context():
        after = due_dates(None, "complaint", received)
    assert to_bangkok(after.ack_due_at).date() > holiday
    assert after.first_response_due_at > before.first_response_due_at
    assert after.due_at > before.due_at

    assert_bilingual(
        post(admin, "/admin/calendar", {"day": holiday.isoformat(), "is_holiday": "1"}), 409, "already has an override"
    )
    assert_bilingual(post(admin, "/admin/calendar", {"day": "31/02/2569", "is_holiday": "1"}), 422, "not valid")
    # A Buddhist-era date as Thai offices write it.
    assert post(admin, "/admin/calendar", {"day": "9/12/2569", "is_holiday": "0"}).status_code == 302
    assert row(CalendarOverride, app, day=datetime(2026, 12, 9).date()).is_holiday is False

    assert post(admin, f"/admin/calendar/{holiday.isoformat()}/delete").status_code == 302
    with app.app_context():
        assert due_dates(None, "complaint", received) == before


# --- hostile and bad input --------------------------------------------------


def test_html_in_names_is_refused(app, admin):
    script = "<script>alert(1)</script>"
    unit = post(admin, "/admin/units/new", {"code": "evil", "name_th": script, "name_en": "Evil"})
    error = assert_bilingual(unit, 422, "HTML")
    assert "<script>alert" not in unit.text  # escaped when the form is shown again
    assert row(Unit, app, code="evil") is None
    category = post(
        admin, "/admin/categories/new", {"code": "x", "name_th": "ถนน", "name_en": '<img src=x onerror="a()">'}
    )
    assert_bilingual(category, 422, "HTML")
    user = post(
        admin,
        "/admin/users/new",
        {"username": "mallory", "display_name": "<b>Mallory</b>", "role": "officer", "password": PASSWORD},
    )
    assert_bilingual(user, 422, "HTML")
    canned = post(admin, "/admin/canned/new", {"title": "ok", "body": "คลิก javascript:alert(1)"})
    assert_bilingual(canned, 422, "HTML")
    standard = post(
        admin,
        "/admin/standards/new",
        {
            "category_id": "",
            "kind": "compliment",
            "ack": "1",
            "first_response": "2",
            "resolve": "3",
            "note": "<i>x</i>",
        },
    )
    assert_bilingual(standard, 422, "HTML")
    assert "ไม่รับข้อความที่มีโค้ด HTML" in error
    assert row(User, app, username="mallory") is None and count(StandardsPublication, app) == 1


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/admin/users/9999"),
        ("GET", "/admin/units/9999"),
        ("GET", "/admin/categories/9999"),
        ("GET", "/admin/standards/9999"),
        ("GET", "/admin/canned/9999"),
        ("POST", "/admin/users/9999/unlock"),
        ("POST", "/admin/calendar/2026-01-05/delete"),
        ("POST", "/admin/calendar/not-a-date/delete"),
    ],
)
def test_missing_rows_are_404(admin, method, path):
    response = admin.get(path) if method == "GET" else post(admin, path)
    assert response.status_code == 404
    assert "ไม่พบ" in response.text and "No" in response.text


def test_bad_choices_are_4xx_in_thai_and_english(app, admin):
    bad_unit = post(
        admin, "/admin/units/new", {"code": "ok-code", "name_th": "ก", "name_en": "A", "parent_id": "99999"}
    )
    assert_bilingual(bad_unit, 422)
    bad_role = post(
        admin, "/admin/users/new", {"username": "newbie", "display_name": "ก", "role": "emperor", "password": PASSWORD}
    )
    assert_bilingual(bad_role, 422)
    bad_code = post(admin, "/admin/units/new", {"code": "มี ช่องว่าง", "name_th": "ก", "name_en": "A"})
    assert_bilingual(bad_code, 422, "without spaces")
    empty = post(admin, "/admin/categories/new", {})
    assert_bilingual(empty, 422, "required")
    assert row(User, app, username="newbie") is None and row(Unit, app, code="ok-code") is None
