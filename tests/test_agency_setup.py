"""Setting up an agency: demo accounts for every role, `flask set-password`, `flask setup`
and the first-run page (/setup), presets and own CSV lists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from complaints import create_app
from complaints.extensions import db
from complaints.models import AgencySettings, Category, Complaint, Kind, ServiceStandard, Unit, User
from complaints.services.datasets import agency_setup
from tests.conftest import base_config
from tests.helpers import PASSWORD, csrf_from, login

GOOD_UNITS = (
    "code,name_th,name_en,parent_code\n"
    "hq,สำนักงานใหญ่,Head Office,\n"
    "complaints-centre,ศูนย์รับเรื่อง,Complaints Centre,hq\n"
    "integrity,ศูนย์ต่อต้านการทุจริต,Integrity Unit,hq\n"
    "works,กองช่าง,Works Division,hq\n"
)
GOOD_CATEGORIES = (
    "code,name_th,name_en,unit_code,ack_working_days,resolve_working_days\n"
    "roads,ถนน,Roads,works,,\n"
    "water,น้ำประปา,Water supply,works,1,7\n"
    "general,ทั่วไป,General,complaints-centre,,\n"
)


def counts(app) -> dict[str, int]:
    with app.app_context():
        return {
            m.__tablename__: db.session.scalar(select(func.count()).select_from(m))
            for m in (Unit, Category, ServiceStandard, User, AgencySettings)
        }


def write(tmp_path, name: str, text: str | bytes):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return str(path)


def setup_args(tmp_path, *extra: str, password: str = "a-long-admin-password") -> list[str]:
    return [
        "setup",
        "--agency-th",
        "เทศบาลนครตัวอย่าง",
        "--agency-en",
        "Example City Municipality",
        "--admin-username",
        "chief",
        "--admin-name",
        "หัวหน้าผู้ดูแล",
        "--admin-password-file",
        write(tmp_path, "pw.txt", password + "\n"),
        *extra,
    ]


# --- demo accounts --------------------------------------------------------------


def printed_accounts(output: str) -> dict[str, tuple[str, str]]:
    return {
        role: (user, pw)
        for role, user, pw in re.findall(r"^(\w+) account: username '([^']+)' password '([^']+)'$", output, re.M)
    }


def queue_numbers(client, query: str = "status=all") -> set[str]:
    numbers: set[str] = set()
    for page in range(1, 20):
        html = client.get(f"/officer/?{query}&page={page}").text
        found = set(re.findall(r'data-tracking="([^"]+)"', html))
        if not found:
            break
        numbers |= found
    return numbers


def test_demo_seed_prints_a_working_account_for_every_role_and_the_queues_hold_the_work(bare_app):
    runner = bare_app.test_cli_runner()
    seeded = runner.invoke(args=["seed-demo"])
    assert seeded.exit_code == 0, seeded.output
    accounts = printed_accounts(seeded.output)
    assert set(accounts) == {"officer", "supervisor", "manager", "admin", "integrity"}
    assert len({pw for _, pw in accounts.values()}) == 5  # each its own generated password
    generated = runner.invoke(args=["demo", "generate", "--count", "300"])
    assert generated.exit_code == 0, generated.output
    with bare_app.app_context():
        tip_offs = set(db.session.scalars(select(Complaint.tracking_number).where(Complaint.kind == Kind.TIP_OFF)))
        integrity_unit = db.session.scalar(select(Unit.id).where(Unit.code == "integrity"))
        tip_off_units = set(db.session.scalars(select(Complaint.unit_id).where(Complaint.kind == Kind.TIP_OFF)))
    assert tip_offs and tip_off_units == {integrity_unit}  # the generator routes tip-offs as intake does
    for role, (username, password) in accounts.items():
        client = bare_app.test_client()
        signed_in = login(client, username, password)
        assert signed_in.status_code == 302, (role, signed_in.text[:300])
        assert client.get("/officer/").status_code == 200, role
    officer = bare_app.test_client()
    login(officer, *accounts["officer"])
    assert queue_numbers(officer, "status=open")  # the default view of the queue has work in it
    officer_all = queue_numbers(officer)
    assert officer_all and not officer_all & tip_offs
    integrity = bare_app.test_client()
    login(integrity, *accounts["integrity"])
    assert queue_numbers(integrity) == tip_offs
    again = runner.invoke(args=["seed-demo"])
    assert not printed_accounts(again.output) and again.output.count("already exists") == 5


# --- set-password ---------------------------------------------------------------


def test_set_password_prompts_twice_ends_sessions_and_clears_the_lockout(app, client):
    from tests.helpers import make_staff

    make_staff(app, "somsri", "officer", "public-works")
    assert login(client, "somsri").status_code == 302
    assert client.get("/officer/").status_code == 200
    with app.app_context():
        from datetime import timedelta

        from complaints.models import utcnow

        user = db.session.scalar(select(User).where(User.username == "somsri"))
        user.failed_logins, user.locked_until = 3, utcnow() + timedelta(minutes=15)
        db.session.commit()
    result = app.test_cli_runner().invoke(
        args=["set-password", "--username", "somsri"], input="brand-new-password\nbrand-new-password\n"
    )
    assert result.exit_code == 0, result.output
    assert "brand-new-password" not in result.output
    assert client.get("/officer/").status_code == 302  # the old session is over
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "somsri"))
        assert user.locked_until is None and user.failed_logins == 0
    assert login(app.test_client(), "somsri", PASSWORD).status_code == 401
    assert login(app.test_client(), "somsri", "brand-new-password").status_code == 302


def test_set_password_generate_prints_one_that_works(app):
    result = app.test_cli_runner().invoke(args=["set-password", "--username", "officer", "--generate"])
    assert result.exit_code == 0, result.output
    password = re.search(r"password of 'officer' is now '([^']+)'", result.output).group(1)
    assert len(password) >= 10
    assert login(app.test_client(), "officer", password).status_code == 302


def test_set_password_refuses_weak_passwords_and_unknown_users(app):
    runner = app.test_cli_runner()
    with app.app_context():
        before = db.session.scalar(select(User.password_hash).where(User.username == "officer"))
    weak = runner.invoke(args=["set-password", "--username", "officer"], input="short\nshort\n")
    assert weak.exit_code != 0
    assert "อย่างน้อย 10 ตัวอักษร" in weak.output and "at least 10 characters" in weak.output
    with app.app_context():
        assert db.session.scalar(select(User.password_hash).where(User.username == "officer")) == before
    unknown = runner.invoke(args=["set-password", "--username", "nobody<script>", "--generate"])
    assert unknown.exit_code != 0 and "ไม่พบผู้ใช้" in unknown.output and "No user named" in unknown.output


# --- flask setup ----------------------------------------------------------------


def test_setup_with_a_preset_names_the_agency_and_creates_the_first_admin(bare_app, tmp_path):
    result = bare_app.test_cli_runner().invoke(args=setup_args(tmp_path, "--preset", "province"))
    assert result.exit_code == 0, result.output
    assert "admin account: username 'chief'" in result.output
    with bare_app.app_context():
        centre = db.session.scalar(select(Unit).where(Unit.code == "complaints-centre"))
        assert centre.name_th == "ศูนย์ดำรงธรรมจังหวัด" and centre.parent.code == "provincial-office"
        assert db.session.scalar(select(Unit.id).where(Unit.code == "integrity"))
        default = db.session.scalar(select(ServiceStandard).where(ServiceStandard.category_id.is_(None)))
        assert (default.ack_working_days, default.resolve_working_days) == (1, 15)
        disaster = db.session.scalar(select(ServiceStandard).join(Category).where(Category.code == "disaster"))
        assert (disaster.ack_working_days, disaster.resolve_working_days) == (1, 7)
        admin = db.session.scalar(select(User).where(User.username == "chief"))
        assert admin.role == "admin" and admin.check_password("a-long-admin-password")
        assert db.session.scalar(select(func.count()).select_from(Complaint)) == 0  # no demo data
        assert db.session.scalar(select(func.count()).select_from(User)) == 1  # no demo accounts
    page = bare_app.test_client().get("/")
    assert "เทศบาลนครตัวอย่าง" in page.text and "Example City Municipality" in page.text
    assert "หน่วยงานตัวอย่าง" not in page.text  # the environment's example name is no longer shown


def test_setup_refuses_once_an_admin_exists_but_may_add_reference_data(bare_app, tmp_path):
    runner = bare_app.test_cli_runner()
    assert runner.invoke(args=setup_args(tmp_path, "--preset", "department")).exit_code == 0
    before = counts(bare_app)
    again = runner.invoke(args=setup_args(tmp_path, "--preset", "province"))
    assert again.exit_code != 0
    assert "ตั้งค่าแล้ว" in again.output and "already set up" in again.output
    assert counts(bare_app) == before
    more = runner.invoke(
        args=[
            "setup",
            "--reference-data-only",
            "--categories-csv",
            write(tmp_path, "extra.csv", "code,name_th,name_en,unit_code\nparking,ที่จอดรถ,Parking,operations\n"),
        ]
    )
    assert more.exit_code == 0, more.output
    assert "categories: 1 new" in more.output
    assert counts(bare_app)["categories"] == before["categories"] + 1


def test_setup_asks_for_what_the_options_leave_out(bare_app):
    answers = (
        "\n".join(
            [
                "department",
                "กรมตัวอย่าง",
                "Example Department",
                "firstadmin",
                "ผู้ดูแล",
                "typed-password-1",
                "typed-password-1",
            ]
        )
        + "\n"
    )
    result = bare_app.test_cli_runner().invoke(args=["setup"], input=answers)
    assert result.exit_code == 0, result.output
    assert "admin account: username 'firstadmin'" in result.output
    assert "typed-password-1" not in result.output  # asked for hidden, never echoed
    with bare_app.app_context():
        assert db.session.get(AgencySettings, 1).name_en == "Example Department"
        assert (
            db.session.scalar(select(Unit.name_th).where(Unit.code == "complaints-centre")) == "ศูนย์รับเรื่องราวร้องทุกข์กรม"
        )
    assert login(bare_app.test_client(), "firstadmin", "typed-password-1").status_code == 302


def test_setup_from_own_csv_files(bare_app, tmp_path):
    result = bare_app.test_cli_runner().invoke(
        args=setup_args(
            tmp_path,
            "--units-csv",
            write(tmp_path, "u.csv", "\ufeff" + GOOD_UNITS),  # Excel's BOM is fine
            "--categories-csv",
            write(tmp_path, "c.csv", GOOD_CATEGORIES),
        )
    )
    assert result.exit_code == 0, result.output
    with bare_app.app_context():
        works = db.session.scalar(select(Unit).where(Unit.code == "works"))
        assert works.parent.code == "hq"
        water = db.session.scalar(select(ServiceStandard).join(Category).where(Category.code == "water"))
        assert (water.ack_working_days, water.first_response_working_days, water.resolve_working_days) == (1, 5, 7)
        assert db.session.scalar(select(func.count()).select_from(ServiceStandard)) == 2  # default + water


BAD_UNITS = {
    "missing column": ("code,name_th,parent_code\nhq,ก,\n", "missing column(s) name_en"),
    "unknown parent": (GOOD_UNITS + "roads,ถนน,Roads,nowhere\n", "row 6 parent_code: unknown parent unit nowhere"),
    "duplicate code": (GOOD_UNITS + "works,กองช่างซ้ำ,Works again,hq\n", "row 6 code: the code works is already"),
    "html in a name": (GOOD_UNITS + "x,<script>alert(1)</script>,X,hq\n", "row 6 name_th: HTML or script"),
    "zero-width": (GOOD_UNITS + "wa\u200bter,ประปา,Water,hq\n", "row 6 code: contains invisible characters"),
    "bidi override": (GOOD_UNITS + "y,ชื่อ\u202e,Y,hq\n", "row 6 name_th: contains invisible characters"),
    "cycle": (GOOD_UNITS + "a,ก,A,b\nb,ข,B,a\n", "the parents form a cycle"),
    "sql": (GOOD_UNITS + "x'; DROP TABLE units;--,ก,X,hq\n", "row 6 code: a unit code is up to 40"),
    "path": (GOOD_UNITS + "../../etc,ก,X,hq\n", "row 6 code: a unit code"),
    "no intake unit": (
        GOOD_UNITS.replace("complaints-centre,ศูนย์รับเรื่อง,Complaints Centre,hq\n", ""),
        "a unit with the code complaints-centre is needed",
    ),
    "not utf-8": (GOOD_UNITS.encode("cp874"), "must be encoded as UTF-8"),
    "huge": (GOOD_UNITS + "z,ก,Z,hq\n" * 80_000, "larger than 512 KB"),
}


@pytest.mark.parametrize("case", sorted(BAD_UNITS))
def test_bad_units_files_are_refused_with_the_row_and_create_nothing(bare_app, tmp_path, case):
    text, message = BAD_UNITS[case]
    before = counts(bare_app)
    result = bare_app.test_cli_runner().invoke(
        args=setup_args(
            tmp_path,
            "--units-csv",
            write(tmp_path, "u.csv", text),
            "--categories-csv",
            write(tmp_path, "c.csv", GOOD_CATEGORIES),
        )
    )
    assert result.exit_code != 0
    assert message in result.output, result.output
    assert re.search("[\u0e00-\u0e7f]", result.output.split(" / ")[0])  # the Thai half comes first
    assert counts(bare_app) == before


@pytest.mark.parametrize(
    "line,message",
    [
        ("x,ก,X,nowhere,,", "row 5 unit_code: unknown unit nowhere"),
        ("x,ก,X,works,abc,", "row 5 ack_working_days: must be a whole number"),
        ("x,ก,X,works,20,5", "must not exceed the days to resolve"),
        ("x,ก,X,works,0,400", "row 5 ack_working_days: must be a whole number"),
        ("roads,ถนนซ้ำ,Roads again,works,,", "row 5 code: the code roads is already used in"),
        ("x,ก,javascript:alert(1),works,,", "row 5 name_en: HTML or script"),
        ("x y,ก,X,works,,", "row 5 code: a category code"),
        ("x,ก,X,works,,,extra", "row 5: more cells than columns"),
    ],
)
def test_bad_categories_files_are_refused_with_the_row(bare_app, tmp_path, line, message):
    result = bare_app.test_cli_runner().invoke(
        args=setup_args(
            tmp_path,
            "--units-csv",
            write(tmp_path, "u.csv", GOOD_UNITS),
            "--categories-csv",
            write(tmp_path, "c.csv", GOOD_CATEGORIES + line + "\n"),
        )
    )
    assert result.exit_code != 0
    assert message in result.output, result.output
    assert counts(bare_app)["users"] == 0 and counts(bare_app)["units"] == 0


def test_setup_refuses_a_weak_password_and_markup_in_the_agency_name(bare_app, tmp_path):
    runner = bare_app.test_cli_runner()
    weak = runner.invoke(args=setup_args(tmp_path, "--preset", "province", password="short"))
    assert weak.exit_code != 0 and "at least 10 characters" in weak.output
    args = setup_args(tmp_path, "--preset", "province")
    args[args.index("--agency-en") + 1] = "<img src=x onerror=alert(1)>"
    markup = runner.invoke(args=args)
    assert markup.exit_code != 0 and "HTML or script" in markup.output
    assert counts(bare_app) == {"units": 0, "categories": 0, "service_standards": 0, "users": 0, "agency_settings": 0}


@pytest.mark.parametrize("name", ["bangkok-district", "province", "department"])
def test_every_preset_loads_with_a_complaints_centre_and_an_integrity_unit(bare_app, name):
    with bare_app.app_context():
        lists = agency_setup.load_preset(name)
        codes = {u.code for u in lists.units}
        assert {"complaints-centre", "integrity"} <= codes
        assert lists.categories and {c.unit_code for c in lists.categories} <= codes
    if name == "bangkok-district":
        assert len(lists.categories) == 24 and len(lists.units) == 10


# --- the first-run page -----------------------------------------------------------


def setup_code(app) -> str:
    """What the operator reads on the server: the page asks for it."""
    return Path(app.config["SETUP_CODE_FILE"]).read_text(encoding="utf-8").strip()


def first_run_form(client) -> dict:
    page = client.get("/setup")
    assert page.status_code == 200
    return {
        "csrf_token": csrf_from(page.text),
        "setup_code": setup_code(client.application),
        "agency_th": "อำเภอตัวอย่าง",
        "agency_en": "Example District",
        "username": "webadmin",
        "display_name": "ผู้ดูแลระบบ",
        "password": "web-admin-password",
        "password_again": "web-admin-password",
        "preset": "bangkok-district",
    }


def test_the_first_run_page_sets_up_the_agency_once_then_is_gone(bare_app):
    client = bare_app.test_client()
    login_page = client.get("/login")
    assert 'href="/setup"' in login_page.text and "No administrator yet" in login_page.text
    page = client.get("/setup")
    assert "ตั้งค่าระบบครั้งแรก" in page.text and "First-run setup" in page.text
    for name in ("bangkok-district", "province", "department", "own"):
        assert f'value="{name}"' in page.text
    assert "code, name_th, name_en, parent_code" in page.text
    form = first_run_form(client)
    done = client.post("/setup", data=form)
    assert done.status_code == 302 and done.headers["Location"].endswith("/admin/")
    admin_page = client.get("/admin/")
    assert admin_page.status_code == 200  # signed in as the new admin
    assert "อำเภอตัวอย่าง" in admin_page.text and "Example District" in admin_page.text
    with bare_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Category)) == 24
    assert not Path(bare_app.config["SETUP_CODE_FILE"]).exists()  # used once, then gone
    anonymous = bare_app.test_client()
    assert anonymous.get("/setup").status_code == 404
    assert anonymous.post("/setup", data=form).status_code in (400, 404)
    assert "/setup" not in anonymous.get("/login").text


def test_the_first_run_page_needs_the_setup_code_from_the_server(bare_app, caplog):
    client = bare_app.test_client()
    with caplog.at_level("WARNING"):
        form = first_run_form(client)
    path = Path(bare_app.config["SETUP_CODE_FILE"])
    assert str(path) in caplog.text  # the operator is told where to look
    assert oct(path.stat().st_mode & 0o777) == "0o600" and len(form["setup_code"]) >= 16
    for wrong in ("", "x" * 16, form["setup_code"] + "x", "' OR '1'='1", "\u200b" + form["setup_code"][1:]):
        refused = client.post("/setup", data={**form, "setup_code": wrong})
        assert refused.status_code == 403 and "Wrong setup code" in refused.text and "รหัสตั้งค่าไม่ถูกต้อง" in refused.text
    assert counts(bare_app)["users"] == 0 and counts(bare_app)["units"] == 0
    assert setup_code(bare_app) == form["setup_code"]  # the same code until it is used
    assert client.post("/setup", data=form).status_code == 302


def test_the_first_run_page_needs_its_csrf_token(bare_app):
    client = bare_app.test_client()
    form = first_run_form(client)
    del form["csrf_token"]
    assert client.post("/setup", data=form).status_code == 400
    assert counts(bare_app)["users"] == 0


def test_the_first_run_page_lists_bad_rows_and_stores_nothing(bare_app):
    import io

    client = bare_app.test_client()
    form = {
        **first_run_form(client),
        "preset": "own",
        "units_csv": (io.BytesIO((GOOD_UNITS + "works,ซ้ำ,Again,hq\n").encode()), "units.csv"),
        "categories_csv": (io.BytesIO(GOOD_CATEGORIES.encode()), "categories.csv"),
    }
    refused = client.post("/setup", data=form, content_type="multipart/form-data")
    assert refused.status_code == 422
    assert "units.csv แถว/row 6 code" in refused.text and "the code works is already used" in refused.text
    assert "ยังไม่ได้บันทึกข้อมูลใด ๆ" in refused.text
    assert counts(bare_app) == {"units": 0, "categories": 0, "service_standards": 0, "users": 0, "agency_settings": 0}
    assert client.get("/setup").status_code == 200  # still open


def test_the_first_run_page_refuses_markup_and_mismatched_passwords(bare_app):
    client = bare_app.test_client()
    form = {**first_run_form(client), "agency_en": "<script>alert(1)</script>"}
    refused = client.post("/setup", data=form)
    assert refused.status_code == 422 and "<script>alert(1)</script>" not in refused.text
    assert "HTML" in refused.text
    differ = client.post("/setup", data={**first_run_form(client), "password_again": "something-else-1"})
    assert differ.status_code == 422 and "The two passwords differ." in differ.text
    assert counts(bare_app)["users"] == 0


def test_pages_use_the_environment_name_until_setup_stores_one(bare_app):
    client = bare_app.test_client()
    assert "หน่วยงานตัวอย่าง" in client.get("/").text  # AGENCY_NAME_TH's default
    client.post("/setup", data=first_run_form(client))
    with bare_app.app_context():
        from complaints.services.catalogue import agency
        from complaints.services.channels import open311

        assert agency.name().th == "อำเภอตัวอย่าง"
        assert open311.discovery()["contact"] == "อำเภอตัวอย่าง / Example District"


def test_the_agency_settings_migration_goes_down_and_up(tmp_path):
    import flask_migrate
    from sqlalchemy import inspect

    uri = f"sqlite:///{tmp_path / 'm.sqlite'}"
    app = create_app(base_config(tmp_path, uri))
    with app.app_context():
        flask_migrate.upgrade()
        assert "agency_settings" in inspect(db.engine).get_table_names()
        flask_migrate.downgrade(revision="0024")
        assert "agency_settings" not in inspect(db.engine).get_table_names()
        flask_migrate.upgrade()
        db.session.execute(delete(AgencySettings))
        db.session.commit()
        db.engine.dispose()


# --- PostgreSQL ---------------------------------------------------------------------


@pytest.mark.postgres
def test_setup_on_postgresql_is_all_or_nothing(pg_app, tmp_path):
    with pg_app.app_context():
        db.session.execute(delete(User).where(User.role == "admin"))
        db.session.commit()
    before = counts(pg_app)
    runner = pg_app.test_cli_runner()
    bad = runner.invoke(
        args=setup_args(
            tmp_path,
            "--units-csv",
            write(tmp_path, "u.csv", GOOD_UNITS),
            "--categories-csv",
            write(tmp_path, "c.csv", GOOD_CATEGORIES + "x,ก,X,nowhere,,\n"),
        )
    )
    assert bad.exit_code != 0 and "unknown unit nowhere" in bad.output
    assert counts(pg_app) == before
    good = runner.invoke(
        args=setup_args(
            tmp_path,
            "--units-csv",
            write(tmp_path, "u.csv", GOOD_UNITS),
            "--categories-csv",
            write(tmp_path, "c.csv", GOOD_CATEGORIES),
        )
    )
    assert good.exit_code == 0, good.output
    with pg_app.app_context():
        assert db.session.scalar(select(Unit).where(Unit.code == "works")).parent.code == "hq"
        assert db.session.get(AgencySettings, 1).name_en == "Example City Municipality"


@pytest.mark.postgres
def test_the_agency_settings_migration_goes_down_and_up_on_postgresql(pg_database, tmp_path):
    import flask_migrate
    from sqlalchemy import inspect

    from tests.conftest import truncate_all

    truncate_all(pg_database)
    app = create_app(base_config(tmp_path, pg_database))
    with app.app_context():
        try:
            flask_migrate.downgrade(revision="0024")
            assert "agency_settings" not in inspect(db.engine).get_table_names()
        finally:
            flask_migrate.upgrade()  # the session's database stays at head for the other tests
        assert "agency_settings" in inspect(db.engine).get_table_names()
        db.engine.dispose()


def test_web_form_complaints_reach_the_demo_officer_and_tip_offs_only_the_integrity_officer(app):
    from tests.helpers import form_tokens

    runner = app.test_cli_runner()
    passwords = {}
    for username in ("officer", "integrity"):
        out = runner.invoke(args=["set-password", "--username", username, "--generate"]).output
        passwords[username] = re.search(r"is now '([^']+)'", out).group(1)
    citizen = app.test_client()
    numbers = {}
    for name, fields in {
        "chosen": {"kind": "complaint", "category": "ถนน", "description": "ถนนหน้าบ้านเป็นหลุม"},
        # No category: the shipped classifier routes it (a road is ฝ่ายโยธา's).
        "classified": {"kind": "complaint", "description": "ถนนในซอยเป็นหลุมบ่อขนาดใหญ่ ผิวถนนแตกร้าว รถล้มบ่อย"},
        "tip_off": {"kind": "tip_off", "description": "เจ้าหน้าที่เรียกรับเงินเพื่อเร่งออกใบอนุญาต"},
    }.items():
        sent = citizen.post("/complaints/new", data={**form_tokens(citizen), **fields, "privacy_accepted": "y"})
        assert sent.status_code == 302, sent.text[:500]
        numbers[name] = sent.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    officer, integrity = app.test_client(), app.test_client()
    login(officer, "officer", passwords["officer"])
    login(integrity, "integrity", passwords["integrity"])
    seen_by_officer, seen_by_integrity = queue_numbers(officer, "status=open"), queue_numbers(integrity, "status=open")
    assert {numbers["chosen"], numbers["classified"]} <= seen_by_officer
    assert numbers["tip_off"] not in seen_by_officer
    assert seen_by_integrity == {numbers["tip_off"]}


def test_the_first_run_page_refuses_oversized_fields_and_bad_usernames_and_cleans_hidden_characters(bare_app):
    client = bare_app.test_client()
    long_name = client.post("/setup", data={**first_run_form(client), "agency_th": "ก" * 5000})
    assert long_name.status_code == 422 and 'data-field="agency_th"' in long_name.text
    for username in ("admin'; DROP TABLE users;--", "../../etc/passwd", "ab"):
        bad = client.post("/setup", data={**first_run_form(client), "username": username})
        assert bad.status_code == 422 and "The username must be 3-80 characters" in bad.text, username
    assert counts(bare_app)["users"] == 0
    done = client.post("/setup", data={**first_run_form(client), "agency_th": "อำเภอ\u200bตัวอย่าง\u202e"})
    assert done.status_code == 302
    with bare_app.app_context():
        assert db.session.get(AgencySettings, 1).name_th == "อำเภอตัวอย่าง"  # zero-width and bidi removed
