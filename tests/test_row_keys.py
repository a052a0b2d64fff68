"""Issue 16, the rows pages name: attachments and outbox messages are addressed by a random
key, never their sequential row id.

An officer who saw attachments 41 and 43, or an admin who saw outbox messages 41 and 43,
learnt that a tip-off hidden from them had a photo or a message in between. These tests
crawl what each role sees and find no attachment or outbox message named by row id in any
link, image, form or data attribute; the integer attachment URL is gone for everyone; hostile
or unknown keys are a 404 page; and migration 0029 gives existing rows their keys.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from types import SimpleNamespace
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import select, update

from complaints.extensions import db
from complaints.ids import KEY_LENGTH
from complaints.models import Attachment, OutboxMessage, User
from complaints.services.unit_of_work import unit_of_work
from tests.helpers import case_url, complaint_by_number, csrf_from, make_staff, png_bytes, signed_in, submit_api

TIP = "เจ้าหน้าที่เรียกรับเงินใต้โต๊ะค่าซ่อมถนน"
TIP_EMAIL = "whistle.blower@example.org"
ATTACHMENT_URL = re.compile(r"/officer/attachments/([^\"'?#\s<>]*)")
KEY = re.compile(rf"[A-Za-z0-9_-]{{{KEY_LENGTH}}}")
# Who crawls, and the unit each works in (roads are public works').
ROLES = {"officer": "public-works", "supervisor": "district-office", "manager": None, "admin": None}


class _Refs(HTMLParser):
    """Every href, src and form action, every form value, every data-* attribute of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.values: list[tuple[str, str]] = []  # (input name, value)
        self.data: list[tuple[str, str]] = []  # (attribute, value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("href", "src", "action", "formaction"):
            if attrs.get(name):
                self.urls.append(attrs[name])
        if tag in ("input", "option", "button", "textarea", "select") and attrs.get("value") is not None:
            self.values.append((attrs.get("name") or "", attrs["value"]))
        self.data += [(name, value or "") for name, value in attrs.items() if name.startswith("data-")]


def _refs(html: str) -> _Refs:
    parser = _Refs()
    parser.feed(html)
    return parser


def _attach(app, number: str, username: str) -> SimpleNamespace:
    """A photo attached to the case by `username`: its row id, key and storage name."""
    from complaints.services.casework import case_actions
    from complaints.services.casework.intake import Upload

    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        with unit_of_work():  # the test is the entry point: it owns the transaction
            [attachment] = case_actions.attach_files(
                complaint_by_number(number), user, [Upload("files", "photo.png", png_bytes())]
            )
        return SimpleNamespace(id=attachment.id, url_key=attachment.url_key, storage_key=attachment.storage_key)


@pytest.fixture
def world(app, client):
    """Ordinary complaints with a photo each, before and after a tip-off with its own photo (a gap
    in the attachment and outbox ids between them); every acknowledgement failed."""
    make_staff(app, "keys-clerk", "officer", "public-works")
    make_staff(app, "keys-integrity", "integrity", "integrity")
    before = submit_api(client, description="ถนนเป็นหลุมลึกหน้าตลาด")
    tip = submit_api(client, kind="tip_off", description=TIP, contact={"name": "ผู้แจ้ง ลับ", "email": TIP_EMAIL})
    after = submit_api(client, description="ถนนเป็นหลุมลึกหน้าตลาด อีกครั้ง")
    photos = {
        before: _attach(app, before, "keys-clerk"),
        tip: _attach(app, tip, "keys-integrity"),
        after: _attach(app, after, "keys-clerk"),
    }
    with app.app_context():
        db.session.execute(update(OutboxMessage).values(status="failed", attempts=10, last_error="SMTP 421"))
        db.session.commit()
        messages = {
            number: db.session.scalars(
                select(OutboxMessage).where(OutboxMessage.complaint_id == complaint_by_number(number).id)
            ).all()
            for number in photos
        }
        messages = {number: [(m.id, m.url_key) for m in rows] for number, rows in messages.items()}
    assert photos[after].id > photos[tip].id > photos[before].id  # the gap row ids showed
    assert messages[after][0][0] > messages[tip][0][0] > messages[before][0][0]
    return {"ordinary": [before, after], "tip": tip, "photos": photos, "messages": messages}


def _row_ids(world) -> set[str]:
    return {str(p.id) for p in world["photos"].values()} | {
        str(i) for rows in world["messages"].values() for i, _ in rows
    }


def _assert_named_by_key(where: str, html: str, world) -> tuple[set[str], set[str]]:
    """No attachment or outbox message named by row id; (attachment keys, message keys) on the page."""
    refs = _refs(html)
    attachment_keys = set()
    for url in refs.urls:
        if (found := ATTACHMENT_URL.search(url)) is not None:
            assert KEY.fullmatch(found.group(1)), (where, url)
            attachment_keys.add(found.group(1))
    assert not re.search(r"/officer/attachments/\d+(?![\w-])", html), where
    message_keys = set()
    for name, value in refs.values:
        if "message" in name or "attachment" in name:
            assert name in ("message_key",) and KEY.fullmatch(value), (where, name, value)
            message_keys.add(value)
    for name, value in refs.data:
        assert name not in ("data-message-id", "data-attachment-id", "data-id"), (where, name)
        if name == "data-message-key":
            assert KEY.fullmatch(value), (where, value)
    # The outbox table's reference column shows the key, not a number.
    for cell in re.findall(r'<tr data-message-key="[^"]*">\s*<td>(.*?)</td>', html, re.S):
        assert re.fullmatch(rf'<code class="message-key">[\w-]{{{KEY_LENGTH}}}</code>', cell.strip()), (where, cell)
    return attachment_keys, message_keys


@pytest.mark.parametrize("role", sorted(ROLES))
def test_no_staff_page_names_an_attachment_or_outbox_message_by_its_row_id(app, world, role):
    viewer = signed_in(app, f"keys-{role}", role, ROLES[role])
    start = ["/officer/", "/officer/?status=all", "/admin/outbox", "/admin/outbox?channel=email"]
    start += [case_url(app, number) for number in world["ordinary"]]
    seen, queue = set(), list(start)
    attachment_keys, message_keys, pages = set(), set(), 0
    photos, messages = world["photos"], world["messages"]
    tip_keys = [photos[world["tip"]].url_key] + [key for _, key in messages[world["tip"]]]
    while queue and len(seen) < 60:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = viewer.get(path)
        if response.status_code in (302, 403, 404, 405) or response.mimetype != "text/html":
            continue
        assert response.status_code == 200, (path, response.status_code)
        html = response.get_data(as_text=True)
        pages += 1
        found_attachments, found_messages = _assert_named_by_key(path, html, world)
        attachment_keys |= found_attachments
        message_keys |= found_messages
        assert world["tip"] not in html and TIP not in html, path
        assert not [key for key in tip_keys if key in html], path
        for link in _refs(html).urls:
            target = urlsplit(urljoin(path, link))
            if (
                not target.netloc
                and target.path.startswith(("/officer/complaints/", "/admin/outbox"))
                and target.path != "/officer/complaints/new"
            ):
                queue.append(target.path + (f"?{target.query}" if target.query else ""))
    assert pages >= 3
    # Every ordinary photo is linked by its key; the tip-off's key appears nowhere.
    assert attachment_keys == {photos[n].url_key for n in world["ordinary"]}, role
    if role == "admin":  # the admin resends the ordinary messages by key; the tip-off's are only counted
        assert message_keys == {key for n in world["ordinary"] for _, key in messages[n]}
    else:
        assert message_keys == set()
    # Each photo opens by its key, for the role that may see its complaint.
    for number in world["ordinary"]:
        response = viewer.get(f"/officer/attachments/{photos[number].url_key}")
        assert response.status_code == 200 and response.mimetype == "image/png", (role, number)
        response.close()


def test_the_integer_attachment_route_is_gone_for_every_role(app, world):
    clients = {role: signed_in(app, f"gone-{role}", role, unit) for role, unit in ROLES.items()}
    clients["integrity"] = signed_in(app, "gone-integrity", "integrity", "integrity")
    for role, viewer in clients.items():
        for number, photo in world["photos"].items():
            response = viewer.get(f"/officer/attachments/{photo.id}")
            assert response.status_code == 404 and response.mimetype == "text/html", (role, number)
            assert "ไม่พบ" in response.get_data(as_text=True)
    # The rule itself is gone: no attachment route takes an integer.
    assert not [r.rule for r in app.url_map.iter_rules() if "attachment" in r.rule and "<int:" in r.rule]
    # The integrity officer opens the tip-off's photo by its key; everyone else gets the 404 of
    # an unknown key, word for word.
    tip_key = world["photos"][world["tip"]].url_key
    opened = clients["integrity"].get(f"/officer/attachments/{tip_key}")
    assert opened.status_code == 200 and opened.mimetype == "image/png"
    opened.close()
    unknown = "Z" * KEY_LENGTH
    for role in ROLES:
        hidden, missing = (clients[role].get(f"/officer/attachments/{k}") for k in (tip_key, unknown))
        assert hidden.status_code == missing.status_code == 404, role
        assert hidden.get_data(as_text=True) == missing.get_data(as_text=True), role


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "..%2F..%2Fetc%2Fpasswd",
        "A" * 21,
        "A" * 23,
        "A" * 5000,
        "%00" * 8,
        "' OR '1'='1' -- xxxxxxxxxx",
        "AAAAAAAAAAAAAAAAAAAAA%E2%80%8B",
        "%EF%BC%A1" * 22,
        "-1",
        "0",
        "１",
    ],
)
def test_hostile_attachment_keys_are_a_404_page_not_a_500(app, world, text):
    admin = signed_in(app, "root", "admin", None)
    response = admin.get(f"/officer/attachments/{text}")
    assert response.status_code == 404, (text, response.status_code)
    body = response.get_data(as_text=True)
    assert "ไม่พบ" in body and "<script>alert(1)" not in body


def test_the_storage_name_is_never_in_a_page_nor_a_url(app, world):
    officer = signed_in(app, "store-officer", "officer", "public-works")
    number = world["ordinary"][0]
    photo = world["photos"][number]
    html = officer.get(case_url(app, number)).get_data(as_text=True)
    stem = photo.storage_key.rsplit("/", 1)[-1].split(".")[0]
    assert photo.url_key in html and stem not in html and photo.storage_key not in html
    assert officer.get(f"/officer/attachments/{photo.storage_key}").status_code == 404
    assert officer.get(f"/officer/attachments/{stem}").status_code == 404


def test_an_admin_resends_by_key_and_a_row_id_or_a_tip_offs_key_is_refused(app, world):
    admin = signed_in(app, "resend-admin", "admin", None)
    token = csrf_from(admin.get("/admin/outbox").text)
    [(message_id, key)] = world["messages"][world["ordinary"][0]]
    [(tip_id, tip_key)] = world["messages"][world["tip"]]
    # The old form field, a row id: not read (no message named), whichever message it is.
    for value in (message_id, tip_id):
        assert admin.post("/admin/outbox/resend", data={"message_id": value, "csrf_token": token}).status_code == 422
        assert admin.post("/admin/outbox/resend", data={"message_key": value, "csrf_token": token}).status_code == 404
    hidden = admin.post("/admin/outbox/resend", data={"message_key": tip_key, "csrf_token": token})
    unknown = admin.post("/admin/outbox/resend", data={"message_key": "Q" * KEY_LENGTH, "csrf_token": token})
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.get_data(as_text=True) == unknown.get_data(as_text=True)
    assert admin.post("/admin/outbox/resend", data={"message_key": f" {key} ", "csrf_token": token}).status_code == 302
    with app.app_context():
        status = dict(db.session.execute(select(OutboxMessage.id, OutboxMessage.status)).all())
    assert status[message_id] == "pending" and status[tip_id] == "failed"


def _backfill(app) -> None:
    """0029: rows from before it get a key each, distinct and unguessable; the downgrade drops them."""
    import flask_migrate
    from sqlalchemy import inspect

    client = app.test_client()
    numbers = [submit_api(client, description=f"ถนนเป็นหลุมลึกหน้าบ้านเลขที่ {i + 1}") for i in range(3)]
    make_staff(app, "mig-clerk", "officer", "public-works")
    for number in numbers:
        _attach(app, number, "mig-clerk")
    with app.app_context():
        before = set(db.session.scalars(select(Attachment.url_key))) | set(
            db.session.scalars(select(OutboxMessage.url_key))
        )
        db.session.commit()
        flask_migrate.downgrade(revision="0028")
        for table in ("attachments", "outbox_messages"):
            assert "url_key" not in {c["name"] for c in inspect(db.engine).get_columns(table)}
        flask_migrate.upgrade()
        for model in (Attachment, OutboxMessage):
            keys = db.session.scalars(select(model.url_key)).all()
            assert len(keys) >= 3 and len(set(keys)) == len(keys) and all(KEY.fullmatch(k) for k in keys)
            assert not set(keys) & before  # new ones, not a function of anything old
        with pytest.raises(Exception, match="(?i)not null|null value"):
            db.session.execute(update(Attachment).values(url_key=None))
        db.session.rollback()
        key = db.session.scalar(select(Attachment.url_key))
    officer = signed_in(app, "mig-officer", "officer", "public-works")
    response = officer.get(f"/officer/attachments/{key}")
    assert response.status_code == 200 and response.mimetype == "image/png"
    response.close()


def test_migration_0029_gives_existing_rows_their_keys(app):
    _backfill(app)


@pytest.mark.postgres
def test_migration_0029_gives_existing_rows_their_keys_on_postgresql(pg_app):
    _backfill(pg_app)
